/* gemm_bf16_avx512.c: the AVX512-BF16 matrix product (gemm_bf16.h). Built with AVX512-BF16
 * enabled; called only where the processor has it (cpu.h). */
#include <immintrin.h>
#include <string.h>

#include "model/gemm_bf16.h"
#include "model/tensor.h"

#define MB LX_GEMM_BF16_MB
#define NB LX_GEMM_BF16_NB

size_t lx_gemm_bf16_packed_len(int M, int K) {
  size_t blocks = (size_t)(M + MB - 1) / MB, pairs = (size_t)(K + 1) / 2;
  return blocks * pairs * MB;
}

void lx_gemm_bf16_pack(uint32_t *xp, const float *x, int M, int K) {
  const int pairs = (K + 1) / 2;
  for (int b = 0; b * MB < M; b++) {
    uint32_t *blk = xp + (size_t)b * pairs * MB;
    for (int lane = 0; lane < MB; lane++) {
      int m = b * MB + lane;
      if (m >= M) {
        for (int p = 0; p < pairs; p++) blk[(size_t)p * MB + lane] = 0;
        continue;
      }
      const float *row = x + (size_t)m * K;
      int p = 0;
      /* 32 values -> 16 pairs at a time; vcvtne2ps2bf16 rounds to nearest even */
      for (; 2 * p + 32 <= K; p += 16) {
        __m512bh v =
            _mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + 2 * p + 16), _mm512_loadu_ps(row + 2 * p));
        uint32_t tmp[16];
        _mm512_storeu_si512(tmp, (__m512i)v);
        for (int i = 0; i < 16; i++) blk[(size_t)(p + i) * MB + lane] = tmp[i];
      }
      for (; p < pairs; p++) {
        uint32_t lo = lx_f32_to_bf16(row[2 * p]);
        uint32_t hi = 2 * p + 1 < K ? lx_f32_to_bf16(row[2 * p + 1]) : 0;
        blk[(size_t)p * MB + lane] = lo | hi << 16;
      }
    }
  }
}

/* One tile: 16 rows of x (block xb) against weight rows n0 .. n0 + nc - 1 (nc <= NB). */
static inline __attribute__((always_inline)) void tile(float *y, int ldy, const uint32_t *xb,
                                                       int rows, const uint16_t *w, int K, int n0,
                                                       const int nc, bool accumulate) {
  const int pairs = K / 2;
  __m512 acc[NB];
  for (int j = 0; j < nc; j++) acc[j] = _mm512_setzero_ps();
  const uint16_t *wr[NB];
  for (int j = 0; j < nc; j++) wr[j] = w + (size_t)(n0 + j) * K;
  for (int p = 0; p < pairs; p++) {
    __m512bh a = (__m512bh)_mm512_loadu_si512(xb + (size_t)p * MB);
    for (int j = 0; j < nc; j++) {
      uint32_t pair;
      memcpy(&pair, wr[j] + 2 * p, 4);
      acc[j] = _mm512_dpbf16_ps(acc[j], a, (__m512bh)_mm512_set1_epi32((int)pair));
    }
  }
  if (K & 1) { /* the last, unpaired k: its pair was packed as (x, 0) */
    __m512bh a = (__m512bh)_mm512_loadu_si512(xb + (size_t)pairs * MB);
    for (int j = 0; j < nc; j++) {
      uint32_t pair = wr[j][K - 1];
      acc[j] = _mm512_dpbf16_ps(acc[j], a, (__m512bh)_mm512_set1_epi32((int)pair));
    }
  }
  /* acc[j] lane l is y[row l, n0 + j]: transpose through a small buffer */
  float t[NB][MB];
  for (int j = 0; j < nc; j++) _mm512_storeu_ps(t[j], acc[j]);
  for (int l = 0; l < rows; l++) {
    float *out = y + (size_t)l * ldy + n0;
    if (accumulate)
      for (int j = 0; j < nc; j++) out[j] += t[j][l];
    else
      for (int j = 0; j < nc; j++) out[j] = t[j][l];
  }
}

void lx_gemm_bf16_cols(float *y, int ldy, const uint32_t *xp, int M, const uint16_t *w, int K,
                       int n0, int n1, bool accumulate) {
  const int pairs = (K + 1) / 2;
  /* weight panel outer (it stays in L2 while every block of x passes), blocks of x inner */
  for (int n = n0; n < n1; n += NB) {
    int nc = n1 - n < NB ? n1 - n : NB;
    for (int b = 0; b * MB < M; b++) {
      int rows = M - b * MB < MB ? M - b * MB : MB;
      float *yb = y + (size_t)b * MB * ldy;
      const uint32_t *xb = xp + (size_t)b * pairs * MB;
      if (nc == NB)
        tile(yb, ldy, xb, rows, w, K, n, NB, accumulate);
      else
        tile(yb, ldy, xb, rows, w, K, n, nc, accumulate);
    }
  }
}
