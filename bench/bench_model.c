/* bench_model.c: timing the model stage by stage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench_model.h"
#include "bench/ceilings.h"
#include "bench/run_info.h"
#include "bench/timing.h"
#include "common/jsonutil.h"
#include "model/threads.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double peak_rss_bytes(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss * 1024.0; /* kilobytes on Linux */
}

/* ViT FLOPs for one frame: per block q, k, v, proj (8 T W^2), the MLP (4 T W mlp), attention
 * scores and mixing (4 T^2 W); plus the patch embedding. */
static double vit_flops(const lx_vit_config *v) {
  const double T = v->n_tokens, W = v->width;
  double block = 8 * T * W * W + 4 * T * W * v->mlp_dim + 4 * T * T * W;
  double patch = 2.0 * (T - 1) * 3 * v->patch_size * v->patch_size * W;
  return v->depth * block + patch;
}

static unsigned long long rng_state = 0x243f6a8885a308d3ull;
static double uniform(void) { /* [0, 1) */
  unsigned long long z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* A number, or null for a stage that was not run. */
static void add_num(cJSON *o, const char *key, double v) {
  if (isfinite(v))
    cJSON_AddNumberToObject(o, key, v);
  else
    cJSON_AddNullToObject(o, key);
}

#define TEXT_TOKENS 40 /* Lynx keeps the last 40 prompt ids */

static int prefill_rows(const lx_model *m, int rows, int capacity, const float *media,
                        const int *ids, lx_session **out, float *logits, lx_error *err) {
  lx_prompt *p = lx_xcalloc((size_t)rows, sizeof *p);
  for (int r = 0; r < rows; r++) p[r] = (lx_prompt){media, ids, TEXT_TOKENS};
  int rc = lx_session_new(m, rows, capacity, out, err);
  if (rc == LX_OK) rc = lx_session_prefill(*out, p, logits, err);
  free(p);
  return rc;
}

int lx_bench_model(const lx_model *m, const lx_bench_model_opts *o, cJSON **report, lx_error *err) {
  const lx_config *c = &m->cfg;
  const int S = c->vit.image_size, T = c->vit.n_tokens, Wv = c->vit.width;
  const int L = c->resampler.n_latents, D = c->llm.hidden, V = c->llm.vocab_size;
  lx_matmul_precision keep = lx_get_matmul_precision();
  lx_set_matmul_precision(o->precision);
  FILE *log = o->progress;

  if (log) fprintf(log, "measuring this machine's ceilings...\n");
  lx_ceilings ceil;
  lx_ceilings_measure(&ceil, o->threads);

  float *pixels = lx_xcalloc((size_t)3 * S * S, sizeof(float));
  for (size_t i = 0; i < (size_t)3 * S * S; i++) pixels[i] = (float)(4 * uniform() - 2);
  float *vit_out = lx_xcalloc((size_t)T * Wv, sizeof(float));
  float *media = lx_xcalloc((size_t)L * D, sizeof(float));
  int *ids = lx_xcalloc(TEXT_TOKENS, sizeof(int));
  ids[0] = c->llm.bos_id;
  for (int i = 1; i < TEXT_TOKENS; i++) ids[i] = 3 + (int)(uniform() * (V - 4));
  const int reps = o->reps < 1 ? 1 : o->reps;
  double *t = lx_xcalloc((size_t)(reps + o->decode_steps + 1), sizeof(double));

  /* image encode: one warm-up, then reps */
  double vit_s = NAN, resampler_s = NAN;
  if (o->stages & LX_STAGE_ENCODE) {
    if (log) fprintf(log, "image encode (ViT %d blocks at %d px, resampler)...\n", c->vit.depth, S);
    lx_vit_forward(&m->vit, pixels, vit_out);
    for (int r = 0; r < reps; r++) {
      double t0 = lx_bench_now();
      lx_vit_forward(&m->vit, pixels, vit_out);
      t[r] = lx_bench_now() - t0;
    }
    vit_s = median(t, reps);
    lx_resampler_forward(&m->resampler, vit_out, T, media);
    for (int r = 0; r < reps; r++) {
      double t0 = lx_bench_now();
      lx_resampler_forward(&m->resampler, vit_out, T, media);
      t[r] = lx_bench_now() - t0;
    }
    resampler_s = median(t, reps);
  } else {
    for (size_t i = 0; i < (size_t)L * D; i++) media[i] = (float)(2 * uniform() - 1);
  }
  const bool prefix = c->variant == LX_VARIANT_PREFIX;
  const int positions = (prefix ? L : 0) + TEXT_TOKENS;

  /* prefill: a fresh single-row session each time */
  if (log) fprintf(log, "prefill of %d positions...\n", positions);
  float *logits = lx_xcalloc((size_t)V * 64, sizeof(float));
  const int capacity = positions + o->decode_steps + 2;
  int rc = LX_OK;
  for (int r = -1; r < reps && rc == LX_OK && (o->stages & LX_STAGE_PREFILL); r++) {
    lx_session *s = NULL;
    double t0 = lx_bench_now();
    rc = prefill_rows(m, 1, capacity, media, ids, &s, logits, err);
    if (r >= 0) t[r] = lx_bench_now() - t0;
    lx_session_free(s);
  }
  const double prefill_s = rc == LX_OK && (o->stages & LX_STAGE_PREFILL) ? median(t, reps) : NAN;

  /* decode: the weights a step reads, and the bandwidth around the timed steps */
  size_t llm_params = 0; /* matrices of the LLM layers */
  for (size_t i = 0; i < lx_weights_count(m->weights); i++) {
    const lx_tensor *w = lx_weights_at(m->weights, i);
    if (w->ndim == 2 && strncmp(w->name, "llm.layers.", 11) == 0) llm_params += w->numel;
  }
  const size_t step_bytes = lx_weights_bytes(m->weights, "llm.layers.") +
                            lx_weights_bytes(m->weights, "llm.lm_head.") +
                            lx_weights_bytes(m->weights, "llm.norm.");
  cJSON *decode = cJSON_CreateArray();
  double decode1_s = NAN, decode_floor_s = NAN;
  for (int bi = 0; bi < o->n_batches && rc == LX_OK && (o->stages & LX_STAGE_DECODE); bi++) {
    const int B = o->batches[bi];
    if (log) fprintf(log, "decode, batch %d, %d steps...\n", B, o->decode_steps);
    lx_session *s = NULL;
    if (B > 64) {
      rc = lx_errorf(err, "decode batch %d: at most 64", B);
      break;
    }
    rc = prefill_rows(m, B, capacity, media, ids, &s, logits, err);
    int *next = lx_xcalloc((size_t)B, sizeof(int));
    for (int r = 0; r < B; r++) next[r] = 3 + r;
    double bw_before = lx_read_bandwidth(o->threads);
    for (int k = 0; k < o->decode_steps && rc == LX_OK; k++) {
      double t0 = lx_bench_now();
      rc = lx_session_step(s, next, logits, err);
      t[k] = lx_bench_now() - t0;
    }
    double bw_after = lx_read_bandwidth(o->threads);
    lx_session_free(s);
    free(next);
    if (rc != LX_OK) break;
    const double step = median(t, o->decode_steps), bw = 0.5 * (bw_before + bw_after);
    const double floor_s = (double)step_bytes / (bw * 1e9);
    if (B == 1) decode1_s = step, decode_floor_s = floor_s;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "batch", B);
    cJSON_AddNumberToObject(d, "ms_per_step", step * 1e3);
    double fastest = t[0];
    cJSON *steps = cJSON_CreateArray();
    for (int k = 0; k < o->decode_steps; k++) {
      fastest = fmin(fastest, t[k]);
      cJSON_AddItemToArray(steps, cJSON_CreateNumber(t[k] * 1e3));
    }
    cJSON_AddNumberToObject(d, "min_ms_per_step", fastest * 1e3);
    cJSON_AddItemToObject(d, "step_ms", steps);
    cJSON_AddNumberToObject(d, "tokens_per_s", B / step);
    cJSON_AddNumberToObject(d, "read_gbs_window", bw);
    cJSON_AddNumberToObject(d, "floor_ms_per_step", floor_s * 1e3);
    cJSON_AddNumberToObject(d, "pct_of_floor", 100 * floor_s / step);
    cJSON_AddItemToArray(decode, d);
  }
  free(pixels), free(vit_out), free(media), free(ids), free(t), free(logits);
  lx_set_matmul_precision(keep);
  if (rc != LX_OK) {
    cJSON_Delete(decode);
    return rc;
  }

  const bool bf16_peak = o->precision == LX_MATMUL_BF16 && ceil.bf16_gflops > 0;
  const double peak = bf16_peak ? ceil.bf16_gflops : ceil.f32_gflops;
  const double vflops = vit_flops(&c->vit), vit_floor_s = vflops / (peak * 1e9);
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "lynxeval_bench", "model");
  cJSON_AddStringToObject(r, "model", o->source);
  cJSON_AddStringToObject(r, "variant", lx_variant_name(c->variant));
  cJSON_AddStringToObject(r, "precision", o->precision == LX_MATMUL_BF16 ? "bf16" : "f32");
  cJSON_AddNumberToObject(r, "weight_bytes", (double)lx_weights_bytes(m->weights, ""));
  cJSON_AddNumberToObject(r, "load_seconds", o->load_seconds);
  add_num(r, "vit_ms_per_image", vit_s * 1e3);
  add_num(r, "vit_floor_ms_per_image", vit_floor_s * 1e3);
  add_num(r, "vit_gflops", vflops / vit_s / 1e9);
  add_num(r, "vit_pct_of_peak", 100 * vit_floor_s / vit_s);
  cJSON_AddStringToObject(r, "vit_peak", bf16_peak ? "bf16 peak" : "f32 peak");
  add_num(r, "resampler_ms_per_image", resampler_s * 1e3);
  add_num(r, "prefill_positions", positions);
  add_num(r, "prefill_ms", prefill_s * 1e3);
  add_num(r, "prefill_tokens_per_s", positions / prefill_s);
  /* 2 flops per LLM layer weight per position (attention scores excluded: under 1% at 72) */
  add_num(r, "prefill_gflops", 2.0 * (double)llm_params * positions / prefill_s / 1e9);
  add_num(r, "prefill_pct_of_peak",
          100.0 * 2.0 * (double)llm_params * positions / prefill_s / 1e9 /
              (o->precision == LX_MATMUL_BF16 && ceil.bf16_gflops > 0 ? ceil.bf16_gflops
                                                                      : ceil.f32_gflops));
  add_num(r, "time_to_first_token_ms", (vit_s + resampler_s + prefill_s) * 1e3);
  add_num(r, "decode_ms_per_token", decode1_s * 1e3);
  add_num(r, "decode_floor_ms_per_token", decode_floor_s * 1e3);
  add_num(r, "decode_bytes_per_step", (double)step_bytes);
  cJSON_AddItemToObject(r, "decode", decode);
  cJSON_AddNumberToObject(r, "peak_rss_bytes", peak_rss_bytes());
  cJSON *ce = cJSON_AddObjectToObject(r, "ceilings");
  cJSON_AddNumberToObject(ce, "f32_gflops", ceil.f32_gflops);
  cJSON_AddNumberToObject(ce, "bf16_gflops", ceil.bf16_gflops);
  cJSON_AddNumberToObject(ce, "read_gbs", ceil.read_gbs);
  cJSON_AddItemToObject(r, "run", lx_bench_run_info(o->threads));
  *report = r;
  return LX_OK;
}

void lx_bench_print_model(FILE *out, const cJSON *r) {
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(r, "run");
  const cJSON *ce = cJSON_GetObjectItemCaseSensitive(r, "ceilings");
  fprintf(out, "%s (%s), %s products, %.2f GB of weights; %s, %g threads, %s kernels\n",
          lx_json_string(r, "model"), lx_json_string(r, "variant"), lx_json_string(r, "precision"),
          lx_json_number(r, "weight_bytes") / 1e9, lx_json_string(run, "cpu"),
          lx_json_number(run, "threads"), lx_json_string(run, "kernels"));
  fprintf(out, "ceilings: f32 FMA %.0f GFLOP/s, bf16 dot %.0f GFLOP/s, read %.1f GB/s\n\n",
          lx_json_number(ce, "f32_gflops"), lx_json_number(ce, "bf16_gflops"),
          lx_json_number(ce, "read_gbs"));
  fprintf(out, "| stage | measured | floor | %% of floor |\n|---|---:|---:|---:|\n");
  if (isfinite(lx_json_number(r, "vit_ms_per_image"))) {
    fprintf(out, "| ViT, one image | %.1f ms (%.0f GFLOP/s) | %.1f ms (%s) | %.1f%% |\n",
            lx_json_number(r, "vit_ms_per_image"), lx_json_number(r, "vit_gflops"),
            lx_json_number(r, "vit_floor_ms_per_image"), lx_json_string(r, "vit_peak"),
            lx_json_number(r, "vit_pct_of_peak"));
    fprintf(out, "| resampler, one image | %.1f ms | | |\n",
            lx_json_number(r, "resampler_ms_per_image"));
  }
  if (isfinite(lx_json_number(r, "prefill_ms")))
    fprintf(out, "| prefill, %g positions | %.1f ms (%.1f tokens/s, %.0f GFLOP/s) | | |\n",
            lx_json_number(r, "prefill_positions"), lx_json_number(r, "prefill_ms"),
            lx_json_number(r, "prefill_tokens_per_s"), lx_json_number(r, "prefill_gflops"));
  if (isfinite(lx_json_number(r, "time_to_first_token_ms")))
    fprintf(out, "| time to first token | %.1f ms | | |\n",
            lx_json_number(r, "time_to_first_token_ms"));
  const cJSON *d;
  cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(r, "decode")) fprintf(
      out, "| decode, batch %g | %.2f ms/step (%.2f tokens/s) | %.2f ms (%.1f GB/s) | %.1f%% |\n",
      lx_json_number(d, "batch"), lx_json_number(d, "ms_per_step"),
      lx_json_number(d, "tokens_per_s"), lx_json_number(d, "floor_ms_per_step"),
      lx_json_number(d, "read_gbs_window"), lx_json_number(d, "pct_of_floor"));
  fprintf(out, "\npeak resident memory %.2f GB; model ready in %.1f s\n",
          lx_json_number(r, "peak_rss_bytes") / 1e9, lx_json_number(r, "load_seconds"));
}
