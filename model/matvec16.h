/* matvec16.h: products of 16-bit weight matrices with a few float32 rows, the decode kernel.
 *
 *   y[m, n] (+)= sum_k W[n, k] * x[m, k]     W [N, K] in BF16 or F16, x [M, K] float32, M small
 *
 * Each weight is widened to float32 in registers and multiplied in float32 (fused multiply-add),
 * so the result is the float32 product of the exact 16-bit weights: only the summation order
 * differs from a plain loop. Decode is bound by reading W once per token; these kernels read it
 * once for up to LX_MATVEC16_ROWS rows of x.
 *
 * The rows of x are first rearranged (lx_matvec16_prepare) into the layout the selected kernel
 * reads: for the AVX-512 bf16 kernel, each block of 32 values is split into its 16 even and its
 * 16 odd elements, matching how a 512-bit load of 32 bf16 weights splits into two float32
 * vectors with one shift and one mask.
 */
#ifndef LX_MATVEC16_H
#define LX_MATVEC16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/tensor.h"

#define LX_MATVEC16_ROWS 4

/* Writes one row x[K] rearranged for weights of type dt into xp[K]. */
void lx_matvec16_prepare(float *xp, const float *x, int K, lx_dtype dt);

/* For n in [n0, n1) and m < M (1 <= M <= LX_MATVEC16_ROWS):
 * y[m * ldy + n] = (accumulate ? y[m * ldy + n] : 0) + W[n, :] · x[m, :],
 * with xp holding M prepared rows of K floats, one after another. */
void lx_matvec16_rows(float *y, int ldy, const float *xp, int M, const uint16_t *w, lx_dtype dt,
                      int K, int n0, int n1, bool accumulate);

/* The AVX-512 variants (matvec16_avx512.c), called only when lx_cpu()->avx512. */
void lx_matvec16_prepare_avx512(float *xp, const float *x, int K, lx_dtype dt);
void lx_matvec16_rows_avx512(float *y, int ldy, const float *xp, int M, const uint16_t *w,
                             lx_dtype dt, int K, int n0, int n1, bool accumulate);

#endif
