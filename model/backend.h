/* backend.h: the kernels the network is written against.
 *
 * All activations are float32, row-major. Weights are lx_tensor views in F32, F16 or BF16; the
 * kernels convert 16-bit weights on the fly. This is the CPU implementation (backend_cpu.c):
 * matrix products go to OpenBLAS, the rest is split over the thread pool (threads.h).
 * Kernels cannot fail on valid shapes; shape mistakes are programmer errors (assert).
 * Kernels are not reentrant across caller threads (they share scratch buffers per thread).
 */
#ifndef LX_BACKEND_H
#define LX_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "model/tensor.h"

/* A growable float buffer for activations: grows on demand, never shrinks, so a warm forward
 * pass allocates nothing. Contents are undefined after a grow. */
typedef struct lx_scratch {
  float *p;
  size_t cap; /* floats */
} lx_scratch;

float *lx_scratch_get(lx_scratch *s, size_t n_floats);
void lx_scratch_free(lx_scratch *s);

/* How matrix products with BF16 weights are computed.
 * LX_MATMUL_F32 (the default): the exact 16-bit weights multiply float32 activations in float32;
 *   results match a float32 reference run on the same (rounded) weights to float32 summation.
 * LX_MATMUL_BF16: products with BF16 weights round the activations to bf16 and use the
 *   processor's bf16 dot product (vdpbf16ps; gemm_bf16.h), as PyTorch's bf16 autocast does: about
 *   2x the float32 rate, at bf16 precision. Up to 4 rows (decode) take a matrix-vector kernel
 *   that reads each weight once; more rows take the blocked product. Attention with more than 16
 *   queries does the same for q k^T and p v (keys, values and probabilities rounded to bf16).
 *   Falls back to LX_MATMUL_F32 on processors without AVX512-BF16.
 */
typedef enum lx_matmul_precision { LX_MATMUL_F32 = 0, LX_MATMUL_BF16 = 1 } lx_matmul_precision;

void lx_set_matmul_precision(lx_matmul_precision p);
lx_matmul_precision lx_get_matmul_precision(void);

/* y[M,N] = x[M,K] · W[N,K]^T (+ bias[N]); with accumulate, y += that instead.
 * W is a 2-D view (N = shape[0], K = shape[1]); bias may be NULL. */
void lx_linear(float *y, const float *x, int M, const lx_tensor *w, const float *bias,
               bool accumulate);

/* ys[i][M, N_i] = x[M,K] · W_i[N_i,K]^T for i < count: several products of one input (q, k and v;
 * gate and up), no bias. Results equal count calls of lx_linear; for a few rows of x and 16-bit
 * weights they run as one parallel pass over all the weight rows (one dispatch, no barrier
 * between the matrices). */
void lx_linear_shared_input(float *const *ys, const lx_tensor *const *ws, int count, const float *x,
                            int M);

/* out[n, D] = rows ids[n] of table[V, D] (any dtype). */
void lx_embedding(float *out, const lx_tensor *table, const int *ids, int n);

/* LayerNorm over the last dimension: y = (x - mean) / sqrt(var + eps) * g + b. y may alias x.
 * g and b may be NULL (no affine). */
void lx_layernorm(float *y, const float *x, int M, int D, const float *g, const float *b,
                  float eps);

/* RMSNorm (LLaMA): y = x / sqrt(mean(x^2) + eps) * g. y may alias x. */
void lx_rmsnorm(float *y, const float *x, int M, int D, const float *g, float eps);

void lx_gelu(float *x, size_t n);                          /* exact (erf) GELU, in place */
void lx_silu(float *x, size_t n);                          /* x * sigmoid(x), in place */
void lx_silu_mul(float *gate, const float *up, size_t n);  /* gate = silu(gate) * up */
void lx_add(float *y, const float *x, size_t n);           /* y += x */
void lx_axpy(float *y, float a, const float *x, size_t n); /* y += a * x */

/* Softmax over each row of x[rows, n], in place: max-subtracted, float32 exponentials, the sum
 * accumulated in double. */
void lx_softmax(float *x, int rows, int n);

/* Rotary position embedding in the rotate_half layout (dimension i pairs with i + head_dim/2),
 * in place on x[T, ld] holding `heads` heads of head_dim at columns h*head_dim.
 * cos_sin is a table [max_pos, head_dim/2, 2] (cos, sin); pos[t] is token t's position. */
void lx_rope(float *x, int T, int ld, int heads, int head_dim, const int *pos,
             const float *cos_sin);

/* Fills cos_sin[max_pos, head_dim/2, 2] as LLaMA computes it in float32:
 * inv_freq[i] = 1 / theta^(2i / head_dim), angle = pos * inv_freq[i]. */
void lx_rope_table(float *cos_sin, int max_pos, int head_dim, float theta);

/* Multi-head scaled dot-product attention, head h at columns [h*head_dim, (h+1)*head_dim):
 *   out[i] = sum_j softmax_j(scale * q[i]·k[j]) v[j]   over the keys j that query i may see.
 * causal: query i sees keys j <= q_pos0 + i (q_pos0 = n_kv - n_q when appending to a cache);
 * otherwise every key. */
typedef struct lx_attention_args {
  int n_q, n_kv, heads, head_dim;
  const float *q;
  int ldq; /* [n_q, ldq] */
  const float *k;
  int ldk; /* [n_kv, ldk] */
  const float *v;
  int ldv; /* [n_kv, ldv] */
  float *out;
  int ldo; /* [n_q, ldo] */
  float scale;
  bool causal;
  int q_pos0;
} lx_attention_args;

void lx_attention(const lx_attention_args *a);

#endif
