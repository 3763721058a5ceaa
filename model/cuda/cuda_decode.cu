// cuda_decode.cu: the decoding loop's row operations on the GPU (cuda_backend.h): greedy's
// argmax, the log-softmax of beam scores, and beam search's top candidates, each with the CPU's
// exact rules (generate.c) so that a decode on the GPU picks the same tokens.
#include <cuda_runtime.h>
#include <math.h>

#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

#define THREADS LX_CUDA_THREADS

/* The order the CPU's choices follow: a before b when a's value is larger, or equal with a lower
 * index. NaN comes after every number (the CPU's comparisons never prefer it). */
__device__ static bool before(float av, int ai, float bv, int bi) {
  if (isnan(bv)) return !isnan(av) || ai < bi;
  if (isnan(av)) return false;
  return av > bv || (av == bv && ai < bi);
}

/* The block's first element in that order among x[0..n) that come strictly after (pv, pi)
 * (pi < 0: no such bound). Every thread gets the result. */
__device__ static void block_best(const float *x, int n, float pv, int pi, float *bv, int *bi) {
  __shared__ float sv[THREADS];
  __shared__ int si[THREADS];
  float v = NAN;
  int i = -1;
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    const float xj = x[j];
    if (pi >= 0 && !before(pv, pi, xj, j)) continue; /* not after the bound */
    if (i < 0 || before(xj, j, v, i)) v = xj, i = j;
  }
  sv[threadIdx.x] = v, si[threadIdx.x] = i;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      const float ov = sv[threadIdx.x + s];
      const int oi = si[threadIdx.x + s];
      if (oi >= 0 && (si[threadIdx.x] < 0 || before(ov, oi, sv[threadIdx.x], si[threadIdx.x])))
        sv[threadIdx.x] = ov, si[threadIdx.x] = oi;
    }
    __syncthreads();
  }
  *bv = sv[0], *bi = si[0];
  __syncthreads(); /* sv, si are reused by the next call */
}

__global__ static void argmax_kernel(int *out, const float *x, int n) {
  const float *row = x + (size_t)blockIdx.x * n;
  float v;
  int i;
  block_best(row, n, 0.0f, -1, &v, &i);
  /* the CPU starts from index 0 and moves only to a strictly larger value: a NaN there stays */
  if (threadIdx.x == 0) out[blockIdx.x] = isnan(row[0]) || i < 0 ? 0 : i;
}

extern "C" void lx_cuda_argmax_rows(int *out, const float *x, int rows, int n) {
  if (rows > 0 && n > 0) argmax_kernel<<<rows, THREADS>>>(out, x, n);
}

__global__ static void top_k_kernel(int *idx, float *val, const float *x, int n, int k) {
  const float *group = x + (size_t)blockIdx.x * n;
  float v = 0.0f;
  int i = -1;
  for (int r = 0; r < k; r++) {
    block_best(group, n, v, i, &v, &i);
    if (threadIdx.x == 0) {
      idx[(size_t)blockIdx.x * k + r] = i;
      val[(size_t)blockIdx.x * k + r] = i >= 0 ? v : -INFINITY;
    }
    if (i < 0) break; /* fewer than k elements: the rest stay as written below */
  }
}

extern "C" void lx_cuda_top_k(int *idx, float *val, const float *x, int items, int n, int k) {
  if (items <= 0 || k <= 0) return;
  cudaMemsetAsync(idx, 0xff, (size_t)items * k * sizeof(int), 0); /* -1: no candidate */
  top_k_kernel<<<items, THREADS>>>(idx, val, x, n, k);
}

/* out = x - (max + log(sum exp(x - max))), the sum and the subtraction in double as the CPU. */
__global__ static void log_softmax_kernel(float *out, const float *x, int n) {
  __shared__ float fscratch[32];
  __shared__ double dscratch[32];
  const float *row = x + (size_t)blockIdx.x * n;
  float *o = out + (size_t)blockIdx.x * n;
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < n; j += blockDim.x) mx = row[j] > mx ? row[j] : mx;
  mx = lx_block_reduce(mx, lx_max_op(), -INFINITY, fscratch);
  double sum = 0;
  for (int j = threadIdx.x; j < n; j += blockDim.x) sum += exp((double)row[j] - mx);
  const double lse = mx + log(lx_block_reduce(sum, lx_add_op(), 0.0, dscratch));
  for (int j = threadIdx.x; j < n; j += blockDim.x) o[j] = (float)((double)row[j] - lse);
}

extern "C" void lx_cuda_log_softmax_rows(float *out, const float *x, int rows, int n) {
  if (rows > 0 && n > 0) log_softmax_kernel<<<rows, THREADS>>>(out, x, n);
}
