// cuda_attention.cu: multi-head attention on the GPU in one pass (cuda_backend.h), flash-style:
// the scores never reach memory. Each warp owns one query of one head; the block's warps share
// tiles of keys and values in shared memory. A lane holds head_dim / 32 of the query's
// dimensions and of its output, and the softmax is kept online: a running maximum m, a running
// sum l of exp(s - m), and the output scaled whenever m grows.
#include <cuda_runtime.h>
#include <math.h>

extern "C" {
#include "model/backend.h"
}
#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

#define QUERIES_PER_BLOCK 8 /* warps per block, one query each */
#define KEYS_PER_TILE     32
#define MAX_HEAD_DIM      128 /* LLaMA-7B 128, EVA ViT-g 88; 32 KB of shared memory per block */
#define PER_LANE          (MAX_HEAD_DIM / 32)

__global__ static void attention_kernel(lx_attention_args a) {
  __shared__ float keys[KEYS_PER_TILE][MAX_HEAD_DIM];
  __shared__ float values[KEYS_PER_TILE][MAX_HEAD_DIM];
  const int hd = a.head_dim, h = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int i = blockIdx.x * QUERIES_PER_BLOCK + warp; /* this warp's query */
  const bool active = i < a.n_q;
  /* the keys query i may see: all, or j <= q_pos0 + i when causal */
  const int visible = !active ? 0 : a.causal ? min(a.n_kv, a.q_pos0 + i + 1) : a.n_kv;
  /* the block's last query sees the most keys */
  const int last_q = min(a.n_q - 1, (int)blockIdx.x * QUERIES_PER_BLOCK + QUERIES_PER_BLOCK - 1);
  const int block_keys = a.causal ? min(a.n_kv, a.q_pos0 + last_q + 1) : a.n_kv;

  float q[PER_LANE], acc[PER_LANE];
  for (int r = 0; r < PER_LANE; r++) {
    const int d = lane + 32 * r;
    q[r] = active && d < hd ? a.q[(size_t)i * a.ldq + (size_t)h * hd + d] * a.scale : 0.0f;
    acc[r] = 0.0f;
  }
  float m = -INFINITY, l = 0.0f;
  for (int j0 = 0; j0 < block_keys; j0 += KEYS_PER_TILE) {
    const int tile = min(KEYS_PER_TILE, block_keys - j0);
    __syncthreads(); /* the previous tile is no longer read */
    for (int e = threadIdx.x; e < tile * hd; e += blockDim.x) {
      const int j = e / hd, d = e % hd;
      keys[j][d] = a.k[(size_t)(j0 + j) * a.ldk + (size_t)h * hd + d];
      values[j][d] = a.v[(size_t)(j0 + j) * a.ldv + (size_t)h * hd + d];
    }
    __syncthreads();
    const int upto = min(tile, visible - j0); /* keys of this tile the query sees */
    for (int j = 0; j < upto; j++) {
      float s = 0.0f;
      for (int r = 0; r < PER_LANE; r++) {
        const int d = lane + 32 * r;
        if (d < hd) s += q[r] * keys[j][d];
      }
      for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
      const float m_new = fmaxf(m, s);
      const float grow = expf(m - m_new), p = expf(s - m_new);
      l = l * grow + p;
      for (int r = 0; r < PER_LANE; r++) {
        const int d = lane + 32 * r;
        acc[r] = acc[r] * grow + (d < hd ? p * values[j][d] : 0.0f);
      }
      m = m_new;
    }
  }
  if (!active) return;
  const float inv = l > 0.0f ? 1.0f / l : 0.0f; /* a query that sees no key gets zeros */
  for (int r = 0; r < PER_LANE; r++) {
    const int d = lane + 32 * r;
    if (d < hd) a.out[(size_t)i * a.ldo + (size_t)h * hd + d] = acc[r] * inv;
  }
}

extern "C" void lx_cuda_attention(const lx_attention_args *a) {
  if (a->n_q <= 0 || a->heads <= 0) return;
  if (a->head_dim > MAX_HEAD_DIM) {
    lx_cuda_note_error("attention: head_dim %d is more than the CUDA kernel's %d", a->head_dim,
                       MAX_HEAD_DIM);
    return;
  }
  const dim3 grid((a->n_q + QUERIES_PER_BLOCK - 1) / QUERIES_PER_BLOCK, a->heads);
  attention_kernel<<<grid, QUERIES_PER_BLOCK * 32>>>(*a);
}
