/* gemm_widened.h: the matrix product of float32 rows with bf16 weights widened to float32 in
 * registers, for prompts and images on processors with AVX-512 (F, BW, VL, DQ) and FMA:
 *
 *   y[M, N] (+)= x[M, K] · W[N, K]^T      W in BF16, x float32
 *
 * Each product is a float32 fused multiply-add of the exact weight, so the result is the float32
 * product of the exact bf16 weights: lynxeval's default ("f32") matmul precision, with only the
 * summation order differing from a plain loop. Given x already rounded to bf16, the products are
 * exact and the sums float32, which is the "bf16" precision's arithmetic (gemm_bf16.h) computed on
 * the FMA units: where vdpbf16ps runs at half the FMA rate (Intel's server cores), this path is the
 * faster one for that precision too (kernel_choice.h decides).
 *
 * Layout: the weights are taken 32 rows (output columns) at a time and packed per thread into a
 * panel of 32-bit k-pairs, panel[p * 32 + j] = (W[n0 + j, 2p], W[n0 + j, 2p + 1]) (16 x 16
 * transposes in registers, lx_bf16_pairs_transpose16), which stays in L2 while every tile of x
 * passes. A tile of up to 12 rows of x keeps its 24 accumulators (12 rows x 32 columns) in
 * registers over all of K: each pair step widens two vectors of pairs into four float32 vectors
 * (a shift and a mask) and does 48 multiply-adds with broadcast values of x.
 */
#ifndef LX_GEMM_WIDENED_H
#define LX_GEMM_WIDENED_H

#include <stdbool.h>
#include <stdint.h>

#define LX_GEMM_WIDENED_NB 32 /* weight rows (output columns) per panel */
#define LX_GEMM_WIDENED_MR 12 /* rows of x per tile */

/* y[m * ldy + n] (+)= x[m * ldx + :] · W[n, :] for every m < M and n in [n0, n1), W[N, K] bf16.
 * Callers split [0, N) into ranges of whole panels (n0 a multiple of LX_GEMM_WIDENED_NB). */
void lx_gemm_widened_cols(float *y, int ldy, const float *x, int ldx, int M, const uint16_t *w,
                          int K, int n0, int n1, bool accumulate);

#endif
