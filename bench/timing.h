/* timing.h: how a benchmark is timed. Warm-up first; then repetitions until the spread of the
 * times is small or the time cap is reached; then the order statistics of the repetitions.
 *
 * Hot mode times a kernel whose inputs sit in the caches from the previous repetition (as inside
 * a forward pass); cold mode evicts every cache level before each repetition (the flush is not
 * timed), as for a kernel that follows other work.
 */
#ifndef LX_BENCH_TIMING_H
#define LX_BENCH_TIMING_H

#include <stdbool.h>

typedef struct lx_bench_opts {
  double max_seconds;   /* time cap for the repetitions of one kernel (warm-up excluded) */
  int min_reps;         /* at least this many repetitions */
  int max_reps;         /* at most */
  double target_spread; /* stop once (p75 - p25) / median is below this */
  bool cold;            /* flush the caches before each repetition */
  /* Another device's clock and caches (the GPU's): the seconds one call of fn takes on it, and
   * its cache flush for cold mode. NULL: the host's monotonic clock and lx_bench_flush_caches. */
  double (*time_call)(void (*fn)(void *ctx), void *ctx);
  void (*flush)(void);
} lx_bench_opts;

typedef struct lx_bench_timing {
  int reps;
  double min_s, median_s, p99_s, mean_s;
  double spread; /* (p75 - p25) / median of the repetitions */
} lx_bench_timing;

typedef void (*lx_bench_fn)(void *ctx);

/* The defaults: 1 s cap, 5 to 10000 repetitions, 2% spread, hot. */
lx_bench_opts lx_bench_default_opts(void);

lx_bench_timing lx_bench_time(lx_bench_fn fn, void *ctx, const lx_bench_opts *opts);

/* Evicts the caches: reads and writes a buffer larger than any last-level cache. */
void lx_bench_flush_caches(void);

#endif
