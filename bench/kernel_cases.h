/* kernel_cases.h: every kernel the Lynx model runs, at the real Lynx-8B shapes (EVA ViT-g at
 * 420 px: 901 tokens of width 1408; the resampler over an image's 901 or a video's 4505 media
 * tokens; Vicuna-7B: width 4096, 32 heads of 128, SwiGLU 11008, vocabulary 32000; a prompt of
 * 32 visual + 40 text tokens = 72 positions).
 *
 * Each case can set itself up with random inputs, run the kernel, and check its output against a
 * plain double-precision reference (the normalized error ||y - ref|| / ||ref|| over the outputs it
 * checks: all of them for cheap kernels, a random sample of entries for matrix products and
 * attention).
 */
#ifndef LX_BENCH_KERNEL_CASES_H
#define LX_BENCH_KERNEL_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/backend.h"
#include "model/tensor.h"

typedef enum lx_kernel_kind {
  LXK_LINEAR,
  LXK_ATTENTION,
  LXK_RMSNORM,
  LXK_LAYERNORM,
  LXK_SOFTMAX,
  LXK_ROPE,
  LXK_GELU,
  LXK_SILU_MUL,
} lx_kernel_kind;

typedef struct lx_kernel_case {
  const char *name; /* "llm.decode.gate bf16" */
  const char *what; /* one line: where the model runs it */
  lx_kernel_kind kind;
  lx_dtype dtype; /* weight type (linear); F32 otherwise */
  int m, n, k;    /* linear: y[m,n] = x[m,k] W[n,k]^T; norms/activations: rows m of width n;
                   * attention: m queries, n keys */
  int heads, head_dim;
  bool causal;       /* attention: causal, the queries last in the sequence */
  bool bf16_compute; /* LX_MATMUL_BF16 precision (backend.h): linear with BF16 weights, attention */
} lx_kernel_case;

extern const lx_kernel_case lx_kernel_cases[];
extern const int lx_n_kernel_cases;

/* Work of one call: floating-point operations and bytes moved (inputs read once, outputs
 * written once). */
double lx_kernel_flops(const lx_kernel_case *c);
double lx_kernel_bytes(const lx_kernel_case *c);

/* "[901,1408]x[6144,1408]^T": the shapes, for reports. */
void lx_kernel_shape(const lx_kernel_case *c, char *buf, int size);

typedef struct lx_kernel_state lx_kernel_state;

/* A case's inputs from seed; lx_kernel_run runs it on be (a host-memory backend; NULL when the
 * arrays go elsewhere through lx_kernel_arrays_of), at the case's precision. */
lx_kernel_state *lx_kernel_setup(const lx_kernel_case *c, unsigned long long seed, lx_backend *be);
void lx_kernel_run(void *state); /* an lx_bench_fn */
/* Normalized error of the last run's output against the double-precision reference. */
double lx_kernel_check(lx_kernel_state *s);
/* A case's arrays, for a backend that runs it elsewhere (the GPU): the inputs to copy there,
 * and the output y to fill with its result before lx_kernel_check. Lengths in elements. */
typedef struct lx_kernel_arrays {
  const float *x; /* linear: x[m, k]; attention: q; otherwise the input rows */
  float *y;       /* the output */
  size_t x_len, y_len;
  const float *aux; /* attention: k[n, d] then v[n, d]; silu_mul: up */
  size_t aux_len;
  const float *g, *b; /* norms: weight and bias, n each */
  size_t g_len;
  const float *cos_sin; /* rope: the table */
  size_t cos_sin_len;
  const int *pos; /* rope: positions, m */
  size_t pos_len;
  const float *w32;    /* linear: F32 weights [n, k], or NULL */
  const uint16_t *w16; /* linear: BF16 weights [n, k], or NULL */
  size_t w_len;
} lx_kernel_arrays;
void lx_kernel_arrays_of(lx_kernel_state *s, lx_kernel_arrays *a);

/* The error a correct kernel stays below (float32 sums; 16-bit inputs are the exact values). */
double lx_kernel_tolerance(const lx_kernel_case *c);
void lx_kernel_free(lx_kernel_state *s);

#endif
