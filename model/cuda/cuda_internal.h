/* cuda_internal.h: what the CUDA sources share and nothing else sees (C++ and device code). */
#ifndef LX_CUDA_INTERNAL_H
#define LX_CUDA_INTERNAL_H

#include <stddef.h>

/* Records a failure met while queueing work (a library call that returned an error); the first
 * one is reported, named, by the next lx_cuda_sync. */
void lx_cuda_note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LX_CUDA_THREADS 256 /* threads per block: 8 warps */

/* Blocks of LX_CUDA_THREADS for a grid-stride loop over `total` items (at most 65535: the loop
 * covers the rest; at least 1). */
static inline unsigned lx_cuda_grid(size_t total) {
  const size_t blocks = (total + LX_CUDA_THREADS - 1) / LX_CUDA_THREADS;
  return (unsigned)(blocks > 65535 ? 65535 : blocks ? blocks : 1);
}

/* The best rate of fn's work on the GPU: after one warm-up call, 5 calls timed by CUDA events;
 * the largest work_per_call / seconds, or NaN if none could be timed. */
double lx_cuda_best_rate(void (*fn)(void *ctx), void *ctx, double work_per_call);

#ifdef __CUDACC__
/* op(v) over the whole block, every thread getting the result: warp shuffles, then one value per
 * warp through `scratch` (32 entries of shared memory, reusable right after the call). */
template <typename T, typename Op>
__device__ __forceinline__ T lx_block_reduce(T v, Op op, T identity, T *scratch) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads(); /* scratch may still be read from a previous call */
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < (int)(blockDim.x + 31) / 32 ? scratch[lane] : identity;
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

struct lx_add_op {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct lx_max_op {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
#endif

#endif
