#include "model/toy/toy.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "model/backend.h"
#include "model/config_keys.h"
#include "model/decoder_session.h"
#include "model/llama.h"

typedef struct toy {
  int image_size, patch_size, grid; /* S, P, G = S / P */
  int num_frames;
  int media_after; /* the prompt's media go after this many of its ids */
  lx_llm_config llm_cfg;
  lx_tensor proj;         /* [D, 3*P*P] */
  const float *proj_bias; /* [D] */
  lx_llama llm;
  lx_backend *backend; /* borrowed; set by binding */
  lx_scratch *patches; /* encode's [G*G, 3*P*P], kept between calls */
} toy;

static int toy_open(const cJSON *root, const char *file, const lx_model_config *common, void **out,
                    lx_model_info *info, lx_error *err) {
  *out = NULL;
  toy *t = lx_xcalloc(1, sizeof *t);
  lx_json_at at = {file, ""}, pat = {file, "projector"};
  const cJSON *o;
  int rc = lx_json_req_object(root, at, "projector", &o, err);
  long p = 0;
  if (rc == LX_OK) rc = lx_json_req_int(o, pat, "patch_size", 1, 1 << 10, &p, err);
  t->patch_size = (int)p;
  if (rc == LX_OK) rc = lx_json_opt_int(o, pat, "media_after_tokens", 0, 1 << 20, 0, &p, err);
  t->media_after = (int)p;
  t->image_size = common->preprocess.image_size;
  t->num_frames = common->preprocess.num_frames;
  if (rc == LX_OK && t->image_size % t->patch_size != 0)
    rc = lx_errorf(err, "%s: preprocess.image_size %d is not a multiple of projector.patch_size %d",
                   file, t->image_size, t->patch_size);
  if (rc == LX_OK) rc = lx_json_req_object(root, at, "llm", &o, err);
  if (rc == LX_OK) rc = lx_llm_config_read(o, file, false, &t->llm_cfg, err);
  if (rc != LX_OK) {
    free(t);
    return LX_ERR;
  }
  t->grid = t->image_size / t->patch_size;
  t->patches = lx_xcalloc(1, sizeof *t->patches);
  const lx_llm_config *l = &t->llm_cfg;
  *info = (lx_model_info){
      .variant = "",
      .vocab_size = l->vocab_size,
      .bos_id = l->bos_id,
      .eos_id = l->eos_id,
      .pad_id = l->pad_id,
      .max_positions = l->max_positions,
      .media_rows = t->grid * t->grid,
      .media_width = l->hidden,
      .media_positions = t->grid * t->grid,
  };
  *out = t;
  return LX_OK;
}

static int toy_bind(void *p, lx_weights *w, lx_backend *be, lx_model_info *info, lx_error *err) {
  toy *t = p;
  t->backend = be;
  const int D = t->llm_cfg.hidden, K = 3 * t->patch_size * t->patch_size;
  lx_binder b = {w, err, 0};
  t->proj = lx_bind_matrix(&b, D, K, "projector.weight");
  t->proj_bias = lx_bind_vector(&b, D, "projector.bias");
  lx_llama_bind(&t->llm, &t->llm_cfg, D, &b);
  if (b.failed) return LX_ERR;
  lx_family_llama_costs(w, info);
  return LX_OK;
}

static void toy_close(void *p) {
  toy *t = p;
  if (!t) return;
  lx_llama_free(&t->llm);
  if (t->patches) lx_scratch_free(t->patches);
  free(t->patches);
  free(t);
}

static int toy_tokenizer(void *p, const char *dir, lx_tokenizer **out, lx_error *err) {
  return lx_family_llama_tokenizer(dir, &((const toy *)p)->llm_cfg, out, err);
}

static int toy_encode(const void *p, const float *pixels, int n_frames, const char *instruction,
                      float *media, lx_encode_profile *profile, lx_error *err) {
  (void)instruction; /* the media do not depend on the prompt */
  const toy *t = p;
  if (n_frames != 1 && n_frames != t->num_frames)
    return lx_errorf(err, "%d frames given: the model takes 1 (an image) or %d (a video)", n_frames,
                     t->num_frames);
  const double t0 = profile ? lx_seconds() : 0;
  const int S = t->image_size, P = t->patch_size, G = t->grid, K = 3 * P * P;
  const size_t plane = (size_t)S * S;
  float *patches = lx_scratch_get(t->patches, (size_t)G * G * K); /* [G*G, 3*P*P] */
  memset(patches, 0, (size_t)G * G * K * sizeof(float));
  for (int f = 0; f < n_frames; f++)
    for (int gy = 0; gy < G; gy++)
      for (int gx = 0; gx < G; gx++) {
        float *row = patches + ((size_t)gy * G + gx) * K;
        for (int c = 0; c < 3; c++)
          for (int y = 0; y < P; y++)
            for (int x = 0; x < P; x++)
              row[(c * P + y) * P + x] += pixels[(size_t)f * 3 * plane + c * plane +
                                                 (size_t)(gy * P + y) * S + (gx * P + x)] /
                                          (float)n_frames;
      }
  lx_linear(t->backend, media, patches, G * G, &t->proj, t->proj_bias, false);
  if (profile) {
    profile->n = 1;
    profile->stage[0] = (lx_encode_stage){"projector", "projector", lx_seconds() - t0,
                                          2.0 * G * G * K * t->llm_cfg.hidden};
  }
  return LX_OK;
}

/* [the first media_after ids] [media] [the rest]: media inside the prompt, as LLaVA's image sits
 * after its system text. */
static lx_prompt toy_prompt(const void *p, const float *media, int media_rows, const int *ids,
                            int n_ids) {
  const toy *t = p;
  const int before = media && t->media_after < n_ids ? t->media_after : media ? n_ids : 0;
  lx_prompt pr = {0};
  if (before > 0) lx_prompt_add_ids(&pr, ids, before);
  if (media) lx_prompt_add_media(&pr, media, media_rows);
  lx_prompt_add_ids(&pr, ids + before, n_ids - before);
  return pr;
}

static int session_new(const void *p, int rows, int capacity, void **out, lx_error *err) {
  const toy *t = p;
  const lx_decoder_spec spec = {t->backend, &t->llm, t->grid * t->grid, true};
  return lx_decoder_session_new(&spec, rows, capacity, out, err);
}

static void describe(const void *p, lx_strbuf *out) {
  const toy *t = p;
  const lx_llm_config *l = &t->llm_cfg;
  lx_strbuf_printf(out, "projector:  %d px, patch %d: %d positions of width %d\n", t->image_size,
                   t->patch_size, t->grid * t->grid, l->hidden);
  lx_strbuf_printf(
      out, "llm:        LLaMA, vocabulary %d, width %d, %d layers, %d heads of %d, MLP %d\n",
      l->vocab_size, l->hidden, l->layers, l->heads, l->head_dim, l->intermediate);
}

static const lx_weight_part parts[] = {{"projector", "projector."}, {"llm", "llm."}, {NULL, NULL}};

const lx_family lx_family_toy = {
    .name = "toy",
    .summary = "toy: linear patch projector -> LLaMA (a test of the family interface)",
    .open = toy_open,
    .bind = toy_bind,
    .close = toy_close,
    .load_tokenizer = toy_tokenizer,
    .prompt = toy_prompt,
    .encode = toy_encode,
    .session_new = session_new,
    LX_DECODER_SESSION_ENTRIES,
    .describe = describe,
    .parts = parts,
    .shapes = NULL,
};
