// cuda_patch.cu: the ViT's patch embedding on the GPU (cuda_backend.h): the image's patches laid
// out as rows (im2col, in the conv kernel's channel, row, column order), then one product.
#include <cuda_runtime.h>

#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

static lx_cuda_buffer columns; /* [G * G, 3 * P * P] */

/* cols[p, (ch * P + ky) * P + kx] = pixels[ch, gy * P + ky, gx * P + kx], p = gy * G + gx */
__global__ static void im2col_kernel(float *cols, const float *pixels, int S, int P) {
  const int G = S / P, K = 3 * P * P;
  const size_t total = (size_t)G * G * K;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
       i += (size_t)gridDim.x * blockDim.x) {
    const int p = (int)(i / K), e = (int)(i % K);
    const int ch = e / (P * P), ky = e / P % P, kx = e % P;
    const int gy = p / G, gx = p % G;
    cols[i] = pixels[((size_t)ch * S + (size_t)gy * P + ky) * S + (size_t)gx * P + kx];
  }
}

extern "C" void lx_cuda_patch_embed(float *y, int ldy, const float *pixels, int S, int P,
                                    const float *w32, const uint16_t *w16, int N,
                                    const float *bias) {
  const int G = S / P, K = 3 * P * P;
  const size_t need = (size_t)G * G * K;
  if (need == 0) return;
  float *cols = (float *)lx_cuda_buffer_get(&columns, need * sizeof(float), "the image's patches");
  if (!cols) return;
  im2col_kernel<<<lx_cuda_grid(need), LX_CUDA_THREADS>>>(cols, pixels, S, P);
  if (w16)
    lx_cuda_linear_bf16(y, ldy, cols, K, G * G, w16, N, K, bias, false);
  else
    lx_cuda_linear_f32(y, ldy, cols, K, G * G, w32, N, K, bias, false);
}
