/* threads.h: a small persistent thread pool for lynxeval's own kernels.
 *
 * Matrix products go to OpenBLAS (which has its own threads); everything else (attention rows,
 * norms, activations, conversions) is split over this pool. Idle workers sleep on a condition
 * variable, so they never compete with OpenBLAS for the cores. lx_threads_set also sets OpenBLAS's
 * thread count, so one number governs both.
 */
#ifndef LX_THREADS_H
#define LX_THREADS_H

/* Processes items [begin, end). */
typedef void (*lx_range_fn)(void *ctx, int begin, int end);

/* Sets the number of threads (>= 1). 0 means: $LYNXEVAL_THREADS if set, else the online cores.
 * May be called at any time outside a parallel region. */
void lx_threads_set(int n);
int lx_threads_count(void);

/* Calls fn on disjoint chunks covering [0, n_items), in parallel, and returns when all are done.
 * Chunks hold at least `grain` items. A call from inside a worker runs serially. */
void lx_parallel_for(int n_items, int grain, lx_range_fn fn, void *ctx);

#endif
