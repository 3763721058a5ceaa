/* cuda_backend.c: the CUDA backend object (backend.h's table over cuda_backend.h's kernels). */
#include <stdlib.h>

#include "common/error.h"
#include "model/backend.h"
#include "model/cuda/cuda_backend.h"

/* The dtype values cuda_backend.h's kernels take are tensor.h's. */
_Static_assert(LX_CUDA_F32 == (int)LX_F32 && LX_CUDA_F16 == (int)LX_F16 &&
                   LX_CUDA_BF16 == (int)LX_BF16,
               "cuda_backend.h's element types are lx_dtype's");

typedef struct cuda_backend {
  lx_backend base;
  lx_cuda_buffer widened; /* 16-bit weights widened for float32 products */
} cuda_backend;

static void cuda_linear(lx_backend *be, float *y, const float *x, int M, const lx_tensor *w,
                        const float *bias, bool accumulate) {
  LX_CHECK(w->ndim == 2);
  const int N = (int)w->shape[0], K = (int)w->shape[1];
  if (M <= 0) return;
  if (w->dtype == LX_F32) {
    lx_cuda_linear_f32(y, N, x, K, M, w->data, N, K, bias, accumulate);
  } else if (w->dtype == LX_BF16 && be->precision == LX_MATMUL_BF16) {
    lx_cuda_linear_bf16(y, N, x, K, M, w->data, N, K, bias, accumulate);
  } else {
    /* Exact 16-bit weights in float32 arithmetic, as the CPU: widen, then the float32 product. */
    float *w32 = lx_cuda_buffer_get(&((cuda_backend *)be)->widened, (size_t)N * K * sizeof(float),
                                    "16-bit weights widened to float32");
    if (!w32) return; /* the allocation failure is reported by the next sync */
    lx_cuda_widen(w32, w->data, (int)w->dtype, (size_t)N * K);
    lx_cuda_linear_f32(y, N, x, K, M, w32, N, K, bias, accumulate);
  }
}

static void cuda_linear_shared_input(lx_backend *be, float *const *ys, const lx_tensor *const *ws,
                                     int count, const float *x, int M) {
  for (int i = 0; i < count; i++) cuda_linear(be, ys[i], x, M, ws[i], NULL, false);
}

static void cuda_embedding(lx_backend *be, float *out, const lx_tensor *table, const int *ids,
                           int n) {
  (void)be;
  LX_CHECK(table->ndim == 2);
  lx_cuda_embedding(out, table->data, (int)table->dtype, ids, n, (int)table->shape[1]);
}

static void cuda_layernorm(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                           const float *b, float eps) {
  (void)be;
  lx_cuda_layernorm(y, x, M, D, g, b, eps);
}

static void cuda_rmsnorm(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                         float eps) {
  (void)be;
  lx_cuda_rmsnorm(y, x, M, D, g, eps);
}

static void cuda_gelu(lx_backend *be, float *x, size_t n) {
  (void)be;
  lx_cuda_gelu(x, n);
}

static void cuda_quick_gelu(lx_backend *be, float *x, size_t n) {
  (void)be;
  lx_cuda_quick_gelu(x, n);
}

static void cuda_silu(lx_backend *be, float *x, size_t n) {
  (void)be;
  lx_cuda_silu(x, n);
}

static void cuda_silu_mul(lx_backend *be, float *gate, const float *up, size_t n) {
  (void)be;
  lx_cuda_silu_mul(gate, up, n);
}

static void cuda_add(lx_backend *be, float *y, const float *x, size_t n) {
  (void)be;
  lx_cuda_add(y, x, n);
}

static void cuda_axpy(lx_backend *be, float *y, float a, const float *x, size_t n) {
  (void)be;
  lx_cuda_axpy(y, a, x, n);
}

static void cuda_softmax(lx_backend *be, float *x, int rows, int n) {
  (void)be;
  lx_cuda_softmax(x, rows, n);
}

static void cuda_rope(lx_backend *be, float *x, int T, int ld, int heads, int head_dim,
                      const int *pos, const float *cos_sin) {
  (void)be;
  lx_cuda_rope(x, T, ld, heads, head_dim, pos, cos_sin);
}

/* float32 at both precisions for now (the CPU's bf16 precision rounds q k^T and p v to bf16 above
 * 16 queries). */
static void cuda_attention(lx_backend *be, const lx_attention_args *a) {
  (void)be;
  lx_cuda_attention(a);
}

static int cuda_sync(lx_backend *be, lx_error *err) {
  (void)be;
  return lx_cuda_sync(err);
}

static void cuda_free_backend(lx_backend *be) {
  cuda_backend *cb = (cuda_backend *)be;
  lx_cuda_free(cb->widened.p);
  free(cb);
}

static const lx_backend_ops cuda_ops = {
    .name = "cuda",
    .host_memory = false,
    .free = cuda_free_backend,
    .sync = cuda_sync,
    .linear = cuda_linear,
    .linear_shared_input = cuda_linear_shared_input,
    .embedding = cuda_embedding,
    .layernorm = cuda_layernorm,
    .rmsnorm = cuda_rmsnorm,
    .gelu = cuda_gelu,
    .quick_gelu = cuda_quick_gelu,
    .silu = cuda_silu,
    .silu_mul = cuda_silu_mul,
    .add = cuda_add,
    .axpy = cuda_axpy,
    .softmax = cuda_softmax,
    .rope = cuda_rope,
    .attention = cuda_attention,
};

int lx_backend_cuda_new(int device, lx_matmul_precision precision, lx_backend **out,
                        lx_error *err) {
  *out = NULL;
  if (lx_cuda_init(device, err) != LX_OK) return LX_ERR;
  cuda_backend *cb = lx_xcalloc(1, sizeof *cb);
  cb->base = (lx_backend){&cuda_ops, precision, 1};
  *out = &cb->base;
  return LX_OK;
}
