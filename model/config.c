#include "model/config.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"

#define MAX_DIM          (1L << 20) /* widths, vocabulary */
#define MAX_COUNT        (1L << 12) /* layers, heads, frames */
#define MAX_CONFIG_BYTES (1u << 20)

const char *lx_variant_name(lx_variant v) {
  return v == LX_VARIANT_CROSS_ATTN ? "cross_attention" : "prefix";
}

/* Reads an int-valued key into an int field. */
#define REQ_INT(obj, at, key, lo, hi, dst)                              \
  do {                                                                  \
    long v_;                                                            \
    if (lx_json_req_int(obj, at, key, lo, hi, &v_, err)) return LX_ERR; \
    (dst) = (int)v_;                                                    \
  } while (0)
#define OPT_INT(obj, at, key, lo, hi, dflt, dst)                              \
  do {                                                                        \
    long v_;                                                                  \
    if (lx_json_opt_int(obj, at, key, lo, hi, dflt, &v_, err)) return LX_ERR; \
    (dst) = (int)v_;                                                          \
  } while (0)
#define REQ_FLOAT(obj, at, key, lo, hi, dst)                               \
  do {                                                                     \
    double v_;                                                             \
    if (lx_json_req_double(obj, at, key, lo, hi, &v_, err)) return LX_ERR; \
    (dst) = (float)v_;                                                     \
  } while (0)
#define OPT_DOUBLE(obj, at, key, lo, hi, dflt, dst) \
  if (lx_json_opt_double(obj, at, key, lo, hi, dflt, &(dst), err)) return LX_ERR

static int copy_string(const char *file, const char *key, const char *s, char *dst, size_t cap,
                       lx_error *err) {
  if (strlen(s) >= cap) return lx_errorf(err, "%s: %s: longer than %zu bytes", file, key, cap - 1);
  memcpy(dst, s, strlen(s) + 1);
  return LX_OK;
}

static int read_vision(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "vision"};
  lx_vit_config *v = &c->vit;
  REQ_INT(o, at, "image_size", 1, 1 << 14, v->image_size);
  REQ_INT(o, at, "patch_size", 1, 1 << 10, v->patch_size);
  REQ_INT(o, at, "width", 1, MAX_DIM, v->width);
  REQ_INT(o, at, "depth", 1, MAX_COUNT, v->depth);
  REQ_INT(o, at, "heads", 1, MAX_COUNT, v->heads);
  REQ_INT(o, at, "mlp_dim", 1, MAX_DIM, v->mlp_dim);
  REQ_FLOAT(o, at, "norm_eps", 0, 1, v->norm_eps);
  REQ_INT(o, at, "num_frames", 1, MAX_COUNT, c->num_frames);
  if (lx_json_opt_bool(o, at, "frame_pos_embed", true, &c->frame_pos_embed, err)) return LX_ERR;
  if (v->image_size % v->patch_size != 0)
    return lx_errorf(err, "%s: vision.image_size %d is not a multiple of vision.patch_size %d",
                     file, v->image_size, v->patch_size);
  if (v->width % v->heads != 0)
    return lx_errorf(err, "%s: vision.width %d is not a multiple of vision.heads %d", file,
                     v->width, v->heads);
  v->grid = v->image_size / v->patch_size;
  v->n_tokens = 1 + v->grid * v->grid;
  v->head_dim = v->width / v->heads;
  return LX_OK;
}

static int read_resampler(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "resampler"};
  lx_resampler_config *r = &c->resampler;
  REQ_INT(o, at, "depth", 0, MAX_COUNT, r->depth);
  REQ_INT(o, at, "num_latents", 1, MAX_DIM, r->n_latents);
  REQ_INT(o, at, "heads", 1, MAX_COUNT, r->heads);
  REQ_INT(o, at, "head_dim", 1, MAX_DIM, r->head_dim);
  REQ_INT(o, at, "ff_dim", 1, MAX_DIM, r->ff_dim);
  REQ_FLOAT(o, at, "norm_eps", 0, 1, r->norm_eps);
  return LX_OK;
}

static int read_llm(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "llm"};
  lx_llm_config *l = &c->llm;
  REQ_INT(o, at, "vocab_size", 1, MAX_DIM, l->vocab_size);
  REQ_INT(o, at, "hidden_size", 1, MAX_DIM, l->hidden);
  REQ_INT(o, at, "num_layers", 1, MAX_COUNT, l->layers);
  REQ_INT(o, at, "num_heads", 1, MAX_COUNT, l->heads);
  REQ_INT(o, at, "intermediate_size", 1, MAX_DIM, l->intermediate);
  REQ_FLOAT(o, at, "rms_norm_eps", 0, 1, l->rms_norm_eps);
  REQ_FLOAT(o, at, "rope_theta", 1, 1e12, l->rope_theta);
  REQ_INT(o, at, "max_position_embeddings", 1, 1 << 24, l->max_positions);
  REQ_INT(o, at, "adapter_every", 0, MAX_COUNT, l->adapter_every);
  OPT_INT(o, at, "adapter_dim", 1, MAX_DIM, l->hidden / 2 > 0 ? l->hidden / 2 : 1, l->adapter_dim);
  double eps;
  if (lx_json_opt_double(o, at, "adapter_norm_eps", 0, 1, 1e-5, &eps, err)) return LX_ERR;
  l->adapter_norm_eps = (float)eps;
  REQ_INT(o, at, "bos_token_id", 0, MAX_DIM, l->bos_id);
  REQ_INT(o, at, "eos_token_id", 0, MAX_DIM, l->eos_id);
  REQ_INT(o, at, "pad_token_id", 0, MAX_DIM, l->pad_id);
  OPT_INT(o, at, "unk_token_id", 0, MAX_DIM, 0, l->unk_id);
  if (l->hidden % l->heads != 0)
    return lx_errorf(err, "%s: llm.hidden_size %d is not a multiple of llm.num_heads %d", file,
                     l->hidden, l->heads);
  l->head_dim = l->hidden / l->heads;
  if (l->head_dim % 2 != 0)
    return lx_errorf(err, "%s: llm head dimension %d is odd; rotary embeddings need it even", file,
                     l->head_dim);
  int ids[4] = {l->bos_id, l->eos_id, l->pad_id, l->unk_id};
  for (int i = 0; i < 4; i++)
    if (ids[i] >= l->vocab_size)
      return lx_errorf(err, "%s: llm special token id %d is outside the vocabulary (%d)", file,
                       ids[i], l->vocab_size);

  const cJSON *xa = cJSON_GetObjectItemCaseSensitive(o, "cross_attention");
  l->xattn_every = 0;
  if (c->variant == LX_VARIANT_CROSS_ATTN) {
    if (!cJSON_IsObject(xa))
      return lx_errorf(err, "%s: variant is \"cross_attention\" but llm.cross_attention is missing",
                       file);
    lx_json_at xat = {file, "llm.cross_attention"};
    REQ_INT(xa, xat, "every", 1, MAX_COUNT, l->xattn_every);
    REQ_INT(xa, xat, "heads", 1, MAX_COUNT, l->xattn_heads);
    REQ_INT(xa, xat, "head_dim", 1, MAX_DIM, l->xattn_head_dim);
    REQ_INT(xa, xat, "ff_dim", 1, MAX_DIM, l->xattn_ff_dim);
    REQ_FLOAT(xa, xat, "norm_eps", 0, 1, l->xattn_norm_eps);
  } else if (xa && !cJSON_IsNull(xa)) {
    return lx_errorf(err, "%s: llm.cross_attention is set but variant is \"prefix\"", file);
  }
  return LX_OK;
}

static int read_preprocess(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "preprocess"};
  lx_preprocess_config *p = &c->preprocess;
  REQ_INT(o, at, "image_size", 1, 1 << 14, p->image_size);
  if (lx_json_req_doubles(o, at, "mean", 3, p->mean, err)) return LX_ERR;
  if (lx_json_req_doubles(o, at, "std", 3, p->std, err)) return LX_ERR;
  for (int i = 0; i < 3; i++)
    if (!(p->std[i] > 0)) return lx_errorf(err, "%s: preprocess.std[%d] must be positive", file, i);
  REQ_INT(o, at, "num_frames", 1, MAX_COUNT, p->num_frames);
  const char *rule;
  if (lx_json_opt_string(o, at, "frame_rule", "segment-start", &rule, err)) return LX_ERR;
  if (copy_string(file, "preprocess.frame_rule", rule, p->frame_rule, sizeof p->frame_rule, err))
    return LX_ERR;
  if (p->image_size != c->vit.image_size)
    return lx_errorf(err, "%s: preprocess.image_size %d differs from vision.image_size %d", file,
                     p->image_size, c->vit.image_size);
  if (p->num_frames != c->num_frames)
    return lx_errorf(err, "%s: preprocess.num_frames %d differs from vision.num_frames %d", file,
                     p->num_frames, c->num_frames);
  return LX_OK;
}

static int read_prompt(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "prompt"};
  const char *tmpl;
  if (lx_json_req_string(o, at, "template", &tmpl, err)) return LX_ERR;
  if (!strstr(tmpl, "{question}"))
    return lx_errorf(err, "%s: prompt.template has no {question} placeholder", file);
  if (copy_string(file, "prompt.template", tmpl, c->prompt.template_, sizeof c->prompt.template_,
                  err))
    return LX_ERR;
  if (lx_json_opt_bool(o, at, "lowercase", true, &c->prompt.lowercase, err)) return LX_ERR;
  REQ_INT(o, at, "max_input_tokens", 1, 1 << 20, c->prompt.max_input_tokens);
  return LX_OK;
}

static int read_decoding(const cJSON *o, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, "decoding"};
  lx_decoding_config *d = &c->decoding;
  const char *s;
  if (lx_json_req_string(o, at, "strategy", &s, err)) return LX_ERR;
  if (strcmp(s, "greedy") && strcmp(s, "beam") && strcmp(s, "beam-sample") && strcmp(s, "sample"))
    return lx_errorf(err,
                     "%s: decoding.strategy \"%s\" is not one of greedy, beam, beam-sample, sample",
                     file, s);
  if (copy_string(file, "decoding.strategy", s, d->strategy, sizeof d->strategy, err))
    return LX_ERR;
  OPT_INT(o, at, "num_beams", 1, 1024, 1, d->num_beams);
  OPT_INT(o, at, "top_k", 0, MAX_DIM, 0, d->top_k);
  OPT_INT(o, at, "no_repeat_ngram_size", 0, 1024, 0, d->no_repeat_ngram_size);
  OPT_INT(o, at, "min_length", 0, 1 << 20, 0, d->min_length);
  OPT_INT(o, at, "max_new_tokens", 1, 1 << 20, 64, d->max_new_tokens);
  OPT_DOUBLE(o, at, "top_p", 0, 1, 1.0, d->top_p);
  OPT_DOUBLE(o, at, "temperature", 1e-6, 1e6, 1.0, d->temperature);
  OPT_DOUBLE(o, at, "length_penalty", -1e6, 1e6, 1.0, d->length_penalty);
  return LX_OK;
}

static int parse(const cJSON *root, const char *file, lx_config *c, lx_error *err) {
  lx_json_at at = {file, ""};
  const char *fmt, *variant;
  long ver;
  if (lx_json_req_string(root, at, "format", &fmt, err)) return LX_ERR;
  if (strcmp(fmt, LX_CONFIG_FORMAT) != 0)
    return lx_errorf(err,
                     "%s: format is \"%s\", expected \"%s\" (convert a release with "
                     "tools/convert_lynx.py)",
                     file, fmt, LX_CONFIG_FORMAT);
  if (lx_json_req_int(root, at, "format_version", 1, 1000, &ver, err)) return LX_ERR;
  if (ver != LX_CONFIG_FORMAT_VERSION)
    return lx_errorf(err,
                     "%s: format_version %ld is not supported (this lynxeval reads version %d)",
                     file, ver, LX_CONFIG_FORMAT_VERSION);
  if (lx_json_req_string(root, at, "variant", &variant, err)) return LX_ERR;
  if (strcmp(variant, "prefix") == 0)
    c->variant = LX_VARIANT_PREFIX;
  else if (strcmp(variant, "cross_attention") == 0)
    c->variant = LX_VARIANT_CROSS_ATTN;
  else
    return lx_errorf(err, "%s: variant \"%s\" is not \"prefix\" or \"cross_attention\"", file,
                     variant);
  const cJSON *o;
  if (lx_json_req_object(root, at, "vision", &o, err) || read_vision(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "resampler", &o, err) || read_resampler(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "llm", &o, err) || read_llm(o, file, c, err)) return LX_ERR;
  if (lx_json_req_object(root, at, "preprocess", &o, err) || read_preprocess(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "prompt", &o, err) || read_prompt(o, file, c, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "decoding", &o, err) || read_decoding(o, file, c, err))
    return LX_ERR;
  return LX_OK;
}

int lx_config_from_json(const cJSON *root, const char *origin, lx_config *cfg, lx_error *err) {
  memset(cfg, 0, sizeof *cfg);
  if (!cJSON_IsObject(root)) return lx_errorf(err, "%s: the config is not a JSON object", origin);
  return parse(root, origin, cfg, err);
}

int lx_config_load(const char *path, lx_config *cfg, lx_error *err) {
  memset(cfg, 0, sizeof *cfg);
  char *text;
  size_t len;
  if (lx_read_file(path, MAX_CONFIG_BYTES, &text, &len, err)) return LX_ERR;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  int rc;
  if (!root || !cJSON_IsObject(root)) {
    size_t off = end ? (size_t)(end - text) : 0;
    if (!root && cJSON_GetErrorPtr()) off = (size_t)(cJSON_GetErrorPtr() - text);
    rc = lx_errorf(err, "%s: not a valid JSON object (error near byte %zu)", path, off);
  } else {
    rc = parse(root, path, cfg, err);
  }
  cJSON_Delete(root);
  free(text);
  return rc;
}

int lx_config_load_dir(const char *model_dir, lx_config *cfg, lx_error *err) {
  char *path = lx_path_join(model_dir, "config.json");
  int rc = lx_config_load(path, cfg, err);
  free(path);
  return rc;
}

void lx_config_lynx_8b(lx_config *cfg, lx_variant variant) {
  memset(cfg, 0, sizeof *cfg);
  cfg->variant = variant;
  cfg->frame_pos_embed = true;
  cfg->num_frames = 5;
  cfg->vit = (lx_vit_config){.image_size = 420,
                             .patch_size = 14,
                             .grid = 30,
                             .n_tokens = 901,
                             .width = 1408,
                             .depth = 39,
                             .heads = 16,
                             .head_dim = 88,
                             .mlp_dim = 6144,
                             .norm_eps = 1e-6f};
  cfg->resampler = (lx_resampler_config){
      .depth = 3, .n_latents = 32, .heads = 8, .head_dim = 64, .ff_dim = 16384, .norm_eps = 1e-5f};
  const bool ca = variant == LX_VARIANT_CROSS_ATTN;
  cfg->llm = (lx_llm_config){.vocab_size = 32001,
                             .hidden = 4096,
                             .layers = 32,
                             .heads = 32,
                             .head_dim = 128,
                             .intermediate = 11008,
                             .rms_norm_eps = 1e-6f,
                             .rope_theta = 10000.0f,
                             .max_positions = 2048,
                             .adapter_every = ca ? 0 : 2,
                             .adapter_dim = 2048,
                             .adapter_norm_eps = 1e-5f,
                             .xattn_every = ca ? 4 : 0,
                             .xattn_heads = 8,
                             .xattn_head_dim = 64,
                             .xattn_ff_dim = 4 * 4096,
                             .xattn_norm_eps = 1e-5f,
                             .bos_id = 1,
                             .eos_id = 2,
                             .pad_id = 32000,
                             .unk_id = 0};
  cfg->preprocess = (lx_preprocess_config){.image_size = 420,
                                           .mean = {0.48145466, 0.4578275, 0.40821073},
                                           .std = {0.26862954, 0.26130258, 0.27577711},
                                           .num_frames = 5};
  snprintf(cfg->preprocess.frame_rule, sizeof cfg->preprocess.frame_rule, "segment-start");
  snprintf(cfg->prompt.template_, sizeof cfg->prompt.template_, "User: {question}\nBot:");
  cfg->prompt.lowercase = true;
  cfg->prompt.max_input_tokens = 40;
  cfg->decoding = (lx_decoding_config){.num_beams = 5,
                                       .top_k = 3,
                                       .no_repeat_ngram_size = 2,
                                       .min_length = 2,
                                       .max_new_tokens = 64,
                                       .top_p = 0.9,
                                       .temperature = 1.0,
                                       .length_penalty = -2.0};
  snprintf(cfg->decoding.strategy, sizeof cfg->decoding.strategy, "beam-sample");
}
