#include "model/lynx/lynx_config.h"

#include <string.h>

#include "model/config_keys.h"

const char *lx_variant_name(lx_variant v) {
  return v == LX_VARIANT_CROSS_ATTN ? "cross_attention" : "prefix";
}

static int read_vision(const cJSON *o, const char *file, lx_lynx_config *c, lx_error *err) {
  lx_json_at at = {file, "vision"};
  if (lx_vit_config_read(o, file, "vision", &c->vit, err)) return LX_ERR;
  LX_REQ_INT(o, at, "num_frames", 1, LX_CFG_MAX_COUNT, c->num_frames);
  if (lx_json_opt_bool(o, at, "frame_pos_embed", true, &c->frame_pos_embed, err)) return LX_ERR;
  return LX_OK;
}

static int read_resampler(const cJSON *o, const char *file, lx_lynx_config *c, lx_error *err) {
  lx_json_at at = {file, "resampler"};
  lx_resampler_config *r = &c->resampler;
  LX_REQ_INT(o, at, "depth", 0, LX_CFG_MAX_COUNT, r->depth);
  LX_REQ_INT(o, at, "num_latents", 1, LX_CFG_MAX_DIM, r->n_latents);
  LX_REQ_INT(o, at, "heads", 1, LX_CFG_MAX_COUNT, r->heads);
  LX_REQ_INT(o, at, "head_dim", 1, LX_CFG_MAX_DIM, r->head_dim);
  LX_REQ_INT(o, at, "ff_dim", 1, LX_CFG_MAX_DIM, r->ff_dim);
  LX_REQ_FLOAT(o, at, "norm_eps", 0, 1, r->norm_eps);
  return LX_OK;
}

int lx_lynx_config_from_json(const cJSON *root, const char *file, const lx_model_config *common,
                             lx_lynx_config *c, lx_error *err) {
  memset(c, 0, sizeof *c);
  lx_json_at at = {file, ""};
  const char *variant;
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
  if (lx_json_req_object(root, at, "llm", &o, err) ||
      lx_llm_config_read(o, file, c->variant == LX_VARIANT_CROSS_ATTN, &c->llm, err))
    return LX_ERR;
  const lx_preprocess_config *p = &common->preprocess;
  if (p->image_size != c->vit.image_size)
    return lx_errorf(err, "%s: preprocess.image_size %d differs from vision.image_size %d", file,
                     p->image_size, c->vit.image_size);
  if (p->num_frames != c->num_frames)
    return lx_errorf(err, "%s: preprocess.num_frames %d differs from vision.num_frames %d", file,
                     p->num_frames, c->num_frames);
  return LX_OK;
}

/* The shared keys and the vision and resampler of both Lynx-8B variants. */
#define LYNX_8B_COMMON                                                                        \
  "\"format\": \"lynxeval-model\", \"format_version\": 1, \"family\": \"lynx\",\n"            \
  "\"vision\": {\"image_size\": 420, \"patch_size\": 14, \"width\": 1408, \"depth\": 39,\n"   \
  "  \"heads\": 16, \"mlp_dim\": 6144, \"norm_eps\": 1e-6, \"num_frames\": 5,\n"              \
  "  \"frame_pos_embed\": true},\n"                                                           \
  "\"resampler\": {\"depth\": 3, \"num_latents\": 32, \"heads\": 8, \"head_dim\": 64,\n"      \
  "  \"ff_dim\": 16384, \"norm_eps\": 1e-5},\n"                                               \
  "\"preprocess\": {\"image_size\": 420, \"mean\": [0.48145466, 0.4578275, 0.40821073],\n"    \
  "  \"std\": [0.26862954, 0.26130258, 0.27577711], \"num_frames\": 5,\n"                     \
  "  \"frame_rule\": \"segment-start\"},\n"                                                   \
  "\"prompt\": {\"template\": \"User: {question}\\nBot:\", \"lowercase\": true,\n"            \
  "  \"max_input_tokens\": 40},\n"                                                            \
  "\"decoding\": {\"strategy\": \"beam-sample\", \"num_beams\": 5, \"top_k\": 3,\n"           \
  "  \"top_p\": 0.9, \"temperature\": 1.0, \"no_repeat_ngram_size\": 2, \"min_length\": 2,\n" \
  "  \"max_new_tokens\": 64, \"length_penalty\": -2.0},\n"
#define LYNX_8B_LLM                                                                           \
  "\"vocab_size\": 32001, \"hidden_size\": 4096, \"num_layers\": 32, \"num_heads\": 32,\n"    \
  "  \"intermediate_size\": 11008, \"rms_norm_eps\": 1e-6, \"rope_theta\": 10000,\n"          \
  "  \"max_position_embeddings\": 2048, \"adapter_dim\": 2048, \"adapter_norm_eps\": 1e-5,\n" \
  "  \"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 32000, \"unk_token_id\": 0"

const char lx_lynx_8b_config_json[] = "{" LYNX_8B_COMMON
                                      "\"variant\": \"prefix\",\n"
                                      "\"llm\": {" LYNX_8B_LLM ", \"adapter_every\": 2}}";
const char lx_lynx_8b_ca_config_json[] =
    "{" LYNX_8B_COMMON
    "\"variant\": \"cross_attention\",\n"
    "\"llm\": {" LYNX_8B_LLM
    ", \"adapter_every\": 0,\n"
    "  \"cross_attention\": {\"every\": 4, \"heads\": 8, \"head_dim\": 64, \"ff_dim\": 16384,\n"
    "    \"norm_eps\": 1e-5}}}";
