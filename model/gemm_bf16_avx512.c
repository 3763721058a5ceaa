/* gemm_bf16_avx512.c: the AVX512-BF16 matrix product (gemm_bf16.h). Built with AVX512-BF16
 * enabled; called only where the processor has it (cpu.h). */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "model/gemm_bf16.h"
#include "model/tensor.h"

#define MB LX_GEMM_BF16_MB
#define NB LX_GEMM_BF16_NB

size_t lx_gemm_bf16_packed_len(int M, int K) {
  size_t blocks = (size_t)(M + MB - 1) / MB, pairs = (size_t)(K + 1) / 2;
  return blocks * pairs * MB;
}

void lx_gemm_bf16_pack(uint32_t *xp, const float *x, int M, int K, int ldx, int b0, int b1) {
  const int pairs = (K + 1) / 2;
  for (int b = b0; b < b1 && b * MB < M; b++) {
    uint32_t *blk = xp + (size_t)b * pairs * MB;
    for (int lane = 0; lane < MB; lane++) {
      int m = b * MB + lane;
      if (m >= M) {
        for (int p = 0; p < pairs; p++) blk[(size_t)p * MB + lane] = 0;
        continue;
      }
      const float *row = x + (size_t)m * ldx;
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

/* Each row's 64 bytes are read whole at once, so rows whose strides alias in L1 (K = 4096, 6144) do
 * not evict one another before they are used, as they did when the panel was packed pair by
 * pair. */
#define PACK_AHEAD 256 /* bf16 elements (512 bytes) fetched ahead in each weight row */
void lx_bf16_pairs_transpose16(uint32_t *dst, int ld, const uint16_t *const *rows, int p0) {
  __m512i r[16], t[16];
  for (int i = 0; i < 16; i++) {
    _mm_prefetch((const char *)(rows[i] + 2 * (size_t)p0 + PACK_AHEAD), _MM_HINT_T0);
    r[i] = _mm512_loadu_si512((const void *)(rows[i] + 2 * (size_t)p0));
  }
  /* t[2i], t[2i+1]: rows 2i, 2i+1 interleaved, per 128-bit lane L pairs 4L, 4L+1 / 4L+2, 4L+3 */
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  /* r[4g + q]: per lane L, rows 4g .. 4g + 3 of pair 4L + q */
  for (int g = 0; g < 4; g++) {
    r[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    r[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
  /* for each q, a 4 x 4 transpose of 128-bit lanes across the four row groups */
  for (int q = 0; q < 4; q++) {
    __m512i v0 = _mm512_shuffle_i32x4(r[q], r[4 + q], 0x44);
    __m512i v1 = _mm512_shuffle_i32x4(r[q], r[4 + q], 0xEE);
    __m512i v2 = _mm512_shuffle_i32x4(r[8 + q], r[12 + q], 0x44);
    __m512i v3 = _mm512_shuffle_i32x4(r[8 + q], r[12 + q], 0xEE);
    const __m512i o[4] = {_mm512_shuffle_i32x4(v0, v2, 0x88), _mm512_shuffle_i32x4(v0, v2, 0xDD),
                          _mm512_shuffle_i32x4(v1, v3, 0x88), _mm512_shuffle_i32x4(v1, v3, 0xDD)};
    for (int L = 0; L < 4; L++) _mm512_storeu_si512((void *)(dst + (size_t)(4 * L + q) * ld), o[L]);
  }
}

void lx_bf16_pack_panel(uint32_t *wp, int nb, const uint16_t *w, int K, int n0, int nc) {
  const int pairs = (K + 1) / 2, full = K / 2;
  const uint16_t *rows[32];
  for (int j = 0; j < nb; j++) rows[j] = w + (size_t)(n0 + (j < nc ? j : 0)) * K;
  int p = 0;
  for (; p + 16 <= full; p += 16)
    for (int g = 0; g < nb; g += 16) {
      const int c = g + 16 <= nb ? g : nb - 16;
      lx_bf16_pairs_transpose16(wp + (size_t)p * nb + c, nb, rows + c, p);
    }
  for (; p < full; p++) /* the last pairs, fewer than 16 */
    for (int j = 0; j < nb; j++) memcpy(wp + (size_t)p * nb + j, rows[j] + 2 * p, sizeof(uint32_t));
  if (K & 1)
    for (int j = 0; j < nb; j++) wp[(size_t)(pairs - 1) * nb + j] = rows[j][K - 1];
}

/* The next panel's weight rows, fetched into cache while the tiles of the current panel compute,
 * so that packing it does not wait for memory: lines [next, end) of 64 bytes, line L being chunk
 * L / NB of row L % NB, one line every `every` steps of a tile. */
typedef struct prefetch_plan {
  const uint16_t *rows[NB];
  int next, end, every;
} prefetch_plan;

static inline void prefetch_some(prefetch_plan *pf, int *countdown) {
  if (--*countdown) return;
  *countdown = pf->every;
  if (pf->next < pf->end) {
    const int L = pf->next++;
    _mm_prefetch((const char *)(pf->rows[L % NB] + (size_t)(L / NB) * 32), _MM_HINT_T0);
  }
}

/* A tile's results into y: t[j * lanes + l] (accumulator j, lane l) is y[row l, column j]. */
static inline void store_tile(float *y, int ldy, const float *t, int lanes, int rows, int nc,
                              bool accumulate) {
  for (int l = 0; l < rows; l++) {
    float *out = y + (size_t)l * ldy;
    if (accumulate)
      for (int j = 0; j < nc; j++) out[j] += t[j * lanes + l];
    else
      for (int j = 0; j < nc; j++) out[j] = t[j * lanes + l];
  }
}

/* One tile: 16 rows of x (block xb) against a packed panel of NB weight rows; the NB accumulators
 * stay in registers over all of K, each step one vector of x and NB broadcast weight pairs. */
static void tile(float *y, int ldy, const uint32_t *xb, int rows, const uint32_t *wp, int pairs,
                 int nc, bool accumulate, prefetch_plan *pf) {
  int countdown = pf->every;
  __m512 acc[NB];
#pragma GCC unroll 24
  for (int j = 0; j < NB; j++) acc[j] = _mm512_setzero_ps();
  for (int p = 0; p < pairs; p++) {
    prefetch_some(pf, &countdown);
    const __m512bh a = (__m512bh)_mm512_loadu_si512(xb + (size_t)p * MB);
    const uint32_t *wj = wp + (size_t)p * NB;
#pragma GCC unroll 24
    for (int j = 0; j < NB; j++)
      acc[j] = _mm512_dpbf16_ps(acc[j], a, (__m512bh)_mm512_set1_epi32((int)wj[j]));
  }
  float t[NB][MB];
#pragma GCC unroll 24
  for (int j = 0; j < NB; j++) _mm512_storeu_ps(t[j], acc[j]);
  store_tile(y, ldy, &t[0][0], MB, rows, nc, accumulate);
}

/* The same tile for a last block of at most 8 rows, in 256-bit vectors (half the work per step). */
static void tile8(float *y, int ldy, const uint32_t *xb, int rows, const uint32_t *wp, int pairs,
                  int nc, bool accumulate, prefetch_plan *pf) {
  int countdown = pf->every;
  __m256 acc[NB];
#pragma GCC unroll 24
  for (int j = 0; j < NB; j++) acc[j] = _mm256_setzero_ps();
  for (int p = 0; p < pairs; p++) {
    prefetch_some(pf, &countdown);
    const __m256bh a = (__m256bh)_mm256_loadu_si256((const __m256i *)(xb + (size_t)p * MB));
    const uint32_t *wj = wp + (size_t)p * NB;
#pragma GCC unroll 24
    for (int j = 0; j < NB; j++)
      acc[j] = _mm256_dpbf16_ps(acc[j], a, (__m256bh)_mm256_set1_epi32((int)wj[j]));
  }
  float t[NB][8];
#pragma GCC unroll 24
  for (int j = 0; j < NB; j++) _mm256_storeu_ps(t[j], acc[j]);
  store_tile(y, ldy, &t[0][0], 8, rows, nc, accumulate);
}

/* Per-thread panel buffer: grows to the largest K seen, never shrinks (no allocation per call). */
static _Thread_local uint32_t *panel;
static _Thread_local size_t panel_cap;

void lx_gemm_bf16_cols(float *y, int ldy, const uint32_t *xp, int M, const uint16_t *w, int K,
                       int n0, int n1, bool accumulate) {
  const int pairs = (K + 1) / 2;
  const size_t need = (size_t)pairs * NB;
  if (need > panel_cap) {
    free(panel);
    panel = aligned_alloc(64, (need * sizeof(uint32_t) + 63) / 64 * 64);
    if (!panel) abort(); /* out of memory: as lx_xmalloc */
    panel_cap = need;
  }
  /* weight panel outer (packed once, it stays in L2 while every block of x passes) */
  const int blocks = (M + MB - 1) / MB, chunks = (K + 31) / 32;
  for (int n = n0; n < n1; n += NB) {
    const int nc = n1 - n < NB ? n1 - n : NB;
    lx_bf16_pack_panel(panel, NB, w, K, n, nc);
    /* the next panel's lines, shared out evenly over this panel's tiles */
    prefetch_plan pf = {.next = 0, .end = 0, .every = 1};
    const int next_nc = n + NB >= n1 ? 0 : n1 - n - NB < NB ? n1 - n - NB : NB;
    for (int j = 0; j < NB; j++)
      pf.rows[j] = next_nc ? w + (size_t)(n + NB + (j < next_nc ? j : 0)) * K : w;
    const int lines = next_nc ? NB * chunks : 0, per_tile = (lines + blocks - 1) / blocks;
    pf.every = per_tile ? (pairs / per_tile > 0 ? pairs / per_tile : 1) : pairs + 1;
    for (int b = 0; b < blocks; b++) {
      const int rows = M - b * MB < MB ? M - b * MB : MB;
      pf.end = lines < (b + 1) * per_tile ? lines : (b + 1) * per_tile;
      (rows <= 8 ? tile8 : tile)(y + (size_t)b * MB * ldy + n, ldy, xp + (size_t)b * pairs * MB,
                                 rows, panel, pairs, nc, accumulate, &pf);
    }
  }
}

void lx_gemv_bf16_round(uint16_t *xb, const float *x, int K) {
  int k = 0;
  for (; k + 16 <= K; k += 16)
    _mm256_storeu_si256((__m256i *)(xb + k), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + k)));
  for (; k < K; k++) xb[k] = lx_f32_to_bf16(x[k]);
}

/* Four weight rows at a time (four streams in flight, each fetched ahead by software prefetch, as
 * the widening decode kernel does) against M rows of x; the last partial block of 32 weights is
 * read with a mask (zeros past K). */
#define GEMV_AHEAD 1024 /* elements (2 KB) ahead of the loads, per weight row */
static inline __attribute__((always_inline)) void gemv_rows(float *y, int ldy, const uint16_t *xb,
                                                            const int M, const uint16_t *w, int K,
                                                            int n0, int n1, bool accumulate) {
  const __mmask32 tail = (__mmask32)((1ull << (K & 31)) - 1);
  for (int n = n0; n < n1; n += 4) {
    const int rows = n1 - n < 4 ? n1 - n : 4;
    const uint16_t *wr[4];
    for (int r = 0; r < 4; r++) wr[r] = w + (size_t)(n + (r < rows ? r : 0)) * K;
    __m512 acc[4][LX_GEMV_BF16_ROWS];
    for (int r = 0; r < 4; r++)
      for (int m = 0; m < M; m++) acc[r][m] = _mm512_setzero_ps();
    int k = 0;
    for (; k + 32 <= K; k += 32) {
      __m512bh xv[LX_GEMV_BF16_ROWS];
      for (int m = 0; m < M; m++) xv[m] = (__m512bh)_mm512_loadu_si512(xb + (size_t)m * K + k);
      for (int r = 0; r < 4; r++) {
        if (k + GEMV_AHEAD < K) _mm_prefetch((const char *)(wr[r] + k + GEMV_AHEAD), _MM_HINT_T0);
        __m512bh wv = (__m512bh)_mm512_loadu_si512(wr[r] + k);
        for (int m = 0; m < M; m++) acc[r][m] = _mm512_dpbf16_ps(acc[r][m], wv, xv[m]);
      }
    }
    if (k < K) {
      __m512bh xv[LX_GEMV_BF16_ROWS];
      for (int m = 0; m < M; m++)
        xv[m] = (__m512bh)_mm512_maskz_loadu_epi16(tail, xb + (size_t)m * K + k);
      for (int r = 0; r < 4; r++) {
        __m512bh wv = (__m512bh)_mm512_maskz_loadu_epi16(tail, wr[r] + k);
        for (int m = 0; m < M; m++) acc[r][m] = _mm512_dpbf16_ps(acc[r][m], wv, xv[m]);
      }
    }
    for (int r = 0; r < rows; r++)
      for (int m = 0; m < M; m++) {
        float s = _mm512_reduce_add_ps(acc[r][m]);
        float *out = y + (size_t)m * ldy + n + r;
        *out = accumulate ? *out + s : s;
      }
  }
}

void lx_gemv_bf16_rows(float *y, int ldy, const uint16_t *xb, int M, const uint16_t *w, int K,
                       int n0, int n1, bool accumulate) {
  switch (M) {
    case 1:
      gemv_rows(y, ldy, xb, 1, w, K, n0, n1, accumulate);
      break;
    case 2:
      gemv_rows(y, ldy, xb, 2, w, K, n0, n1, accumulate);
      break;
    case 3:
      gemv_rows(y, ldy, xb, 3, w, K, n0, n1, accumulate);
      break;
    default:
      gemv_rows(y, ldy, xb, 4, w, K, n0, n1, accumulate);
      break;
  }
}
