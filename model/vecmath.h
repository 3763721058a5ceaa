/* vecmath.h: vectorized exp-based activations and softmax rows (vecmath_avx512.c), used by
 * backend_cpu.c where the processor has AVX-512. The portable kernels in backend_cpu.c use libm. */
#ifndef LX_VECMATH_H
#define LX_VECMATH_H

#include <stddef.h>

void lx_gelu_avx512(float *x, size_t n);                 /* exact-erf GELU, in place */
void lx_silu_avx512(float *x, const float *y, size_t n); /* x = silu(x) (* y if y) */
void lx_quick_gelu_avx512(float *x, size_t n);           /* x sigmoid(1.702 x), in place */
/* Softmax of row[0, valid) in place (max-subtracted); row[valid, n) set to 0. valid >= 1. */
void lx_softmax_row_avx512(float *row, int n, int valid);

#endif
