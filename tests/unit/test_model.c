/* The whole model against the independent PyTorch reference (tests/reference/).
 *
 * Needs two directories, given by the environment (ctest sets them):
 *   LX_GOLDEN_DIR  tests/reference/golden: manifest.json, inputs and golden outputs
 *   LX_MODELS_DIR  the fake release converted by tools/convert_lynx.py into model directories
 *                  pt (f32, .bin shards), pt-st (f32, .safetensors shards), pt-bf16, ca, ca-gate0,
 *                  pt-override (a Lynx checkpoint carrying ViT and LLM tensors)
 * Every comparison is the relative L2 error ||c - ref|| / ||ref||, printed as it is checked.
 */
#include <cJSON.h>
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/unicode.h"
#include "model/backend.h"
#include "model/generate.h"
#include "model/lynx/lynx.h"
#include "model/model.h"
#include "testutil.h"

/* The CPU backend every test here runs on (created in main; the suite does not fork). */
static lx_backend *be;

#define TOL_F32  1e-5 /* f32 weights (acceptance) */
#define TOL_BF16 2e-2 /* bf16 weights against the f32 reference (acceptance) */

static const char *golden_dir, *models_dir;
static cJSON *manifest;

static char *path2(const char *dir, const char *name) {
  return lx_path_join(dir, name);
}

static float *read_f32(const char *dir, const char *name, size_t *n) {
  char *p = path2(dir, name);
  float *x;
  size_t count;
  lx_error err;
  ck_assert_msg(lx_read_f32_file(p, (size_t)1 << 28, &x, &count, &err) == LX_OK, "%s", err.msg);
  free(p);
  if (n) *n = count;
  return x;
}

static lx_model *load(const char *name) {
  char *dir = path2(models_dir, name);
  lx_model *m;
  lx_error err;
  ck_assert_msg(lx_model_load(dir, be, &m, &err) == LX_OK, "%s", err.msg);
  free(dir);
  return m;
}

/* Encodes a pixels file: media [L, D] (and optionally the ViT output). */
static float *encode(const lx_model *m, const char *pixels_name, float **vit_out) {
  size_t n;
  float *px = read_f32(golden_dir, pixels_name, &n);
  const lx_lynx *net = lx_lynx_of(m);
  ck_assert_ptr_nonnull(net);
  const lx_lynx_config *c = &net->cfg;
  int frames = (int)(n / ((size_t)3 * c->vit.image_size * c->vit.image_size));
  float *media = calloc(lx_model_media_floats(m, 1), sizeof(float));
  if (vit_out) *vit_out = calloc((size_t)frames * c->vit.n_tokens * c->vit.width, sizeof(float));
  lx_error err;
  ck_assert_msg(
      lx_lynx_encode(net, px, frames, vit_out ? *vit_out : NULL, media, NULL, &err) == LX_OK, "%s",
      err.msg);
  free(px);
  return media;
}

static int *ids_of(const cJSON *tokens, int *n) {
  *n = cJSON_GetArraySize(tokens);
  int *ids = malloc(sizeof(int) * (size_t)(*n ? *n : 1));
  for (int i = 0; i < *n; i++) ids[i] = cJSON_GetArrayItem(tokens, i)->valueint;
  return ids;
}

/* Logits of the case's rows on model m: [rows, V]; rows computed as one batch, or one at a time. */
static float *case_logits(const lx_model *m, const cJSON *rows, bool one_at_a_time) {
  const int R = cJSON_GetArraySize(rows), V = m->info.vocab_size;
  lx_prompt *p = calloc((size_t)R, sizeof *p);
  float **media_of = calloc((size_t)R, sizeof *media_of);
  int **ids_of_row = calloc((size_t)R, sizeof *ids_of_row);
  int capacity = 0;
  for (int r = 0; r < R; r++) {
    const cJSON *row = cJSON_GetArrayItem(rows, r);
    const cJSON *media = cJSON_GetObjectItem(row, "media");
    int n;
    media_of[r] = cJSON_IsString(media) ? encode(m, media->valuestring, NULL) : NULL;
    ids_of_row[r] = ids_of(cJSON_GetObjectItem(row, "tokens"), &n);
    p[r] = lx_model_prompt(m, media_of[r], m->info.media_rows, ids_of_row[r], n);
    int need = lx_model_prompt_positions(m, &p[r]);
    if (need > capacity) capacity = need;
  }
  float *logits = calloc((size_t)R * V, sizeof(float));
  lx_error err;
  for (int r0 = 0; r0 < R; r0 += one_at_a_time ? 1 : R) {
    int n = one_at_a_time ? 1 : R;
    lx_session *s;
    ck_assert_msg(lx_session_new(m, n, capacity, &s, &err) == LX_OK, "%s", err.msg);
    ck_assert_msg(lx_session_prefill(s, p + r0, logits + (size_t)r0 * V, &err) == LX_OK, "%s",
                  err.msg);
    lx_session_free(s);
  }
  for (int r = 0; r < R; r++) free(media_of[r]), free(ids_of_row[r]);
  free(p), free(media_of), free(ids_of_row);
  return logits;
}

static void expect_close(const char *what, const float *got, const float *ref, size_t n,
                         double tol) {
  double e = tu_rel_err(got, ref, n);
  printf("  %-58s relative error %.3g (limit %.0e)\n", what, e, tol);
  ck_assert_msg(e <= tol, "%s: relative error %g exceeds %g", what, e, tol);
}

static const cJSON *find_case(const char *name) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(manifest, "cases")) {
    if (strcmp(cJSON_GetObjectItem(c, "name")->valuestring, name) == 0) return c;
  }
  ck_abort_msg("golden case %s not in the manifest", name);
  return NULL;
}

/* Every golden case on the model the reference ran, batched and one row at a time; the f32 cases
 * also on the conversion from .safetensors shards and, looser, on the bf16 conversion. */
START_TEST(golden_cases) {
  const cJSON *c;
  int checked = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(manifest, "cases")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    const char *model = cJSON_GetObjectItem(c, "model")->valuestring;
    const char *kind = cJSON_GetObjectItem(c, "kind")->valuestring;
    size_t n;
    float *ref = read_f32(golden_dir, cJSON_GetObjectItem(c, "output")->valuestring, &n);
    /* the bf16 conversion twice: exact products, then bf16 products (LX_MATMUL_BF16) */
    const char *dirs[4] = {model, NULL, NULL, NULL};
    double tols[4] = {TOL_F32, TOL_F32, TOL_BF16, TOL_BF16};
    if (strcmp(model, "pt") == 0) dirs[1] = "pt-st", dirs[2] = "pt-bf16", dirs[3] = "pt-bf16";
    for (int d = 0; d < 4; d++) {
      if (!dirs[d]) continue;
      be->precision = d == 3 ? LX_MATMUL_BF16 : LX_MATMUL_F32;
      lx_model *m = load(dirs[d]);
      char what[160];
      if (strcmp(kind, "logits") == 0) {
        const cJSON *rows = cJSON_GetObjectItem(c, "rows");
        for (int single = 0; single < 2; single++) {
          float *got = case_logits(m, rows, single);
          snprintf(what, sizeof what, "%s on %s%s%s", name, dirs[d],
                   d == 3 ? ", bf16 products" : "", single ? " (one row at a time)" : "");
          expect_close(what, got, ref, n, tols[d]);
          free(got);
        }
      } else {
        float *vit = NULL;
        float *media = encode(m, cJSON_GetObjectItem(c, "media")->valuestring, &vit);
        snprintf(what, sizeof what, "%s on %s%s", name, dirs[d], d == 3 ? ", bf16 products" : "");
        expect_close(what, strcmp(kind, "vit") == 0 ? vit : media, ref, n, tols[d]);
        free(vit);
        free(media);
      }
      lx_model_free(m);
    }
    be->precision = LX_MATMUL_F32;
    free(ref);
    checked++;
  }
  ck_assert_int_ge(checked, 10);
}
END_TEST

/* Prefill, then one decode step through the KV cache, equals the reference's full forward of the
 * longer sequence. */
START_TEST(kv_cache_step_matches_full_forward) {
  const cJSON *c = find_case("logits_image_text_next");
  const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "rows"), 0);
  lx_model *m = load("pt");
  float *media = encode(m, cJSON_GetObjectItem(row, "media")->valuestring, NULL);
  int n;
  int *ids = ids_of(cJSON_GetObjectItem(row, "tokens"), &n);
  const int V = m->info.vocab_size;
  float *logits = calloc((size_t)V, sizeof(float));
  lx_session *s;
  lx_error err;
  ck_assert(lx_session_new(m, 1, 64, &s, &err) == LX_OK);
  lx_prompt p = lx_model_prompt(m, media, m->info.media_rows, ids, n - 1);
  ck_assert_msg(lx_session_prefill(s, &p, logits, &err) == LX_OK, "%s", err.msg);
  ck_assert_msg(lx_session_step(s, &ids[n - 1], logits, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(lx_session_length(s, 0), m->info.media_positions + n);
  size_t nref;
  float *ref = read_f32(golden_dir, "logits_image_text_next.f32", &nref);
  expect_close("prefill + 1 step vs reference full forward", logits, ref, nref, TOL_F32);
  lx_session_free(s);
  free(ref), free(logits), free(ids), free(media);
  lx_model_free(m);
}
END_TEST

/* A warm encode (image and video) and a warm decode step allocate nothing, in both variants:
 * their activations live in buffers kept between calls. */
START_TEST(warm_passes_allocate_nothing) {
  const cJSON *c = find_case("logits_image_text_next");
  const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "rows"), 0);
  const char *variants[2] = {"pt", "ca"};
  for (int k = 0; k < 2; k++) {
    lx_model *m = load(variants[k]);
    size_t n;
    float *px = read_f32(golden_dir, cJSON_GetObjectItem(row, "media")->valuestring, &n);
    const int S = m->cfg.preprocess.image_size, F = m->cfg.preprocess.num_frames;
    float *video = calloc((size_t)F * 3 * S * S, sizeof(float));
    for (int f = 0; f < F; f++) memcpy(video + (size_t)f * n, px, n * sizeof(float));
    float *media = calloc(lx_model_media_floats(m, 1), sizeof(float));
    lx_error err;
    ck_assert(lx_model_encode(m, video, F, NULL, media, &err) == LX_OK); /* warm-up: buffers grow */
    unsigned long long before = lx_allocations();
    ck_assert(lx_model_encode(m, px, 1, NULL, media, &err) == LX_OK);
    ck_assert(lx_model_encode(m, video, F, NULL, media, &err) == LX_OK);
    ck_assert_msg(lx_allocations() == before, "%s: a warm encode allocated %llu times", variants[k],
                  lx_allocations() - before);
    int ids[3] = {1, 5, 9}, next[2] = {7, 8};
    lx_prompt p[2] = {lx_model_prompt(m, media, m->info.media_rows, ids, 3),
                      lx_model_prompt(m, media, m->info.media_rows, ids, 2)};
    float *logits = calloc((size_t)2 * m->info.vocab_size, sizeof(float));
    lx_session *s;
    ck_assert(lx_session_new(m, 2, 64, &s, &err) == LX_OK);
    ck_assert(lx_session_prefill(s, p, logits, &err) == LX_OK);
    ck_assert(lx_session_step(s, next, logits, &err) == LX_OK); /* warm-up */
    before = lx_allocations();
    for (int i = 0; i < 4; i++) ck_assert(lx_session_step(s, next, logits, &err) == LX_OK);
    ck_assert_msg(lx_allocations() == before, "%s: warm decode steps allocated %llu times",
                  variants[k], lx_allocations() - before);
    lx_session_free(s);
    free(logits), free(media), free(video), free(px);
    lx_model_free(m);
  }
}
END_TEST

/* With both gates at 0, the CA model with an image equals the plain LLM (the prefix model with the
 * same LLM and adapter weights, text only). */
START_TEST(cross_attention_with_zero_gates_is_the_plain_llm) {
  const cJSON *c = find_case("logits_batch");
  lx_model *ca0 = load("ca-gate0"), *pt = load("pt");
  const cJSON *row;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(c, "rows")) {
    int n;
    int *ids = ids_of(cJSON_GetObjectItem(row, "tokens"), &n);
    float *media = encode(ca0, cJSON_GetObjectItem(row, "media")->valuestring, NULL);
    const int V = pt->info.vocab_size;
    float *a = calloc((size_t)V, sizeof(float)), *b = calloc((size_t)V, sizeof(float));
    lx_session *s1, *s2;
    lx_error err;
    lx_prompt with_media = lx_model_prompt(ca0, media, ca0->info.media_rows, ids, n);
    lx_prompt text_only = lx_model_prompt(pt, NULL, 0, ids, n);
    ck_assert(lx_session_new(ca0, 1, n, &s1, &err) == LX_OK);
    ck_assert(lx_session_new(pt, 1, n, &s2, &err) == LX_OK);
    ck_assert_msg(lx_session_prefill(s1, &with_media, a, &err) == LX_OK, "%s", err.msg);
    ck_assert_msg(lx_session_prefill(s2, &text_only, b, &err) == LX_OK, "%s", err.msg);
    expect_close("CA (gates 0, with media) vs plain LLM (text only)", a, b, (size_t)V, 1e-6);
    lx_session_free(s1);
    lx_session_free(s2);
    free(a), free(b), free(ids), free(media);
  }
  lx_model_free(ca0);
  lx_model_free(pt);
}
END_TEST

/* F32 weights are used in place: no tensor is copied, matrices point into the mapping. */
START_TEST(f32_model_is_not_copied) {
  lx_model *m = load("pt");
  ck_assert_uint_eq(lx_weights_copied_bytes(m->weights), 0);
  const void *base;
  size_t len;
  lx_weights_mapping(m->weights, &base, &len);
  const char *p = lx_lynx_of(m)->llm.lm_head.data;
  ck_assert(p >= (const char *)base && p < (const char *)base + len);
  lx_model_free(m);
  m = load("pt-bf16");
  lx_weights_mapping(m->weights, &base, &len);
  p = lx_lynx_of(m)->vit.blocks[0].fc1.data;
  ck_assert_int_eq(lx_lynx_of(m)->vit.blocks[0].fc1.dtype, LX_BF16);
  ck_assert(p >= (const char *)base && p < (const char *)base + len);
  lx_model_free(m);
}
END_TEST

START_TEST(bad_requests_are_refused) {
  lx_model *m = load("pt");
  lx_error err;
  lx_session *s;
  float *logits = calloc((size_t)m->info.vocab_size, sizeof(float));
  int bad[2] = {1, 321};
  ck_assert(lx_session_new(m, 1, 8, &s, &err) == LX_OK);
  lx_prompt p = lx_model_prompt(m, NULL, 0, bad, 2);
  ck_assert_int_eq(lx_session_prefill(s, &p, logits, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "token id 321") != NULL, "%s", err.msg);
  lx_prompt empty = lx_model_prompt(m, NULL, 0, bad, 0);
  ck_assert_int_eq(lx_session_prefill(s, &empty, logits, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "empty prompt") != NULL, "%s", err.msg);
  int many[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  lx_prompt longp = lx_model_prompt(m, NULL, 0, many, 9);
  ck_assert_int_eq(lx_session_prefill(s, &longp, logits, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "exceeds the session capacity") != NULL, "%s", err.msg);
  ck_assert_int_eq(lx_session_step(s, bad, logits, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "before prefill") != NULL, "%s", err.msg);
  lx_session_free(s);
  ck_assert_int_eq(lx_session_new(m, 1, 100000, &s, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "positions requested") != NULL, "%s", err.msg);
  float px[1] = {0};
  ck_assert_int_eq(lx_model_encode(m, px, 3, NULL, logits, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "3 frames") != NULL, "%s", err.msg);
  free(logits);
  lx_model_free(m);
  lx_model *none;
  ck_assert_int_eq(lx_model_load("/nonexistent-model-dir", be, &none, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "/nonexistent-model-dir/config.json") != NULL, "%s", err.msg);
}
END_TEST

/* A config that disagrees with the weights is refused, naming the tensor. */
START_TEST(config_weight_mismatch_is_refused) {
  char *dir = tu_tempdir();
  char *src_cfg = path2(models_dir, "pt/config.json");
  char *text;
  size_t len;
  lx_error err;
  ck_assert(lx_read_file(src_cfg, 1 << 20, &text, &len, &err) == LX_OK);
  char *at = strstr(text, "\"num_latents\": 8");
  ck_assert_ptr_nonnull(at);
  at[strlen("\"num_latents\": ")] = '9';
  free(tu_write(dir, "config.json", text, len));
  char *weights = path2(models_dir, "pt/model.safetensors");
  char *abs_weights = realpath(weights, NULL);
  char *link = path2(dir, "model.safetensors");
  ck_assert_int_eq(symlink(abs_weights, link), 0);
  lx_model *m;
  ck_assert_int_eq(lx_model_load(dir, be, &m, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "'resampler.latents' has shape [8,128], config.json says [9,128]"),
                "%s", err.msg);
  /* A ViT with one block fewer than the file leaves tensors unused: refused, named. */
  at[strlen("\"num_latents\": ")] = '8';
  char *depth = strstr(text, "\"depth\": 3");
  ck_assert_ptr_nonnull(depth);
  depth[strlen("\"depth\": ")] = '2';
  free(tu_write(dir, "config.json", text, len));
  ck_assert_int_eq(lx_model_load(dir, be, &m, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "'vit.blocks.2.") && strstr(err.msg, "not part of the model"), "%s",
                err.msg);
  unlink(link);
  tu_rmtree(dir);
  free(text), free(src_cfg), free(weights), free(abs_weights), free(link);
}
END_TEST

/* Every decoding case against the reference's decoder (tokens exactly, scores to 1e-4); batched
 * cases also one prompt at a time, which must not change anything. */
START_TEST(decoding_matches_reference) {
  const cJSON *c;
  int checked = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(manifest, "generation")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    lx_model *m = load(cJSON_GetObjectItem(c, "model")->valuestring);
    const cJSON *prm = cJSON_GetObjectItem(c, "params");
    lx_decode_params p = {0};
    lx_error err;
    ck_assert(lx_decode_strategy_parse(cJSON_GetObjectItem(prm, "strategy")->valuestring,
                                       &p.strategy) == LX_OK);
    p.num_beams = cJSON_GetObjectItem(prm, "num_beams")->valueint;
    p.max_new_tokens = cJSON_GetObjectItem(prm, "max_new_tokens")->valueint;
    p.min_length = cJSON_GetObjectItem(prm, "min_length")->valueint;
    p.no_repeat_ngram_size = cJSON_GetObjectItem(prm, "no_repeat_ngram_size")->valueint;
    p.top_k = cJSON_GetObjectItem(prm, "top_k")->valueint;
    p.top_p = cJSON_GetObjectItem(prm, "top_p")->valuedouble;
    p.temperature = cJSON_GetObjectItem(prm, "temperature")->valuedouble;
    p.length_penalty = cJSON_GetObjectItem(prm, "length_penalty")->valuedouble;
    p.early_stopping = cJSON_IsTrue(cJSON_GetObjectItem(prm, "early_stopping"));
    p.seed_bos = cJSON_IsTrue(cJSON_GetObjectItem(prm, "seed_bos"));
    const cJSON *rep = cJSON_GetObjectItem(prm, "repetition_penalty"),
                *seed_id = cJSON_GetObjectItem(prm, "seed_id");
    p.repetition_penalty = rep ? rep->valuedouble : 1.0;
    p.seed_id_set = cJSON_IsNumber(seed_id);
    p.seed_id = p.seed_id_set ? seed_id->valueint : 0;
    const cJSON *stops = cJSON_GetObjectItem(prm, "stop_ids"), *run;
    cJSON_ArrayForEach(run, stops) {
      int k;
      int *v = ids_of(run, &k);
      p.answer.stop_ids[p.answer.n_stop_ids].n = k;
      memcpy(p.answer.stop_ids[p.answer.n_stop_ids++].ids, v, (size_t)k * sizeof(int));
      free(v);
    }
    const cJSON *rows = cJSON_GetObjectItem(c, "rows");
    const int n = cJSON_GetArraySize(rows);
    lx_prompt *pr = calloc((size_t)n, sizeof *pr);
    float **media_of = calloc((size_t)n, sizeof *media_of);
    int **ids_of_row = calloc((size_t)n, sizeof *ids_of_row);
    uint64_t *seeds = calloc((size_t)n, sizeof *seeds);
    for (int r = 0; r < n; r++) {
      const cJSON *row = cJSON_GetArrayItem(rows, r);
      const cJSON *media = cJSON_GetObjectItem(row, "media");
      int n_ids;
      media_of[r] = cJSON_IsString(media) ? encode(m, media->valuestring, NULL) : NULL;
      ids_of_row[r] = ids_of(cJSON_GetObjectItem(row, "tokens"), &n_ids);
      pr[r] = lx_model_prompt(m, media_of[r], m->info.media_rows, ids_of_row[r], n_ids);
      seeds[r] = (uint64_t)cJSON_GetArrayItem(cJSON_GetObjectItem(c, "seeds"), r)->valuedouble;
    }
    for (int single = 0; single < (n > 1 ? 2 : 1); single++) {
      lx_generation *g = calloc((size_t)n, sizeof *g);
      for (int r0 = 0; r0 < n; r0 += single ? 1 : n)
        ck_assert_msg(
            lx_generate(m, pr + r0, single ? 1 : n, &p, seeds + r0, g + r0, &err) == LX_OK, "%s",
            err.msg);
      for (int r = 0; r < n; r++) {
        const cJSON *want = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "expected"), r);
        int wn;
        int *wt = ids_of(cJSON_GetObjectItem(want, "tokens"), &wn);
        int same = wn == g[r].tokens.len;
        for (int i = 0; same && i < wn; i++) same = wt[i] == g[r].tokens.v[i];
        double ws = cJSON_GetObjectItem(want, "score")->valuedouble;
        double rel = fabs(g[r].score - ws) / (fabs(ws) > 1 ? fabs(ws) : 1);
        printf("  %-22s row %d%s: %d tokens %s, score %.6g vs %.6g, %s\n", name, r,
               single ? " (alone)" : "", g[r].tokens.len, same ? "identical" : "DIFFER", g[r].score,
               ws, g[r].ended_with_eos ? "ended by </s>" : "hit the token limit");
        ck_assert_msg(same, "%s row %d: tokens differ from the reference", name, r);
        ck_assert_msg(rel < 1e-4, "%s row %d: score %g, reference %g", name, r, g[r].score, ws);
        ck_assert(g[r].ended_with_eos == cJSON_IsTrue(cJSON_GetObjectItem(want, "ended_with_eos")));
        free(wt);
        lx_generation_free(&g[r]);
      }
      free(g);
    }
    for (int r = 0; r < n; r++) free(media_of[r]), free(ids_of_row[r]);
    free(media_of), free(ids_of_row);
    free(pr);
    free(seeds);
    lx_model_free(m);
    checked++;
  }
  ck_assert_int_ge(checked, 10);
}
END_TEST

/* Greedy decoding with the [<s>] seed and nothing else switched on. */
static lx_decode_params greedy_params(int max_new_tokens) {
  return (lx_decode_params){.strategy = LX_DECODE_GREEDY,
                            .max_new_tokens = max_new_tokens,
                            .top_p = 1,
                            .temperature = 1,
                            .length_penalty = 1,
                            .seed_bos = true};
}

/* Stop strings (LLaVA v1's "###"): a row stops with the token that completes one, counted from
 * stop_from; the answer loses it off its end; a row beside it is unchanged. */
START_TEST(stop_strings_end_answers) {
  lx_model *m = load("pt");
  lx_error err;
  lx_decode_params p = greedy_params(12);
  const int a[] = {1, 17, 40, 5}, b[] = {1, 99, 7};
  lx_prompt pr[2] = {lx_model_prompt(m, NULL, 0, a, 4), lx_model_prompt(m, NULL, 0, b, 3)};
  lx_generation full[2] = {0}, g[2] = {0};
  ck_assert_msg(lx_generate(m, pr, 2, &p, NULL, full, &err) == LX_OK, "%s", err.msg);
  /* the stop string: the piece of a new token k (1-based) whose text first appears there */
  const lx_ints *t = &full[0].tokens;
  int k = 0;
  lx_strbuf piece = {0}, before = {0};
  for (int j = 2; j <= t->len && !k; j++) {
    lx_strbuf_clear(&piece);
    lx_strbuf_clear(&before);
    ck_assert(lx_tokenizer_decode(m->tokenizer, t->v + j - 1, 1, true, &piece, &err) == LX_OK);
    ck_assert(lx_tokenizer_decode(m->tokenizer, t->v, j - 1, true, &before, &err) == LX_OK);
    size_t s0 = 0;
    while (lx_strbuf_str(&piece)[s0] == ' ') s0++;
    if (piece.len - s0 >= 1 && piece.len - s0 < LX_STOP_STRING_BYTES &&
        !strstr(lx_strbuf_str(&before), lx_strbuf_str(&piece) + s0)) {
      k = j;
      snprintf(p.stop[0], sizeof p.stop[0], "%s", lx_strbuf_str(&piece) + s0);
    }
  }
  ck_assert_msg(k >= 2, "the answer (%d tokens) has no token to stop at", t->len);
  p.n_stop = 1;
  for (int from = 1; from <= 2; from++) {
    p.stop_from = k + from - 1; /* from 2: the check skips token k and stops at k + 1 */
    const int want = k + from - 1 <= t->len ? k + from - 1 : t->len;
    ck_assert_msg(lx_generate(m, pr, 2, &p, NULL, g, &err) == LX_OK, "%s", err.msg);
    ck_assert_int_eq(g[0].tokens.len, want);
    for (int i = 0; i < want; i++) ck_assert_int_eq(g[0].tokens.v[i], t->v[i]);
    ck_assert(!g[0].ended_with_eos);
    const char *text = lx_strbuf_str(&g[0].text);
    size_t n = strlen(text), sl = strlen(p.stop[0]);
    ck_assert_msg(n < sl || strcmp(text + n - sl, p.stop[0]) != 0, "'%s' still ends with '%s'",
                  text, p.stop[0]);
    if (!strstr(lx_strbuf_str(&full[1].text), p.stop[0])) {
      ck_assert_int_eq(g[1].tokens.len, full[1].tokens.len);
      ck_assert_str_eq(lx_strbuf_str(&g[1].text), lx_strbuf_str(&full[1].text));
    }
    for (int r = 0; r < 2; r++) lx_generation_free(&g[r]);
  }
  lx_strbuf_free(&piece);
  lx_strbuf_free(&before);
  for (int r = 0; r < 2; r++) lx_generation_free(&full[r]);
  lx_model_free(m);
}
END_TEST

/* Output id rewrites (InstructBLIP's 0 -> 2): the text is decoded from the rewritten ids, the
 * tokens stay as generated; rewriting a token to the end id drops its piece from the text. */
START_TEST(output_ids_rewritten_before_decoding) {
  lx_model *m = load("pt");
  lx_error err;
  lx_decode_params p = greedy_params(8);
  const int a[] = {1, 17, 40, 5};
  lx_prompt pr = lx_model_prompt(m, NULL, 0, a, 4);
  lx_generation full = {0}, g = {0};
  ck_assert_msg(lx_generate(m, &pr, 1, &p, NULL, &full, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_ge(full.tokens.len, 2);
  const int dropped = full.tokens.v[full.tokens.len - 1];
  p.n_replace = 1;
  p.replace[0][0] = dropped;
  p.replace[0][1] = m->info.eos_id;
  ck_assert_msg(lx_generate(m, &pr, 1, &p, NULL, &g, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(g.tokens.len, full.tokens.len);
  for (int i = 0; i < g.tokens.len; i++) ck_assert_int_eq(g.tokens.v[i], full.tokens.v[i]);
  lx_ints kept = {0};
  for (int i = 0; i < full.tokens.len; i++)
    if (full.tokens.v[i] != dropped) lx_ints_push(&kept, full.tokens.v[i]);
  lx_strbuf want = {0};
  ck_assert(lx_tokenizer_decode(m->tokenizer, kept.v, kept.len, true, &want, &err) == LX_OK);
  size_t b, e;
  lx_py_strip(lx_strbuf_str(&want), want.len, &b, &e);
  ck_assert_int_eq(strlen(lx_strbuf_str(&g.text)), e - b);
  ck_assert(memcmp(lx_strbuf_str(&g.text), lx_strbuf_str(&want) + b, e - b) == 0);
  ck_assert_str_ne(lx_strbuf_str(&g.text), lx_strbuf_str(&full.text));
  /* A seed id outside the vocabulary is refused. */
  p.seed_id_set = true;
  p.seed_id = m->info.vocab_size;
  lx_generation bad = {0};
  ck_assert_int_eq(lx_generate(m, &pr, 1, &p, NULL, &bad, &err), LX_ERR);
  ck_assert(strstr(err.msg, "outside the vocabulary") != NULL);
  lx_ints_free(&kept);
  lx_strbuf_free(&want);
  lx_generation_free(&full);
  lx_generation_free(&g);
  lx_model_free(m);
}
END_TEST

/* A chat model's answer rules: the seed kept or stripped, the text decoded with its special tokens,
 * split and taken as Python's str.split()[k] does. */
START_TEST(answer_rules_shape_the_text) {
  lx_model *m = load("pt");
  lx_error err;
  lx_decode_params p = greedy_params(8);
  const int a[] = {1, 17, 40, 5};
  lx_prompt pr = lx_model_prompt(m, NULL, 0, a, 4);
  lx_generation plain = {0};
  ck_assert_msg(lx_generate(m, &pr, 1, &p, NULL, &plain, &err) == LX_OK, "%s", err.msg);
  struct {
    bool strip_seed;
    int take;
    bool empty;
  } cases[] = {{false, 1, false}, {false, -1, false}, {true, 0, false}, {false, 5, true}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    lx_decode_params q = p;
    q.answer.keep_special = true;
    q.answer.n_strip_leading = cases[c].strip_seed ? 1 : 0;
    q.answer.strip_leading[0] = 1;
    q.answer.n_text_rules = 1;
    snprintf(q.answer.text_rules[0].split, sizeof q.answer.text_rules[0].split, "<s>");
    q.answer.text_rules[0].take = cases[c].take;
    lx_generation g = {0};
    ck_assert_msg(lx_generate(m, &pr, 1, &q, NULL, &g, &err) == LX_OK, "%s", err.msg);
    /* "<s>" + the answer, split at "<s>": part 1 (or -1) is the answer; with the seed stripped
     * there is no "<s>", so part 0 is; part 5 does not exist */
    ck_assert_str_eq(lx_strbuf_str(&g.text), cases[c].empty ? "" : lx_strbuf_str(&plain.text));
    ck_assert_int_eq(g.tokens.len, plain.tokens.len);
    lx_generation_free(&g);
  }
  lx_generation_free(&plain);
  lx_model_free(m);
}
END_TEST

int main(void) {
  be = lx_backend_cpu_new(0, LX_MATMUL_F32);
  golden_dir = getenv("LX_GOLDEN_DIR");
  models_dir = getenv("LX_MODELS_DIR");
  if (!golden_dir || !models_dir) {
    fprintf(stderr, "test_model: set LX_GOLDEN_DIR and LX_MODELS_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  manifest = tu_load_json(golden_dir, "manifest.json");
  if (!manifest) return EXIT_FAILURE;
  Suite *s = suite_create("model");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, golden_cases);
  tcase_add_test(tc, kv_cache_step_matches_full_forward);
  tcase_add_test(tc, decoding_matches_reference);
  tcase_add_test(tc, stop_strings_end_answers);
  tcase_add_test(tc, output_ids_rewritten_before_decoding);
  tcase_add_test(tc, answer_rules_shape_the_text);
  tcase_add_test(tc, cross_attention_with_zero_gates_is_the_plain_llm);
  tcase_add_test(tc, f32_model_is_not_copied);
  tcase_add_test(tc, warm_passes_allocate_nothing);
  tcase_add_test(tc, bad_requests_are_refused);
  tcase_add_test(tc, config_weight_mismatch_is_refused);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1); /* no fork: the printed errors stay in order */
  cJSON_Delete(manifest);
  return status;
}
