// cuda_matmul.cu: matrix products on the GPU through cuBLASLt (cuda_backend.h).
//
// lynxeval's matrices are row-major: y[M, N] = x[M, K] · W[N, K]^T. Read as column-major, W is a
// K x N matrix and x a K x M one, so y^T (N x M, column-major with leading dimension ldy) is
// W^T · x: one cuBLASLt product with A = W transposed, B = x, m = N, n = M, k = K.
//
// cuBLASLt is loaded with dlopen the first time a product runs, not linked: the library is half
// a gigabyte, and loading it would add about 0.1 s to every lynxeval command, most of which never
// touch the GPU.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

#define WORKSPACE_BYTES  ((size_t)32 << 20)  /* cuBLASLt's scratch for split-K and the like */
#define CUBLASLT_LIBRARY "libcublasLt.so.13" /* the major version the headers are from */

/* The cuBLASLt functions used here, resolved from the library. */
/* One per line: the formatter does not settle on this macro. */
// clang-format off
#define LT_FUNCTIONS(X)                     \
  X(cublasLtCreate)                         \
  X(cublasLtGetStatusString)                \
  X(cublasLtMatmulDescCreate)               \
  X(cublasLtMatmulDescSetAttribute)         \
  X(cublasLtMatmulDescDestroy)              \
  X(cublasLtMatrixLayoutCreate)             \
  X(cublasLtMatrixLayoutDestroy)            \
  X(cublasLtMatmulPreferenceCreate)         \
  X(cublasLtMatmulPreferenceSetAttribute)   \
  X(cublasLtMatmulPreferenceDestroy)        \
  X(cublasLtMatmulAlgoGetHeuristic)         \
  X(cublasLtMatmul)
// clang-format on
#define LT_POINTER(f) static decltype(&f) lt_##f;
LT_FUNCTIONS(LT_POINTER)

static cublasLtHandle_t handle;
static bool load_failed;
static void *workspace;
static lx_cuda_buffer rounded; /* x rounded to bf16 */

static bool load_library(void) {
  void *lib = dlopen(CUBLASLT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
#ifdef LX_CUBLASLT_DIR /* the toolkit this was built with, where the loader does not look */
  if (!lib) lib = dlopen(LX_CUBLASLT_DIR "/" CUBLASLT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) {
    lx_cuda_note_error("cannot load cuBLASLt (%s), which the GPU's matrix products use: %s",
                       CUBLASLT_LIBRARY, dlerror());
    return false;
  }
#define LT_RESOLVE(f)                                                                        \
  if (!(lt_##f = (decltype(&f))dlsym(lib, #f))) {                                            \
    lx_cuda_note_error("%s has no function %s (too old a cuBLASLt?)", CUBLASLT_LIBRARY, #f); \
    return false;                                                                            \
  }
  LT_FUNCTIONS(LT_RESOLVE)
  return true;
}

static bool ready(void) {
  if (handle) return true;
  if (load_failed) return false;
  if (!load_library()) {
    load_failed = true;
    return false;
  }
  cublasStatus_t s = lt_cublasLtCreate(&handle);
  if (s != CUBLAS_STATUS_SUCCESS) {
    lx_cuda_note_error("cuBLASLt did not start: %s", lt_cublasLtGetStatusString(s));
    load_failed = true;
    return false;
  }
  if (cudaMalloc(&workspace, WORKSPACE_BYTES) != cudaSuccess) {
    lx_cuda_note_error("cannot allocate cuBLASLt's %zu-byte workspace on the GPU", WORKSPACE_BYTES);
    workspace = NULL;
  }
  return true;
}

/* dst[m * ld + k] = bf16(x[m * ldx + k]), nearest even, as the CPU's bf16 precision rounds. */
__global__ static void round_rows_kernel(__nv_bfloat16 *dst, int ld, const float *x, int M, int K,
                                         int ldx) {
  const size_t total = (size_t)M * K;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
       i += (size_t)gridDim.x * blockDim.x) {
    const size_t m = i / K, k = i % K;
    dst[m * ld + k] = __float2bfloat16_rn(x[m * ldx + k]);
  }
}

/* y[m * ldy + n] += bias[n] */
__global__ static void add_bias_kernel(float *y, int ldy, const float *bias, int M, int N) {
  const size_t total = (size_t)M * N;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
       i += (size_t)gridDim.x * blockDim.x)
    y[i / N * ldy + i % N] += bias[i % N];
}

#define LT(call, what)                                                   \
  do {                                                                   \
    cublasStatus_t s_ = (call);                                          \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                   \
      lx_cuda_note_error("cuBLASLt %s: %s (product %d x %d x %d)", what, \
                         lt_cublasLtGetStatusString(s_), M, N, K);       \
      goto done;                                                         \
    }                                                                    \
  } while (0)

/* y^T = W^T · x in column-major terms, A and B of type ab, C and D float32, float32 sums. */
static void product(float *y, int ldy, const void *x, int ldx, int M, const void *w,
                    cudaDataType_t ab, int N, int K, bool accumulate) {
  cublasLtMatmulDesc_t desc = NULL;
  cublasLtMatrixLayout_t a = NULL, b = NULL, c = NULL;
  cublasLtMatmulPreference_t pref = NULL;
  cublasLtMatmulHeuristicResult_t best;
  int found = 0;
  const float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  const cublasOperation_t transpose = CUBLAS_OP_T;
  const size_t ws = workspace ? WORKSPACE_BYTES : 0;
  /* float32 products stay float32 (no TF32): CUBLAS_COMPUTE_32F_PEDANTIC */
  const cublasComputeType_t compute =
      ab == CUDA_R_32F ? CUBLAS_COMPUTE_32F_PEDANTIC : CUBLAS_COMPUTE_32F;
  LT(lt_cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), "descriptor");
  LT(lt_cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &transpose,
                                       sizeof transpose),
     "transpose");
  LT(lt_cublasLtMatrixLayoutCreate(&a, ab, K, N, K), "layout of W");
  LT(lt_cublasLtMatrixLayoutCreate(&b, ab, K, M, ldx), "layout of x");
  LT(lt_cublasLtMatrixLayoutCreate(&c, CUDA_R_32F, N, M, ldy), "layout of y");
  LT(lt_cublasLtMatmulPreferenceCreate(&pref), "preference");
  LT(lt_cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                             sizeof ws),
     "workspace size");
  LT(lt_cublasLtMatmulAlgoGetHeuristic(handle, desc, a, b, c, c, pref, 1, &best, &found),
     "algorithm search");
  if (found == 0) {
    lx_cuda_note_error("cuBLASLt has no algorithm for the product %d x %d x %d", M, N, K);
    goto done;
  }
  LT(lt_cublasLtMatmul(handle, desc, &one, w, a, x, b, &beta, y, c, y, c, &best.algo, workspace, ws,
                       0),
     "product");
done:
  if (pref) lt_cublasLtMatmulPreferenceDestroy(pref);
  if (c) lt_cublasLtMatrixLayoutDestroy(c);
  if (b) lt_cublasLtMatrixLayoutDestroy(b);
  if (a) lt_cublasLtMatrixLayoutDestroy(a);
  if (desc) lt_cublasLtMatmulDescDestroy(desc);
}

extern "C" void lx_cuda_linear_f32(float *y, int ldy, const float *x, int ldx, int M,
                                   const float *w, int N, int K, const float *bias,
                                   bool accumulate) {
  if (M <= 0 || N <= 0 || !ready()) return;
  product(y, ldy, x, ldx, M, w, CUDA_R_32F, N, K, accumulate);
  if (bias) add_bias_kernel<<<lx_cuda_grid((size_t)M * N), LX_CUDA_THREADS>>>(y, ldy, bias, M, N);
}

extern "C" void lx_cuda_linear_bf16(float *y, int ldy, const float *x, int ldx, int M,
                                    const uint16_t *w, int N, int K, const float *bias,
                                    bool accumulate) {
  if (M <= 0 || N <= 0 || !ready()) return;
  const int ld = (K + 7) / 8 * 8; /* rows 16-byte aligned, as the tensor-core kernels want */
  __nv_bfloat16 *xb = (__nv_bfloat16 *)lx_cuda_buffer_get(
      &rounded, (size_t)M * ld * sizeof(__nv_bfloat16), "bf16 activations");
  if (!xb) return;
  round_rows_kernel<<<lx_cuda_grid((size_t)M * K), LX_CUDA_THREADS>>>(xb, ld, x, M, K, ldx);
  product(y, ldy, xb, ld, M, w, CUDA_R_16BF, N, K, accumulate);
  if (bias) add_bias_kernel<<<lx_cuda_grid((size_t)M * N), LX_CUDA_THREADS>>>(y, ldy, bias, M, N);
}

/* ---- ceilings ------------------------------------------------------------------------------ */

typedef struct peak_job {
  float *y;
  const void *x, *w;
  cudaDataType_t type;
  int n;
} peak_job;

static void peak_run(void *ctx) {
  const peak_job *j = (const peak_job *)ctx;
  product(j->y, j->n, j->x, j->n, j->n, j->w, j->type, j->n, j->n, false);
}

extern "C" double lx_cuda_peak_gflops(bool bf16) {
  if (!ready()) return NAN;
  const int n = bf16 ? 8192 : 4096; /* large enough to reach the card's rate */
  const size_t in_bytes = (size_t)n * n * (bf16 ? 2 : 4);
  void *x = NULL, *w = NULL;
  float *y = NULL;
  double best = NAN;
  if (cudaMalloc(&x, in_bytes) == cudaSuccess && cudaMalloc(&w, in_bytes) == cudaSuccess &&
      cudaMalloc((void **)&y, (size_t)n * n * sizeof(float)) == cudaSuccess) {
    cudaMemset(x, 0x3c, in_bytes); /* small finite values in both formats */
    cudaMemset(w, 0x3c, in_bytes);
    peak_job j = {y, x, w, bf16 ? CUDA_R_16BF : CUDA_R_32F, n};
    best = lx_cuda_best_rate(peak_run, &j, 2.0 * n * (double)n * n) / 1e9;
  } else {
    lx_cuda_note_error("cannot allocate the %zu-byte matrices that measure the GPU's peak rate",
                       in_bytes);
  }
  cudaFree(x), cudaFree(w), cudaFree(y);
  return best;
}
