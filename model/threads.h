/* threads.h: a small persistent thread pool for lynxeval's own kernels.
 *
 * float32 matrix products go to OpenBLAS (which has its own threads); everything else (16-bit
 * products, attention rows, norms, activations, conversions) is split over this pool. An idle
 * worker spins for a few microseconds, then yields its core (sched_yield, so OpenBLAS's threads
 * run first) for up to about a millisecond, and then sleeps on a condition variable: decode runs
 * a few hundred short jobs per token, and waking a sleeping thread takes tens of microseconds.
 * lx_threads_set also sets OpenBLAS's thread count, so one number governs both.
 */
#ifndef LX_THREADS_H
#define LX_THREADS_H

#include <stdbool.h>

/* Processes items [begin, end). */
typedef void (*lx_range_fn)(void *ctx, int begin, int end);

/* Sets the number of threads (>= 1). 0 means: $LYNXEVAL_THREADS if set, else the CPUs this
 * process may run on (lx_cpus_usable). May be called at any time outside a parallel region. */
void lx_threads_set(int n);
int lx_threads_count(void);

/* The CPUs in this process's affinity mask (under mpirun, srun or taskset, fewer than the online
 * cores), or the online cores where the mask cannot be read. */
int lx_cpus_usable(void);

/* Calls fn on disjoint chunks covering [0, n_items), in parallel, and returns when all are done.
 * Chunks hold at least `grain` items. A call from inside a worker runs serially. */
void lx_parallel_for(int n_items, int grain, lx_range_fn fn, void *ctx);

/* The same for many items of similar cost: they are cut into several chunks per thread, and
 * each thread claims the next unclaimed chunk until none is left, so a thread that falls behind
 * does not hold the others up. The chunks are the same on every call with the same n_items,
 * grain and thread count; only which thread runs which one changes. Each chunk must therefore
 * compute its items without depending on the others. */
void lx_parallel_for_dynamic(int n_items, int grain, lx_range_fn fn, void *ctx);

/* Hand-off accounting for profiles: while on, each parallel call adds to a process-wide sum the
 * time its calling thread spent not working on it (publishing the job, then waiting for the
 * slowest worker to finish: wake-up latency and imbalance). Off by default (two clock reads per
 * call when on). */
void lx_threads_measure_handoffs(bool on);
double lx_threads_handoff_seconds(void);

#endif
