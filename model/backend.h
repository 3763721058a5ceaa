/* backend.h: the kernels the network is written against, as one object.
 *
 * A backend is a table of kernels (lx_backend_ops) with the state they share: the precision of
 * matrix products, the number of threads, and the scratch the kernels work in. The network
 * (vit.c, resampler.c, llama.c, xattn.c, blocks.c and the families) calls the kernels through
 * the inline wrappers below, never an implementation directly:
 *
 *   lx_backend *be = lx_backend_cpu_new(threads, LX_MATMUL_F32);
 *   lx_linear(be, y, x, M, &w, bias, false);
 *
 * Implementations: the CPU (backend_cpu.c: OpenBLAS for float32 products, lynxeval's own
 * kernels split over the thread pool, threads.h) and CUDA (cuda/cuda_backend.h: every array on
 * the GPU). Both fill the same table with the same signatures; a backend whose arrays are not
 * host memory cannot run a whole model yet (lx_model_open refuses it).
 *
 * All activations are float32, row-major. Weights are lx_tensor views in F32, F16 or BF16 (the
 * CPU converts 16-bit weights on the fly). Kernels cannot fail on valid shapes; a shape mistake
 * is a programmer error (LX_CHECK: abort with the file and line). A backend is driven by one
 * thread at a time: its scratch is its own, not the thread's.
 */
#ifndef LX_BACKEND_H
#define LX_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
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
 * LX_MATMUL_BF16: products with BF16 weights round the activations to bf16 and multiply them by
 *   the weights exactly, summing in float32, as PyTorch's bf16 autocast does. The CPU computes it
 *   on the path measured fastest on the processor (kernel_choice.h): the bf16 dot product
 *   (vdpbf16ps; gemm_bf16.h), or the rounded activations times the widened weights on the FMA
 *   units; every path gives the same products in another summation order. Attention with more
 *   than 16 queries rounds keys, values and probabilities to bf16 on the bf16-dot and amx-bf16
 *   paths only.
 */
typedef enum lx_matmul_precision { LX_MATMUL_F32 = 0, LX_MATMUL_BF16 = 1 } lx_matmul_precision;

/* "f32" or "bf16" -> *out; -1 when it is neither. */
int lx_matmul_precision_parse(const char *text, lx_matmul_precision *out);
const char *lx_matmul_precision_name(lx_matmul_precision p);

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

typedef struct lx_backend lx_backend;

/* What a backend implements. Every pointer argument is in the backend's memory (host memory for
 * the CPU, device memory for CUDA), lx_tensor data included. */
typedef struct lx_backend_ops {
  const char *name; /* "cpu", "cuda" */
  bool host_memory; /* arrays are plain host memory (the network can run on it as it is) */
  void (*free)(lx_backend *be);
  /* Waits for every queued kernel (a no-op where kernels run synchronously). */
  int (*sync)(lx_backend *be, lx_error *err);

  /* y[M,N] = x[M,K] · W[N,K]^T (+ bias[N]); with accumulate, y += that instead.
   * W is a 2-D view (N = shape[0], K = shape[1]); bias may be NULL. */
  void (*linear)(lx_backend *be, float *y, const float *x, int M, const lx_tensor *w,
                 const float *bias, bool accumulate);
  /* ys[i][M, N_i] = x[M,K] · W_i[N_i,K]^T for i < count: several products of one input (q, k
   * and v; gate and up), no bias. Results equal count calls of linear; the CPU runs them for a
   * few rows of x and 16-bit weights as one parallel pass over all the weight rows. */
  void (*linear_shared_input)(lx_backend *be, float *const *ys, const lx_tensor *const *ws,
                              int count, const float *x, int M);
  /* out[n, D] = rows ids[n] of table[V, D] (any dtype). */
  void (*embedding)(lx_backend *be, float *out, const lx_tensor *table, const int *ids, int n);
  /* LayerNorm over the last dimension: y = (x - mean) / sqrt(var + eps) * g + b. y may alias x;
   * g and b may be NULL (no affine). */
  void (*layernorm)(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                    const float *b, float eps);
  /* RMSNorm (LLaMA): y = x / sqrt(mean(x^2) + eps) * g. y may alias x. */
  void (*rmsnorm)(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                  float eps);
  void (*gelu)(lx_backend *be, float *x, size_t n);       /* exact (erf) */
  void (*quick_gelu)(lx_backend *be, float *x, size_t n); /* x sigmoid(1.702 x) (CLIP) */
  void (*silu)(lx_backend *be, float *x, size_t n);       /* x sigmoid(x) */
  void (*silu_mul)(lx_backend *be, float *gate, const float *up, size_t n);  /* silu(gate) up */
  void (*add)(lx_backend *be, float *y, const float *x, size_t n);           /* y += x */
  void (*axpy)(lx_backend *be, float *y, float a, const float *x, size_t n); /* y += a x */
  /* Softmax over each row of x[rows, n], in place: max-subtracted, float32 exponentials, the sum
   * accumulated in double (the CPU; CUDA sums in float32 trees). */
  void (*softmax)(lx_backend *be, float *x, int rows, int n);
  /* Rotary position embedding in the rotate_half layout (dimension i pairs with i + head_dim/2),
   * in place on x[T, ld] holding `heads` heads of head_dim at columns h*head_dim. cos_sin is a
   * table [max_pos, head_dim/2, 2] (lx_rope_table); pos[t] is token t's position. */
  void (*rope)(lx_backend *be, float *x, int T, int ld, int heads, int head_dim, const int *pos,
               const float *cos_sin);
  void (*attention)(lx_backend *be, const lx_attention_args *a);
  /* Optional (NULL: nothing to do): the network says where it is ("llm.layer" and its index,
   * "llm.head"), so that a profiling backend (backend_profile.h) can sum time per layer. */
  void (*mark)(lx_backend *be, const char *region, int index);
} lx_backend_ops;

/* The state every backend has; an implementation embeds it first in its own struct. */
struct lx_backend {
  const lx_backend_ops *ops;
  lx_matmul_precision precision; /* may be changed between kernel calls */
  int threads;                   /* host threads the kernels use */
};

/* The CPU backend with `threads` threads (0: $LYNXEVAL_THREADS if set, else every online core).
 * The thread pool's workers are the process's (threads.h): creating a backend sets the pool to
 * its count. */
lx_backend *lx_backend_cpu_new(int threads, lx_matmul_precision precision);

static inline void lx_backend_free(lx_backend *be) {
  if (be) be->ops->free(be);
}

/* ---- the kernels, through the table ---------------------------------------------------------- */

static inline void lx_linear(lx_backend *be, float *y, const float *x, int M, const lx_tensor *w,
                             const float *bias, bool accumulate) {
  be->ops->linear(be, y, x, M, w, bias, accumulate);
}
static inline void lx_linear_shared_input(lx_backend *be, float *const *ys,
                                          const lx_tensor *const *ws, int count, const float *x,
                                          int M) {
  be->ops->linear_shared_input(be, ys, ws, count, x, M);
}
static inline void lx_embedding(lx_backend *be, float *out, const lx_tensor *table, const int *ids,
                                int n) {
  be->ops->embedding(be, out, table, ids, n);
}
static inline void lx_layernorm(lx_backend *be, float *y, const float *x, int M, int D,
                                const float *g, const float *b, float eps) {
  be->ops->layernorm(be, y, x, M, D, g, b, eps);
}
static inline void lx_rmsnorm(lx_backend *be, float *y, const float *x, int M, int D,
                              const float *g, float eps) {
  be->ops->rmsnorm(be, y, x, M, D, g, eps);
}
static inline void lx_gelu(lx_backend *be, float *x, size_t n) {
  be->ops->gelu(be, x, n);
}
static inline void lx_quick_gelu(lx_backend *be, float *x, size_t n) {
  be->ops->quick_gelu(be, x, n);
}
static inline void lx_silu(lx_backend *be, float *x, size_t n) {
  be->ops->silu(be, x, n);
}
static inline void lx_silu_mul(lx_backend *be, float *gate, const float *up, size_t n) {
  be->ops->silu_mul(be, gate, up, n);
}
static inline void lx_add(lx_backend *be, float *y, const float *x, size_t n) {
  be->ops->add(be, y, x, n);
}
static inline void lx_axpy(lx_backend *be, float *y, float a, const float *x, size_t n) {
  be->ops->axpy(be, y, a, x, n);
}
static inline void lx_softmax(lx_backend *be, float *x, int rows, int n) {
  be->ops->softmax(be, x, rows, n);
}
static inline void lx_rope(lx_backend *be, float *x, int T, int ld, int heads, int head_dim,
                           const int *pos, const float *cos_sin) {
  be->ops->rope(be, x, T, ld, heads, head_dim, pos, cos_sin);
}
static inline void lx_attention(lx_backend *be, const lx_attention_args *a) {
  be->ops->attention(be, a);
}
static inline void lx_mark(lx_backend *be, const char *region, int index) {
  if (be->ops->mark) be->ops->mark(be, region, index);
}

/* Fills cos_sin[max_pos, head_dim/2, 2] (host memory) as LLaMA computes it in float32:
 * inv_freq[i] = 1 / theta^(2i / head_dim), angle = pos * inv_freq[i]. */
void lx_rope_table(float *cos_sin, int max_pos, int head_dim, float theta);

#endif
