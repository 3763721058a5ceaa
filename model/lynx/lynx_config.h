/* lynx_config.h: Lynx's keys of config.json (docs/lynx-model.md): the variant, the EVA ViT, the
 * Perceiver resampler and the LLaMA decoder with adapters or cross-attention.
 *
 *   "variant": "prefix" | "cross_attention",
 *   "vision": {image_size, patch_size, width, depth, heads, mlp_dim, norm_eps, num_frames,
 *              frame_pos_embed},
 *   "resampler": {depth, num_latents, heads, head_dim, ff_dim, norm_eps},
 *   "llm": {vocab_size, hidden_size, num_layers, num_heads, intermediate_size, rms_norm_eps,
 *           rope_theta, max_position_embeddings, adapter_every, adapter_dim, adapter_norm_eps,
 *           bos_token_id, eos_token_id, pad_token_id, unk_token_id,
 *           cross_attention: {every, heads, head_dim, ff_dim, norm_eps} (variant CA only)}
 */
#ifndef LX_LYNX_CONFIG_H
#define LX_LYNX_CONFIG_H

#include <stdbool.h>

#include <cJSON.h>

#include "common/error.h"
#include "model/block_config.h"
#include "model/model_config.h"

typedef enum lx_variant {
  LX_VARIANT_PREFIX = 0, /* "prefix": visual tokens are prepended to the text (Lynx, "PT") */
  LX_VARIANT_CROSS_ATTN, /* "cross_attention": gated cross-attention blocks (Flamingo-style, "CA")
                          */
} lx_variant;

typedef struct lx_lynx_config {
  lx_variant variant;
  bool frame_pos_embed; /* learned per-frame embedding for video (add_frame_pos) */
  int num_frames;       /* frames the frame embedding covers (5) */
  lx_vit_config vit;
  lx_resampler_config resampler;
  lx_llm_config llm;
} lx_lynx_config;

/* Validates Lynx's keys of a parsed config.json, and that they agree with the shared keys
 * (common: the preprocessing's size and frames). */
int lx_lynx_config_from_json(const cJSON *root, const char *file, const lx_model_config *common,
                             lx_lynx_config *cfg, lx_error *err);

const char *lx_variant_name(lx_variant v);

/* The released Lynx-8B's config.json (docs/lynx-model.md): EVA ViT-g with 39 blocks at 420 px, the
 * 3-layer resampler with 32 latents, Vicuna-7B with adapters on even layers, vocabulary 32001;
 * the CA one has cross-attention blocks before every 4th layer instead. */
extern const char lx_lynx_8b_config_json[];
extern const char lx_lynx_8b_ca_config_json[];

#endif
