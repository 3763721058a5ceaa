/* gemm_widened_avx512.c: the widening float32 product (gemm_widened.h). Built with AVX-512
 * enabled; called only where the processor has it (cpu.h). */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "model/gemm_bf16.h"
#include "model/gemm_widened.h"

#define NB LX_GEMM_WIDENED_NB
#define MR LX_GEMM_WIDENED_MR

/* Rows [0, R) of x against the panel's `full` pairs, R <= MR a constant in each instantiation;
 * `odd_last`: also the last weight of an odd K (pair `full`, alone). */
static inline __attribute__((always_inline)) void tile(float *y, int ldy, const float *x, int ldx,
                                                       const int R, const uint32_t *wp, int full,
                                                       bool odd_last, int nc, bool accumulate) {
  const __m512i high = _mm512_set1_epi32((int)0xffff0000u);
  __m512 acc[MR][2];
  for (int m = 0; m < R; m++) acc[m][0] = acc[m][1] = _mm512_setzero_ps();
  for (int p = 0; p < full; p++) {
    const __m512i v0 = _mm512_loadu_si512((const void *)(wp + (size_t)p * NB));
    const __m512i v1 = _mm512_loadu_si512((const void *)(wp + (size_t)p * NB + 16));
    const __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16));
    const __m512 o0 = _mm512_castsi512_ps(_mm512_and_si512(v0, high));
    const __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16));
    const __m512 o1 = _mm512_castsi512_ps(_mm512_and_si512(v1, high));
    for (int m = 0; m < R; m++) {
      const float *xr = x + (size_t)m * ldx + 2 * p;
      const __m512 xe = _mm512_set1_ps(xr[0]), xo = _mm512_set1_ps(xr[1]);
      acc[m][0] = _mm512_fmadd_ps(e0, xe, acc[m][0]);
      acc[m][1] = _mm512_fmadd_ps(e1, xe, acc[m][1]);
      acc[m][0] = _mm512_fmadd_ps(o0, xo, acc[m][0]);
      acc[m][1] = _mm512_fmadd_ps(o1, xo, acc[m][1]);
    }
  }
  if (odd_last) { /* the last weight of each row, alone in its pair */
    const __m512i v0 = _mm512_loadu_si512((const void *)(wp + (size_t)full * NB));
    const __m512i v1 = _mm512_loadu_si512((const void *)(wp + (size_t)full * NB + 16));
    const __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16));
    const __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16));
    for (int m = 0; m < R; m++) {
      const __m512 xe = _mm512_set1_ps(x[(size_t)m * ldx + 2 * full]);
      acc[m][0] = _mm512_fmadd_ps(e0, xe, acc[m][0]);
      acc[m][1] = _mm512_fmadd_ps(e1, xe, acc[m][1]);
    }
  }
  const __mmask16 k0 = nc >= 16 ? 0xffff : (__mmask16)((1u << nc) - 1);
  const __mmask16 k1 = nc >= 32 ? 0xffff : nc <= 16 ? 0 : (__mmask16)((1u << (nc - 16)) - 1);
  for (int m = 0; m < R; m++) {
    float *out = y + (size_t)m * ldy;
    __m512 a0 = acc[m][0], a1 = acc[m][1];
    if (accumulate) {
      a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(k0, out));
      a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(k1, out + 16));
    }
    _mm512_mask_storeu_ps(out, k0, a0);
    _mm512_mask_storeu_ps(out + 16, k1, a1);
  }
}

static void tile_rows(float *y, int ldy, const float *x, int ldx, int R, const uint32_t *wp,
                      int full, bool odd_last, int nc, bool accumulate) {
#define LX_CASE(RR)                                               \
  case RR:                                                        \
    tile(y, ldy, x, ldx, RR, wp, full, odd_last, nc, accumulate); \
    break;
  switch (R) {
    LX_CASE(1)
    LX_CASE(2)
    LX_CASE(3)
    LX_CASE(4)
    LX_CASE(5)
    LX_CASE(6)
    LX_CASE(7)
    LX_CASE(8)
    LX_CASE(9)
    LX_CASE(10)
    LX_CASE(11)
    LX_CASE(12)
  }
#undef LX_CASE
}

/* Per-thread panel buffer: grows to the largest K seen, never shrinks (no allocation per call). */
static _Thread_local uint32_t *panel;
static _Thread_local size_t panel_cap;

void lx_gemm_widened_cols(float *y, int ldy, const float *x, int ldx, int M, const uint16_t *w,
                          int K, int n0, int n1, bool accumulate) {
  const size_t need = (size_t)((K + 1) / 2) * NB;
  if (need > panel_cap) {
    free(panel);
    panel = aligned_alloc(64, (need * sizeof(uint32_t) + 63) / 64 * 64);
    if (!panel) abort(); /* out of memory: as lx_xmalloc */
    panel_cap = need;
  }
  const int full = K / 2;
  for (int n = n0; n < n1; n += NB) {
    const int nc = n1 - n < NB ? n1 - n : NB;
    lx_bf16_pack_panel(panel, NB, w, K, n, nc);
    for (int m = 0; m < M; m += MR) {
      const int R = M - m < MR ? M - m : MR;
      tile_rows(y + (size_t)m * ldy + n, ldy, x + (size_t)m * ldx, ldx, R, panel, full, K & 1, nc,
                accumulate);
    }
  }
}
