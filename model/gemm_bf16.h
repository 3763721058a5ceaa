/* gemm_bf16.h: the bfloat16 matrix product, for prompts and images on processors with
 * AVX512-BF16 (vdpbf16ps):
 *
 *   y[M, N] (+)= bf16(x)[M, K] · W[N, K]^T      W in BF16, x float32 rounded to bf16 (nearest even)
 *
 * Products of two bf16 values are exact in float32 and are summed in float32, so the only
 * rounding beyond float32 summation is that of x: about 2^-9 relative per element, the precision
 * PyTorch's bf16 autocast computes with. It is lynxeval's "bf16" matmul precision
 * (backend.h); the default precision multiplies the exact 16-bit weights in float32 instead.
 *
 * Layout: the rows of x are converted and rearranged in blocks of 16 rows (one vector lane per
 * row), each k-pair (x[m,2p], x[m,2p+1]) a 32-bit unit. The weights are taken 24 rows (output
 * columns) at a time and packed as k-pairs into a per-thread panel (16 x 16 transposes in
 * registers) that stays in L2 while every block of x passes; a tile of 16 rows x 24 columns keeps
 * its 24 accumulators in registers over all of K, each step one vector of x and 24 broadcast
 * weight pairs. A last block of at most 8 rows (72-position prompts: 4 blocks and 8 rows) uses
 * 256-bit vectors, half the work.
 */
#ifndef LX_GEMM_BF16_H
#define LX_GEMM_BF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LX_GEMM_BF16_MB 16 /* rows of x per block */
#define LX_GEMM_BF16_NB 24 /* weight rows (output columns) per tile */

/* 32-bit units of scratch lx_gemm_bf16_pack needs for M rows of length K. */
size_t lx_gemm_bf16_packed_len(int M, int K);

/* Packs blocks [b0, b1) of 16 rows of x[M, K] (row stride ldx) into xp: block b holds rows
 * 16b .. 16b + 15 (past M: zeros), its K/2 pairs (K rounded up to even) one after another, each as
 * 16 lanes. Blocks are independent, so callers may pack them in parallel. */
void lx_gemm_bf16_pack(uint32_t *xp, const float *x, int M, int K, int ldx, int b0, int b1);

/* y[m, n] (row stride ldy) for every m < M and n in [n0, n1), from packed x and W[N, K] bf16. */
void lx_gemm_bf16_cols(float *y, int ldy, const uint32_t *xp, int M, const uint16_t *w, int K,
                       int n0, int n1, bool accumulate);

/* Pairs [p0, p0 + 16) of 16 bf16 rows (each read at 2 * p0 onward), transposed in registers into
 * 32-bit k-pairs: dst[p * ld + i] = (rows[i][2(p0 + p)], rows[i][2(p0 + p) + 1]) for p, i < 16.
 * Shared with the widening product (gemm_widened.h), which packs its panels the same way. */
void lx_bf16_pairs_transpose16(uint32_t *dst, int ld, const uint16_t *const *rows, int p0);

/* The panel of weight rows n0 .. n0 + nc - 1 of W[N, K] as k-pairs, nb (16 <= nb <= 32) columns
 * wide: wp[p * nb + j] = (W[n0 + j, 2p], W[n0 + j, 2p + 1]), the missing half of an odd K zero.
 * Missing rows (nc < nb) repeat row n0: a product computes their columns and drops them. Blocks of
 * 16 pairs go through 16-row transposes at columns 0, 16, ..., the last one moved back to end at
 * nb (for 24: rows 0-15 and 8-23, the overlap written twice with the same values). */
void lx_bf16_pack_panel(uint32_t *wp, int nb, const uint16_t *w, int K, int n0, int nc);

/* Decode in bf16 precision: a few rows of x (M <= LX_GEMV_BF16_ROWS) against W, each weight read
 * once. xb holds the M rows rounded to bf16 (lx_gemv_bf16_round), one after another, K each.
 * y[m * ldy + n] (+)= bf16(x)[m, :] · W[n, :] for n in [n0, n1): the same arithmetic as the
 * product above (exact bf16 products, float32 sums), one vdpbf16ps per 32 weights. */
#define LX_GEMV_BF16_ROWS 4
void lx_gemv_bf16_round(uint16_t *xb, const float *x, int K);
void lx_gemv_bf16_rows(float *y, int ldy, const uint16_t *xb, int M, const uint16_t *w, int K,
                       int n0, int n1, bool accumulate);

#endif
