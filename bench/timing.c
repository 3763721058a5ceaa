/* timing.c: the repetition loop and its statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/timing.h"
#include "common/clock.h"
#include "common/error.h"

#define FLUSH_BYTES ((size_t)256 << 20) /* larger than the last-level cache of any current CPU */

lx_bench_opts lx_bench_default_opts(void) {
  return (lx_bench_opts){1.0, 5, 10000, 0.02, false, NULL, NULL};
}

void lx_bench_flush_caches(void) {
  static unsigned char *buf;
  if (!buf) buf = lx_xcalloc(FLUSH_BYTES, 1);
  volatile unsigned char sink = 0;
  for (size_t i = 0; i < FLUSH_BYTES; i += 64) {
    buf[i] = (unsigned char)(buf[i] + 1);
    sink ^= buf[i];
  }
  (void)sink;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Linear interpolation between order statistics of sorted v[n], q in [0, 1]. */
static double quantile(const double *v, int n, double q) {
  double pos = q * (n - 1);
  int i = (int)floor(pos);
  if (i >= n - 1) return v[n - 1];
  return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

static double spread_of(double *sorted, const double *times, int n) {
  memcpy(sorted, times, (size_t)n * sizeof(double));
  qsort(sorted, (size_t)n, sizeof(double), cmp_double);
  double med = quantile(sorted, n, 0.5);
  return med > 0 ? (quantile(sorted, n, 0.75) - quantile(sorted, n, 0.25)) / med : 0;
}

lx_bench_timing lx_bench_time(lx_bench_fn fn, void *ctx, const lx_bench_opts *o) {
  /* warm-up: one call (pages, caches, thread pool), then more until 10% of the cap or 3 calls */
  double w0 = lx_seconds();
  fn(ctx);
  for (int i = 0; i < 2 && lx_seconds() - w0 < 0.1 * o->max_seconds; i++) fn(ctx);

  int cap = o->max_reps > 0 ? o->max_reps : 1;
  double *times = lx_xcalloc((size_t)cap, sizeof(double));
  double *sorted = lx_xcalloc((size_t)cap, sizeof(double));
  int n = 0;
  double spent = 0;
  while (n < cap) {
    if (o->cold) (o->flush ? o->flush : lx_bench_flush_caches)();
    double t;
    if (o->time_call) {
      t = o->time_call(fn, ctx);
    } else {
      double t0 = lx_seconds();
      fn(ctx);
      t = lx_seconds() - t0;
    }
    times[n++] = t;
    spent += t;
    if (n < o->min_reps) continue;
    if (spent >= o->max_seconds) break;
    /* checking the spread costs a sort: every 5 repetitions is enough */
    if (n % 5 == 0 && n >= 10 && spread_of(sorted, times, n) < o->target_spread) break;
  }
  lx_bench_timing r = {.reps = n};
  r.spread = spread_of(sorted, times, n);
  r.min_s = sorted[0];
  r.median_s = quantile(sorted, n, 0.5);
  r.p99_s = quantile(sorted, n, 0.99);
  double sum = 0;
  for (int i = 0; i < n; i++) sum += times[i];
  r.mean_s = sum / n;
  free(times);
  free(sorted);
  return r;
}
