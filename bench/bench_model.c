/* bench_model.c: timing the model stage by stage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench_model.h"
#include "bench/ceilings.h"
#include "bench/run_info.h"
#include "bench/timing.h"
#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/rng.h"
#include "model/backend_profile.h"
#include "model/kernel_choice.h"
#include "model/threads.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of v[0, n), v left as it was. */
static double median(const double *v, int n) {
  double *c = lx_xcalloc((size_t)n, sizeof *c);
  memcpy(c, v, (size_t)n * sizeof *c);
  qsort(c, (size_t)n, sizeof *c, cmp_double);
  double m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  free(c);
  return m;
}

static double peak_rss_bytes(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss * 1024.0; /* kilobytes on Linux */
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static double uniform(void) { /* [0, 1) */
  return lx_rng_uniform(&rng_state);
}

/* A number, or null for a stage that was not run. */
static void add_num(cJSON *o, const char *key, double v) {
  if (isfinite(v))
    cJSON_AddNumberToObject(o, key, v);
  else
    cJSON_AddNullToObject(o, key);
}

/* The text a model whose media encoder reads the prompt (InstructBLIP) encodes an image with. */
#define BENCH_INSTRUCTION "What is unusual about this image? Describe it in detail."

/* The greedy choice of each row's next token: the sampling part of a decode step. */
static void choose_next(const float *logits, int rows, int V, int *next) {
  for (int r = 0; r < rows; r++) {
    const float *l = logits + (size_t)r * V;
    int best = 0;
    for (int v = 1; v < V; v++)
      if (l[v] > l[best]) best = v;
    next[r] = best;
  }
}

/* o.parts: each profiled part in ms per step (of `steps`); their sums in *kernels, *handoffs
 * (seconds over all steps). */
static void add_parts(cJSON *o, const lx_profile *p, int steps, double *kernels, double *handoffs) {
  const double per = 1e3 / steps;
  cJSON *parts = cJSON_AddArrayToObject(o, "parts");
  for (int i = 0; i < p->n_parts; i++) {
    const lx_profile_part *q = &p->parts[i];
    *kernels += q->seconds;
    *handoffs += q->handoff_seconds;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "part", q->name);
    cJSON_AddNumberToObject(j, "ms_per_step", q->seconds * per);
    cJSON_AddNumberToObject(j, "handoff_ms_per_step", q->handoff_seconds * per);
    cJSON_AddNumberToObject(j, "calls_per_step", (double)q->calls / steps);
    cJSON_AddItemToArray(parts, j);
  }
}

/* The profile of `steps` decode steps of session s (batch B), run now with every kernel timed:
 * parts in ms per step, per layer, sampling, between kernels; against the unprofiled median. */
static int profile_steps(const lx_model *m, lx_session *s, int B, int steps, int *next,
                         float *logits, double unprofiled_s, cJSON **out, lx_error *err) {
  lx_backend *be = m->backend;
  const int V = m->info.vocab_size;
  double total = 0, sampling = 0;
  int rc = LX_OK;
  lx_profiler_start(be);
  for (int k = 0; k < steps && rc == LX_OK; k++) {
    double t0 = lx_seconds();
    rc = lx_session_step(s, next, logits, err);
    double t1 = lx_seconds();
    if (rc == LX_OK) choose_next(logits, B, V, next);
    double t2 = lx_seconds();
    sampling += t2 - t1;
    total += t2 - t0;
  }
  lx_profiler_stop(be);
  if (rc != LX_OK) return rc;
  const lx_profile *p = lx_profiler_result(be);
  const double per = 1e3 / steps; /* seconds over all steps -> ms per step */
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "batch", B);
  cJSON_AddNumberToObject(o, "steps", steps);
  cJSON_AddNumberToObject(o, "profiled_ms_per_step", total * per);
  cJSON_AddNumberToObject(o, "unprofiled_median_ms_per_step", unprofiled_s * 1e3);
  double kernels = 0, handoffs = 0;
  add_parts(o, p, steps, &kernels, &handoffs);
  cJSON_AddNumberToObject(o, "kernels_ms_per_step", kernels * per);
  cJSON_AddNumberToObject(o, "handoff_ms_per_step", handoffs * per);
  cJSON_AddNumberToObject(o, "sampling_ms_per_step", sampling * per);
  cJSON_AddNumberToObject(o, "between_kernels_ms_per_step", (total - kernels - sampling) * per);
  /* the parts (kernels, sampling, between) sum to the profiled steps by construction; what they
   * say is judged against the step measured without the profiler */
  cJSON_AddNumberToObject(o, "parts_pct_of_unprofiled_step", 100 * total / steps / unprofiled_s);
  cJSON *layers = cJSON_AddArrayToObject(o, "layer_ms_per_step");
  for (int l = 0; l < p->n_layers; l++)
    cJSON_AddItemToArray(layers, cJSON_CreateNumber(p->layer_seconds[l] * per));
  cJSON_AddNumberToObject(o, "head_ms_per_step", p->head_seconds * per);
  *out = o;
  return LX_OK;
}

static int prefill_rows(const lx_model *m, int rows, int capacity, const float *media,
                        const int *ids, int n_ids, lx_session **out, float *logits, lx_error *err) {
  lx_prompt *p = lx_xcalloc((size_t)rows, sizeof *p);
  for (int r = 0; r < rows; r++) p[r] = lx_model_prompt(m, media, m->info.media_rows, ids, n_ids);
  int rc = lx_session_new(m, rows, capacity, out, err);
  if (rc == LX_OK) rc = lx_session_prefill(*out, p, logits, err);
  free(p);
  return rc;
}

int lx_bench_model(const lx_model *m, const lx_bench_model_opts *o, cJSON **report, lx_error *err) {
  const lx_model_info *info = &m->info;
  const int S = m->cfg.preprocess.image_size, V = info->vocab_size;
  /* the prompt: as many text tokens as the model keeps, or a typical question's prompt when it
   * keeps them all (LLaVA's vicuna_v1 chat with a short question: about 64 ids) */
  const int text_tokens =
      m->cfg.prompt.max_input_tokens > 0 ? m->cfg.prompt.max_input_tokens : LX_BENCH_TEXT_TOKENS;
  const lx_matmul_precision precision = m->backend->precision;
  const int threads = m->backend->threads;
  FILE *log = o->progress;

  if (log) fprintf(log, "measuring this machine's ceilings...\n");
  lx_ceilings ceil;
  lx_ceilings_measure(&ceil, threads);

  float *pixels = lx_xcalloc((size_t)3 * S * S, sizeof(float));
  for (size_t i = 0; i < (size_t)3 * S * S; i++) pixels[i] = (float)(4 * uniform() - 2);
  float *media = lx_xcalloc(lx_model_media_floats(m, 1), sizeof(float));
  int *ids = lx_xcalloc((size_t)text_tokens, sizeof(int));
  ids[0] = info->bos_id;
  for (int i = 1; i < text_tokens; i++) ids[i] = 3 + (int)(uniform() * (V - 4));
  const int reps = o->reps < 1 ? 1 : o->reps;
  double *t = lx_xcalloc((size_t)(reps + o->decode_steps + 1), sizeof(double));

  /* image encode: one warm-up, then reps; each stage's median */
  lx_encode_profile prof = {0};
  cJSON *encode_profile = NULL;
  double stage_s[LX_MAX_ENCODE_STAGES];
  int rc = LX_OK;
  if (o->stages & LX_STAGE_ENCODE) {
    if (log) fprintf(log, "image encode (%d px)...\n", S);
    rc = lx_model_encode_profiled(m, pixels, 1, BENCH_INSTRUCTION, media, &prof, err);
    double *per = lx_xcalloc((size_t)reps * LX_MAX_ENCODE_STAGES, sizeof(double));
    for (int r = 0; r < reps && rc == LX_OK; r++) {
      rc = lx_model_encode_profiled(m, pixels, 1, BENCH_INSTRUCTION, media, &prof, err);
      for (int k = 0; k < prof.n; k++) per[(size_t)k * reps + r] = prof.stage[k].seconds;
    }
    for (int k = 0; k < prof.n; k++) stage_s[k] = median(per + (size_t)k * reps, reps);
    free(per);
    if (rc == LX_OK && lx_backend_is_profiler(m->backend)) { /* one more, every kernel timed */
      if (log) fprintf(log, "image encode, profiled...\n");
      lx_profiler_start(m->backend);
      double t0 = lx_seconds();
      rc = lx_model_encode_profiled(m, pixels, 1, BENCH_INSTRUCTION, media, &prof, err);
      const double whole = lx_seconds() - t0;
      lx_profiler_stop(m->backend);
      double kernels = 0, handoffs = 0;
      encode_profile = cJSON_CreateObject();
      cJSON_AddNumberToObject(encode_profile, "profiled_ms", whole * 1e3);
      add_parts(encode_profile, lx_profiler_result(m->backend), 1, &kernels, &handoffs);
      cJSON_AddNumberToObject(encode_profile, "kernels_ms", kernels * 1e3);
      cJSON_AddNumberToObject(encode_profile, "handoff_ms", handoffs * 1e3);
      cJSON_AddNumberToObject(encode_profile, "between_kernels_ms", (whole - kernels) * 1e3);
    }
  } else {
    for (size_t i = 0; i < lx_model_media_floats(m, 1); i++) media[i] = (float)(2 * uniform() - 1);
  }
  const int positions = info->media_positions + text_tokens;

  /* prefill: a fresh single-row session each time */
  if (log) fprintf(log, "prefill of %d positions...\n", positions);
  float *logits = lx_xcalloc((size_t)V * 64, sizeof(float));
  const bool profiling = lx_backend_is_profiler(m->backend);
  const int capacity = positions + (profiling ? 2 : 1) * o->decode_steps + 2;
  for (int r = -1; r < reps && rc == LX_OK && (o->stages & LX_STAGE_PREFILL); r++) {
    lx_session *s = NULL;
    double t0 = lx_seconds();
    rc = prefill_rows(m, 1, capacity, media, ids, text_tokens, &s, logits, err);
    if (r >= 0) t[r] = lx_seconds() - t0;
    lx_session_free(s);
  }
  const double prefill_s = rc == LX_OK && (o->stages & LX_STAGE_PREFILL) ? median(t, reps) : NAN;

  /* decode: the weights a step reads, and the bandwidth around the timed steps */
  const double step_bytes = info->decode_read_bytes;
  cJSON *decode = cJSON_CreateArray(), *profiles = cJSON_CreateArray();
  double decode1_s = NAN, decode_floor_s = NAN;
  for (int bi = 0; bi < o->n_batches && rc == LX_OK && (o->stages & LX_STAGE_DECODE); bi++) {
    const int B = o->batches[bi];
    if (log) fprintf(log, "decode, batch %d, %d steps...\n", B, o->decode_steps);
    lx_session *s = NULL;
    if (B > 64) {
      rc = lx_errorf(err, "decode batch %d: at most 64", B);
      break;
    }
    rc = prefill_rows(m, B, capacity, media, ids, text_tokens, &s, logits, err);
    int *next = lx_xcalloc((size_t)B, sizeof(int));
    for (int r = 0; r < B; r++) next[r] = 3 + r;
    double bw_before = lx_read_bandwidth(threads);
    for (int k = 0; k < o->decode_steps && rc == LX_OK; k++) {
      double t0 = lx_seconds();
      rc = lx_session_step(s, next, logits, err);
      if (rc == LX_OK) choose_next(logits, B, V, next);
      t[k] = lx_seconds() - t0;
    }
    double bw_after = lx_read_bandwidth(threads);
    const double step = rc == LX_OK ? median(t, o->decode_steps) : 0;
    if (rc == LX_OK && profiling) {
      if (log) fprintf(log, "decode, batch %d, %d profiled steps...\n", B, o->decode_steps);
      cJSON *profile = NULL;
      rc = profile_steps(m, s, B, o->decode_steps, next, logits, step, &profile, err);
      if (rc == LX_OK) cJSON_AddItemToArray(profiles, profile);
    }
    lx_session_free(s);
    free(next);
    if (rc != LX_OK) break;
    const double bw = 0.5 * (bw_before + bw_after);
    const double floor_s = step_bytes / (bw * 1e9);
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
  free(pixels), free(media), free(ids), free(t), free(logits);
  if (rc != LX_OK) {
    cJSON_Delete(decode);
    cJSON_Delete(profiles);
    cJSON_Delete(encode_profile);
    return rc;
  }

  /* a compute stage's floor: its FLOPs at the fastest unit its arithmetic may run on here (float32
   * FMA; in bf16 precision also the bf16 dot product and AMX tiles); beside it, its share of the
   * faster vector unit (FMA or bf16 dot), the yardstick on processors without AMX */
  const bool bf16 = precision == LX_MATMUL_BF16;
  double vector_peak = ceil.f32_gflops, peak;
  const char *vector_name = "f32 FMA peak", *peak_name;
  if (bf16 && ceil.bf16_gflops > vector_peak)
    vector_peak = ceil.bf16_gflops, vector_name = "bf16 dot peak";
  peak = vector_peak, peak_name = vector_name;
  if (bf16 && ceil.amx_gflops > peak) peak = ceil.amx_gflops, peak_name = "AMX peak";
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "lynxeval_bench", "model");
  cJSON_AddStringToObject(r, "model", o->source);
  cJSON_AddStringToObject(r, "family", info->family);
  cJSON_AddStringToObject(r, "variant", info->variant);
  cJSON_AddStringToObject(r, "precision", precision == LX_MATMUL_BF16 ? "bf16" : "f32");
  cJSON_AddNumberToObject(r, "weight_bytes", (double)lx_weights_bytes(m->weights, ""));
  cJSON_AddNumberToObject(r, "load_seconds", o->load_seconds);
  /* per encode stage: <key>_ms_per_image, and for counted FLOPs the floor, rate and share */
  cJSON *stages = cJSON_AddArrayToObject(r, "encode_stages");
  double encode_s = prof.n ? 0 : NAN;
  for (int k = 0; k < prof.n; k++) {
    const lx_encode_stage *st = &prof.stage[k];
    char key[96];
    cJSON *desc = cJSON_CreateObject();
    cJSON_AddStringToObject(desc, "key", st->key);
    cJSON_AddStringToObject(desc, "label", st->label);
    cJSON_AddItemToArray(stages, desc);
    encode_s += stage_s[k];
    snprintf(key, sizeof key, "%s_ms_per_image", st->key);
    add_num(r, key, stage_s[k] * 1e3);
    if (st->flops > 0) {
      const double floor_s = st->flops / (peak * 1e9);
      snprintf(key, sizeof key, "%s_floor_ms_per_image", st->key);
      add_num(r, key, floor_s * 1e3);
      snprintf(key, sizeof key, "%s_gflops", st->key);
      add_num(r, key, st->flops / stage_s[k] / 1e9);
      snprintf(key, sizeof key, "%s_pct_of_peak", st->key);
      add_num(r, key, 100 * floor_s / stage_s[k]);
      snprintf(key, sizeof key, "%s_peak", st->key);
      cJSON_AddStringToObject(r, key, peak_name);
      snprintf(key, sizeof key, "%s_pct_of_vector_peak", st->key);
      add_num(r, key, 100 * st->flops / stage_s[k] / 1e9 / vector_peak);
    }
  }
  add_num(r, "prefill_positions", positions);
  add_num(r, "prefill_ms", prefill_s * 1e3);
  add_num(r, "prefill_tokens_per_s", positions / prefill_s);
  /* the prefill's work: 2 flops per decoder matrix parameter per position (attention scores
   * excluded: under 1% at 72 positions) */
  add_num(r, "prefill_gflops", info->prefill_flops * positions / prefill_s / 1e9);
  add_num(r, "prefill_floor_ms", info->prefill_flops * positions / (peak * 1e9) * 1e3);
  add_num(r, "prefill_pct_of_peak",
          100.0 * info->prefill_flops * positions / prefill_s / 1e9 / peak);
  cJSON_AddStringToObject(r, "prefill_peak", peak_name);
  add_num(r, "prefill_pct_of_vector_peak",
          100.0 * info->prefill_flops * positions / prefill_s / 1e9 / vector_peak);
  cJSON_AddStringToObject(r, "vector_peak", vector_name);
  add_num(r, "time_to_first_token_ms", (encode_s + prefill_s) * 1e3);
  add_num(r, "decode_ms_per_token", decode1_s * 1e3);
  add_num(r, "decode_floor_ms_per_token", decode_floor_s * 1e3);
  add_num(r, "decode_bytes_per_step", step_bytes);
  cJSON_AddItemToObject(r, "decode", decode);
  if (profiling)
    cJSON_AddItemToObject(r, "decode_profile", profiles);
  else
    cJSON_Delete(profiles);
  if (encode_profile) cJSON_AddItemToObject(r, "encode_profile", encode_profile);
  cJSON_AddNumberToObject(r, "peak_rss_bytes", peak_rss_bytes());
  cJSON *ce = cJSON_AddObjectToObject(r, "ceilings");
  cJSON_AddNumberToObject(ce, "f32_gflops", ceil.f32_gflops);
  cJSON_AddNumberToObject(ce, "bf16_gflops", ceil.bf16_gflops);
  cJSON_AddNumberToObject(ce, "amx_gflops", ceil.amx_gflops);
  cJSON_AddNumberToObject(ce, "read_gbs", ceil.read_gbs);
  cJSON_AddItemToObject(r, "run", lx_bench_run_info(threads));
  *report = r;
  return LX_OK;
}

static int cmp_part_ms(const void *a, const void *b) {
  double x = lx_json_number(*(const cJSON *const *)a, "ms_per_step");
  double y = lx_json_number(*(const cJSON *const *)b, "ms_per_step");
  return (x < y) - (x > y);
}

/* The parts table, largest first; `total_ms` is what the shares are of; `per` names the unit
 * ("step", "image"). */
static void print_parts(FILE *out, const cJSON *parts, double total_ms, const char *per) {
  fprintf(out,
          "| part | ms/%s | share | of which hand-offs | calls/%s |\n|---|---:|---:|---:|---:|\n",
          per, per);
  int n = cJSON_GetArraySize(parts), i = 0;
  const cJSON **sorted = lx_xcalloc((size_t)(n ? n : 1), sizeof *sorted);
  const cJSON *q;
  cJSON_ArrayForEach(q, parts) sorted[i++] = q;
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_part_ms);
  for (i = 0; i < n; i++) {
    const double ms = lx_json_number(sorted[i], "ms_per_step");
    fprintf(out, "| %s | %.2f | %.1f%% | %.2f | %g |\n", lx_json_string(sorted[i], "part"), ms,
            100 * ms / total_ms, lx_json_number(sorted[i], "handoff_ms_per_step"),
            lx_json_number(sorted[i], "calls_per_step"));
  }
  free(sorted);
}

/* One batch's decode profile: parts by time, the sum, and the layers' spread. */
static void print_profile(FILE *out, const cJSON *p) {
  const double step = lx_json_number(p, "profiled_ms_per_step");
  fprintf(out,
          "\ndecode profile, batch %g: %.2f ms per profiled step (unprofiled median %.2f ms; the "
          "parts sum to %.1f%% of it)\n\n",
          lx_json_number(p, "batch"), step, lx_json_number(p, "unprofiled_median_ms_per_step"),
          lx_json_number(p, "parts_pct_of_unprofiled_step"));
  print_parts(out, cJSON_GetObjectItemCaseSensitive(p, "parts"), step, "step");
  const double sampling = lx_json_number(p, "sampling_ms_per_step");
  const double between = lx_json_number(p, "between_kernels_ms_per_step");
  fprintf(out, "| sampling (greedy choice over the logits) | %.2f | %.1f%% | | |\n", sampling,
          100 * sampling / step);
  fprintf(
      out,
      "| between kernels (KV cache copies, bookkeeping, profiler clocks) | %.2f | %.1f%% | | |\n",
      between, 100 * between / step);
  fprintf(out, "| **sum** | %.2f | 100%% | %.2f | |\n", step,
          lx_json_number(p, "handoff_ms_per_step"));
  const cJSON *layers = cJSON_GetObjectItemCaseSensitive(p, "layer_ms_per_step");
  const int L = cJSON_GetArraySize(layers);
  if (L > 0) {
    double *v = lx_xcalloc((size_t)L, sizeof *v);
    int lo = 0, hi = 0;
    for (int l = 0; l < L; l++) {
      v[l] = cJSON_GetArrayItem(layers, l)->valuedouble;
      if (v[l] < v[lo]) lo = l;
      if (v[l] > v[hi]) hi = l;
    }
    fprintf(out,
            "\n%d LLM layers: %.2f ms median per layer, fastest %.2f (layer %d), slowest %.2f "
            "(layer %d); after the layers (norm, lm_head) %.2f ms\n",
            L, median(v, L), v[lo], lo, v[hi], hi, lx_json_number(p, "head_ms_per_step"));
    free(v);
  }
}

void lx_bench_print_model(FILE *out, const cJSON *r) {
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(r, "run");
  const cJSON *ce = cJSON_GetObjectItemCaseSensitive(r, "ceilings");
  fprintf(out, "%s (%s), %s products, %.2f GB of weights; %s, %g threads, %s kernels\n",
          lx_json_string(r, "model"), lx_json_string(r, "variant"), lx_json_string(r, "precision"),
          lx_json_number(r, "weight_bytes") / 1e9, lx_json_string(run, "cpu"),
          lx_json_number(run, "threads"), lx_json_string(run, "kernels"));
  const cJSON *products = cJSON_GetObjectItemCaseSensitive(run, "products");
  const cJSON *paths = cJSON_GetObjectItemCaseSensitive(products, lx_json_string(r, "precision"));
  if (paths)
    fprintf(out, "products: decode %s, prompt %s (%s; docs/performance.md)\n",
            lx_json_string(paths, "decode"), lx_json_string(paths, "prompt"),
            lx_json_string(products, "source"));
  fprintf(out, "ceilings: f32 FMA %.0f GFLOP/s, bf16 dot %.0f GFLOP/s",
          lx_json_number(ce, "f32_gflops"), lx_json_number(ce, "bf16_gflops"));
  if (lx_json_number(ce, "amx_gflops") > 0)
    fprintf(out, ", AMX bf16 %.0f GFLOP/s", lx_json_number(ce, "amx_gflops"));
  fprintf(out, ", read %.1f GB/s\n\n", lx_json_number(ce, "read_gbs"));
  fprintf(out, "| stage | measured | floor | %% of floor |\n|---|---:|---:|---:|\n");
  const cJSON *st;
  cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(r, "encode_stages")) {
    const char *k = lx_json_string(st, "key");
    char key[96];
    snprintf(key, sizeof key, "%s_ms_per_image", k);
    const double ms = lx_json_number(r, key);
    snprintf(key, sizeof key, "%s_floor_ms_per_image", k);
    if (!cJSON_GetObjectItemCaseSensitive(r, key)) {
      fprintf(out, "| %s, one image | %.1f ms | | |\n", lx_json_string(st, "label"), ms);
      continue;
    }
    const double floor_ms = lx_json_number(r, key);
    snprintf(key, sizeof key, "%s_gflops", k);
    const double gflops = lx_json_number(r, key);
    snprintf(key, sizeof key, "%s_peak", k);
    const char *peak = lx_json_string(r, key);
    snprintf(key, sizeof key, "%s_pct_of_peak", k);
    fprintf(out, "| %s, one image | %.1f ms (%.0f GFLOP/s) | %.1f ms (%s) | %.1f%% |\n",
            lx_json_string(st, "label"), ms, gflops, floor_ms, peak, lx_json_number(r, key));
  }
  if (isfinite(lx_json_number(r, "prefill_ms")))
    fprintf(out,
            "| prefill, %g positions | %.1f ms (%.1f tokens/s, %.0f GFLOP/s) | %.1f ms (%s) | "
            "%.1f%% |\n",
            lx_json_number(r, "prefill_positions"), lx_json_number(r, "prefill_ms"),
            lx_json_number(r, "prefill_tokens_per_s"), lx_json_number(r, "prefill_gflops"),
            lx_json_number(r, "prefill_floor_ms"), lx_json_string(r, "prefill_peak"),
            lx_json_number(r, "prefill_pct_of_peak"));
  if (isfinite(lx_json_number(r, "time_to_first_token_ms")))
    fprintf(out, "| time to first token | %.1f ms | | |\n",
            lx_json_number(r, "time_to_first_token_ms"));
  const cJSON *d;
  cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(r, "decode")) fprintf(
      out, "| decode, batch %g | %.2f ms/step (%.2f tokens/s) | %.2f ms (%.1f GB/s) | %.1f%% |\n",
      lx_json_number(d, "batch"), lx_json_number(d, "ms_per_step"),
      lx_json_number(d, "tokens_per_s"), lx_json_number(d, "floor_ms_per_step"),
      lx_json_number(d, "read_gbs_window"), lx_json_number(d, "pct_of_floor"));
  if (strcmp(lx_json_string(r, "prefill_peak"), lx_json_string(r, "vector_peak")) != 0 &&
      isfinite(lx_json_number(r, "prefill_ms"))) {
    /* the floors are at AMX's peak; the faster vector unit is the yardstick elsewhere */
    fprintf(out, "\nagainst the %s instead:", lx_json_string(r, "vector_peak"));
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(r, "encode_stages")) {
      char key[96];
      snprintf(key, sizeof key, "%s_pct_of_vector_peak", lx_json_string(st, "key"));
      if (cJSON_GetObjectItemCaseSensitive(r, key))
        fprintf(out, " %s %.1f%%,", lx_json_string(st, "label"), lx_json_number(r, key));
    }
    fprintf(out, " prefill %.1f%%\n", lx_json_number(r, "prefill_pct_of_vector_peak"));
  }
  const cJSON *enc = cJSON_GetObjectItemCaseSensitive(r, "encode_profile");
  if (enc) {
    const double ms = lx_json_number(enc, "profiled_ms");
    const double between = lx_json_number(enc, "between_kernels_ms");
    fprintf(out, "\nimage encode profile: %.1f ms, one image run again with every kernel timed\n\n",
            ms);
    print_parts(out, cJSON_GetObjectItemCaseSensitive(enc, "parts"), ms, "image");
    fprintf(out, "| between kernels | %.2f | %.1f%% | | |\n", between, 100 * between / ms);
  }
  const cJSON *prof;
  cJSON_ArrayForEach(prof, cJSON_GetObjectItemCaseSensitive(r, "decode_profile"))
      print_profile(out, prof);
  fprintf(out, "\npeak resident memory %.2f GB; model ready in %.1f s\n",
          lx_json_number(r, "peak_rss_bytes") / 1e9, lx_json_number(r, "load_seconds"));
}
