/* cuda_backend.h: the CUDA backend: backend.h's table on an NVIDIA GPU, on device memory.
 *
 * lx_backend_cuda_new makes the backend object: the same lx_backend_ops as the CPU's, every
 * array (lx_tensor data included) on the device, each kernel computing the same function to
 * float32 rounding (reductions in float32 trees instead of the CPU's loops; tests/unit/test_cuda.c
 * compares the two on the same inputs). Below it are the kernels it is made of: the device, its
 * memory, the matrix products (cuBLASLt) and the kernels around them, for benchmarks and tests.
 * What is partial: attention computes in float32 at both precisions; the products' bf16 staging
 * buffer is the process's, not the object's; a whole model does not run on it yet (weights stay
 * in host memory, so lx_model_open refuses a backend whose arrays are not).
 *
 * Kernels are queued on the current stream and return at once; lx_cuda_sync waits for them and
 * reports the first failure. Memory is plain device memory (cudaMalloc), never managed memory.
 * Without a usable GPU (no device, no driver) lx_cuda_init fails with a message and nothing else
 * may be called. Built only when CMake finds nvcc (LYNXEVAL_HAVE_CUDA).
 */
#ifndef LX_CUDA_BACKEND_H
#define LX_CUDA_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The backend object on GPU `device` (0 = the first), products with BF16 weights at `precision`
 * (LX_MATMUL_F32: the weights widened to float32 on the device). Fails, naming the reason, where
 * there is no usable GPU. The object is freed with lx_backend_free. */
int lx_backend_cuda_new(int device, lx_matmul_precision precision, lx_backend **out, lx_error *err);

/* Selects GPU `device` (0 = the first). Fails, naming the reason, where there is none. */
int lx_cuda_init(int device, lx_error *err);
/* "NVIDIA H100 80GB HBM3, compute 9.0, 79.1 GiB" into buf[n], after lx_cuda_init. */
void lx_cuda_describe(char *buf, size_t n);

/* Device memory. lx_cuda_alloc returns NULL (and fills err) when the device is out of memory. */
void *lx_cuda_alloc(size_t bytes, lx_error *err);
void lx_cuda_free(void *p);
int lx_cuda_upload(void *device_dst, const void *host_src, size_t bytes, lx_error *err);
int lx_cuda_download(void *host_dst, const void *device_src, size_t bytes, lx_error *err);
/* A device buffer that grows on demand and never shrinks (contents undefined after a grow);
 * freed with lx_cuda_free(b.p). */
typedef struct lx_cuda_buffer {
  void *p;
  size_t cap; /* bytes */
} lx_cuda_buffer;

/* b->p holding at least `bytes`, or NULL with the failure noted for the next lx_cuda_sync,
 * naming `what`. */
void *lx_cuda_buffer_get(lx_cuda_buffer *b, size_t bytes, const char *what);

/* Waits for every queued kernel; the first error any of them met, named. */
int lx_cuda_sync(lx_error *err);
/* Queues a copy of bytes between two device arrays. */
void lx_cuda_copy_async(void *device_dst, const void *device_src, size_t bytes);

/* Timing for benchmarks: the GPU time of the work fn(ctx) queues, in ms, between two CUDA events
 * (the host's launch overhead only counts where it keeps the GPU waiting). NaN on failure (the
 * reason then comes from lx_cuda_sync). */
double lx_cuda_time_ms(void (*fn)(void *ctx), void *ctx);
/* Evicts the GPU's L2 cache: writes a buffer of twice its size (not timed by the caller). */
void lx_cuda_flush_l2(void);

/* The card's ceilings, measured: memory bandwidth from 1 GiB device-to-device copies (bytes read
 * plus bytes written, per second, the best of 5), and the rate of a large cuBLASLt product
 * (bf16 inputs with float32 sums at 8192^3, or float32 at 4096^3; GFLOP/s, the best of 5). NaN
 * on failure. */
double lx_cuda_copy_gbs(void);
double lx_cuda_peak_gflops(bool bf16);

/* Matrix products through cuBLASLt: y[M, N] (row stride ldy) = x[M, K] (row stride ldx) ·
 * W[N, K]^T (+ bias[N]); with accumulate, y += that instead. W's rows are contiguous.
 * _f32: float32 weights, float32 products and sums (never TF32).
 * _bf16: bf16 weights; x is rounded to bf16 (nearest even) and the exact products are summed in
 * float32: lynxeval's bf16 precision (LX_MATMUL_BF16), as the CPU computes it. */
void lx_cuda_linear_f32(float *y, int ldy, const float *x, int ldx, int M, const float *w, int N,
                        int K, const float *bias, bool accumulate);
void lx_cuda_linear_bf16(float *y, int ldy, const float *x, int ldx, int M, const uint16_t *w,
                         int N, int K, const float *bias, bool accumulate);

/* The ViT's patch embedding, a convolution with stride P over pixels [3, S, S]: for patch
 * p = gy * G + gx (G = S / P), y[p * ldy + o] = bias[o] + sum over (ch, ky, kx) of
 * W[o, (ch * P + ky) * P + kx] * pixels[ch, gy * P + ky, gx * P + kx]. W [N, 3 P P] in float32
 * (w32) or bf16 (w16, computed in bf16 precision as lx_cuda_linear_bf16); bias may be NULL. */
void lx_cuda_patch_embed(float *y, int ldy, const float *pixels, int S, int P, const float *w32,
                         const uint16_t *w16, int N, const float *bias);

/* Decoding on the device, with the CPU's rules (generate.c), so the same tokens are chosen:
 * argmax: out[r] = the first index of row r's largest value (greedy; NaN never wins, unless at
 *   index 0, where the CPU's scan starts).
 * log-softmax: out[r, :] = x[r, :] - logsumexp(x[r, :]), the sum in double as the CPU.
 * top-k: for each of `items` groups of n scores, the k best in order (larger value first, lower
 *   index first on ties): idx[item * k + r], val[item * k + r]; beam search takes the top
 *   2 x beams of beams x vocabulary. NaN scores (which a working model never produces) rank
 *   after every number here, where the CPU's insertion would keep them in place; groups with
 *   fewer than k numbers end with idx -1. */
void lx_cuda_argmax_rows(int *out, const float *x, int rows, int n);
void lx_cuda_log_softmax_rows(float *out, const float *x, int rows, int n);
void lx_cuda_top_k(int *idx, float *val, const float *x, int items, int n, int k);

/* Multi-head attention as backend.h's lx_attention (the same args, every array on the device),
 * in float32, fused: the scores are never written to memory. head_dim at most 128. */
void lx_cuda_attention(const lx_attention_args *a);

/* Element types of lx_cuda_widen and lx_cuda_embedding (lx_dtype's values, tensor.h). */
enum { LX_CUDA_F32 = 0, LX_CUDA_F16 = 1, LX_CUDA_BF16 = 2 };

/* dst[n] = the float32 values of src[n] (F32, F16 or BF16; exact). */
void lx_cuda_widen(float *dst, const void *src, int dtype, size_t n);
/* out[i, D] = row ids[i] of table[V, D] as float32, for i < n (ids on the device). */
void lx_cuda_embedding(float *out, const void *table, int dtype, const int *ids, int n, int D);

/* The kernels, as in backend.h (every pointer a device pointer). */
void lx_cuda_layernorm(float *y, const float *x, int M, int D, const float *g, const float *b,
                       float eps);
void lx_cuda_rmsnorm(float *y, const float *x, int M, int D, const float *g, float eps);
void lx_cuda_gelu(float *x, size_t n);
void lx_cuda_quick_gelu(float *x, size_t n);
void lx_cuda_silu(float *x, size_t n);
void lx_cuda_silu_mul(float *gate, const float *up, size_t n);
void lx_cuda_add(float *y, const float *x, size_t n);
void lx_cuda_axpy(float *y, float a, const float *x, size_t n);
void lx_cuda_softmax(float *x, int rows, int n);
void lx_cuda_rope(float *x, int T, int ld, int heads, int head_dim, const int *pos,
                  const float *cos_sin);

#ifdef __cplusplus
}
#endif

#endif
