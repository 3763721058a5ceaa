/* gemm_amx.c: the AMX bf16 product (gemm_amx.h). Built with AMX and AVX-512 enabled; called only
 * where the processor has them and the kernel granted the tile state (cpu.h). */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "model/gemm_amx.h"
#include "model/gemm_bf16.h"
#include "model/tensor.h"

#define MB LX_GEMM_AMX_MB
#define NB LX_GEMM_AMX_NB
#define KB 32 /* bf16 values of K per tile */

bool lx_amx_request(void) {
#if defined(__linux__) && defined(SYS_arch_prctl)
  enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
  return false;
#endif
}

static int padded_k(int K) {
  return (K + KB - 1) / KB * KB;
}

size_t lx_gemm_amx_packed_len(int M, int K) {
  return (size_t)((M + MB - 1) / MB * MB) * (size_t)padded_k(K);
}

void lx_gemm_amx_pack(uint16_t *xb, const float *x, int M, int K, int ldx, int b0, int b1) {
  const int Kp = padded_k(K);
  for (int m = b0 * MB; m < b1 * MB; m++) {
    uint16_t *row = xb + (size_t)m * Kp;
    if (m >= M) {
      memset(row, 0, (size_t)Kp * sizeof *row);
      continue;
    }
    const float *src = x + (size_t)m * ldx;
    for (int k = 0; k < Kp; k += KB) {
      const int lo = K - k < 16 ? (K - k > 0 ? K - k : 0) : 16;
      const int hi = K - k - 16 < 16 ? (K - k - 16 > 0 ? K - k - 16 : 0) : 16;
      const __m512 a = _mm512_maskz_loadu_ps((__mmask16)((1u << lo) - 1), src + k);
      const __m512 b = _mm512_maskz_loadu_ps((__mmask16)((1u << hi) - 1), src + k + 16);
      _mm512_storeu_si512((void *)(row + k), (__m512i)_mm512_cvtne2ps_pbh(b, a));
    }
  }
}

/* The panel of rows n0 .. n0 + nc - 1: for each 32 values of K, two B tiles (columns 0-15, then
 * 16-31), tile[p * 16 + j] = pair p of the chunk of row j. Missing rows (nc < NB) repeat row n0:
 * their columns are computed and dropped. Pairs past K are zero. */
static void pack_panel(uint32_t *wp, const uint16_t *w, int K, int n0, int nc) {
  const int Kp = padded_k(K), full_chunks = K / KB;
  const uint16_t *rows[NB];
  for (int j = 0; j < NB; j++) rows[j] = w + (size_t)(n0 + (j < nc ? j : 0)) * K;
  for (int c = 0; c < full_chunks; c++)
    for (int t = 0; t < 2; t++)
      lx_bf16_pairs_transpose16(wp + ((size_t)c * 2 + t) * 256, 16, rows + 16 * t, c * 16);
  if (full_chunks * KB < Kp) { /* the last chunk, partly past K: element by element, zeros after */
    const int c = full_chunks;
    for (int t = 0; t < 2; t++) {
      uint16_t *tile = (uint16_t *)(wp + ((size_t)c * 2 + t) * 256);
      for (int p = 0; p < 16; p++)
        for (int j = 0; j < 16; j++)
          for (int h = 0; h < 2; h++) {
            const int k = c * KB + 2 * p + h;
            tile[(p * 16 + j) * 2 + h] = k < K ? rows[16 * t + j][k] : 0;
          }
    }
  }
}

/* The tile configuration: palette 1, every tile 16 rows of 64 bytes. Tiles 0-3 accumulate C
 * (rows 0-15 and 16-31 of x times columns 0-15 and 16-31), 4-5 hold A, 6-7 hold B. */
typedef struct tile_config {
  uint8_t palette, start_row, reserved[14];
  uint16_t bytes_per_row[16];
  uint8_t rows[16];
} tile_config;

void lx_amx_configure_tiles(void) {
  /* a constant in memory: built on the stack, its stores were dropped as dead by gcc 12, which
   * does not see ldtilecfg read them */
  static const tile_config cfg = {
      .palette = 1,
      .bytes_per_row = {64, 64, 64, 64, 64, 64, 64, 64},
      .rows = {16, 16, 16, 16, 16, 16, 16, 16},
  };
  _tile_loadconfig(&cfg);
}

/* C tile results c[16][16] (rows of x, columns) into y, rows < rows and columns < nc. */
static void store_tile(float *y, int ldy, const float *c, int rows, int nc, bool accumulate) {
  const __mmask16 k = nc >= 16 ? 0xffff : (__mmask16)((1u << (nc > 0 ? nc : 0)) - 1);
  if (!k) return;
  for (int r = 0; r < rows; r++) {
    __m512 v = _mm512_loadu_ps(c + r * 16);
    float *out = y + (size_t)r * ldy;
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, out));
    _mm512_mask_storeu_ps(out, k, v);
  }
}

/* Per-thread panel buffer: grows to the largest K seen, never shrinks (no allocation per call). */
static _Thread_local uint32_t *panel;
static _Thread_local size_t panel_cap;

void lx_gemm_amx_cols(float *y, int ldy, const uint16_t *xb, int M, const uint16_t *w, int K,
                      int n0, int n1, bool accumulate) {
  const int Kp = padded_k(K), chunks = Kp / KB;
  const size_t need = (size_t)chunks * 2 * 256, xstride = (size_t)Kp * sizeof(uint16_t);
  if (need > panel_cap) {
    free(panel);
    panel = aligned_alloc(64, need * sizeof(uint32_t));
    if (!panel) abort(); /* out of memory: as lx_xmalloc */
    panel_cap = need;
  }
  lx_amx_configure_tiles();
  float c[4][16 * 16];
  for (int n = n0; n < n1; n += NB) {
    const int nc = n1 - n < NB ? n1 - n : NB;
    pack_panel(panel, w, K, n, nc);
    for (int m = 0; m < M; m += 2 * MB) {
      const uint16_t *a = xb + (size_t)m * Kp;
      const bool two = M - m > MB; /* a second block of 16 rows */
      _tile_zero(0);
      _tile_zero(1);
      if (two) {
        _tile_zero(2);
        _tile_zero(3);
      }
      for (int k = 0; k < chunks; k++) {
        const uint32_t *b = panel + (size_t)k * 2 * 256;
        _tile_loadd(4, a + (size_t)k * KB, xstride);
        _tile_loadd(6, b, 64);
        _tile_loadd(7, b + 256, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        if (two) {
          _tile_loadd(5, a + (size_t)MB * Kp + (size_t)k * KB, xstride);
          _tile_dpbf16ps(2, 5, 6);
          _tile_dpbf16ps(3, 5, 7);
        }
      }
      _tile_stored(0, c[0], 64);
      _tile_stored(1, c[1], 64);
      const int rows0 = M - m < MB ? M - m : MB;
      float *out = y + (size_t)m * ldy + n;
      store_tile(out, ldy, c[0], rows0, nc, accumulate);
      store_tile(out + 16, ldy, c[1], rows0, nc - 16, accumulate);
      if (two) {
        _tile_stored(2, c[2], 64);
        _tile_stored(3, c[3], 64);
        const int rows1 = M - m - MB < MB ? M - m - MB : MB;
        store_tile(out + (size_t)MB * ldy, ldy, c[2], rows1, nc, accumulate);
        store_tile(out + (size_t)MB * ldy + 16, ldy, c[3], rows1, nc - 16, accumulate);
      }
    }
  }
  _tile_release();
}
