/* kernel_cases.c: the kernel cases, their inputs, and their references. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/kernel_cases.h"
#include "common/error.h"
#include "common/rng.h"
#include "model/backend.h"

/* Lynx-8B: ViT width 1408, MLP 6144, 16 heads of 88, 900 patches of 3x14x14 + CLS; resampler
 * media width 1408 -> 1024 (k and v), 8 heads of 64, 32 latents; LLaMA width 4096, 32 heads of
 * 128, MLP 11008, vocabulary 32000; prompt 72 positions; decode with 512 cached positions. */
#define CASE_LINEAR(nm, wh, dt, M, N, K) \
  { nm, wh, LXK_LINEAR, dt, M, N, K, 0, 0, false, false }
/* BF16 weights in both precisions: "bf16" computes in bf16 (vdpbf16ps), "bf16-exact" widens the
 * weights and computes in float32. */
#define CASE_LINEAR_BF16(nm, wh, M, N, K)                                  \
  {nm " bf16", wh, LXK_LINEAR, LX_BF16, M, N, K, 0, 0, false, true}, {     \
    nm " bf16-exact", wh, LXK_LINEAR, LX_BF16, M, N, K, 0, 0, false, false \
  }
const lx_kernel_case lx_kernel_cases[] = {
    CASE_LINEAR("vit.patch_embed f32", "EVA patch embedding (14x14x3 -> 1408) over 900 patches",
                LX_F32, 900, 1408, 588),
    CASE_LINEAR_BF16("vit.patch_embed", "EVA patch embedding (14x14x3 -> 1408) over 900 patches",
                     900, 1408, 588),
    CASE_LINEAR("vit.q f32", "EVA attention q (k, v and proj have the same shape)", LX_F32, 901,
                1408, 1408),
    CASE_LINEAR_BF16("vit.q", "EVA attention q (k, v and proj have the same shape)", 901, 1408,
                     1408),
    CASE_LINEAR("vit.fc1 f32", "EVA MLP up, 1408 -> 6144", LX_F32, 901, 6144, 1408),
    CASE_LINEAR_BF16("vit.fc1", "EVA MLP up, 1408 -> 6144", 901, 6144, 1408),
    CASE_LINEAR("vit.fc2 f32", "EVA MLP down, 6144 -> 1408", LX_F32, 901, 1408, 6144),
    CASE_LINEAR_BF16("vit.fc2", "EVA MLP down, 6144 -> 1408", 901, 1408, 6144),
    CASE_LINEAR_BF16("resampler.to_kv.video",
                     "resampler keys and values over a video's 4505 media tokens", 4505, 1024,
                     1408),
    CASE_LINEAR("llm.prefill.q f32", "LLaMA q over the 72-position prompt (k, v, o the same)",
                LX_F32, 72, 4096, 4096),
    CASE_LINEAR_BF16("llm.prefill.q", "LLaMA q over the 72-position prompt (k, v, o the same)", 72,
                     4096, 4096),
    CASE_LINEAR_BF16("llm.prefill.gate", "LLaMA MLP gate over the prompt (up the same)", 72, 11008,
                     4096),
    CASE_LINEAR_BF16("llm.prefill.down", "LLaMA MLP down over the prompt", 72, 4096, 11008),
    CASE_LINEAR("llm.decode.q f32", "LLaMA q for one new token (matrix-vector)", LX_F32, 1, 4096,
                4096),
    CASE_LINEAR_BF16("llm.decode.q", "LLaMA q for one new token (matrix-vector)", 1, 4096, 4096),
    CASE_LINEAR_BF16("llm.decode.gate", "LLaMA MLP gate for one new token", 1, 11008, 4096),
    CASE_LINEAR_BF16("llm.decode.down", "LLaMA MLP down for one new token", 1, 4096, 11008),
    CASE_LINEAR_BF16("llm.decode.lm_head", "LLaMA output projection to the 32000-token vocabulary",
                     1, 32000, 4096),
    CASE_LINEAR_BF16("llm.decode4.gate", "LLaMA MLP gate for a batch of 4 sequences", 4, 11008,
                     4096),
    CASE_LINEAR_BF16("llm.decode16.gate",
                     "LLaMA MLP gate for a batch of 16 sequences (or 5 beams x 3)", 16, 11008,
                     4096),
    {"attention.vit", "EVA self-attention, 901 tokens, 16 heads of 88", LXK_ATTENTION, LX_F32, 901,
     901, 0, 16, 88, false, false},
    {"attention.vit bf16", "EVA self-attention with bf16 products", LXK_ATTENTION, LX_F32, 901, 901,
     0, 16, 88, false, true},
    {"attention.resampler.video",
     "resampler: 32 latents over a video's 4505 media tokens, 8 heads of 64", LXK_ATTENTION, LX_F32,
     32, 4505, 0, 8, 64, false, false},
    {"attention.llm.prefill", "LLaMA causal self-attention over the 72-position prompt",
     LXK_ATTENTION, LX_F32, 72, 72, 0, 32, 128, true, false},
    {"attention.llm.decode", "LLaMA: one new token over 512 cached positions", LXK_ATTENTION,
     LX_F32, 1, 512, 0, 32, 128, true, false},
    {"rmsnorm.llm.prefill", "RMSNorm over the prompt, width 4096", LXK_RMSNORM, LX_F32, 72, 4096, 0,
     0, 0, false, false},
    {"layernorm.vit", "LayerNorm over the ViT tokens, width 1408", LXK_LAYERNORM, LX_F32, 901, 1408,
     0, 0, 0, false, false},
    {"softmax.vit", "softmax over the rows of one ViT head's attention scores", LXK_SOFTMAX, LX_F32,
     901, 901, 0, 0, 0, false, false},
    {"rope.llm.prefill", "rotary embedding of q over the prompt, 32 heads of 128", LXK_ROPE, LX_F32,
     72, 4096, 0, 32, 128, false, false},
    {"gelu.vit", "exact GELU on the ViT MLP activations", LXK_GELU, LX_F32, 901, 6144, 0, 0, 0,
     false, false},
    {"silu_mul.llm.prefill", "SwiGLU: silu(gate) * up over the prompt", LXK_SILU_MUL, LX_F32, 72,
     11008, 0, 0, 0, false, false},
};
const int lx_n_kernel_cases = (int)(sizeof lx_kernel_cases / sizeof lx_kernel_cases[0]);

/* Keys query i may see (attention). */
static int visible(const lx_kernel_case *c, int i) {
  return c->causal ? c->n - c->m + i + 1 : c->n;
}

double lx_kernel_flops(const lx_kernel_case *c) {
  double rows = c->m, width = c->n;
  switch (c->kind) {
    case LXK_LINEAR:
      return 2.0 * c->m * c->n * c->k;
    case LXK_ATTENTION: {
      double keys = 0;
      for (int i = 0; i < c->m; i++) keys += visible(c, i);
      return 4.0 * keys * c->heads * c->head_dim; /* q k^T and p v */
    }
    case LXK_RMSNORM:
      return 4.0 * rows * width;
    case LXK_LAYERNORM:
      return 7.0 * rows * width;
    case LXK_SOFTMAX:
      return 4.0 * rows * width;
    case LXK_ROPE:
      return 3.0 * rows * width;
    case LXK_GELU:
    case LXK_SILU_MUL:
      return 5.0 * rows * width;
  }
  return 0;
}

double lx_kernel_bytes(const lx_kernel_case *c) {
  double rows = c->m, width = c->n;
  switch (c->kind) {
    case LXK_LINEAR:
      return (double)c->n * c->k * lx_dtype_size(c->dtype) + 4.0 * c->m * c->k + 4.0 * c->m * c->n;
    case LXK_ATTENTION:
      return 4.0 * c->heads * c->head_dim * (2.0 * c->m + 2.0 * c->n);
    case LXK_RMSNORM:
    case LXK_LAYERNORM:
    case LXK_SOFTMAX:
    case LXK_ROPE:
    case LXK_GELU:
      return 8.0 * rows * width;
    case LXK_SILU_MUL:
      return 12.0 * rows * width;
  }
  return 0;
}

void lx_kernel_shape(const lx_kernel_case *c, char *buf, int size) {
  switch (c->kind) {
    case LXK_LINEAR:
      snprintf(buf, (size_t)size, "[%d,%d]x[%d,%d]^T", c->m, c->k, c->n, c->k);
      break;
    case LXK_ATTENTION:
      snprintf(buf, (size_t)size, "q %d, kv %d, %dx%d%s", c->m, c->n, c->heads, c->head_dim,
               c->causal ? ", causal" : "");
      break;
    default:
      snprintf(buf, (size_t)size, "[%d,%d]", c->m, c->n);
  }
}

/* ---- state ------------------------------------------------------------------------------------
 */

#define SAMPLES 64 /* entries checked for products and attention */

#define ROPE_MAX_POS 2048 /* rows of the RoPE table */

struct lx_kernel_state {
  const lx_kernel_case *c;
  lx_backend *be; /* where lx_kernel_run runs it, or NULL */
  float *x, *y, *w32, *aux, *g, *b, *cos_sin;
  uint16_t *w16;
  int *pos;
  lx_tensor w;
  uint64_t rng;
};

/* Uniform in [-scale, scale). */
static void fill(float *x, size_t n, float scale, uint64_t *rng) {
  for (size_t i = 0; i < n; i++)
    x[i] = scale * (float)((double)(lx_rng_next(rng) >> 11) * 0x1.0p-52 - 1.0);
}

static float *falloc(size_t n) {
  return lx_xcalloc(n ? n : 1, sizeof(float));
}

lx_kernel_state *lx_kernel_setup(const lx_kernel_case *c, unsigned long long seed, lx_backend *be) {
  lx_kernel_state *s = lx_xcalloc(1, sizeof *s);
  s->c = c;
  s->be = be;
  s->rng = seed;
  const size_t rows = (size_t)c->m, width = (size_t)c->n;
  switch (c->kind) {
    case LXK_LINEAR: {
      const size_t nk = (size_t)c->n * c->k;
      s->x = falloc(rows * c->k);
      s->y = falloc(rows * width);
      fill(s->x, rows * c->k, 1.0f, &s->rng);
      s->w = (lx_tensor){
          .name = c->name, .dtype = c->dtype, .ndim = 2, .shape = {c->n, c->k}, .numel = nk};
      s->w32 = falloc(nk);
      fill(s->w32, nk, 1.0f / sqrtf((float)c->k), &s->rng);
      if (c->dtype == LX_F32) {
        s->w.data = s->w32;
      } else {
        /* 16-bit weights; the reference reads their exact values back from w16 */
        s->w16 = lx_xcalloc(nk, sizeof(uint16_t));
        for (size_t i = 0; i < nk; i++) s->w16[i] = lx_f32_to_bf16(s->w32[i]);
        free(s->w32);
        s->w32 = NULL;
        s->w.data = s->w16;
      }
      break;
    }
    case LXK_ATTENTION: {
      const size_t d = (size_t)c->heads * c->head_dim;
      s->x = falloc(rows * d);        /* q */
      s->aux = falloc(2 * width * d); /* k then v */
      s->y = falloc(rows * d);
      fill(s->x, rows * d, 1.0f, &s->rng);
      fill(s->aux, 2 * width * d, 1.0f, &s->rng);
      break;
    }
    case LXK_RMSNORM:
    case LXK_LAYERNORM:
      s->x = falloc(rows * width);
      s->y = falloc(rows * width);
      s->g = falloc(width);
      s->b = falloc(width);
      fill(s->x, rows * width, 2.0f, &s->rng);
      fill(s->g, width, 1.0f, &s->rng);
      fill(s->b, width, 1.0f, &s->rng);
      break;
    case LXK_ROPE: {
      s->x = falloc(rows * width);
      s->y = falloc(rows * width);
      fill(s->x, rows * width, 1.0f, &s->rng);
      s->cos_sin = falloc((size_t)ROPE_MAX_POS * c->head_dim);
      lx_rope_table(s->cos_sin, ROPE_MAX_POS, c->head_dim, 10000.0f);
      s->pos = lx_xcalloc(rows, sizeof(int));
      for (size_t t = 0; t < rows; t++) s->pos[t] = (int)(t * 7 % (size_t)ROPE_MAX_POS);
      break;
    }
    case LXK_SOFTMAX:
    case LXK_GELU:
    case LXK_SILU_MUL:
      s->x = falloc(rows * width);
      s->y = falloc(rows * width);
      fill(s->x, rows * width, c->kind == LXK_SOFTMAX ? 8.0f : 4.0f, &s->rng);
      if (c->kind == LXK_SILU_MUL) {
        s->aux = falloc(rows * width);
        fill(s->aux, rows * width, 2.0f, &s->rng);
      }
      break;
  }
  return s;
}

void lx_kernel_arrays_of(lx_kernel_state *s, lx_kernel_arrays *a) {
  const lx_kernel_case *c = s->c;
  const size_t rows = (size_t)c->m, width = (size_t)c->n;
  memset(a, 0, sizeof *a);
  a->x = s->x, a->y = s->y;
  switch (c->kind) {
    case LXK_LINEAR:
      a->x_len = rows * c->k, a->y_len = rows * width;
      a->w32 = s->w32, a->w16 = s->w16, a->w_len = (size_t)c->n * c->k;
      break;
    case LXK_ATTENTION: {
      const size_t d = (size_t)c->heads * c->head_dim;
      a->x_len = rows * d, a->y_len = rows * d;
      a->aux = s->aux, a->aux_len = 2 * width * d;
      break;
    }
    case LXK_RMSNORM:
    case LXK_LAYERNORM:
      a->x_len = a->y_len = rows * width;
      a->g = s->g, a->b = s->b, a->g_len = width;
      break;
    case LXK_ROPE:
      a->x_len = a->y_len = rows * width;
      a->cos_sin = s->cos_sin, a->cos_sin_len = (size_t)ROPE_MAX_POS * c->head_dim;
      a->pos = s->pos, a->pos_len = rows;
      break;
    case LXK_SOFTMAX:
    case LXK_GELU:
    case LXK_SILU_MUL:
      a->x_len = a->y_len = rows * width;
      if (c->kind == LXK_SILU_MUL) a->aux = s->aux, a->aux_len = rows * width;
      break;
  }
}

/* In-place kernels work on y, refreshed from x before each call: the copy is part of the timed
 * call and of the bytes counted (read x, write y). */
void lx_kernel_run(void *state) {
  lx_kernel_state *s = state;
  const lx_kernel_case *c = s->c;
  const size_t rows = (size_t)c->m, width = (size_t)c->n;
  switch (c->kind) {
    case LXK_LINEAR: {
      lx_matmul_precision keep = s->be->precision;
      s->be->precision = c->bf16_compute ? LX_MATMUL_BF16 : LX_MATMUL_F32;
      lx_linear(s->be, s->y, s->x, c->m, &s->w, NULL, false);
      s->be->precision = keep;
      break;
    }
    case LXK_ATTENTION: {
      const int d = c->heads * c->head_dim;
      lx_matmul_precision keep = s->be->precision;
      s->be->precision = c->bf16_compute ? LX_MATMUL_BF16 : LX_MATMUL_F32;
      lx_attention(s->be, &(lx_attention_args){.n_q = c->m,
                                               .n_kv = c->n,
                                               .heads = c->heads,
                                               .head_dim = c->head_dim,
                                               .q = s->x,
                                               .ldq = d,
                                               .k = s->aux,
                                               .ldk = d,
                                               .v = s->aux + width * d,
                                               .ldv = d,
                                               .out = s->y,
                                               .ldo = d,
                                               .scale = 1.0f / sqrtf((float)c->head_dim),
                                               .causal = c->causal,
                                               .q_pos0 = c->n - c->m});
      s->be->precision = keep;
      break;
    }
    case LXK_RMSNORM:
      lx_rmsnorm(s->be, s->y, s->x, c->m, c->n, s->g, 1e-6f);
      break;
    case LXK_LAYERNORM:
      lx_layernorm(s->be, s->y, s->x, c->m, c->n, s->g, s->b, 1e-6f);
      break;
    case LXK_SOFTMAX:
      memcpy(s->y, s->x, rows * width * sizeof(float));
      lx_softmax(s->be, s->y, c->m, c->n);
      break;
    case LXK_ROPE:
      memcpy(s->y, s->x, rows * width * sizeof(float));
      lx_rope(s->be, s->y, c->m, c->n, c->heads, c->head_dim, s->pos, s->cos_sin);
      break;
    case LXK_GELU:
      memcpy(s->y, s->x, rows * width * sizeof(float));
      lx_gelu(s->be, s->y, rows * width);
      break;
    case LXK_SILU_MUL:
      memcpy(s->y, s->x, rows * width * sizeof(float));
      lx_silu_mul(s->be, s->y, s->aux, rows * width);
      break;
  }
}

/* ---- references ------------------------------------------------------------------------------ */

static double weight_at(const lx_kernel_state *s, size_t i) {
  return s->w32 ? s->w32[i] : lx_bf16_to_f32(s->w16[i]);
}

/* err2 and ref2 accumulate ||y - ref||^2 and ||ref||^2. */
static void add_err(double y, double ref, double *err2, double *ref2) {
  *err2 += (y - ref) * (y - ref);
  *ref2 += ref * ref;
}

double lx_kernel_check(lx_kernel_state *s) {
  const lx_kernel_case *c = s->c;
  const size_t rows = (size_t)c->m, width = (size_t)c->n;
  double err2 = 0, ref2 = 0;
  uint64_t rng = 0x5eedull;
  switch (c->kind) {
    case LXK_LINEAR:
      for (int i = 0; i < SAMPLES; i++) {
        size_t m = lx_rng_next(&rng) % rows, n = lx_rng_next(&rng) % width;
        double ref = 0;
        for (int k = 0; k < c->k; k++)
          ref += (double)s->x[m * c->k + k] * weight_at(s, n * c->k + k);
        add_err(s->y[m * width + n], ref, &err2, &ref2);
      }
      break;
    case LXK_ATTENTION: {
      const size_t d = (size_t)c->heads * c->head_dim;
      const float *k = s->aux, *v = s->aux + width * d;
      double *p = lx_xcalloc(width, sizeof(double));
      for (int i = 0; i < 8; i++) {
        size_t q = lx_rng_next(&rng) % rows, h = lx_rng_next(&rng) % (size_t)c->heads;
        int n = visible(c, (int)q);
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int e = 0; e < c->head_dim; e++)
            dot += (double)s->x[q * d + h * c->head_dim + e] * k[j * d + h * c->head_dim + e];
          p[j] = dot / sqrt((double)c->head_dim);
          mx = fmax(mx, p[j]);
        }
        for (int j = 0; j < n; j++) sum += (p[j] = exp(p[j] - mx));
        for (int e = 0; e < c->head_dim; e++) {
          double o = 0;
          for (int j = 0; j < n; j++) o += p[j] / sum * v[j * d + h * c->head_dim + e];
          add_err(s->y[q * d + h * c->head_dim + e], o, &err2, &ref2);
        }
      }
      free(p);
      break;
    }
    case LXK_RMSNORM:
    case LXK_LAYERNORM:
      for (size_t m = 0; m < rows; m++) {
        const float *x = s->x + m * width;
        double mean = 0, var = 0, ss = 0;
        for (size_t i = 0; i < width; i++) mean += x[i], ss += (double)x[i] * x[i];
        mean /= (double)width;
        for (size_t i = 0; i < width; i++) var += (x[i] - mean) * (x[i] - mean);
        var /= (double)width;
        for (size_t i = 0; i < width; i++) {
          double ref = c->kind == LXK_RMSNORM
                           ? x[i] / sqrt(ss / (double)width + 1e-6) * s->g[i]
                           : (x[i] - mean) / sqrt(var + 1e-6) * s->g[i] + s->b[i];
          add_err(s->y[m * width + i], ref, &err2, &ref2);
        }
      }
      break;
    case LXK_SOFTMAX:
      for (size_t m = 0; m < rows; m++) {
        const float *x = s->x + m * width;
        double mx = -INFINITY, sum = 0;
        for (size_t i = 0; i < width; i++) mx = fmax(mx, x[i]);
        for (size_t i = 0; i < width; i++) sum += exp(x[i] - mx);
        for (size_t i = 0; i < width; i++)
          add_err(s->y[m * width + i], exp(x[i] - mx) / sum, &err2, &ref2);
      }
      break;
    case LXK_ROPE: {
      const int half = c->head_dim / 2;
      for (size_t t = 0; t < rows; t++)
        for (int h = 0; h < c->heads; h++)
          for (int i = 0; i < half; i++) {
            /* the angle in float32, as LLaMA (and lx_rope_table) defines it */
            float inv = 1.0f / powf(10000.0f, (float)(2 * i) / (float)c->head_dim);
            double a = (float)s->pos[t] * inv;
            size_t base = t * width + (size_t)h * c->head_dim;
            double x0 = s->x[base + i], x1 = s->x[base + i + half];
            add_err(s->y[base + i], x0 * cos(a) - x1 * sin(a), &err2, &ref2);
            add_err(s->y[base + i + half], x1 * cos(a) + x0 * sin(a), &err2, &ref2);
          }
      break;
    }
    case LXK_GELU:
    case LXK_SILU_MUL:
      for (size_t i = 0; i < rows * width; i++) {
        double x = s->x[i];
        double ref = c->kind == LXK_GELU ? 0.5 * x * (1 + erf(x / sqrt(2.0)))
                                         : x / (1 + exp(-x)) * s->aux[i];
        add_err(s->y[i], ref, &err2, &ref2);
      }
      break;
  }
  return ref2 > 0 ? sqrt(err2 / ref2) : sqrt(err2);
}

double lx_kernel_tolerance(const lx_kernel_case *c) {
  switch (c->kind) {
    case LXK_LINEAR:
      /* bf16 activations: each rounded by up to 2^-9 relative, errors that average out over K
       * terms to about 2^-9 / sqrt(3) of the output; otherwise float32 sums of K terms, as the
       * unit tests */
      if (c->bf16_compute) return 4e-3;
      return fmax(1e-6, 1e-7 * sqrt((double)c->k));
    case LXK_ATTENTION:
      return c->bf16_compute ? 1e-2 : 1e-5; /* bf16: q, k, v and probabilities rounded */
    case LXK_ROPE:
      return 2e-6;
    default:
      return 1e-6;
  }
}

void lx_kernel_free(lx_kernel_state *s) {
  if (!s) return;
  free(s->x), free(s->y), free(s->w32), free(s->aux), free(s->g), free(s->b), free(s->cos_sin);
  free(s->w16), free(s->pos);
  free(s);
}
