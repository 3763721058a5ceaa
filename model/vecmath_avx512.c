/* vecmath_avx512.c: exp-based activations and softmax rows, 16 lanes at a time (AVX-512; called
 * only where the processor has it, cpu.h). Accuracy, measured against double precision in
 * test_kernels: exp within 2 ulp; erf within 3e-7 absolute, so GELU within 1e-6 (1 + |y|).
 *
 *   exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 (in two parts, |r| <= ln2 / 2),
 *            exp(r) by its degree-7 Taylor polynomial (error < 2e-8 on that range)
 *   erf(x) = sign(x) (1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-x^2)), t = 1 / (1 + p|x|)
 *            (Abramowitz and Stegun 7.1.26, absolute error <= 1.5e-7)
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "model/vecmath.h"

static inline __m512 exp16(__m512 x) {
  const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
  const __m512 ln2_hi = _mm512_set1_ps(0.693359375f), ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.7228394f));
  __m512 n =
      _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
  r = _mm512_fnmadd_ps(n, ln2_lo, r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n); /* p * 2^n, exact, down to subnormals and zero */
}

static inline __m512 erf16(__m512 x) {
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 t = _mm512_div_ps(
      _mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), ax, _mm512_set1_ps(1.0f)));
  __m512 q = _mm512_set1_ps(1.061405429f);
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-1.453152027f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.421413741f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-0.284496736f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.254829592f));
  q = _mm512_mul_ps(q, t);
  const __m512 e = exp16(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), ax), ax));
  const __m512 y = _mm512_fnmadd_ps(q, e, _mm512_set1_ps(1.0f)); /* 1 - q e, for |x| */
  /* the sign of x onto y */
  const __m512i sign =
      _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign));
}

void lx_gelu_avx512(float *x, size_t n) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 rsqrt2 = _mm512_set1_ps(0.70710678118654752f);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    __m512 g =
        _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf16(_mm512_mul_ps(v, rsqrt2))));
    _mm512_storeu_ps(x + i, g);
  }
  if (i < n) {
    const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 g =
        _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf16(_mm512_mul_ps(v, rsqrt2))));
    _mm512_mask_storeu_ps(x + i, m, g);
  }
}

/* x / (1 + exp(-x)), times y[i] when y is given. */
void lx_silu_avx512(float *x, const float *y, size_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  size_t i = 0;
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    if (y) s = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, y + i));
    _mm512_mask_storeu_ps(x + i, m, s);
  }
}

void lx_quick_gelu_avx512(float *x, size_t n) {
  const __m512 one = _mm512_set1_ps(1.0f), neg_alpha = _mm512_set1_ps(-1.702f);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, exp16(_mm512_mul_ps(neg_alpha, v))));
    _mm512_mask_storeu_ps(x + i, m, s);
  }
}

void lx_softmax_row_avx512(float *row, int n, int valid) {
  if (valid <= 0) {
    for (int k = 0; k < n; k++) row[k] = 0.0f;
    return;
  }
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (int k = 0; k < valid; k += 16) {
    const __mmask16 m = valid - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (valid - k)) - 1);
    mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, row + k));
  }
  const __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  __m512 sum = _mm512_setzero_ps();
  for (int k = 0; k < valid; k += 16) {
    const __mmask16 m = valid - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (valid - k)) - 1);
    __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + k), vmax));
    e = _mm512_maskz_mov_ps(m, e);
    sum = _mm512_add_ps(sum, e);
    _mm512_mask_storeu_ps(row + k, m, e);
  }
  const __m512 inv = _mm512_set1_ps((float)(1.0 / (double)_mm512_reduce_add_ps(sum)));
  for (int k = 0; k < valid; k += 16) {
    const __mmask16 m = valid - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (valid - k)) - 1);
    _mm512_mask_storeu_ps(row + k, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), inv));
  }
  for (int k = valid; k < n; k++) row[k] = 0.0f;
}
