// cuda_device.cu: the GPU, its memory, and error reporting (cuda_backend.h).
#include <cuda_runtime.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "model/cuda/cuda_backend.h"
#include "model/cuda/cuda_internal.h"

static int device_props_ready;
static cudaDeviceProp props;

extern "C" int lx_cuda_init(int device, lx_error *err) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice)
    return lx_errorf(err,
                     "no usable CUDA device: no NVIDIA GPU, or no driver as new as this CUDA "
                     "runtime (%s)",
                     cudaGetErrorName(e));
  if (e != cudaSuccess)
    return lx_errorf(err, "no usable CUDA device: %s (%s)", cudaGetErrorString(e),
                     cudaGetErrorName(e));
  if (device < 0 || device >= count)
    return lx_errorf(err, "CUDA device %d does not exist (this machine has %d)", device, count);
  e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaGetDeviceProperties(&props, device);
  if (e != cudaSuccess) return lx_errorf(err, "CUDA device %d: %s", device, cudaGetErrorString(e));
  device_props_ready = 1;
  return LX_OK;
}

extern "C" void lx_cuda_describe(char *buf, size_t n) {
  if (!device_props_ready) {
    snprintf(buf, n, "no CUDA device selected");
    return;
  }
  snprintf(buf, n, "%s, compute %d.%d, %.1f GiB", props.name, props.major, props.minor,
           (double)props.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
}

extern "C" void *lx_cuda_alloc(size_t bytes, lx_error *err) {
  void *p = NULL;
  cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
  if (e != cudaSuccess) {
    lx_errorf(err, "cannot allocate %zu bytes on the GPU: %s", bytes, cudaGetErrorString(e));
    return NULL;
  }
  return p;
}

extern "C" void lx_cuda_free(void *p) {
  if (p) cudaFree(p);
}

static int copy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, const char *what,
                lx_error *err) {
  cudaError_t e = cudaMemcpy(dst, src, bytes, kind);
  if (e != cudaSuccess)
    return lx_errorf(err, "%s of %zu bytes failed: %s", what, bytes, cudaGetErrorString(e));
  return LX_OK;
}

extern "C" int lx_cuda_upload(void *device_dst, const void *host_src, size_t bytes, lx_error *err) {
  return copy(device_dst, host_src, bytes, cudaMemcpyHostToDevice, "copy to the GPU", err);
}

extern "C" int lx_cuda_download(void *host_dst, const void *device_src, size_t bytes,
                                lx_error *err) {
  return copy(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, "copy from the GPU", err);
}

static char noted[LX_ERROR_MAX]; /* the first failure met while queueing, or "" */

void lx_cuda_note_error(const char *fmt, ...) {
  if (noted[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(noted, sizeof noted, fmt, ap);
  va_end(ap);
}

extern "C" int lx_cuda_sync(lx_error *err) {
  if (noted[0]) {
    lx_errorf(err, "%s", noted);
    noted[0] = '\0';
    cudaDeviceSynchronize();
    return LX_ERR;
  }
  cudaError_t e = cudaGetLastError(); /* a launch that failed to start */
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  if (e != cudaSuccess)
    return lx_errorf(err, "a GPU kernel failed: %s (%s)", cudaGetErrorString(e),
                     cudaGetErrorName(e));
  return LX_OK;
}

extern "C" void lx_cuda_copy_async(void *device_dst, const void *device_src, size_t bytes) {
  if (bytes) cudaMemcpyAsync(device_dst, device_src, bytes, cudaMemcpyDeviceToDevice, 0);
}

extern "C" double lx_cuda_time_ms(void (*fn)(void *ctx), void *ctx) {
  cudaEvent_t start, stop;
  if (cudaEventCreate(&start) != cudaSuccess) return NAN;
  if (cudaEventCreate(&stop) != cudaSuccess) {
    cudaEventDestroy(start);
    return NAN;
  }
  float ms = NAN;
  cudaEventRecord(start, 0);
  fn(ctx);
  cudaEventRecord(stop, 0);
  if (cudaEventSynchronize(stop) != cudaSuccess ||
      cudaEventElapsedTime(&ms, start, stop) != cudaSuccess)
    ms = NAN;
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms;
}

static lx_cuda_buffer flush_buffer;

extern "C" void lx_cuda_flush_l2(void) {
  int device = 0, l2 = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device);
  const size_t bytes = 2 * (size_t)(l2 > 0 ? l2 : 64 << 20);
  void *p = lx_cuda_buffer_get(&flush_buffer, bytes, "flushing its L2 cache");
  if (p) cudaMemsetAsync(p, (int)(bytes & 0xff), bytes, 0);
}

typedef struct copy_job {
  void *dst;
  const void *src;
  size_t bytes;
} copy_job;

static void copy_run(void *ctx) {
  const copy_job *j = (const copy_job *)ctx;
  cudaMemcpyAsync(j->dst, j->src, j->bytes, cudaMemcpyDeviceToDevice, 0);
}

extern "C" double lx_cuda_copy_gbs(void) {
  const size_t bytes = (size_t)1 << 30;
  void *a = NULL, *b = NULL;
  double best = NAN;
  if (cudaMalloc(&a, bytes) == cudaSuccess && cudaMalloc(&b, bytes) == cudaSuccess) {
    cudaMemset(a, 1, bytes);
    copy_job j = {b, a, bytes};
    best = lx_cuda_best_rate(copy_run, &j, 2.0 * (double)bytes) / 1e9; /* read and written */
  } else {
    lx_cuda_note_error("cannot allocate 2 GiB on the GPU to measure its memory bandwidth");
  }
  cudaFree(a), cudaFree(b);
  return best;
}

void *lx_cuda_buffer_get(lx_cuda_buffer *b, size_t bytes, const char *what) {
  if (bytes <= b->cap) return b->p;
  cudaFree(b->p);
  b->p = NULL, b->cap = 0;
  if (cudaMalloc(&b->p, bytes) != cudaSuccess) {
    b->p = NULL;
    lx_cuda_note_error("cannot allocate %zu bytes on the GPU for %s", bytes, what);
    return NULL;
  }
  b->cap = bytes;
  return b->p;
}

double lx_cuda_best_rate(void (*fn)(void *ctx), void *ctx, double work_per_call) {
  fn(ctx); /* warm-up: first-call setup, clocks up */
  double best = NAN;
  for (int rep = 0; rep < 5; rep++) {
    const double ms = lx_cuda_time_ms(fn, ctx);
    const double rate = work_per_call / (ms * 1e-3);
    if (ms > 0 && !(rate <= best)) best = rate;
  }
  return best;
}
