/* ceilings.h: this machine's limits, measured by the harness itself in the same run as the
 * kernels it judges: peak float32 FMA rate, peak bfloat16 dot-product rate (vdpbf16ps), peak
 * AMX bf16 tile rate (tdpbf16ps, where present), and read bandwidth from a buffer far larger than
 * the caches, on one thread and on all of them.
 */
#ifndef LX_BENCH_CEILINGS_H
#define LX_BENCH_CEILINGS_H

typedef struct lx_ceilings {
  int threads;
  double f32_gflops, f32_gflops_1t;   /* peak fused multiply-add rate, 2 flops per FMA lane */
  double bf16_gflops, bf16_gflops_1t; /* peak vdpbf16ps rate; 0 where the CPU lacks it */
  double amx_gflops, amx_gflops_1t;   /* peak AMX tdpbf16ps rate; 0 where the CPU lacks it */
  double read_gbs, read_gbs_1t;       /* large-array read bandwidth, GB/s (1e9 bytes) */
} lx_ceilings;

/* Measures every ceiling (a few seconds). */
void lx_ceilings_measure(lx_ceilings *c, int threads);

/* Read bandwidth on `threads` threads, best of a few passes over a large buffer (about 0.2 s):
 * measured again beside each memory-bound kernel, since bandwidth on a shared host changes. */
double lx_read_bandwidth(int threads);

/* The peak loops (ceilings_avx512.c on x86-64 with AVX-512; portable loops otherwise). Each
 * returns the floating-point operations it did; iters is the loop count. */
double lx_peak_f32_loop(long iters);
double lx_peak_bf16_loop(long iters); /* 0 without AVX512-BF16 */
double lx_peak_amx_loop(long iters);  /* 0 without AMX-BF16 */
unsigned lx_read_loop(const void *p,
                      unsigned long bytes); /* reads every byte; returns a checksum */

#endif
