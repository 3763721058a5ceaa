// cuda_elementwise.cu: norms, activations, residual adds, widening, embedding lookup, softmax and
// RoPE on the GPU (cuda_backend.h). One block of ROW_THREADS threads per row for the row-wise
// kernels; a grid-stride loop for the element-wise ones.
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math.h>

#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

#define ROW_THREADS LX_CUDA_THREADS /* threads per row */

__device__ static float block_sum(float v, float *scratch) {
  return lx_block_reduce(v, lx_add_op(), 0.0f, scratch);
}

__device__ static float block_max(float v, float *scratch) {
  return lx_block_reduce(v, lx_max_op(), -INFINITY, scratch);
}

/* ---- norms: one block per row ------------------------------------------------------------- */

__global__ static void layernorm_kernel(float *y, const float *x, int D, const float *g,
                                        const float *b, float eps) {
  __shared__ float scratch[32];
  const size_t row = blockIdx.x;
  const float *xr = x + row * D;
  float *yr = y + row * D;
  float s = 0.0f;
  for (int i = threadIdx.x; i < D; i += blockDim.x) s += xr[i];
  const float mean = block_sum(s, scratch) / (float)D;
  float ss = 0.0f; /* two passes, as the CPU: the variance of the centred values */
  for (int i = threadIdx.x; i < D; i += blockDim.x) {
    const float d = xr[i] - mean;
    ss += d * d;
  }
  const float rstd = rsqrtf(block_sum(ss, scratch) / (float)D + eps);
  for (int i = threadIdx.x; i < D; i += blockDim.x) {
    float v = (xr[i] - mean) * rstd;
    if (g) v *= g[i];
    if (b) v += b[i];
    yr[i] = v;
  }
}

__global__ static void rmsnorm_kernel(float *y, const float *x, int D, const float *g, float eps) {
  __shared__ float scratch[32];
  const size_t row = blockIdx.x;
  const float *xr = x + row * D;
  float *yr = y + row * D;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < D; i += blockDim.x) ss += xr[i] * xr[i];
  const float r = rsqrtf(block_sum(ss, scratch) / (float)D + eps);
  /* as the reference: h = x * rsqrt(mean(x^2) + eps), then weight * h */
  for (int i = threadIdx.x; i < D; i += blockDim.x) yr[i] = g[i] * (xr[i] * r);
}

extern "C" void lx_cuda_layernorm(float *y, const float *x, int M, int D, const float *g,
                                  const float *b, float eps) {
  if (M > 0) layernorm_kernel<<<M, ROW_THREADS>>>(y, x, D, g, b, eps);
}

extern "C" void lx_cuda_rmsnorm(float *y, const float *x, int M, int D, const float *g, float eps) {
  if (M > 0) rmsnorm_kernel<<<M, ROW_THREADS>>>(y, x, D, g, eps);
}

/* ---- element-wise ------------------------------------------------------------------------- */

enum { OP_GELU, OP_QUICK_GELU, OP_SILU, OP_SILU_MUL, OP_ADD, OP_AXPY };

__global__ static void elementwise_kernel(int op, float *x, const float *y, float a, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    switch (op) {
      case OP_GELU:
        x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
        break;
      case OP_QUICK_GELU:
        x[i] = v / (1.0f + expf(-1.702f * v));
        break;
      case OP_SILU:
        x[i] = v / (1.0f + expf(-v));
        break;
      case OP_SILU_MUL:
        x[i] = v / (1.0f + expf(-v)) * y[i];
        break;
      case OP_ADD:
        x[i] = v + y[i];
        break;
      case OP_AXPY:
        x[i] = v + a * y[i];
        break;
    }
  }
}

static void elementwise(int op, float *x, const float *y, float a, size_t n) {
  if (n == 0) return;
  elementwise_kernel<<<lx_cuda_grid(n), LX_CUDA_THREADS>>>(op, x, y, a, n);
}

extern "C" void lx_cuda_gelu(float *x, size_t n) {
  elementwise(OP_GELU, x, NULL, 0.0f, n);
}
extern "C" void lx_cuda_quick_gelu(float *x, size_t n) {
  elementwise(OP_QUICK_GELU, x, NULL, 0.0f, n);
}
extern "C" void lx_cuda_silu(float *x, size_t n) {
  elementwise(OP_SILU, x, NULL, 0.0f, n);
}
extern "C" void lx_cuda_silu_mul(float *gate, const float *up, size_t n) {
  elementwise(OP_SILU_MUL, gate, up, 0.0f, n);
}
extern "C" void lx_cuda_add(float *y, const float *x, size_t n) {
  elementwise(OP_ADD, y, x, 0.0f, n);
}
extern "C" void lx_cuda_axpy(float *y, float a, const float *x, size_t n) {
  elementwise(OP_AXPY, y, x, a, n);
}

/* ---- 16-bit values widened to float32 ------------------------------------------------------ */

/* The float32 value of a stored element: F32 as it is, BF16 and F16 exactly. */
__device__ static float widen(const void *src, int dtype, size_t i) {
  switch (dtype) {
    case LX_CUDA_BF16:
      return __uint_as_float((unsigned)((const unsigned short *)src)[i] << 16);
    case LX_CUDA_F16:
      return __half2float(((const __half *)src)[i]);
    default:
      return ((const float *)src)[i];
  }
}

__global__ static void widen_kernel(float *dst, const void *src, int dtype, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    dst[i] = widen(src, dtype, i);
}

extern "C" void lx_cuda_widen(float *dst, const void *src, int dtype, size_t n) {
  if (n > 0) widen_kernel<<<lx_cuda_grid(n), LX_CUDA_THREADS>>>(dst, src, dtype, n);
}

/* One block per looked-up row. */
__global__ static void embedding_kernel(float *out, const void *table, int dtype, const int *ids,
                                        int D) {
  const size_t row = (size_t)ids[blockIdx.x] * D;
  for (int i = threadIdx.x; i < D; i += blockDim.x)
    out[(size_t)blockIdx.x * D + i] = widen(table, dtype, row + i);
}

extern "C" void lx_cuda_embedding(float *out, const void *table, int dtype, const int *ids, int n,
                                  int D) {
  if (n > 0) embedding_kernel<<<n, ROW_THREADS>>>(out, table, dtype, ids, D);
}

/* ---- softmax: one block per row ----------------------------------------------------------- */

__global__ static void softmax_kernel(float *x, int n) {
  __shared__ float scratch[32];
  float *row = x + (size_t)blockIdx.x * n;
  float mx = -INFINITY;
  for (int i = threadIdx.x; i < n; i += blockDim.x) mx = fmaxf(mx, row[i]);
  mx = block_max(mx, scratch);
  float s = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const float e = expf(row[i] - mx);
    row[i] = e;
    s += e;
  }
  const float inv = 1.0f / block_sum(s, scratch);
  for (int i = threadIdx.x; i < n; i += blockDim.x) row[i] *= inv;
}

extern "C" void lx_cuda_softmax(float *x, int rows, int n) {
  if (rows > 0 && n > 0) softmax_kernel<<<rows, ROW_THREADS>>>(x, n);
}

/* ---- rotary embedding: one thread per (token, head, pair) --------------------------------- */

__global__ static void rope_kernel(float *x, int T, int ld, int heads, int head_dim, const int *pos,
                                   const float *cos_sin) {
  const int half = head_dim / 2;
  const size_t total = (size_t)T * heads * half;
  for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < total;
       k += (size_t)gridDim.x * blockDim.x) {
    const int i = (int)(k % half);
    const int h = (int)(k / half % heads);
    const int t = (int)(k / half / heads);
    const float *cs = cos_sin + ((size_t)pos[t] * half + i) * 2;
    float *v = x + (size_t)t * ld + (size_t)h * head_dim;
    const float a = v[i], b = v[i + half];
    v[i] = a * cs[0] - b * cs[1];
    v[i + half] = b * cs[0] + a * cs[1];
  }
}

extern "C" void lx_cuda_rope(float *x, int T, int ld, int heads, int head_dim, const int *pos,
                             const float *cos_sin) {
  const size_t total = (size_t)T * heads * (head_dim / 2);
  if (total == 0) return;
  rope_kernel<<<lx_cuda_grid(total), LX_CUDA_THREADS>>>(x, T, ld, heads, head_dim, pos, cos_sin);
}
