#include "model/lynx.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "model/backend.h"

static int bind_all(lx_model *m, lx_error *err) {
  const lx_config *c = &m->cfg;
  lx_binder b = {m->weights, err, 0};
  lx_vit_bind(&m->vit, &c->vit, &b);
  m->frame_pos = NULL;
  if (c->frame_pos_embed) {
    int64_t shape[2] = {c->num_frames, c->vit.width};
    m->frame_pos = lx_bind_f32(&b, 2, shape, "frame_pos_embed");
  }
  lx_resampler_bind(&m->resampler, &c->resampler, c->vit.width, c->llm.hidden, &b);
  lx_llama_bind(&m->llm, &c->llm, c->llm.hidden, &b);
  if (b.failed) return LX_ERR;
  const char *unused = lx_weights_first_unused(m->weights);
  if (unused)
    return lx_errorf(err, "%s: tensor '%s' is not part of the model config.json describes",
                     lx_weights_path(m->weights), unused);
  return LX_OK;
}

int lx_tokenizer_load_for(const char *dir, const lx_config *cfg, lx_tokenizer **out,
                          lx_error *err) {
  *out = NULL;
  char *path = lx_path_join(dir, "tokenizer.model");
  if (access(path, F_OK) != 0) {
    char *json = lx_path_join(dir, "tokenizer.json");
    if (access(json, F_OK) == 0) {
      free(path);
      path = json;
    } else {
      free(json);
    }
  }
  lx_tokenizer *t;
  int rc = lx_tokenizer_load(path, &t, err);
  if (rc == LX_OK) {
    const lx_llm_config *l = &cfg->llm;
    rc = lx_tokenizer_add_lynx_specials(t, l->bos_id, l->eos_id, l->unk_id, l->pad_id, err);
    if (rc == LX_OK && lx_tokenizer_size(t) != l->vocab_size)
      rc = lx_errorf(err, "%s: %d ids with [PAD], but config.json says the vocabulary is %d", path,
                     lx_tokenizer_size(t), l->vocab_size);
    if (rc == LX_OK)
      *out = t;
    else
      lx_tokenizer_free(t);
  }
  free(path);
  return rc;
}

int lx_model_load(const char *dir, lx_model **out, lx_error *err) {
  *out = NULL;
  lx_model *m = lx_xcalloc(1, sizeof *m);
  m->dir = lx_xstrdup(dir);
  char *w_path = lx_path_join(dir, "model.safetensors");
  int rc = lx_config_load_dir(dir, &m->cfg, err);
  if (rc == LX_OK) rc = lx_weights_open(w_path, &m->weights, err);
  if (rc == LX_OK) rc = bind_all(m, err);
  if (rc == LX_OK) rc = lx_tokenizer_load_for(dir, &m->cfg, &m->tokenizer, err);
  free(w_path);
  if (rc != LX_OK) {
    lx_model_free(m);
    return rc;
  }
  *out = m;
  return LX_OK;
}

int lx_model_synthetic(const lx_config *cfg, lx_dtype dtype, unsigned long long seed,
                       lx_model **out, lx_error *err) {
  *out = NULL;
  lx_model *m = lx_xcalloc(1, sizeof *m);
  m->dir = lx_xstrdup("(synthetic)");
  m->cfg = *cfg;
  m->weights = lx_weights_synthetic(dtype, seed);
  if (bind_all(m, err) != LX_OK) {
    lx_model_free(m);
    return LX_ERR;
  }
  *out = m;
  return LX_OK;
}

void lx_model_free(lx_model *m) {
  if (!m) return;
  lx_vit_free(&m->vit);
  lx_resampler_free(&m->resampler);
  lx_llama_free(&m->llm);
  lx_weights_close(m->weights);
  lx_tokenizer_free(m->tokenizer);
  free(m->dir);
  free(m);
}

int lx_model_encode(const lx_model *m, const float *pixels, int n_frames, float *vit_out,
                    float *media, lx_error *err) {
  const lx_config *c = &m->cfg;
  if (n_frames != 1 && n_frames != c->num_frames)
    return lx_errorf(err, "%d frames given: the model takes 1 (an image) or %d (a video)", n_frames,
                     c->num_frames);
  const int S = c->vit.image_size, T = c->vit.n_tokens, Wv = c->vit.width;
  const size_t frame_px = (size_t)3 * S * S, frame_tok = (size_t)T * Wv;
  float *tokens = lx_xcalloc((size_t)n_frames * frame_tok, sizeof(float)); /* [F*T, Wv] */
  for (int f = 0; f < n_frames; f++) {
    float *x = tokens + (size_t)f * frame_tok;
    lx_vit_forward(&m->vit, pixels + (size_t)f * frame_px, x);
    if (vit_out) memcpy(vit_out + (size_t)f * frame_tok, x, frame_tok * sizeof(float));
    /* Video: the same learned vector is added to all T tokens of frame f, CLS included. */
    if (n_frames > 1 && m->frame_pos)
      for (int t = 0; t < T; t++) lx_add(x + (size_t)t * Wv, m->frame_pos + (size_t)f * Wv, Wv);
  }
  lx_resampler_forward(&m->resampler, tokens, n_frames * T, media);
  free(tokens);
  return LX_OK;
}

struct lx_session {
  const lx_model *model;
  int rows;
  lx_kv_cache cache;
  lx_llama_scratch scratch;
  lx_scratch x; /* input embeddings [tokens, D] */
  int *row_ids; /* [rows]: 0..rows-1 */
  int *n_new;   /* [rows] */
};

int lx_session_new(const lx_model *m, int rows, int capacity, lx_session **out, lx_error *err) {
  *out = NULL;
  lx_session *s = lx_xcalloc(1, sizeof *s);
  s->model = m;
  s->rows = rows;
  if (lx_kv_cache_init(&s->cache, &m->llm, rows, capacity, m->cfg.resampler.n_latents, err)) {
    free(s);
    return LX_ERR;
  }
  s->row_ids = lx_xcalloc((size_t)rows, sizeof(int));
  s->n_new = lx_xcalloc((size_t)rows, sizeof(int));
  for (int r = 0; r < rows; r++) s->row_ids[r] = r;
  *out = s;
  return LX_OK;
}

void lx_session_free(lx_session *s) {
  if (!s) return;
  lx_kv_cache_free(&s->cache);
  lx_llama_scratch_free(&s->scratch);
  lx_scratch_free(&s->x);
  free(s->row_ids);
  free(s->n_new);
  free(s);
}

int lx_session_length(const lx_session *s, int row) {
  return s->cache.len[row];
}

static int check_ids(const lx_model *m, const int *ids, int n, int row, lx_error *err) {
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= m->cfg.llm.vocab_size)
      return lx_errorf(err, "row %d: token id %d at index %d is outside the vocabulary (0..%d)",
                       row, ids[i], i, m->cfg.llm.vocab_size - 1);
  return LX_OK;
}

int lx_session_prefill_rows(lx_session *s, const int *rows, int n, const lx_prompt *prompts,
                            float *logits, lx_error *err) {
  const lx_model *m = s->model;
  const int D = m->cfg.llm.hidden, L = m->cfg.resampler.n_latents;
  const bool prefix = m->cfg.variant == LX_VARIANT_PREFIX;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const lx_prompt *p = &prompts[i];
    const int r = rows[i];
    if (r < 0 || r >= s->rows) return lx_errorf(err, "row %d is outside the session", r);
    if (s->cache.len[r] != 0) return lx_errorf(err, "row %d: already prefilled", r);
    if (p->n_ids < 0) return lx_errorf(err, "row %d: negative token count", r);
    int len = p->n_ids + (prefix && p->media ? L : 0);
    if (len == 0) return lx_errorf(err, "row %d: empty prompt (no media and no tokens)", r);
    if (p->n_ids == 0 && !prefix)
      return lx_errorf(err, "row %d: the cross-attention variant needs at least one token", r);
    if (len > s->cache.capacity)
      return lx_errorf(err, "row %d: prompt of %d positions exceeds the session capacity %d", r,
                       len, s->cache.capacity);
    if (check_ids(m, p->ids, p->n_ids, r, err)) return LX_ERR;
    s->n_new[i] = len;
    total += (size_t)len;
  }
  float *x = lx_scratch_get(&s->x, total * (size_t)D);
  float *dst = x;
  for (int i = 0; i < n; i++) {
    const lx_prompt *p = &prompts[i];
    if (prefix && p->media) {
      memcpy(dst, p->media, (size_t)L * D * sizeof(float));
      dst += (size_t)L * D;
    }
    lx_embedding(dst, &m->llm.embed, p->ids, p->n_ids);
    dst += (size_t)p->n_ids * D;
    if (!prefix && p->media) lx_llama_set_media(&m->llm, &s->cache, rows[i], p->media);
  }
  lx_llama_forward(&m->llm, &s->cache, n, rows, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}

int lx_session_prefill(lx_session *s, const lx_prompt *prompts, float *logits, lx_error *err) {
  return lx_session_prefill_rows(s, s->row_ids, s->rows, prompts, logits, err);
}

void lx_session_reorder(lx_session *s, const int *src) {
  lx_kv_cache_reorder(&s->cache, src);
}

int lx_session_step(lx_session *s, const int *ids, float *logits, lx_error *err) {
  const lx_model *m = s->model;
  for (int r = 0; r < s->rows; r++) {
    if (s->cache.len[r] == 0) return lx_errorf(err, "row %d: step before prefill", r);
    if (s->cache.len[r] + 1 > s->cache.capacity)
      return lx_errorf(err, "row %d: sequence would exceed the session capacity %d", r,
                       s->cache.capacity);
    if (check_ids(m, &ids[r], 1, r, err)) return LX_ERR;
    s->n_new[r] = 1;
  }
  float *x = lx_scratch_get(&s->x, (size_t)s->rows * m->cfg.llm.hidden);
  lx_embedding(x, &m->llm.embed, ids, s->rows);
  lx_llama_forward(&m->llm, &s->cache, s->rows, s->row_ids, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}
