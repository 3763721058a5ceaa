#include "model/block_config.h"

#include <stdio.h>
#include <string.h>

#include "model/config_keys.h"

int lx_vit_config_read(const cJSON *o, const char *file, const char *path, lx_vit_config *v,
                       lx_error *err) {
  memset(v, 0, sizeof *v);
  lx_json_at at = {file, path};
  LX_REQ_INT(o, at, "image_size", 1, 1 << 14, v->image_size);
  LX_REQ_INT(o, at, "patch_size", 1, 1 << 10, v->patch_size);
  LX_REQ_INT(o, at, "width", 1, LX_CFG_MAX_DIM, v->width);
  LX_REQ_INT(o, at, "depth", 1, LX_CFG_MAX_COUNT, v->depth);
  LX_REQ_INT(o, at, "heads", 1, LX_CFG_MAX_COUNT, v->heads);
  LX_REQ_INT(o, at, "mlp_dim", 1, LX_CFG_MAX_DIM, v->mlp_dim);
  LX_REQ_FLOAT(o, at, "norm_eps", 0, 1, v->norm_eps);
  if (lx_json_opt_bool(o, at, "patch_bias", true, &v->patch_bias, err) ||
      lx_json_opt_bool(o, at, "pre_norm", false, &v->pre_norm, err))
    return LX_ERR;
  static const char *const qkv[] = {"qv", "qkv"}, *const act[] = {"gelu", "quick_gelu"},
                           *const features[] = {"all", "patches"};
  int k_bias = 0, a = 0, f = 0;
  if (lx_json_choice(o, at, "qkv_bias", qkv, 2, 0, &k_bias, err) ||
      lx_json_choice(o, at, "act", act, 2, 0, &a, err) ||
      lx_json_choice(o, at, "features", features, 2, 0, &f, err))
    return LX_ERR;
  v->k_bias = k_bias == 1;
  v->act = a == 1 ? LX_ACT_QUICK_GELU : LX_ACT_GELU;
  v->drop_cls = f == 1;
  const cJSON *pn = cJSON_GetObjectItemCaseSensitive(o, "post_norm_eps");
  v->post_norm = pn && !cJSON_IsNull(pn);
  if (v->post_norm) LX_REQ_FLOAT(o, at, "post_norm_eps", 0, 1, v->post_norm_eps);
  if (v->image_size % v->patch_size != 0)
    return lx_errorf(err, "%s: %s.image_size %d is not a multiple of %s.patch_size %d", file, path,
                     v->image_size, path, v->patch_size);
  if (v->width % v->heads != 0)
    return lx_errorf(err, "%s: %s.width %d is not a multiple of %s.heads %d", file, path, v->width,
                     path, v->heads);
  v->grid = v->image_size / v->patch_size;
  v->n_tokens = 1 + v->grid * v->grid;
  v->head_dim = v->width / v->heads;
  return LX_OK;
}

int lx_qformer_config_read(const cJSON *o, const char *file, const char *path, int vision_width,
                           lx_qformer_config *q, lx_error *err) {
  memset(q, 0, sizeof *q);
  lx_json_at at = {file, path};
  LX_REQ_INT(o, at, "num_layers", 1, LX_CFG_MAX_COUNT, q->layers);
  LX_REQ_INT(o, at, "hidden_size", 1, LX_CFG_MAX_DIM, q->width);
  LX_REQ_INT(o, at, "num_heads", 1, LX_CFG_MAX_COUNT, q->heads);
  LX_REQ_INT(o, at, "intermediate_size", 1, LX_CFG_MAX_DIM, q->ff_dim);
  LX_REQ_INT(o, at, "num_query_tokens", 1, LX_CFG_MAX_COUNT, q->n_query);
  LX_REQ_INT(o, at, "cross_attention_every", 1, LX_CFG_MAX_COUNT, q->cross_every);
  LX_REQ_FLOAT(o, at, "layer_norm_eps", 0, 1, q->norm_eps);
  if (q->width % q->heads != 0)
    return lx_errorf(err, "%s: %s.hidden_size %d is not a multiple of %s.num_heads %d", file, path,
                     q->width, path, q->heads);
  q->head_dim = q->width / q->heads;
  q->vision_width = vision_width;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
  if (!t || cJSON_IsNull(t)) return LX_OK;
  char text_path[96];
  snprintf(text_path, sizeof text_path, "%s.text", path);
  lx_json_at tat = {file, text_path};
  if (!cJSON_IsObject(t))
    return lx_errorf(err, "%s: %s must be an object or null", file, text_path);
  LX_REQ_INT(t, tat, "vocab_size", 1, LX_CFG_MAX_DIM, q->text_vocab);
  LX_REQ_INT(t, tat, "max_position_embeddings", 1, 1 << 16, q->max_positions);
  LX_REQ_INT(t, tat, "max_length", 3, 1 << 16, q->max_text);
  if (q->max_text > q->max_positions)
    return lx_errorf(err, "%s: %s.max_length %d is more than its %d position embeddings", file,
                     text_path, q->max_text, q->max_positions);
  return LX_OK;
}

int lx_llm_config_read(const cJSON *o, const char *file, bool cross_attention, lx_llm_config *l,
                       lx_error *err) {
  memset(l, 0, sizeof *l);
  lx_json_at at = {file, "llm"};
  LX_REQ_INT(o, at, "vocab_size", 1, LX_CFG_MAX_DIM, l->vocab_size);
  LX_REQ_INT(o, at, "hidden_size", 1, LX_CFG_MAX_DIM, l->hidden);
  LX_REQ_INT(o, at, "num_layers", 1, LX_CFG_MAX_COUNT, l->layers);
  LX_REQ_INT(o, at, "num_heads", 1, LX_CFG_MAX_COUNT, l->heads);
  LX_REQ_INT(o, at, "intermediate_size", 1, LX_CFG_MAX_DIM, l->intermediate);
  LX_REQ_FLOAT(o, at, "rms_norm_eps", 0, 1, l->rms_norm_eps);
  LX_REQ_FLOAT(o, at, "rope_theta", 1, 1e12, l->rope_theta);
  LX_REQ_INT(o, at, "max_position_embeddings", 1, 1 << 24, l->max_positions);
  LX_REQ_INT(o, at, "adapter_every", 0, LX_CFG_MAX_COUNT, l->adapter_every);
  LX_OPT_INT(o, at, "adapter_dim", 1, LX_CFG_MAX_DIM, l->hidden / 2 > 0 ? l->hidden / 2 : 1,
             l->adapter_dim);
  double eps;
  if (lx_json_opt_double(o, at, "adapter_norm_eps", 0, 1, 1e-5, &eps, err)) return LX_ERR;
  l->adapter_norm_eps = (float)eps;
  LX_REQ_INT(o, at, "bos_token_id", 0, LX_CFG_MAX_DIM, l->bos_id);
  LX_REQ_INT(o, at, "eos_token_id", 0, LX_CFG_MAX_DIM, l->eos_id);
  LX_REQ_INT(o, at, "pad_token_id", 0, LX_CFG_MAX_DIM, l->pad_id);
  LX_OPT_INT(o, at, "unk_token_id", 0, LX_CFG_MAX_DIM, 0, l->unk_id);
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

  const cJSON *added = cJSON_GetObjectItemCaseSensitive(o, "added_tokens"), *t;
  if (added && !cJSON_IsArray(added))
    return lx_errorf(err, "%s: llm.added_tokens must be an array", file);
  cJSON_ArrayForEach(t, added) {
    lx_json_at tat = {file, "llm.added_tokens[]"};
    const char *text;
    long id;
    bool strip;
    if (l->n_added == LX_LLM_MAX_ADDED_TOKENS)
      return lx_errorf(err, "%s: llm.added_tokens: more than %d", file, LX_LLM_MAX_ADDED_TOKENS);
    if (!cJSON_IsObject(t) || lx_json_req_string(t, tat, "text", &text, err) ||
        lx_json_req_int(t, tat, "id", 0, l->vocab_size - 1, &id, err) ||
        lx_json_opt_bool(t, tat, "strip", false, &strip, err))
      return cJSON_IsObject(t) ? LX_ERR
                               : lx_errorf(err, "%s: llm.added_tokens holds a non-object", file);
    if (!*text || strlen(text) >= sizeof l->added[0].text)
      return lx_errorf(err, "%s: llm.added_tokens: \"%s\" is empty or longer than %zu bytes", file,
                       text, sizeof l->added[0].text - 1);
    for (int i = 0; i < l->n_added; i++)
      if (l->added[i].id == id || strcmp(l->added[i].text, text) == 0)
        return lx_errorf(err, "%s: llm.added_tokens: \"%s\" (id %ld) is given twice", file, text,
                         id);
    strcpy(l->added[l->n_added].text, text);
    l->added[l->n_added].id = (int)id;
    l->added[l->n_added++].strip = strip;
  }
  const char *specials;
  if (lx_json_opt_string(o, at, "special_tokens", "ids", &specials, err)) return LX_ERR;
  if (strcmp(specials, "ids") != 0 && strcmp(specials, "added_tokens") != 0)
    return lx_errorf(err, "%s: llm.special_tokens is \"%s\"; expected \"ids\" or \"added_tokens\"",
                     file, specials);
  l->specials_listed = strcmp(specials, "added_tokens") == 0;
  const cJSON *xa = cJSON_GetObjectItemCaseSensitive(o, "cross_attention");
  l->xattn_every = 0;
  if (cross_attention) {
    if (!cJSON_IsObject(xa))
      return lx_errorf(err, "%s: variant is \"cross_attention\" but llm.cross_attention is missing",
                       file);
    lx_json_at xat = {file, "llm.cross_attention"};
    LX_REQ_INT(xa, xat, "every", 1, LX_CFG_MAX_COUNT, l->xattn_every);
    LX_REQ_INT(xa, xat, "heads", 1, LX_CFG_MAX_COUNT, l->xattn_heads);
    LX_REQ_INT(xa, xat, "head_dim", 1, LX_CFG_MAX_DIM, l->xattn_head_dim);
    LX_REQ_INT(xa, xat, "ff_dim", 1, LX_CFG_MAX_DIM, l->xattn_ff_dim);
    LX_REQ_FLOAT(xa, xat, "norm_eps", 0, 1, l->xattn_norm_eps);
  } else if (xa && !cJSON_IsNull(xa)) {
    return lx_errorf(err,
                     "%s: llm.cross_attention is set, but the model has no cross-attention blocks "
                     "(variant \"prefix\")",
                     file);
  }
  return LX_OK;
}
