/* test_cuda: the CUDA kernels (model/cuda/) against the CPU backend on the same random inputs,
 * normalized error within float32's bound (1e-6 relative to the output's norm; for products of
 * length K, 1e-7 sqrt(K) where that is larger, as the summation orders differ), on several sizes
 * including odd ones. Without a usable GPU (no device, no driver) every test is skipped: the
 * program says why and exits 77, which ctest reports as skipped. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/backend.h"
#include "model/cuda/cuda_backend.h"
#include "model/tensor.h"
#include "testutil.h"

/* The CPU backend the references run on (created in main). */
static lx_backend *be;

#define F32_BOUND 1e-6

/* Device copies of host arrays, freed together. */
typedef struct device_set {
  void *p[8];
  int n;
} device_set;

/* A device array of `bytes`, holding a copy of host unless host is NULL, freed with d. */
static void *to_device_bytes(device_set *d, const void *host, size_t bytes) {
  lx_error err;
  ck_assert(d->n < (int)(sizeof d->p / sizeof d->p[0]));
  void *p = lx_cuda_alloc(bytes, &err);
  ck_assert_msg(p != NULL, "%s", err.msg);
  if (host) ck_assert_msg(lx_cuda_upload(p, host, bytes, &err) == LX_OK, "%s", err.msg);
  d->p[d->n++] = p;
  return p;
}

static float *to_device(device_set *d, const float *host, size_t n) {
  return to_device_bytes(d, host, n * sizeof(float));
}

static void from_device(float *host, const float *dev, size_t n) {
  lx_error err;
  ck_assert_msg(lx_cuda_sync(&err) == LX_OK, "%s", err.msg);
  ck_assert_msg(lx_cuda_download(host, dev, n * sizeof(float), &err) == LX_OK, "%s", err.msg);
}

static void release(device_set *d) {
  for (int i = 0; i < d->n; i++) lx_cuda_free(d->p[i]);
  d->n = 0;
}

static float *random_floats(size_t n, unsigned seed) {
  float *x = malloc((n ? n : 1) * sizeof(float));
  tu_fill(x, n, seed);
  return x;
}

static void expect_close(const float *gpu, const float *cpu, size_t n, const char *what, int a,
                         int b) {
  double e = tu_rel_err(gpu, cpu, n);
  ck_assert_msg(e < F32_BOUND, "%s (%d, %d): relative error %g, bound %g", what, a, b, e,
                F32_BOUND);
}

static const int rows_cols[][2] = {{1, 1}, {3, 7}, {5, 33}, {17, 1408}, {2, 4097}, {72, 4096}};

START_TEST(norms_match_cpu) {
  for (size_t c = 0; c < sizeof rows_cols / sizeof rows_cols[0]; c++) {
    const int M = rows_cols[c][0], D = rows_cols[c][1];
    const size_t n = (size_t)M * D;
    float *x = random_floats(n, 1 + c), *g = random_floats(D, 2), *b = random_floats(D, 3);
    float *cpu = malloc(n * sizeof(float)), *gpu = malloc(n * sizeof(float));
    device_set d = {0};
    float *dx = to_device(&d, x, n), *dg = to_device(&d, g, D), *db = to_device(&d, b, D);
    float *dy = to_device(&d, x, n);

    lx_layernorm(be, cpu, x, M, D, g, b, 1e-6f);
    lx_cuda_layernorm(dy, dx, M, D, dg, db, 1e-6f);
    from_device(gpu, dy, n);
    expect_close(gpu, cpu, n, "layernorm", M, D);

    lx_layernorm(be, cpu, x, M, D, NULL, NULL, 1e-5f); /* no affine */
    lx_cuda_layernorm(dy, dx, M, D, NULL, NULL, 1e-5f);
    from_device(gpu, dy, n);
    expect_close(gpu, cpu, n, "layernorm without affine", M, D);

    lx_rmsnorm(be, cpu, x, M, D, g, 1e-6f);
    lx_cuda_rmsnorm(dy, dx, M, D, dg, 1e-6f);
    from_device(gpu, dy, n);
    expect_close(gpu, cpu, n, "rmsnorm", M, D);

    release(&d);
    free(x), free(g), free(b), free(cpu), free(gpu);
  }
}
END_TEST

START_TEST(elementwise_match_cpu) {
  const size_t sizes[] = {1, 31, 1000, ((size_t)1 << 20) + 3};
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    const size_t n = sizes[c];
    float *x = random_floats(n, 10 + c), *y = random_floats(n, 20 + c);
    for (size_t i = 0; i < n; i++) x[i] *= 8; /* both tails of the activations */
    float *cpu = malloc(n * sizeof(float)), *gpu = malloc(n * sizeof(float));
    for (int op = 0; op < 6; op++) {
      device_set d = {0};
      float *dx = to_device(&d, x, n), *dy = to_device(&d, y, n);
      memcpy(cpu, x, n * sizeof(float));
      const char *what = "";
      switch (op) {
        case 0:
          lx_gelu(be, cpu, n), lx_cuda_gelu(dx, n), what = "gelu";
          break;
        case 1:
          lx_silu(be, cpu, n), lx_cuda_silu(dx, n), what = "silu";
          break;
        case 2:
          lx_silu_mul(be, cpu, y, n), lx_cuda_silu_mul(dx, dy, n), what = "silu_mul";
          break;
        case 3:
          lx_quick_gelu(be, cpu, n), lx_cuda_quick_gelu(dx, n), what = "quick_gelu";
          break;
        case 4:
          lx_add(be, cpu, y, n), lx_cuda_add(dx, dy, n), what = "add";
          break;
        default:
          lx_axpy(be, cpu, -0.375f, y, n), lx_cuda_axpy(dx, -0.375f, dy, n), what = "axpy";
      }
      from_device(gpu, dx, n);
      expect_close(gpu, cpu, n, what, (int)n, 0);
      release(&d);
    }
    free(x), free(y), free(cpu), free(gpu);
  }
}
END_TEST

START_TEST(softmax_matches_cpu) {
  const int shapes[][2] = {{1, 1}, {3, 77}, {16, 901}, {2, 4505}, {5, 32000}};
  for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
    const int rows = shapes[c][0], n = shapes[c][1];
    const size_t total = (size_t)rows * n;
    float *x = random_floats(total, 30 + c);
    for (size_t i = 0; i < total; i++) x[i] *= 20; /* a wide range of exponents */
    float *gpu = malloc(total * sizeof(float));
    device_set d = {0};
    float *dx = to_device(&d, x, total);
    lx_softmax(be, x, rows, n);
    lx_cuda_softmax(dx, rows, n);
    from_device(gpu, dx, total);
    expect_close(gpu, x, total, "softmax", rows, n);
    release(&d);
    free(x), free(gpu);
  }
}
END_TEST

START_TEST(rope_matches_cpu) {
  const int shapes[][3] = {{1, 1, 2}, {5, 3, 8}, {72, 32, 128}, {9, 16, 88}}; /* T, heads, dim */
  for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
    const int T = shapes[c][0], heads = shapes[c][1], hd = shapes[c][2];
    const int ld = heads * hd + 5, max_pos = 600; /* columns past the heads stay untouched */
    const size_t n = (size_t)T * ld;
    float *x = random_floats(n, 40 + c), *gpu = malloc(n * sizeof(float));
    float *table = malloc((size_t)max_pos * hd * sizeof(float));
    lx_rope_table(table, max_pos, hd, 10000.0f);
    int *pos = malloc((size_t)T * sizeof(int));
    for (int t = 0; t < T; t++) pos[t] = (t * 37 + 11) % max_pos;
    device_set d = {0};
    float *dx = to_device(&d, x, n), *dt = to_device(&d, table, (size_t)max_pos * hd);
    int *dpos = to_device_bytes(&d, pos, (size_t)T * sizeof(int));
    lx_rope(be, x, T, ld, heads, hd, pos, table);
    lx_cuda_rope(dx, T, ld, heads, hd, dpos, dt);
    from_device(gpu, dx, n);
    expect_close(gpu, x, n, "rope", T, heads * hd);
    release(&d);
    free(x), free(gpu), free(table), free(pos);
  }
}
END_TEST

/* The products: f32 weights against lx_linear in float32; bf16 weights against lx_linear in
 * float32 on x rounded to bf16 by the host and the weights widened (the exact meaning of the bf16
 * precision, whatever this processor's own bf16 path is). Odd shapes, a row stride wider than K,
 * bias and accumulation. */
static void check_linear(int M, int N, int K) {
  const int ldx = K + 3, ldy = N + 2;
  float *x = random_floats((size_t)M * ldx, 50), *w = random_floats((size_t)N * K, 51);
  float *bias = random_floats((size_t)N, 52), *y0 = random_floats((size_t)M * ldy, 53);
  float *cpu = malloc((size_t)M * N * sizeof(float));
  float *gpu = malloc((size_t)M * ldy * sizeof(float));
  float *xc = malloc((size_t)M * K * sizeof(float)), *wf = malloc((size_t)N * K * sizeof(float));
  uint16_t *w16 = malloc((size_t)N * K * sizeof(uint16_t));
  for (size_t i = 0; i < (size_t)N * K; i++) wf[i] = lx_bf16_to_f32(w16[i] = lx_f32_to_bf16(w[i]));
  const double f32_bound = fmax(F32_BOUND, 1e-7 * sqrt((double)K));
  for (int bf16 = 0; bf16 <= 1; bf16++)
    for (int accumulate = 0; accumulate <= 1; accumulate++) {
      /* the CPU reference on a packed copy of x (rounded to bf16 for the bf16 product) */
      for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++) {
          float v = x[(size_t)m * ldx + k];
          xc[(size_t)m * K + k] = bf16 ? lx_bf16_to_f32(lx_f32_to_bf16(v)) : v;
        }
      lx_tensor t = {.name = "w",
                     .dtype = LX_F32,
                     .ndim = 2,
                     .shape = {N, K},
                     .numel = (size_t)N * K,
                     .data = bf16 ? wf : w};
      for (int m = 0; m < M; m++)
        memcpy(cpu + (size_t)m * N, y0 + (size_t)m * ldy, (size_t)N * sizeof(float));
      lx_linear(be, cpu, xc, M, &t, bias, accumulate);

      device_set d = {0};
      float *dx = to_device(&d, x, (size_t)M * ldx), *db = to_device(&d, bias, (size_t)N);
      float *dy = to_device(&d, y0, (size_t)M * ldy);
      void *dw = to_device_bytes(&d, bf16 ? (const void *)w16 : (const void *)w,
                                 (size_t)N * K * (bf16 ? 2 : 4));
      if (bf16)
        lx_cuda_linear_bf16(dy, ldy, dx, ldx, M, dw, N, K, db, accumulate);
      else
        lx_cuda_linear_f32(dy, ldy, dx, ldx, M, dw, N, K, db, accumulate);
      from_device(gpu, dy, (size_t)M * ldy);
      for (int m = 0; m < M; m++) /* the columns past N keep their values */
        for (int n = N; n < ldy; n++)
          ck_assert_float_eq(gpu[(size_t)m * ldy + n], y0[(size_t)m * ldy + n]);
      for (int m = 0; m < M; m++)
        memmove(gpu + (size_t)m * N, gpu + (size_t)m * ldy, (size_t)N * sizeof(float));
      double e = tu_rel_err(gpu, cpu, (size_t)M * N);
      ck_assert_msg(e < f32_bound, "linear %s M=%d N=%d K=%d accumulate=%d: relative error %g",
                    bf16 ? "bf16" : "f32", M, N, K, accumulate, e);
      release(&d);
    }
  free(x), free(w), free(bias), free(y0), free(cpu), free(gpu), free(xc), free(wf), free(w16);
}

START_TEST(linear_matches_cpu) {
  check_linear(1, 7, 31);
  check_linear(3, 50, 70);
  check_linear(17, 24, 32);
  check_linear(33, 97, 129);
  check_linear(72, 300, 1024);
  check_linear(901, 1408, 1408); /* a ViT projection */
}
END_TEST

/* Fused attention against the CPU's float32 attention, padded row strides, causal and not. */
static void check_attention(int n_q, int n_kv, int heads, int hd, bool causal, int q_pos0) {
  const int width = heads * hd, ldq = width + 3, ldk = width + 1, ldv = width + 5, ldo = width + 2;
  float *q = random_floats((size_t)n_q * ldq, 60), *k = random_floats((size_t)n_kv * ldk, 61);
  float *v = random_floats((size_t)n_kv * ldv, 62), *cpu = random_floats((size_t)n_q * ldo, 63);
  float *gpu = malloc((size_t)n_q * ldo * sizeof(float));
  for (size_t i = 0; i < (size_t)n_q * ldq; i++) q[i] *= 3; /* peaked softmaxes too */
  device_set d = {0};
  float *dq = to_device(&d, q, (size_t)n_q * ldq), *dk = to_device(&d, k, (size_t)n_kv * ldk);
  float *dv = to_device(&d, v, (size_t)n_kv * ldv), *dout = to_device(&d, cpu, (size_t)n_q * ldo);
  be->precision = LX_MATMUL_F32;
  lx_attention_args a = {
      n_q,    n_kv,  heads, hd, q, ldq, k, ldk, v, ldv, cpu, ldo, 1.0f / sqrtf((float)hd),
      causal, q_pos0};
  lx_attention(be, &a);
  lx_attention_args g = {
      n_q,    n_kv,  heads, hd, dq, ldq, dk, ldk, dv, ldv, dout, ldo, 1.0f / sqrtf((float)hd),
      causal, q_pos0};
  lx_cuda_attention(&g);
  from_device(gpu, dout, (size_t)n_q * ldo);
  /* every row, padding included: the padding columns must come back as they went */
  double e = tu_rel_err(gpu, cpu, (size_t)n_q * ldo);
  ck_assert_msg(e < F32_BOUND,
                "attention n_q=%d n_kv=%d heads=%d head_dim=%d causal=%d: "
                "relative error %g",
                n_q, n_kv, heads, hd, causal, e);
  release(&d);
  free(q), free(k), free(v), free(cpu), free(gpu);
}

START_TEST(attention_matches_cpu) {
  check_attention(1, 1, 1, 8, false, 0);
  check_attention(37, 37, 2, 88, false, 0);
  check_attention(33, 70, 3, 64, true, 37);    /* a chunk appended to a cache */
  check_attention(72, 72, 32, 128, true, 0);   /* LLaMA prefill */
  check_attention(1, 512, 32, 128, true, 511); /* decode against a cache */
  check_attention(32, 4505, 8, 64, false, 0);  /* the resampler over a video's media tokens */
  check_attention(901, 901, 16, 88, false, 0); /* EVA ViT-g */
}
END_TEST

/* The patch embedding against the convolution written out in double, for f32 weights and for
 * bf16 weights in bf16 precision (pixels rounded to bf16 in the reference too). */
static void check_patch_embed(int S, int P, int N) {
  const int G = S / P, K = 3 * P * P, ldy = N + 1;
  float *pixels = random_floats((size_t)3 * S * S, 70), *w = random_floats((size_t)N * K, 71);
  float *bias = random_floats((size_t)N, 72);
  float *ref = malloc((size_t)G * G * N * sizeof(float));
  float *gpu = malloc((size_t)G * G * ldy * sizeof(float));
  uint16_t *w16 = malloc((size_t)N * K * sizeof(uint16_t));
  for (size_t i = 0; i < (size_t)N * K; i++) w16[i] = lx_f32_to_bf16(w[i]);
  for (int bf16 = 0; bf16 <= 1; bf16++) {
    for (int p = 0; p < G * G; p++)
      for (int o = 0; o < N; o++) {
        double acc = bias[o];
        for (int ch = 0; ch < 3; ch++)
          for (int ky = 0; ky < P; ky++)
            for (int kx = 0; kx < P; kx++) {
              const size_t wi = (size_t)o * K + ((size_t)ch * P + ky) * P + kx;
              float px = pixels[((size_t)ch * S + (size_t)(p / G) * P + ky) * S +
                                (size_t)(p % G) * P + kx];
              if (bf16) px = lx_bf16_to_f32(lx_f32_to_bf16(px));
              acc += (double)(bf16 ? lx_bf16_to_f32(w16[wi]) : w[wi]) * px;
            }
        ref[(size_t)p * N + o] = (float)acc;
      }
    device_set d = {0};
    float *dp = to_device(&d, pixels, (size_t)3 * S * S), *db = to_device(&d, bias, (size_t)N);
    float *dy = to_device_bytes(&d, NULL, (size_t)G * G * ldy * sizeof(float));
    void *dw = to_device_bytes(&d, bf16 ? (const void *)w16 : (const void *)w,
                               (size_t)N * K * (bf16 ? 2 : 4));
    lx_cuda_patch_embed(dy, ldy, dp, S, P, bf16 ? NULL : dw, bf16 ? dw : NULL, N, db);
    from_device(gpu, dy, (size_t)G * G * ldy);
    for (int p = 0; p < G * G; p++)
      memmove(gpu + (size_t)p * N, gpu + (size_t)p * ldy, (size_t)N * sizeof(float));
    const double e = tu_rel_err(gpu, ref, (size_t)G * G * N);
    ck_assert_msg(e < fmax(F32_BOUND, 1e-7 * sqrt((double)K)),
                  "patch embedding S=%d P=%d N=%d %s: relative error %g", S, P, N,
                  bf16 ? "bf16" : "f32", e);
    release(&d);
  }
  free(pixels), free(w), free(bias), free(ref), free(gpu), free(w16);
}

START_TEST(patch_embed_matches_convolution) {
  check_patch_embed(28, 14, 5);     /* 4 patches */
  check_patch_embed(70, 14, 33);    /* the test models' 70 px */
  check_patch_embed(420, 14, 1408); /* EVA ViT-g at 420 px: 900 patches */
}
END_TEST

/* Decoding's row operations against the CPU's rules (generate.c), written out here: greedy's
 * scan, the double log-softmax, and beam search's insertion of the top 2 x beams (NaN left out,
 * as cuda_backend.h says). Scores are quantized to force ties, and carry -inf (banned tokens),
 * NaN, and a row of nothing but -inf. */
static int cpu_argmax(const float *s, int n) {
  int tok = 0;
  for (int i = 1; i < n; i++)
    if (s[i] > s[tok]) tok = i;
  return tok;
}

static void cpu_top_k(const float *flat, int n, int k, int *idx, float *val) {
  int nc = 0;
  for (int i = 0; i < n; i++) {
    float v = flat[i];
    if (isnan(v)) continue;
    if (nc == k && !(v > val[nc - 1])) continue;
    int j = nc < k ? nc++ : nc - 1;
    while (j > 0 && val[j - 1] < v) idx[j] = idx[j - 1], val[j] = val[j - 1], j--;
    idx[j] = i, val[j] = v;
  }
  for (int j = nc; j < k; j++) idx[j] = -1;
}

START_TEST(decoding_matches_cpu) {
  const int rows = 6, n = 32000, k = 10;
  float *x = random_floats((size_t)rows * n, 80);
  for (size_t i = 0; i < (size_t)rows * n; i++) x[i] = roundf(x[i] * 64) / 8; /* many ties */
  x[5] = -INFINITY, x[n + 7] = NAN, x[2 * n] = NAN;                           /* row 2 starts NaN */
  for (int i = 0; i < n; i++) x[(size_t)3 * n + i] = -INFINITY;               /* all banned */
  device_set d = {0};
  float *dx = to_device(&d, x, (size_t)rows * n);
  int *dtok = to_device_bytes(&d, NULL, rows * sizeof(int));
  int *didx = to_device_bytes(&d, NULL, rows * k * sizeof(int));
  float *dval = to_device_bytes(&d, NULL, rows * k * sizeof(float));
  float *dls = to_device_bytes(&d, NULL, (size_t)rows * n * sizeof(float));
  lx_error err;
  lx_cuda_argmax_rows(dtok, dx, rows, n);
  lx_cuda_top_k(didx, dval, dx, rows, n, k);
  lx_cuda_log_softmax_rows(dls, dx, rows, n);
  int tok[6], idx[60], cidx[10];
  float val[60], cval[10];
  float *ls = malloc((size_t)rows * n * sizeof(float));
  ck_assert_msg(lx_cuda_sync(&err) == LX_OK, "%s", err.msg);
  ck_assert(lx_cuda_download(tok, dtok, sizeof tok, &err) == LX_OK);
  ck_assert(lx_cuda_download(idx, didx, sizeof idx, &err) == LX_OK);
  ck_assert(lx_cuda_download(val, dval, sizeof val, &err) == LX_OK);
  ck_assert(lx_cuda_download(ls, dls, (size_t)rows * n * sizeof(float), &err) == LX_OK);
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * n;
    ck_assert_msg(tok[r] == cpu_argmax(row, n), "argmax row %d: GPU %d, CPU %d", r, tok[r],
                  cpu_argmax(row, n));
    cpu_top_k(row, n, k, cidx, cval);
    for (int j = 0; j < k; j++)
      ck_assert_msg(idx[r * k + j] == cidx[j] && val[r * k + j] == cval[j],
                    "top-k row %d rank %d: GPU %d (%g), CPU %d (%g)", r, j, idx[r * k + j],
                    val[r * k + j], cidx[j], cval[j]);
    if (r == 2 || r == 3) continue; /* a NaN or no finite score: nothing to compare */
    float mx = -INFINITY;
    for (int i = 0; i < n; i++) mx = row[i] > mx ? row[i] : mx;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += exp((double)row[i] - mx);
    const double lse = mx + log(sum);
    for (int i = 0; i < n; i++) {
      const float want = (float)((double)row[i] - lse), got = ls[(size_t)r * n + i];
      ck_assert_msg(want == got || fabsf(want - got) <= 1e-6f * fabsf(want),
                    "log-softmax row %d index %d: GPU %g, CPU %g", r, i, got, want);
    }
  }
  release(&d);
  free(x), free(ls);
}
END_TEST

/* The backend object: the same calls through the table on the CPU and the CUDA backend give the
 * same results, with weights of every dtype in both precisions (16-bit weights in float32
 * precision are widened on the device) and a 16-bit embedding table. */
START_TEST(backend_object_matches_cpu) {
  lx_error err;
  lx_backend *gpu_be;
  ck_assert_msg(lx_backend_cuda_new(0, LX_MATMUL_F32, &gpu_be, &err) == LX_OK, "%s", err.msg);
  ck_assert(!gpu_be->ops->host_memory);
  ck_assert_str_eq(gpu_be->ops->name, "cuda");
  enum { M = 5, N = 67, K = 130, V = 11, NIDS = 4 };
  const lx_dtype dtypes[] = {LX_F32, LX_F16, LX_BF16};
  float *x = random_floats((size_t)M * K, 80), *w = random_floats((size_t)N * K, 81);
  float *cpu = malloc((size_t)M * N * sizeof(float)), *gpu = malloc((size_t)M * N * sizeof(float));
  uint16_t *w16 = malloc((size_t)N * K * sizeof(uint16_t));
  const int ids[NIDS] = {3, 0, 10, 3};
  for (int di = 0; di < 3; di++) {
    const lx_dtype dt = dtypes[di];
    for (size_t i = 0; i < (size_t)N * K; i++)
      w16[i] = dt == LX_F16 ? lx_f32_to_f16(w[i]) : lx_f32_to_bf16(w[i]);
    const void *host_w = dt == LX_F32 ? (const void *)w : (const void *)w16;
    const size_t w_bytes = (size_t)N * K * lx_dtype_size(dt);
    for (int prec = 0; prec <= 1; prec++) {
      be->precision = gpu_be->precision = prec ? LX_MATMUL_BF16 : LX_MATMUL_F32;
      lx_tensor t = {.name = "w", .dtype = dt, .ndim = 2, .shape = {N, K}, .numel = (size_t)N * K};
      t.data = (void *)host_w;
      lx_linear(be, cpu, x, M, &t, NULL, false);
      device_set d = {0};
      float *dx = to_device(&d, x, (size_t)M * K), *dy = to_device(&d, NULL, (size_t)M * N);
      t.data = to_device_bytes(&d, host_w, w_bytes);
      lx_linear(gpu_be, dy, dx, M, &t, NULL, false);
      ck_assert_msg(gpu_be->ops->sync(gpu_be, &err) == LX_OK, "%s", err.msg);
      from_device(gpu, dy, (size_t)M * N);
      double e = tu_rel_err(gpu, cpu, (size_t)M * N);
      ck_assert_msg(e < fmax(F32_BOUND, 1e-7 * sqrt((double)K)),
                    "backend linear %s, %s precision: relative error %g", lx_dtype_name(dt),
                    lx_matmul_precision_name(be->precision), e);
      release(&d);
    }
    /* the first V rows of the weights as an embedding table */
    lx_tensor table = {
        .name = "embed", .dtype = dt, .ndim = 2, .shape = {V, K}, .numel = (size_t)V * K};
    table.data = (void *)host_w;
    lx_embedding(be, cpu, &table, ids, NIDS);
    device_set d = {0};
    float *dout = to_device(&d, NULL, (size_t)NIDS * K);
    int *dids = to_device_bytes(&d, ids, sizeof ids);
    table.data = to_device_bytes(&d, host_w, (size_t)V * K * lx_dtype_size(dt));
    lx_embedding(gpu_be, dout, &table, dids, NIDS);
    from_device(gpu, dout, (size_t)NIDS * K);
    for (size_t i = 0; i < (size_t)NIDS * K; i++)
      ck_assert_msg(gpu[i] == cpu[i], "embedding %s: element %zu: GPU %g, CPU %g",
                    lx_dtype_name(dt), i, gpu[i], cpu[i]);
    release(&d);
  }
  be->precision = LX_MATMUL_F32;
  lx_backend_free(gpu_be);
  free(x), free(w), free(cpu), free(gpu), free(w16);
}
END_TEST

int main(void) {
  be = lx_backend_cpu_new(0, LX_MATMUL_F32);
  lx_error err;
  if (lx_cuda_init(0, &err) != LX_OK) {
    printf("test_cuda: skipped: %s\n", err.msg);
    return 77;
  }
  char device[256];
  lx_cuda_describe(device, sizeof device);
  printf("test_cuda on %s\n", device);
  Suite *s = suite_create("cuda");
  TCase *tc = tcase_create("kernels");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, norms_match_cpu);
  tcase_add_test(tc, elementwise_match_cpu);
  tcase_add_test(tc, softmax_matches_cpu);
  tcase_add_test(tc, rope_matches_cpu);
  tcase_add_test(tc, linear_matches_cpu);
  tcase_add_test(tc, attention_matches_cpu);
  tcase_add_test(tc, patch_embed_matches_convolution);
  tcase_add_test(tc, decoding_matches_cpu);
  tcase_add_test(tc, backend_object_matches_cpu);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 1); /* no fork: a CUDA context does not survive fork() */
}
