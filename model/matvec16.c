/* matvec16.c: the portable 16-bit matrix-vector kernel and the run-time dispatch. */
#include <string.h>

#include "common/error.h"
#include "model/cpu.h"
#include "model/matvec16.h"

static inline float widen(uint16_t h, lx_dtype dt) {
  return dt == LX_BF16 ? lx_bf16_to_f32(h) : lx_f16_to_f32(h);
}

void lx_matvec16_prepare(float *xp, const float *x, int K, lx_dtype dt) {
#if defined(__x86_64__)
  if (lx_cpu()->avx512) {
    lx_matvec16_prepare_avx512(xp, x, K, dt);
    return;
  }
#else
  (void)dt; /* the portable kernel reads x as it is for every weight type */
#endif
  memcpy(xp, x, (size_t)K * sizeof(float));
}

/* Eight partial sums per row, so the compiler can keep them in vector registers. */
static void rows_portable(float *y, int ldy, const float *xp, int M, const uint16_t *w, lx_dtype dt,
                          int K, int n0, int n1, bool accumulate) {
  float wf[256];
  for (int n = n0; n < n1; n++) {
    const uint16_t *wr = w + (size_t)n * K;
    float acc[LX_MATVEC16_ROWS][8] = {{0}};
    for (int k0 = 0; k0 < K; k0 += 256) {
      int len = K - k0 < 256 ? K - k0 : 256;
      for (int i = 0; i < len; i++) wf[i] = widen(wr[k0 + i], dt);
      for (int m = 0; m < M; m++) {
        const float *xr = xp + (size_t)m * K + k0;
        int i = 0;
        for (; i + 8 <= len; i += 8)
          for (int l = 0; l < 8; l++) acc[m][l] += wf[i + l] * xr[i + l];
        for (; i < len; i++) acc[m][i & 7] += wf[i] * xr[i];
      }
    }
    for (int m = 0; m < M; m++) {
      float s = ((acc[m][0] + acc[m][1]) + (acc[m][2] + acc[m][3])) +
                ((acc[m][4] + acc[m][5]) + (acc[m][6] + acc[m][7]));
      float *out = y + (size_t)m * ldy + n;
      *out = accumulate ? *out + s : s;
    }
  }
}

void lx_matvec16_rows(float *y, int ldy, const float *xp, int M, const uint16_t *w, lx_dtype dt,
                      int K, int n0, int n1, bool accumulate) {
  LX_CHECK(M >= 1 && M <= LX_MATVEC16_ROWS && (dt == LX_BF16 || dt == LX_F16));
#if defined(__x86_64__)
  if (lx_cpu()->avx512) {
    lx_matvec16_rows_avx512(y, ldy, xp, M, w, dt, K, n0, n1, accumulate);
    return;
  }
#endif
  rows_portable(y, ldy, xp, M, w, dt, K, n0, n1, accumulate);
}
