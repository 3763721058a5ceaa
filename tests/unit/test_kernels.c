/* CPU kernels (model/backend_cpu, model/threads) against plain double-precision loops. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/backend.h"
#include "model/cpu.h"
#include "model/kernel_choice.h"
#include "model/threads.h"
#include "testutil.h"

/* The CPU backend every test runs on, made in each test's own process (a fixture): the thread
 * pool's workers do not survive fork(). */
static lx_backend *be;
static void make_backend(void) {
  be = lx_backend_cpu_new(0, LX_MATMUL_F32);
}
static void free_backend(void) {
  lx_backend_free(be);
}

static float *vec(size_t n, unsigned seed) {
  float *x = malloc(n * sizeof(float));
  tu_fill(x, n, seed);
  return x;
}

/* y = x W^T + b in double, W given as float32. */
static void naive_linear(float *y, const float *x, int M, const float *w, int N, int K,
                         const float *b) {
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      double s = b ? b[n] : 0;
      for (int k = 0; k < K; k++) s += (double)x[m * K + k] * w[(size_t)n * K + k];
      y[m * N + n] = (float)s;
    }
}

static void check_linear(lx_dtype dtype, int M, int N, int K) {
  float *x = vec((size_t)M * K, 1), *w = vec((size_t)N * K, 2), *b = vec((size_t)N, 3);
  float *y = calloc((size_t)M * N, sizeof(float)), *ref = calloc((size_t)M * N, sizeof(float));
  uint16_t *w16 = malloc((size_t)N * K * 2);
  lx_tensor t = {.name = "w", .dtype = dtype, .ndim = 2, .shape = {N, K}, .numel = (size_t)N * K};
  if (dtype == LX_F32) {
    t.data = w;
  } else {
    for (size_t i = 0; i < (size_t)N * K; i++) {
      if (dtype == LX_BF16) {
        w16[i] = lx_f32_to_bf16(w[i]);
        w[i] = lx_bf16_to_f32(w16[i]); /* the reference uses the rounded weights */
      } else {
        /* f16: a normal number built from its fields, decoded independently with ldexp. */
        unsigned bits = (unsigned)((w[i] + 1.0f) * 65535.0f);
        unsigned sign = bits & 1, exp = 10 + (bits >> 1) % 8, man = (bits >> 4) & 0x3ff;
        w16[i] = (uint16_t)((sign << 15) | (exp << 10) | man);
        w[i] = (sign ? -1.0f : 1.0f) * ldexpf(1.0f + (float)man / 1024.0f, (int)exp - 15);
      }
    }
    t.data = w16;
  }
  naive_linear(ref, x, M, w, N, K, b);
  lx_linear(be, y, x, M, &t, b, false);
  /* float32 sums of K products drift like sqrt(K) roundings: 1e-6 holds for short rows, and
   * 65536-long ones (measured up to 4.6e-6, depending on how OpenBLAS splits the work) get
   * 1e-7 sqrt(K) = 2.6e-5 */
  double tol = fmax(1e-6, 1e-7 * sqrt((double)K));
  double e = tu_rel_err(y, ref, (size_t)M * N);
  ck_assert_msg(e < tol, "linear %s M=%d N=%d K=%d: relative error %g (tolerance %g)",
                lx_dtype_name(dtype), M, N, K, e, tol);
  /* accumulate: y += x W^T + b */
  lx_linear(be, y, x, M, &t, b, true);
  for (size_t i = 0; i < (size_t)M * N; i++) ref[i] *= 2;
  e = tu_rel_err(y, ref, (size_t)M * N);
  ck_assert_msg(e < tol, "accumulating linear: relative error %g (tolerance %g)", e, tol);
  free(x), free(w), free(b), free(y), free(ref), free(w16);
}

START_TEST(linear_matches_naive) {
  const lx_dtype types[] = {LX_F32, LX_BF16, LX_F16};
  for (int i = 0; i < 3; i++) {
    check_linear(types[i], 1, 37, 53);  /* decode: matrix-vector */
    check_linear(types[i], 7, 65, 129); /* odd sizes */
    check_linear(types[i], 33, 300, 16);
  }
  /* 16-bit weights with up to 16 input rows go through matvec16 (groups of up to 4 rows, weight
   * rows in pairs, blocks of 32 columns and a tail): every group size, an odd row count, K with
   * and without a tail. */
  for (int M = 1; M <= 6; M++) {
    check_linear(LX_BF16, M, 67, 96);
    check_linear(LX_BF16, M, 66, 100);
    check_linear(LX_F16, M, 67, 112);
    check_linear(LX_F16, M, 66, 100);
  }
  check_linear(LX_BF16, 16, 35, 4096);
  check_linear(LX_F16, 1, 70, 65536);
  /* Above 16 rows, weights are widened in row blocks of about 8 MiB of float32: K = 65536 gives
   * blocks of 32 rows, so 70 rows take three blocks, the last one partial. */
  check_linear(LX_BF16, 17, 70, 65536);
  check_linear(LX_F16, 17, 70, 65536);
}
END_TEST

/* LX_MATMUL_BF16: the activations rounded to bf16 (nearest even), then float32 sums of exact
 * products: against a double reference on the same rounded values, float32 summation error only.
 * Shapes: a partial last block of 16 rows, a partial last tile of 24 columns, odd K. */
static void check_linear_bf16_compute(int M, int N, int K) {
  float *x = vec((size_t)M * K, 4), *w = vec((size_t)N * K, 5), *b = vec((size_t)N, 6);
  float *y = calloc((size_t)M * N, sizeof(float)), *ref = calloc((size_t)M * N, sizeof(float));
  float *xr = malloc((size_t)M * K * sizeof(float));
  uint16_t *w16 = malloc((size_t)N * K * 2);
  for (size_t i = 0; i < (size_t)N * K; i++) w[i] = lx_bf16_to_f32(w16[i] = lx_f32_to_bf16(w[i]));
  for (size_t i = 0; i < (size_t)M * K; i++) xr[i] = lx_bf16_to_f32(lx_f32_to_bf16(x[i]));
  lx_tensor t = {.name = "w",
                 .dtype = LX_BF16,
                 .ndim = 2,
                 .shape = {N, K},
                 .numel = (size_t)N * K,
                 .data = w16};
  naive_linear(ref, xr, M, w, N, K, b);
  be->precision = LX_MATMUL_BF16;
  lx_linear(be, y, x, M, &t, b, false);
  double tol = fmax(1e-6, 1e-7 * sqrt((double)K));
  double e = tu_rel_err(y, ref, (size_t)M * N);
  ck_assert_msg(e < tol, "bf16 linear M=%d N=%d K=%d: relative error %g (tolerance %g)", M, N, K, e,
                tol);
  lx_linear(be, y, x, M, &t, b, true);
  for (size_t i = 0; i < (size_t)M * N; i++) ref[i] *= 2;
  e = tu_rel_err(y, ref, (size_t)M * N);
  ck_assert_msg(e < tol, "accumulating bf16 linear: relative error %g", e);
  be->precision = LX_MATMUL_F32;
  free(x), free(w), free(b), free(y), free(ref), free(xr), free(w16);
}

/* lx_linear_shared_input gives exactly what one lx_linear per matrix gives, for every precision
 * and for row counts on both sides of the matrix-vector limit. */
static void check_shared_input(lx_matmul_precision precision, int M) {
  enum { K = 70 };
  const int Ns[3] = {33, 8, 50};
  float *x = vec((size_t)M * K, 9);
  uint16_t *w16[3];
  lx_tensor t[3];
  float *ys[3], *ref[3];
  for (int i = 0; i < 3; i++) {
    float *w = vec((size_t)Ns[i] * K, 10 + i);
    w16[i] = malloc((size_t)Ns[i] * K * 2);
    for (size_t k = 0; k < (size_t)Ns[i] * K; k++) w16[i][k] = lx_f32_to_bf16(w[k]);
    free(w);
    t[i] = (lx_tensor){.name = "w",
                       .dtype = LX_BF16,
                       .ndim = 2,
                       .shape = {Ns[i], K},
                       .numel = (size_t)Ns[i] * K,
                       .data = w16[i]};
    ys[i] = calloc((size_t)M * Ns[i], sizeof(float));
    ref[i] = calloc((size_t)M * Ns[i], sizeof(float));
  }
  be->precision = precision;
  for (int i = 0; i < 3; i++) lx_linear(be, ref[i], x, M, &t[i], NULL, false);
  lx_linear_shared_input(be, ys, (const lx_tensor *const[]){&t[0], &t[1], &t[2]}, 3, x, M);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(memcmp(ys[i], ref[i], (size_t)M * Ns[i] * sizeof(float)) == 0,
                  "shared input, precision %d, M=%d: matrix %d differs from lx_linear", precision,
                  M, i);
  be->precision = LX_MATMUL_F32;
  for (int i = 0; i < 3; i++) free(w16[i]), free(ys[i]), free(ref[i]);
  free(x);
}

START_TEST(shared_input_equals_separate_products) {
  const int rows[] = {1, 3, 4, 5, 16, 17, 40};
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    check_shared_input(LX_MATMUL_F32, rows[r]);
    check_shared_input(LX_MATMUL_BF16, rows[r]);
  }
}
END_TEST

START_TEST(bf16_compute_matches_rounded_reference) {
  /* decode: up to 4 rows through the bf16 matrix-vector kernel (partial last group of 4 weight
   * rows, masked tail of K) */
  check_linear_bf16_compute(1, 7, 31);
  check_linear_bf16_compute(1, 97, 129);
  check_linear_bf16_compute(3, 50, 70);
  check_linear_bf16_compute(4, 33, 4096);
  check_linear_bf16_compute(17, 24, 32);
  check_linear_bf16_compute(40, 50, 70);
  check_linear_bf16_compute(33, 97, 129);
  check_linear_bf16_compute(72, 300, 1024);
  /* the weight panel's 16-row transposes: last tiles of 20, 16 and 8 columns, K with and without
   * a tail of fewer than 16 pairs; blocks of at most 8 rows (the 256-bit tile) and of 9 */
  check_linear_bf16_compute(5, 44, 70);
  check_linear_bf16_compute(24, 40, 100);
  check_linear_bf16_compute(9, 32, 201);
}
END_TEST

/* Every path this processor can take for each product class (kernel_choice.h), forced one after
 * another, against the double-precision reference: exact float32 arithmetic at precision f32, the
 * bf16-rounded activations' at bf16. Decode shapes: every group size of matvec16 and of the bf16
 * matrix-vector kernel, K with and without a tail; prompt shapes: partial tiles and panels of
 * every product, odd K, K = 1. */
START_TEST(every_product_path_matches_reference) {
  const lx_kernel_choice saved = *lx_kernel_choice_get();
  static const int decode[][3] = {{1, 37, 53},   {2, 66, 100}, {3, 50, 70},
                                  {4, 33, 4096}, {5, 67, 96},  {16, 35, 130}};
  static const int prompt[][3] = {{17, 24, 32},    {40, 50, 70}, {33, 97, 129},
                                  {72, 300, 1024}, {25, 45, 1},  {24, 40, 100}};
  int forced = 0;
  for (int prec = 0; prec < LX_PRECISIONS; prec++)
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++) {
      lx_product_path paths[LX_PATH_COUNT];
      const int n = lx_product_candidates((lx_product_class)c, (lx_matmul_precision)prec, paths);
      for (int i = 0; i < n; i++) {
        lx_kernel_choice k = saved;
        k.path[prec][c] = paths[i];
        lx_kernel_choice_set(&k);
        forced++;
        const int(*shapes)[3] = c == LX_PRODUCT_DECODE ? decode : prompt;
        for (int s = 0; s < 6; s++) {
          if (prec == LX_MATMUL_F32)
            check_linear(LX_BF16, shapes[s][0], shapes[s][1], shapes[s][2]);
          else
            check_linear_bf16_compute(shapes[s][0], shapes[s][1], shapes[s][2]);
        }
      }
    }
  lx_kernel_choice_set(&saved);
  ck_assert_int_ge(forced, 4);
}
END_TEST

START_TEST(bf16_rounding_is_nearest_even) {
  ck_assert_uint_eq(lx_f32_to_bf16(1.0f), 0x3f80);
  /* 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0). */
  ck_assert_uint_eq(lx_f32_to_bf16(1.00390625f), 0x3f80);
  ck_assert_uint_eq(lx_f32_to_bf16(1.01171875f), 0x3f82);
  ck_assert_float_eq(lx_bf16_to_f32(0xc000), -2.0f);
  ck_assert(isnan(lx_bf16_to_f32(lx_f32_to_bf16(NAN))));
  ck_assert_float_eq(lx_f16_to_f32(0x0001), ldexpf(1.0f, -24)); /* smallest subnormal */
  ck_assert(isinf(lx_f16_to_f32(0x7c00)));
  /* f32 -> f16: exact round trips, ties to even, subnormals, overflow */
  for (unsigned h = 0; h < 0x7c00; h++) {
    ck_assert_uint_eq(lx_f32_to_f16(lx_f16_to_f32((uint16_t)h)), h);
    ck_assert_uint_eq(lx_f32_to_f16(-lx_f16_to_f32((uint16_t)h)), h | 0x8000u);
  }
  ck_assert_uint_eq(lx_f32_to_f16(1.0f + ldexpf(1.0f, -11)), 0x3c00); /* tie: to even */
  ck_assert_uint_eq(lx_f32_to_f16(1.0f + 3 * ldexpf(1.0f, -11)), 0x3c02);
  ck_assert_uint_eq(lx_f32_to_f16(ldexpf(1.0f, -25)), 0x0000); /* tie: to even (zero) */
  ck_assert_uint_eq(lx_f32_to_f16(ldexpf(1.5f, -25)), 0x0001);
  ck_assert_uint_eq(lx_f32_to_f16(65519.0f), 0x7bff);
  ck_assert_uint_eq(lx_f32_to_f16(65520.0f), 0x7c00);
}
END_TEST

START_TEST(norms_match_naive) {
  const int M = 5, D = 77;
  float *x = vec((size_t)M * D, 4), *g = vec(D, 5), *b = vec(D, 6);
  float *y = malloc(sizeof(float) * M * D), *ref = malloc(sizeof(float) * M * D);
  for (int m = 0; m < M; m++) {
    double mean = 0, var = 0, ss = 0;
    for (int i = 0; i < D; i++) mean += x[m * D + i];
    mean /= D;
    for (int i = 0; i < D; i++) var += pow(x[m * D + i] - mean, 2), ss += pow(x[m * D + i], 2);
    var /= D;
    for (int i = 0; i < D; i++)
      ref[m * D + i] = (float)((x[m * D + i] - mean) / sqrt(var + 1e-5) * g[i] + b[i]);
  }
  lx_layernorm(be, y, x, M, D, g, b, 1e-5f);
  ck_assert_double_lt(tu_rel_err(y, ref, (size_t)M * D), 1e-6);
  lx_layernorm(be, x, x, M, D, g, b, 1e-5f); /* in place */
  ck_assert_double_lt(tu_rel_err(x, ref, (size_t)M * D), 1e-6);
  tu_fill(x, (size_t)M * D, 4);
  for (int m = 0; m < M; m++) {
    double ss = 0;
    for (int i = 0; i < D; i++) ss += pow(x[m * D + i], 2);
    for (int i = 0; i < D; i++) ref[m * D + i] = (float)(x[m * D + i] / sqrt(ss / D + 1e-6) * g[i]);
  }
  lx_rmsnorm(be, y, x, M, D, g, 1e-6f);
  ck_assert_double_lt(tu_rel_err(y, ref, (size_t)M * D), 1e-6);
  free(x), free(g), free(b), free(y), free(ref);
}
END_TEST

START_TEST(activations_match_formulas) {
  const size_t n = 10007; /* spans several pool chunks */
  float *x = vec(n, 7), *y = vec(n, 8), *a = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) x[i] *= 6;
  memcpy(a, x, n * sizeof(float));
  lx_gelu(be, a, n);
  for (size_t i = 0; i < n; i++) {
    double r = 0.5 * x[i] * (1 + erf(x[i] / sqrt(2.0)));
    ck_assert_double_lt(fabs(a[i] - r), 1e-6 * (1 + fabs(r)));
  }
  memcpy(a, x, n * sizeof(float));
  lx_silu_mul(be, a, y, n);
  for (size_t i = 0; i < n; i++) {
    double r = x[i] / (1 + exp(-(double)x[i])) * y[i];
    ck_assert_double_lt(fabs(a[i] - r), 1e-6 * (1 + fabs(r)));
  }
  /* the tails of exp: no overflow, NaN or sign error far out */
  float far[8] = {-100, -88.5f, -20, -1e-30f, 1e-30f, 20, 88.5f, 100};
  float g[8], sl[8], qg[8];
  memcpy(g, far, sizeof g);
  memcpy(sl, far, sizeof sl);
  memcpy(qg, far, sizeof qg);
  lx_gelu(be, g, 8);
  lx_silu(be, sl, 8);
  lx_quick_gelu(be, qg, 8);
  for (int i = 0; i < 8; i++) {
    double r = 0.5 * far[i] * (1 + erf(far[i] / sqrt(2.0)));
    double rs = far[i] / (1 + exp(-(double)far[i]));
    double rq = far[i] / (1 + exp(-1.702 * (double)far[i]));
    ck_assert_msg(fabs(qg[i] - rq) <= 1e-6 * (1 + fabs(rq)), "quick_gelu(%g) = %g, want %g", far[i],
                  qg[i], rq);
    ck_assert_msg(fabs(g[i] - r) <= 1e-6 * (1 + fabs(r)), "gelu(%g) = %g, want %g", far[i], g[i],
                  r);
    ck_assert_msg(fabs(sl[i] - rs) <= 1e-6 * (1 + fabs(rs)), "silu(%g) = %g, want %g", far[i],
                  sl[i], rs);
  }
  memcpy(a, x, n * sizeof(float));
  lx_silu(be, a, n);
  for (size_t i = 0; i < n; i++) {
    double r = x[i] / (1 + exp(-(double)x[i]));
    ck_assert_double_lt(fabs(a[i] - r), 1e-6 * (1 + fabs(r)));
  }
  memcpy(a, x, n * sizeof(float));
  lx_quick_gelu(be, a, n);
  for (size_t i = 0; i < n; i++) {
    double r = x[i] / (1 + exp(-1.702 * (double)x[i]));
    ck_assert_double_lt(fabs(a[i] - r), 1e-6 * (1 + fabs(r)));
  }
  memcpy(a, x, n * sizeof(float));
  lx_axpy(be, a, 0.5f, y, n);
  for (size_t i = 0; i < n; i++) ck_assert_float_eq(a[i], x[i] + 0.5f * y[i]);
  free(x), free(y), free(a);
}
END_TEST

START_TEST(rope_matches_rotate_half) {
  const int T = 3, H = 2, hd = 8, ld = H * hd, maxp = 64;
  float *x = vec((size_t)T * ld, 9), *orig = malloc(sizeof(float) * T * ld);
  memcpy(orig, x, sizeof(float) * T * ld);
  float *table = malloc(sizeof(float) * maxp * hd);
  lx_rope_table(table, maxp, hd, 10000.0f);
  int pos[3] = {0, 5, 63};
  lx_rope(be, x, T, ld, H, hd, pos, table);
  for (int t = 0; t < T; t++)
    for (int h = 0; h < H; h++)
      for (int i = 0; i < hd; i++) {
        int j = i % (hd / 2);
        double ang = pos[t] * pow(10000.0, -2.0 * j / hd);
        const float *v = orig + t * ld + h * hd;
        double rot = i < hd / 2 ? -v[i + hd / 2] : v[i - hd / 2];
        double r = v[i] * cos(ang) + rot * sin(ang);
        ck_assert_double_lt(fabs(x[t * ld + h * hd + i] - r), 1e-5);
      }
  free(x), free(orig), free(table);
}
END_TEST

/* out = softmax(scale q k^T, masked) v, per head, in double. */
static void naive_attention(const lx_attention_args *a) {
  for (int h = 0; h < a->heads; h++)
    for (int i = 0; i < a->n_q; i++) {
      int n = a->causal ? a->q_pos0 + i + 1 : a->n_kv;
      double *s = malloc(sizeof(double) * (size_t)n), mx = -INFINITY, sum = 0;
      for (int j = 0; j < n; j++) {
        double d = 0;
        for (int c = 0; c < a->head_dim; c++)
          d += (double)a->q[i * a->ldq + h * a->head_dim + c] *
               a->k[j * a->ldk + h * a->head_dim + c];
        s[j] = d * a->scale;
        mx = fmax(mx, s[j]);
      }
      for (int j = 0; j < n; j++) sum += (s[j] = exp(s[j] - mx));
      for (int c = 0; c < a->head_dim; c++) {
        double o = 0;
        for (int j = 0; j < n; j++) o += s[j] / sum * a->v[j * a->ldv + h * a->head_dim + c];
        a->out[i * a->ldo + h * a->head_dim + c] = (float)o;
      }
      free(s);
    }
}

static void check_attention_tol(int n_q, int n_kv, int heads, int hd, bool causal, double tol) {
  const int ld = heads * hd;
  float *q = vec((size_t)n_q * ld, 10), *kv = vec((size_t)n_kv * 2 * ld, 11);
  float *out = calloc((size_t)n_q * ld, sizeof(float)),
        *ref = calloc((size_t)n_q * ld, sizeof(float));
  for (size_t i = 0; i < (size_t)n_q * ld; i++) q[i] *= 3; /* peaky softmax */
  lx_attention_args a = {.n_q = n_q,
                         .n_kv = n_kv,
                         .heads = heads,
                         .head_dim = hd,
                         .q = q,
                         .ldq = ld,
                         .k = kv,
                         .ldk = 2 * ld,
                         .v = kv + ld,
                         .ldv = 2 * ld,
                         .out = out,
                         .ldo = ld,
                         .scale = 1.0f / sqrtf((float)hd),
                         .causal = causal,
                         .q_pos0 = n_kv - n_q};
  lx_attention(be, &a);
  a.out = ref;
  naive_attention(&a);
  double e = tu_rel_err(out, ref, (size_t)n_q * ld);
  ck_assert_msg(e < tol, "attention n_q=%d n_kv=%d causal=%d: relative error %g (tolerance %g)",
                n_q, n_kv, causal, e, tol);
  free(q), free(kv), free(out), free(ref);
}

static void check_attention(int n_q, int n_kv, int heads, int hd, bool causal) {
  check_attention_tol(n_q, n_kv, heads, hd, causal, 1e-6);
}

START_TEST(attention_matches_naive) {
  check_attention(26, 26, 2, 88, false); /* ViT */
  check_attention(8, 130, 8, 64, false); /* resampler over a video */
  check_attention(13, 13, 4, 32, true);  /* prefill */
  check_attention(5, 40, 4, 32, true);   /* appending to a cache */
  check_attention(1, 41, 4, 32, true);   /* decode step */
  check_attention(1, 9, 3, 5, false);    /* odd sizes, single query */
  /* LX_MATMUL_BF16: more than 16 queries go through bf16 products (q, k, v and the
   * probabilities rounded to bf16: errors of a few 2^-9); 16 or fewer stay float32. */
  be->precision = LX_MATMUL_BF16;
  const double bf16_tol = lx_cpu()->avx512_bf16 ? 1e-2 : 1e-6;
  check_attention_tol(37, 37, 2, 88, false, bf16_tol);
  check_attention_tol(33, 70, 3, 64, true, bf16_tol);
  check_attention_tol(17, 130, 2, 40, false, bf16_tol);
  check_attention_tol(16, 40, 2, 32, true, 1e-6);
  be->precision = LX_MATMUL_F32;
}
END_TEST

typedef struct {
  int *hits;
} count_ctx;
static void mark(void *ctx, int begin, int end) {
  int *hits = ((count_ctx *)ctx)->hits;
  for (int i = begin; i < end; i++) hits[i]++;
}

START_TEST(pool_covers_every_item_once) {
  for (int threads = 1; threads <= 4; threads++) {
    lx_threads_set(threads);
    ck_assert_int_eq(lx_threads_count(), threads);
    for (int n = 0; n < 300; n += 7) {
      int *hits = calloc((size_t)n + 1, sizeof(int));
      count_ctx c = {hits};
      lx_parallel_for(n, 3, mark, &c);
      for (int i = 0; i < n; i++) ck_assert_int_eq(hits[i], 1);
      lx_parallel_for_dynamic(n, 3, mark, &c);
      for (int i = 0; i < n; i++) ck_assert_int_eq(hits[i], 2);
      free(hits);
    }
  }
  lx_threads_set(0);
}
END_TEST

/* Many short jobs in a row, with chunk counts that leave some workers out of some jobs: every
 * job still sees each item once, and no job waits forever on a worker that missed it. */
START_TEST(pool_runs_many_short_jobs) {
  lx_threads_set(4);
  int hits[4];
  count_ctx c = {hits};
  for (int round = 0; round < 20000; round++) {
    const int n = 1 + round % 4;
    memset(hits, 0, sizeof hits);
    if (round & 1)
      lx_parallel_for(n, 1, mark, &c);
    else
      lx_parallel_for_dynamic(n, 1, mark, &c);
    for (int i = 0; i < n; i++) ck_assert_int_eq(hits[i], 1);
  }
  lx_threads_set(0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernels");
  TCase *tc = tcase_create("cpu");
  tcase_add_checked_fixture(tc, make_backend, free_backend);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, linear_matches_naive);
  tcase_add_test(tc, bf16_rounding_is_nearest_even);
  tcase_add_test(tc, bf16_compute_matches_rounded_reference);
  tcase_add_test(tc, every_product_path_matches_reference);
  tcase_add_test(tc, shared_input_equals_separate_products);
  tcase_add_test(tc, norms_match_naive);
  tcase_add_test(tc, activations_match_formulas);
  tcase_add_test(tc, rope_matches_rotate_half);
  tcase_add_test(tc, attention_matches_naive);
  tcase_add_test(tc, pool_covers_every_item_once);
  tcase_add_test(tc, pool_runs_many_short_jobs);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 0);
}
