/* bench_kernels.h: `lynxeval bench kernels`: every kernel case (kernel_cases.h), checked against
 * its reference and timed (timing.h), judged against the ceilings measured in the same run
 * (ceilings.h).
 *
 * Each kernel's floor is the roofline: max(flops / peak, bytes / read bandwidth), with the bf16
 * peak for products computed in bf16 and the float32 peak otherwise; "% of ceiling" is floor /
 * median time.
 * For kernels whose floor is set by memory, the read bandwidth is measured again just before
 * them, since on a shared host it changes from minute to minute.
 */
#ifndef LX_BENCH_KERNELS_H
#define LX_BENCH_KERNELS_H

#include <cJSON.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>

#include "bench/timing.h"
#include "common/error.h"
#include "model/backend.h"

typedef struct lx_bench_kernels_opts {
  const char *filter;   /* POSIX extended regular expression on case names; NULL = all */
  lx_bench_opts timing; /* its max_seconds is the cap over all rounds */
  int rounds;           /* passes over the kernels (1..16) */
  lx_backend *backend;  /* the CPU backend: the cases run on it (the GPU's use its threads) */
  FILE *progress;       /* a line per kernel as it finishes; NULL = quiet */
} lx_bench_kernels_opts;

/* Runs the cases; *report gets the result (run info, ceilings, one entry per kernel). Fails only
 * on a bad filter or when no case matches it. Failed correctness checks are in the report
 * ("ok": false). */
int lx_bench_kernels(const lx_bench_kernels_opts *o, cJSON **report, lx_error *err);

/* The same on the GPU (`--device cuda`; built with the CUDA backend only): the cases the GPU
 * has, each checked against the same reference, timed with CUDA events (cold mode flushes the
 * L2), against ceilings measured on the card in the same run: a 1 GiB device copy (bytes read
 * plus written per second) and large cuBLASLt products in bf16 and float32. bf16 attention is
 * not there yet and is left out. Fails when there is no usable GPU. */
int lx_bench_kernels_cuda(const lx_bench_kernels_opts *o, cJSON **report, lx_error *err);

/* One kernel's entry in a report (shared by the CPU and GPU runs): its case, its timing and how
 * it was judged. The error is checked against lx_kernel_tolerance. */
struct lx_kernel_case;
typedef struct lx_kernel_result {
  const struct lx_kernel_case *c;
  lx_bench_timing t;
  bool memory_bound;
  const char *ceiling; /* "read bandwidth", "bf16 peak", ... */
  double ceiling_value, ceiling_spread, floor_s, error;
  int rounds;
  double spread_between_rounds;
} lx_kernel_result;
cJSON *lx_bench_kernel_entry(const lx_kernel_result *k);

/* --filter's regular expression compiled into *re (nothing to compile, or free, when filter is
 * NULL); a bad one is named in err. */
int lx_bench_filter_compile(regex_t *re, const char *filter, lx_error *err);

/* The report as a table. */
void lx_bench_print_kernels(FILE *out, const cJSON *report);

/* Number of kernels in the report whose correctness check failed. */
int lx_bench_failed_checks(const cJSON *report);

#endif
