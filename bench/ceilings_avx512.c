/* ceilings_avx512.c: the peak loops with AVX-512 and AVX512-BF16 (built with them enabled; called
 * only where cpu.h says the processor has them). Twelve independent chains hide the latency of
 * the fused multiply-add, so the loop runs at the issue rate. */
#include <immintrin.h>

#include "bench/ceilings.h"

#define CHAINS 12

double lx_peak_f32_avx512(long iters);
double lx_peak_bf16_avx512(long iters);
unsigned lx_read_avx512(const void *p, unsigned long bytes);

double lx_peak_f32_avx512(long iters) {
  __m512 acc[CHAINS];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12 /* all chains in registers */
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return (double)iters * CHAINS * 16 * 2;
}

double lx_peak_bf16_avx512(long iters) {
  __m512 acc[CHAINS];
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80); /* 1.0 */
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x3380); /* 2^-24: the sums stay finite */
  for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return (double)iters * CHAINS * 32 * 2; /* 16 lanes x 2 products, each a multiply and an add */
}

unsigned lx_read_avx512(const void *p, unsigned long bytes) {
  const __m512i *v = p;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  unsigned long n = bytes / 256;
  for (unsigned long i = 0; i < n; i++) {
    a0 = _mm512_add_epi32(a0, _mm512_loadu_si512(v + 4 * i));
    a1 = _mm512_add_epi32(a1, _mm512_loadu_si512(v + 4 * i + 1));
    a2 = _mm512_add_epi32(a2, _mm512_loadu_si512(v + 4 * i + 2));
    a3 = _mm512_add_epi32(a3, _mm512_loadu_si512(v + 4 * i + 3));
  }
  a0 = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
  unsigned lanes[16], sum = 0;
  _mm512_storeu_si512(lanes, a0);
  for (int i = 0; i < 16; i++) sum += lanes[i]; /* wraps, as a checksum may */
  return sum;
}
