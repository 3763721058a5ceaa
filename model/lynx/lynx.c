#include "model/lynx/lynx.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "model/backend.h"
#include "model/decoder_session.h"

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
  if (net->scratch) {
    lx_scratch_free(&net->scratch->tokens);
    lx_vit_scratch_free(&net->scratch->vit);
    lx_resampler_scratch_free(&net->scratch->resampler);
    free(net->scratch);
  }
  free(net);
}

static int lynx_open(const cJSON *root, const char *file, const lx_model_config *common, void **out,
                     lx_model_info *info, lx_error *err) {
  *out = NULL;
  lx_lynx *net = lx_xcalloc(1, sizeof *net);
  if (lx_lynx_config_from_json(root, file, common, &net->cfg, err)) {
    free(net);
    return LX_ERR;
  }
  net->scratch = lx_xcalloc(1, sizeof *net->scratch);
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

static int lynx_bind(void *p, lx_weights *w, lx_backend *be, lx_model_info *info, lx_error *err) {
  lx_lynx *net = p;
  net->backend = be;
  lx_binder b = {w, err, 0};
  bind_all(net, &b);
  if (b.failed) return LX_ERR;
  lx_family_llama_costs(w, info);
  return LX_OK;
}

static int lynx_load_tokenizer(void *p, const char *dir, lx_tokenizer **out, lx_error *err) {
  return lx_family_llama_tokenizer(dir, &((const lx_lynx *)p)->cfg.llm, out, err);
}

/* ---- media ----------------------------------------------------------------------------------- */

int lx_lynx_encode(const lx_lynx *net, const float *pixels, int n_frames, float *vit_out,
                   float *media, lx_encode_profile *profile, lx_error *err) {
  const lx_lynx_config *c = &net->cfg;
  lx_backend *be = net->backend;
  if (n_frames != 1 && n_frames != c->num_frames)
    return lx_errorf(err, "%d frames given: the model takes 1 (an image) or %d (a video)", n_frames,
                     c->num_frames);
  const int S = c->vit.image_size, T = c->vit.n_tokens, Wv = c->vit.width;
  const size_t frame_px = (size_t)3 * S * S, frame_tok = (size_t)T * Wv;
  lx_lynx_scratch *s = net->scratch;
  float *tokens = lx_scratch_get(&s->tokens, (size_t)n_frames * frame_tok); /* [F*T, Wv] */
  double t0 = profile ? lx_seconds() : 0;
  for (int f = 0; f < n_frames; f++) {
    float *x = tokens + (size_t)f * frame_tok;
    lx_vit_forward(be, &net->vit, pixels + (size_t)f * frame_px, x, &s->vit);
    if (vit_out) memcpy(vit_out + (size_t)f * frame_tok, x, frame_tok * sizeof(float));
    /* Video: the same learned vector is added to all T tokens of frame f, CLS included. */
    if (n_frames > 1 && net->frame_pos)
      for (int t = 0; t < T; t++)
        lx_add(be, x + (size_t)t * Wv, net->frame_pos + (size_t)f * Wv, Wv);
  }
  double t1 = profile ? lx_seconds() : 0;
  lx_resampler_forward(be, &net->resampler, tokens, n_frames * T, media, &s->resampler);
  if (profile) {
    double t2 = lx_seconds();
    profile->n = 2;
    profile->stage[0] = (lx_encode_stage){"vit", "ViT", t1 - t0, n_frames * lx_vit_flops(&c->vit)};
    profile->stage[1] = (lx_encode_stage){"resampler", "resampler", t2 - t1, 0};
  }
  return LX_OK;
}

static int lynx_encode(const void *net, const float *pixels, int n_frames, const char *instruction,
                       float *media, lx_encode_profile *profile, lx_error *err) {
  (void)instruction; /* the media do not depend on the prompt */
  return lx_lynx_encode(net, pixels, n_frames, NULL, media, profile, err);
}

/* ---- sessions: the shared decoder's, media in the sequence (PT) or attended to (CA) ---------- */

static int session_new(const void *p, int rows, int capacity, void **out, lx_error *err) {
  const lx_lynx *net = p;
  const lx_decoder_spec spec = {net->backend, &net->llm, net->cfg.resampler.n_latents,
                                net->cfg.variant == LX_VARIANT_PREFIX};
  return lx_decoder_session_new(&spec, rows, capacity, out, err);
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
    LX_DECODER_SESSION_ENTRIES,
    .describe = describe,
    .parts = parts,
    .shapes = shapes,
};

const lx_lynx *lx_lynx_of(const lx_model *m) {
  return m && m->family == &lx_family_lynx ? m->net : NULL;
}
