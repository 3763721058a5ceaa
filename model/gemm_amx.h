/* gemm_amx.h: the bfloat16 matrix product on AMX tiles (Intel Sapphire Rapids and later), for
 * prompts and images in the "bf16" matmul precision:
 *
 *   y[M, N] (+)= bf16(x)[M, K] · W[N, K]^T      W in BF16, x float32 rounded to bf16 (nearest even)
 *
 * tdpbf16ps multiplies bf16 pairs exactly and sums in float32, the arithmetic of the other bf16
 * paths (gemm_bf16.h) in another order, at up to 16 times the AVX-512 FMA rate.
 *
 * Layout: x is rounded into rows of Kp bf16 values (K rounded up to 32, zeros past K) in blocks of
 * 16 rows (zeros past M): each 16 x 32 piece is one A tile. The weights are taken 32 rows (output
 * columns) at a time and packed per thread into a panel of B tiles (16 k-pairs x 16 columns of
 * 32-bit pairs, 1 KB each, two per 32 values of K) that stays in L2 while every block of x passes:
 * two A tiles times two B tiles into four float32 C tiles (32 rows x 32 columns) that stay in the
 * tile registers over all of K.
 */
#ifndef LX_GEMM_AMX_H
#define LX_GEMM_AMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LX_GEMM_AMX_MB 16 /* rows of x per A tile */
#define LX_GEMM_AMX_NB 32 /* weight rows (output columns) per panel: two B tiles */

/* Asks the kernel for the AMX tile state (Linux: arch_prctl ARCH_REQ_XCOMP_PERM) for this
 * process; true when granted. cpu.c calls it once, while detecting the processor. */
bool lx_amx_request(void);

/* Loads this thread's tile configuration: palette 1, all eight tiles 16 rows of 64 bytes (C tiles
 * of 16 x 16 floats, A and B tiles of 16 x 32 bf16 values). */
void lx_amx_configure_tiles(void);

/* bf16 elements of scratch lx_gemm_amx_pack needs for M rows of length K. */
size_t lx_gemm_amx_packed_len(int M, int K);

/* Rounds blocks [b0, b1) of 16 rows of x[M, K] (row stride ldx) into xb (rows of K rounded up to
 * 32 bf16 values, zeros past K and past M). Blocks are independent: callers may pack them in
 * parallel. */
void lx_gemm_amx_pack(uint16_t *xb, const float *x, int M, int K, int ldx, int b0, int b1);

/* y[m, n] (row stride ldy) for every m < M and n in [n0, n1), from packed x and W[N, K] bf16.
 * Callers split [0, N) into ranges of whole panels (n0 a multiple of LX_GEMM_AMX_NB). Only on a
 * processor with AMX-BF16 whose state was granted (lx_cpu()->amx_bf16). */
void lx_gemm_amx_cols(float *y, int ldy, const uint16_t *xb, int M, const uint16_t *w, int K,
                      int n0, int n1, bool accumulate);

#endif
