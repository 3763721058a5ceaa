/* run_info.h: what a benchmark result must record to be compared later: the machine, the build
 * (compiler, flags, BLAS, commit), the kernel family dispatched, the threads, and when. */
#ifndef LX_BENCH_RUN_INFO_H
#define LX_BENCH_RUN_INFO_H

#include <cJSON.h>

/* A new JSON object describing this run on this machine with `threads` threads. */
cJSON *lx_bench_run_info(int threads);

#endif
