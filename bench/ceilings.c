/* ceilings.c: measuring the machine's peak rates and read bandwidth. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/ceilings.h"
#include "bench/timing.h"
#include "common/clock.h"
#include "common/error.h"
#include "model/cpu.h"
#include "model/threads.h"

#define READ_BYTES ((size_t)512 << 20) /* 512 MiB: far beyond any cache */
#define HUGE_PAGE  ((size_t)2 << 20)

#if defined(__x86_64__)
double lx_peak_f32_avx512(long iters);
double lx_peak_bf16_avx512(long iters);
double lx_peak_amx_bf16(long iters);
unsigned lx_read_avx512(const void *p, unsigned long bytes);
#endif

/* Portable loops: eight float chains the compiler may vectorize for its baseline target. */
static double peak_f32_portable(long iters) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < 8; i++) acc[i] = acc[i] * 0.999999f + 1e-7f;
  volatile float sink = acc[0] + acc[7];
  (void)sink;
  return (double)iters * 8 * 2;
}

static unsigned read_portable(const void *p, unsigned long bytes) {
  const uint64_t *v = p;
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (unsigned long i = 0; i + 4 <= bytes / 8; i += 4) {
    a += v[i];
    b += v[i + 1];
    c += v[i + 2];
    d += v[i + 3];
  }
  return (unsigned)(a + b + c + d);
}

double lx_peak_f32_loop(long iters) {
#if defined(__x86_64__)
  if (lx_cpu()->avx512) return lx_peak_f32_avx512(iters);
#endif
  return peak_f32_portable(iters);
}

double lx_peak_bf16_loop(long iters) {
#if defined(__x86_64__)
  if (lx_cpu()->avx512_bf16) return lx_peak_bf16_avx512(iters);
#endif
  (void)iters;
  return 0;
}

double lx_peak_amx_loop(long iters) {
#if defined(__x86_64__)
  if (lx_cpu()->amx_bf16) return lx_peak_amx_bf16(iters);
#endif
  (void)iters;
  return 0;
}

unsigned lx_read_loop(const void *p, unsigned long bytes) {
#if defined(__x86_64__)
  if (lx_cpu()->avx512) return lx_read_avx512(p, bytes);
#endif
  return read_portable(p, bytes);
}

/* ---- running a loop on every thread at once -------------------------------------------------- */

typedef struct peak_job {
  double (*loop)(long);
  long iters;
  double flops[64];
} peak_job;

static void peak_chunk(void *ctx, int begin, int end) {
  peak_job *j = ctx;
  for (int t = begin; t < end; t++) j->flops[t] = j->loop(j->iters);
}

/* Best rate of 5 runs of `loop` on `threads` threads (each thread runs one copy). */
static double peak_rate(double (*loop)(long), int threads) {
  if (threads > 64) threads = 64;
  long iters = 1 << 16;
  /* size the run to about 50 ms */
  for (;;) {
    double t0 = lx_seconds();
    loop(iters);
    if (lx_seconds() - t0 > 0.01 || iters > (1L << 40)) break;
    iters *= 2;
  }
  iters *= 5;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    peak_job j = {loop, iters, {0}};
    double t0 = lx_seconds();
    if (threads == 1)
      peak_chunk(&j, 0, 1);
    else
      lx_parallel_for(threads, 1, peak_chunk, &j);
    double t = lx_seconds() - t0, flops = 0;
    for (int i = 0; i < threads; i++) flops += j.flops[i];
    if (flops / t > best) best = flops / t;
  }
  return best / 1e9;
}

/* ---- read bandwidth ------------------------------------------------------------------------ */

static unsigned char *read_buffer(void) {
  static unsigned char *buf;
  if (buf) return buf;
  buf = aligned_alloc(HUGE_PAGE, READ_BYTES);
  if (!buf) buf = lx_xmalloc(READ_BYTES); /* 16-byte aligned at least; aborts when out of memory */
#ifdef MADV_HUGEPAGE
  madvise(buf, READ_BYTES, MADV_HUGEPAGE); /* as the weights are mapped */
#endif
  for (size_t i = 0; i < READ_BYTES; i++) buf[i] = (unsigned char)(i * 131u);
  return buf;
}

typedef struct read_job {
  const unsigned char *buf;
  size_t slice;
  volatile unsigned sink;
} read_job;

static void read_chunk(void *ctx, int begin, int end) {
  read_job *j = ctx;
  for (int t = begin; t < end; t++)
    j->sink += lx_read_loop(j->buf + (size_t)t * j->slice, j->slice);
}

static double read_rate(int threads, int passes) {
  const unsigned char *buf = read_buffer();
  read_job j = {buf, (READ_BYTES / (size_t)threads) & ~(size_t)255, 0};
  double best = 0;
  for (int p = 0; p < passes; p++) {
    double t0 = lx_seconds();
    if (threads == 1)
      read_chunk(&j, 0, 1);
    else
      lx_parallel_for(threads, 1, read_chunk, &j);
    double t = lx_seconds() - t0;
    double rate = (double)j.slice * threads / t / 1e9;
    if (rate > best) best = rate;
  }
  return best;
}

double lx_read_bandwidth(int threads) {
  return read_rate(threads, 5);
}

void lx_ceilings_measure(lx_ceilings *c, int threads) {
  memset(c, 0, sizeof *c);
  c->threads = threads;
  c->f32_gflops_1t = peak_rate(lx_peak_f32_loop, 1);
  c->f32_gflops = threads > 1 ? peak_rate(lx_peak_f32_loop, threads) : c->f32_gflops_1t;
  if (lx_cpu()->avx512_bf16) {
    c->bf16_gflops_1t = peak_rate(lx_peak_bf16_loop, 1);
    c->bf16_gflops = threads > 1 ? peak_rate(lx_peak_bf16_loop, threads) : c->bf16_gflops_1t;
  }
  if (lx_cpu()->amx_bf16) {
    c->amx_gflops_1t = peak_rate(lx_peak_amx_loop, 1);
    c->amx_gflops = threads > 1 ? peak_rate(lx_peak_amx_loop, threads) : c->amx_gflops_1t;
  }
  read_rate(threads, 1); /* first touch of the pages outside the timing */
  c->read_gbs_1t = read_rate(1, 5);
  c->read_gbs = threads > 1 ? read_rate(threads, 5) : c->read_gbs_1t;
}
