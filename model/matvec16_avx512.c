/* matvec16_avx512.c: the AVX-512 16-bit matrix-vector kernels (matvec16.h). This file is built
 * with AVX-512 enabled and is called only on processors that have it (cpu.h). */
#include <immintrin.h>
#include <string.h>

#include "common/error.h"
#include "model/matvec16.h"

void lx_matvec16_prepare_avx512(float *xp, const float *x, int K, lx_dtype dt) {
  if (dt != LX_BF16) {
    memcpy(xp, x, (size_t)K * sizeof(float));
    return;
  }
  int k = 0;
  for (; k + 32 <= K; k += 32)
    for (int i = 0; i < 16; i++) {
      xp[k + i] = x[k + 2 * i];
      xp[k + 16 + i] = x[k + 2 * i + 1];
    }
  for (; k < K; k++) xp[k] = x[k];
}

/* Two weight rows at a time against M rows of x: 4 * M independent accumulator chains. */
static inline __attribute__((always_inline)) void bf16_rows(float *y, int ldy, const float *xp,
                                                            const int M, const uint16_t *w, int K,
                                                            int n0, int n1, bool accumulate) {
  const __m512i high = _mm512_set1_epi32((int)0xffff0000u);
  const int K32 = K & ~31;
  int n = n0;
  for (; n < n1; n += 2) {
    const int rows = n + 1 < n1 ? 2 : 1;
    __m512 acc[2][LX_MATVEC16_ROWS][2];
    for (int r = 0; r < 2; r++)
      for (int m = 0; m < M; m++) acc[r][m][0] = acc[r][m][1] = _mm512_setzero_ps();
    const uint16_t *w0 = w + (size_t)n * K;
    const uint16_t *w1 = rows == 2 ? w0 + K : w0; /* a lone last row is computed twice */
    for (int k = 0; k < K32; k += 32) {
      __m512i v0 = _mm512_loadu_si512((const void *)(w0 + k));
      __m512i v1 = _mm512_loadu_si512((const void *)(w1 + k));
      __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16));
      __m512 o0 = _mm512_castsi512_ps(_mm512_and_si512(v0, high));
      __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16));
      __m512 o1 = _mm512_castsi512_ps(_mm512_and_si512(v1, high));
      for (int m = 0; m < M; m++) {
        __m512 xe = _mm512_loadu_ps(xp + (size_t)m * K + k);
        __m512 xo = _mm512_loadu_ps(xp + (size_t)m * K + k + 16);
        acc[0][m][0] = _mm512_fmadd_ps(e0, xe, acc[0][m][0]);
        acc[0][m][1] = _mm512_fmadd_ps(o0, xo, acc[0][m][1]);
        acc[1][m][0] = _mm512_fmadd_ps(e1, xe, acc[1][m][0]);
        acc[1][m][1] = _mm512_fmadd_ps(o1, xo, acc[1][m][1]);
      }
    }
    for (int r = 0; r < rows; r++) {
      const uint16_t *wr = r ? w1 : w0;
      for (int m = 0; m < M; m++) {
        float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][m][0], acc[r][m][1]));
        const float *xr = xp + (size_t)m * K;
        for (int k = K32; k < K; k++) s += lx_bf16_to_f32(wr[k]) * xr[k];
        float *out = y + (size_t)m * ldy + n + r;
        *out = accumulate ? *out + s : s;
      }
    }
  }
}

/* One row of x (decode at batch 1): four weight rows at a time, so that four streams of weights
 * are in flight, each fetched ahead by software prefetch. Same sums as bf16_rows (per row, the
 * even and odd lanes in two chains, added at the end). */
#define BF16_AHEAD 1024 /* elements (2 KB) ahead of the loads, per weight row */
static void bf16_rows_m1(float *y, const float *xp, const uint16_t *w, int K, int n0, int n1,
                         bool accumulate) {
  const __m512i high = _mm512_set1_epi32((int)0xffff0000u);
  const int K32 = K & ~31;
  int n = n0;
  for (; n + 4 <= n1; n += 4) {
    __m512 acc[4][2];
    for (int r = 0; r < 4; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    const uint16_t *wr[4];
    for (int r = 0; r < 4; r++) wr[r] = w + (size_t)(n + r) * K;
    for (int k = 0; k < K32; k += 32) {
      const __m512 xe = _mm512_loadu_ps(xp + k), xo = _mm512_loadu_ps(xp + k + 16);
      for (int r = 0; r < 4; r++) {
        if (k + BF16_AHEAD < K) _mm_prefetch((const char *)(wr[r] + k + BF16_AHEAD), _MM_HINT_T0);
        __m512i v = _mm512_loadu_si512((const void *)(wr[r] + k));
        acc[r][0] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), xe, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v, high)), xo, acc[r][1]);
      }
    }
    for (int r = 0; r < 4; r++) {
      float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
      for (int k = K32; k < K; k++) s += lx_bf16_to_f32(wr[r][k]) * xp[k];
      y[n + r] = accumulate ? y[n + r] + s : s;
    }
  }
  if (n < n1) bf16_rows(y, 0, xp, 1, w, K, n, n1, accumulate);
}

/* F16: vcvtph2ps widens 16 at a time; x stays in order. */
static inline __attribute__((always_inline)) void f16_rows(float *y, int ldy, const float *xp,
                                                           const int M, const uint16_t *w, int K,
                                                           int n0, int n1, bool accumulate) {
  const int K16 = K & ~15;
  for (int n = n0; n < n1; n++) {
    __m512 acc[LX_MATVEC16_ROWS][2];
    for (int m = 0; m < M; m++) acc[m][0] = acc[m][1] = _mm512_setzero_ps();
    const uint16_t *wr = w + (size_t)n * K;
    int k = 0;
    for (; k + 32 <= K16; k += 32) {
      __m512 a = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wr + k)));
      __m512 b = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wr + k + 16)));
      for (int m = 0; m < M; m++) {
        acc[m][0] = _mm512_fmadd_ps(a, _mm512_loadu_ps(xp + (size_t)m * K + k), acc[m][0]);
        acc[m][1] = _mm512_fmadd_ps(b, _mm512_loadu_ps(xp + (size_t)m * K + k + 16), acc[m][1]);
      }
    }
    for (; k < K16; k += 16) {
      __m512 a = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wr + k)));
      for (int m = 0; m < M; m++)
        acc[m][0] = _mm512_fmadd_ps(a, _mm512_loadu_ps(xp + (size_t)m * K + k), acc[m][0]);
    }
    for (int m = 0; m < M; m++) {
      float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[m][0], acc[m][1]));
      const float *xr = xp + (size_t)m * K;
      for (int kk = K16; kk < K; kk++) s += lx_f16_to_f32(wr[kk]) * xr[kk];
      float *out = y + (size_t)m * ldy + n;
      *out = accumulate ? *out + s : s;
    }
  }
}

void lx_matvec16_rows_avx512(float *y, int ldy, const float *xp, int M, const uint16_t *w,
                             lx_dtype dt, int K, int n0, int n1, bool accumulate) {
  LX_CHECK(M >= 1 && M <= LX_MATVEC16_ROWS);
#define LX_CASE(MM)                                        \
  case MM:                                                 \
    if (dt == LX_BF16)                                     \
      bf16_rows(y, ldy, xp, MM, w, K, n0, n1, accumulate); \
    else                                                   \
      f16_rows(y, ldy, xp, MM, w, K, n0, n1, accumulate);  \
    break;
  if (M == 1 && dt == LX_BF16) {
    bf16_rows_m1(y, xp, w, K, n0, n1, accumulate);
    return;
  }
  switch (M) {
    LX_CASE(1)
    LX_CASE(2)
    LX_CASE(3)
    LX_CASE(4)
  }
#undef LX_CASE
}
