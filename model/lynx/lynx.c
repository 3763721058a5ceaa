#include "model/lynx/lynx.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fileio.h"
#include "model/backend.h"

/* ---- opening --------------------------------------------------------------------------------- */

static void bind_all(lx_lynx *net, lx_binder *b) {
  const lx_lynx_config *c = &net->cfg;
  lx_vit_bind(&net->vit, &c->vit, b);
  net->frame_pos = NULL;
  if (c->frame_pos_embed) {
    int64_t shape[2] = {c->num_frames, c->vit.width};
    net->frame_pos = lx_bind_f32(b, 2, shape, "frame_pos_embed");
  }
  lx_resampler_bind(&net->resampler, &c->resampler, c->vit.width, c->llm.hidden, b);
  lx_llama_bind(&net->llm, &c->llm, c->llm.hidden, b);
}

static void lynx_close(void *p) {
  lx_lynx *net = p;
  if (!net) return;
  lx_vit_free(&net->vit);
  lx_resampler_free(&net->resampler);
  lx_llama_free(&net->llm);
  free(net);
}

/* What a decode step reads (every LLM layer, the final norm and the output projection) and the
 * prefill's work per position (2 flops per matrix parameter of the LLM layers). */
static void costs(lx_weights *w, lx_model_info *info) {
  size_t params = 0;
  for (size_t i = 0; i < lx_weights_count(w); i++) {
    const lx_tensor *t = lx_weights_at(w, i);
    if (t->ndim == 2 && strncmp(t->name, "llm.layers.", 11) == 0) params += t->numel;
  }
  info->prefill_flops = 2.0 * (double)params;
  info->decode_read_bytes =
      (double)(lx_weights_bytes(w, "llm.layers.") + lx_weights_bytes(w, "llm.lm_head.") +
               lx_weights_bytes(w, "llm.norm."));
}

static int lynx_open(const cJSON *root, const char *file, const lx_model_config *common, void **out,
                     lx_model_info *info, lx_error *err) {
  *out = NULL;
  lx_lynx *net = lx_xcalloc(1, sizeof *net);
  if (lx_lynx_config_from_json(root, file, common, &net->cfg, err)) {
    free(net);
    return LX_ERR;
  }
  const lx_lynx_config *c = &net->cfg;
  const bool prefix = c->variant == LX_VARIANT_PREFIX;
  *info = (lx_model_info){
      .variant = lx_variant_name(c->variant),
      .vocab_size = c->llm.vocab_size,
      .bos_id = c->llm.bos_id,
      .eos_id = c->llm.eos_id,
      .pad_id = c->llm.pad_id,
      .max_positions = c->llm.max_positions,
      .media_rows = c->resampler.n_latents,
      .media_width = c->llm.hidden,
      .media_positions = prefix ? c->resampler.n_latents : 0,
  };
  *out = net;
  return LX_OK;
}

static int lynx_bind(void *p, lx_weights *w, lx_model_info *info, lx_error *err) {
  lx_lynx *net = p;
  lx_binder b = {w, err, 0};
  bind_all(net, &b);
  if (b.failed) return LX_ERR;
  costs(w, info);
  return LX_OK;
}

static int lynx_load_tokenizer(const void *p, const char *dir, lx_tokenizer **out, lx_error *err) {
  const lx_llm_config *l = &((const lx_lynx *)p)->cfg.llm;
  *out = NULL;
  char *path = lx_model_tokenizer_file(dir);
  lx_tokenizer *t;
  int rc = lx_tokenizer_load(path, &t, err);
  if (rc == LX_OK) {
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

/* ---- media ----------------------------------------------------------------------------------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ViT FLOPs for one frame: per block q, k, v, proj (8 T W^2), the MLP (4 T W mlp), attention
 * scores and mixing (4 T^2 W); plus the patch embedding. */
static double vit_flops(const lx_vit_config *v) {
  const double T = v->n_tokens, W = v->width;
  double block = 8 * T * W * W + 4 * T * W * v->mlp_dim + 4 * T * T * W;
  double patch = 2.0 * (T - 1) * 3 * v->patch_size * v->patch_size * W;
  return v->depth * block + patch;
}

int lx_lynx_encode(const lx_lynx *net, const float *pixels, int n_frames, float *vit_out,
                   float *media, lx_encode_profile *profile, lx_error *err) {
  const lx_lynx_config *c = &net->cfg;
  if (n_frames != 1 && n_frames != c->num_frames)
    return lx_errorf(err, "%d frames given: the model takes 1 (an image) or %d (a video)", n_frames,
                     c->num_frames);
  const int S = c->vit.image_size, T = c->vit.n_tokens, Wv = c->vit.width;
  const size_t frame_px = (size_t)3 * S * S, frame_tok = (size_t)T * Wv;
  float *tokens = lx_xcalloc((size_t)n_frames * frame_tok, sizeof(float)); /* [F*T, Wv] */
  double t0 = profile ? now_s() : 0;
  for (int f = 0; f < n_frames; f++) {
    float *x = tokens + (size_t)f * frame_tok;
    lx_vit_forward(&net->vit, pixels + (size_t)f * frame_px, x);
    if (vit_out) memcpy(vit_out + (size_t)f * frame_tok, x, frame_tok * sizeof(float));
    /* Video: the same learned vector is added to all T tokens of frame f, CLS included. */
    if (n_frames > 1 && net->frame_pos)
      for (int t = 0; t < T; t++) lx_add(x + (size_t)t * Wv, net->frame_pos + (size_t)f * Wv, Wv);
  }
  double t1 = profile ? now_s() : 0;
  lx_resampler_forward(&net->resampler, tokens, n_frames * T, media);
  if (profile) {
    double t2 = now_s();
    profile->n = 2;
    profile->stage[0] = (lx_encode_stage){"vit", "ViT", t1 - t0, n_frames * vit_flops(&c->vit)};
    profile->stage[1] = (lx_encode_stage){"resampler", "resampler", t2 - t1, 0};
  }
  free(tokens);
  return LX_OK;
}

static int lynx_encode(const void *net, const float *pixels, int n_frames, float *media,
                       lx_encode_profile *profile, lx_error *err) {
  return lx_lynx_encode(net, pixels, n_frames, NULL, media, profile, err);
}

/* ---- sessions -------------------------------------------------------------------------------- */

typedef struct lynx_session {
  const lx_lynx *net;
  int rows;
  lx_kv_cache cache;
  lx_llama_scratch scratch;
  lx_scratch x; /* input embeddings [tokens, D] */
  int *row_ids; /* [rows]: 0..rows-1 */
  int *n_new;   /* [rows] */
} lynx_session;

static int session_new(const void *net, int rows, int capacity, void **out, lx_error *err) {
  const lx_lynx *n = net;
  *out = NULL;
  lynx_session *s = lx_xcalloc(1, sizeof *s);
  s->net = n;
  s->rows = rows;
  if (lx_kv_cache_init(&s->cache, &n->llm, rows, capacity, n->cfg.resampler.n_latents, err)) {
    free(s);
    return LX_ERR;
  }
  s->row_ids = lx_xcalloc((size_t)rows, sizeof(int));
  s->n_new = lx_xcalloc((size_t)rows, sizeof(int));
  for (int r = 0; r < rows; r++) s->row_ids[r] = r;
  *out = s;
  return LX_OK;
}

static void session_free(void *p) {
  lynx_session *s = p;
  if (!s) return;
  lx_kv_cache_free(&s->cache);
  lx_llama_scratch_free(&s->scratch);
  lx_scratch_free(&s->x);
  free(s->row_ids);
  free(s->n_new);
  free(s);
}

static int session_length(const void *p, int row) {
  return ((const lynx_session *)p)->cache.len[row];
}

static int prefill_rows(void *p, const int *rows, int n, const lx_prompt *prompts, float *logits,
                        lx_error *err) {
  lynx_session *s = p;
  const lx_lynx *net = s->net;
  const int D = net->cfg.llm.hidden, L = net->cfg.resampler.n_latents;
  const bool prefix = net->cfg.variant == LX_VARIANT_PREFIX;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const lx_prompt *pr = &prompts[i];
    const int r = rows[i];
    if (s->cache.len[r] != 0) return lx_errorf(err, "row %d: already prefilled", r);
    int len = pr->n_ids + (prefix && pr->media ? L : 0);
    if (len == 0) return lx_errorf(err, "row %d: empty prompt (no media and no tokens)", r);
    if (pr->n_ids == 0 && !prefix)
      return lx_errorf(err, "row %d: the cross-attention variant needs at least one token", r);
    if (len > s->cache.capacity)
      return lx_errorf(err, "row %d: prompt of %d positions exceeds the session capacity %d", r,
                       len, s->cache.capacity);
    s->n_new[i] = len;
    total += (size_t)len;
  }
  float *x = lx_scratch_get(&s->x, total * (size_t)D);
  float *dst = x;
  for (int i = 0; i < n; i++) {
    const lx_prompt *pr = &prompts[i];
    if (prefix && pr->media) {
      memcpy(dst, pr->media, (size_t)L * D * sizeof(float));
      dst += (size_t)L * D;
    }
    lx_embedding(dst, &net->llm.embed, pr->ids, pr->n_ids);
    dst += (size_t)pr->n_ids * D;
    if (!prefix && pr->media) lx_llama_set_media(&net->llm, &s->cache, rows[i], pr->media);
  }
  lx_llama_forward(&net->llm, &s->cache, n, rows, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}

static void session_reorder(void *p, const int *src) {
  lx_kv_cache_reorder(&((lynx_session *)p)->cache, src);
}

static int session_step(void *p, const int *ids, float *logits, lx_error *err) {
  lynx_session *s = p;
  const lx_lynx *net = s->net;
  for (int r = 0; r < s->rows; r++) {
    if (s->cache.len[r] == 0) return lx_errorf(err, "row %d: step before prefill", r);
    if (s->cache.len[r] + 1 > s->cache.capacity)
      return lx_errorf(err, "row %d: sequence would exceed the session capacity %d", r,
                       s->cache.capacity);
    s->n_new[r] = 1;
  }
  float *x = lx_scratch_get(&s->x, (size_t)s->rows * net->cfg.llm.hidden);
  lx_embedding(x, &net->llm.embed, ids, s->rows);
  lx_llama_forward(&net->llm, &s->cache, s->rows, s->row_ids, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}

/* ---- the family ------------------------------------------------------------------------------ */

static void describe(const void *p, lx_strbuf *out) {
  const lx_lynx_config *c = &((const lx_lynx *)p)->cfg;
  lx_strbuf_printf(out, "variant:    %s\n", lx_variant_name(c->variant));
  lx_strbuf_printf(out,
                   "vision:     EVA ViT, %d px, patch %d, width %d, %d blocks, %d heads of %d, "
                   "MLP %d\n",
                   c->vit.image_size, c->vit.patch_size, c->vit.width, c->vit.depth, c->vit.heads,
                   c->vit.head_dim, c->vit.mlp_dim);
  lx_strbuf_printf(out, "resampler:  %d layers, %d latents, %d heads of %d, FF %d\n",
                   c->resampler.depth, c->resampler.n_latents, c->resampler.heads,
                   c->resampler.head_dim, c->resampler.ff_dim);
  lx_strbuf_printf(
      out, "llm:        LLaMA, vocabulary %d, width %d, %d layers, %d heads of %d, MLP %d\n",
      c->llm.vocab_size, c->llm.hidden, c->llm.layers, c->llm.heads, c->llm.head_dim,
      c->llm.intermediate);
  if (c->llm.adapter_every)
    lx_strbuf_printf(out, "adapters:   every %d layers, bottleneck %d\n", c->llm.adapter_every,
                     c->llm.adapter_dim);
  if (c->llm.xattn_every)
    lx_strbuf_printf(out, "cross-attn: before every %d layers, %d heads of %d, FF %d\n",
                     c->llm.xattn_every, c->llm.xattn_heads, c->llm.xattn_head_dim,
                     c->llm.xattn_ff_dim);
  lx_strbuf_printf(out, "video:      %d frames%s\n", c->num_frames,
                   c->frame_pos_embed ? ", learned frame embedding" : "");
}

static const lx_weight_part parts[] = {
    {"vision", "vit."}, {"resampler", "resampler."}, {"llm", "llm."}, {NULL, NULL}};

static const lx_model_shape shapes[] = {
    {"lynx-8b", "Lynx-8B (prefix): EVA ViT-g at 420 px, 32 latents, Vicuna-7B with adapters",
     lx_lynx_8b_config_json},
    {"lynx-8b-ca", "Lynx-8B with cross-attention blocks before every 4th layer",
     lx_lynx_8b_ca_config_json},
    {NULL, NULL, NULL}};

const lx_family lx_family_lynx = {
    .name = "lynx",
    .summary =
        "Lynx: EVA ViT -> Perceiver resampler -> LLaMA with adapters (prefix) or "
        "cross-attention",
    .open = lynx_open,
    .bind = lynx_bind,
    .close = lynx_close,
    .load_tokenizer = lynx_load_tokenizer,
    .encode = lynx_encode,
    .session_new = session_new,
    .session_free = session_free,
    .prefill_rows = prefill_rows,
    .step = session_step,
    .reorder = session_reorder,
    .length = session_length,
    .describe = describe,
    .parts = parts,
    .shapes = shapes,
};

const lx_lynx *lx_lynx_of(const lx_model *m) {
  return m && m->family == &lx_family_lynx ? m->net : NULL;
}
