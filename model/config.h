/* config.h: a model directory's config.json as one plain struct.
 *
 * Every hyperparameter the forward pass needs lives here, plus preprocessing, the prompt template
 * and the decoding defaults, so nothing about a particular checkpoint is hard-coded in C.
 * The format is documented in the README ("Model directory format"); tools/convert_lynx.py writes
 * it. lx_config_load validates every value and names the file and key on failure.
 */
#ifndef LX_CONFIG_H
#define LX_CONFIG_H

#include <stdbool.h>

#include <cJSON.h>

#include "common/error.h"
#include "media/preprocess.h"
#include "text/prompt.h"

#define LX_CONFIG_FORMAT         "lynxeval-model"
#define LX_CONFIG_FORMAT_VERSION 1

typedef enum lx_variant {
  LX_VARIANT_PREFIX = 0, /* "prefix": visual tokens are prepended to the text (Lynx, "PT") */
  LX_VARIANT_CROSS_ATTN, /* "cross_attention": gated cross-attention blocks (Flamingo-style, "CA")
                          */
} lx_variant;

/* EVA ViT (lynx-model.md section 1). */
typedef struct lx_vit_config {
  int image_size; /* input side in pixels (420) */
  int patch_size; /* 14 */
  int grid;       /* image_size / patch_size (30) */
  int n_tokens;   /* 1 + grid*grid (901): CLS + patches */
  int width;      /* 1408 */
  int depth;      /* blocks used (39) */
  int heads;      /* width / 88 (16) */
  int head_dim;   /* width / heads (88) */
  int mlp_dim;    /* 6144 */
  float norm_eps; /* LayerNorm eps (1e-6) */
} lx_vit_config;

/* Perceiver resampler (section 2). */
typedef struct lx_resampler_config {
  int depth;      /* 3 */
  int n_latents;  /* 32 */
  int heads;      /* 8 */
  int head_dim;   /* 64 */
  int ff_dim;     /* 4 * llm width (16384) */
  float norm_eps; /* 1e-5 */
} lx_resampler_config;

/* LLaMA with bottleneck adapters and optional gated cross-attention (sections 3 and 9). */
typedef struct lx_llm_config {
  int vocab_size;         /* rows of embed_tokens and lm_head, [PAD] included (32001) */
  int hidden;             /* 4096 */
  int layers;             /* 32 */
  int heads;              /* 32 */
  int head_dim;           /* hidden / heads (128) */
  int intermediate;       /* SwiGLU width (11008) */
  float rms_norm_eps;     /* from the LLM's own config.json */
  float rope_theta;       /* 10000 */
  int max_positions;      /* longest sequence the KV cache accepts (2048) */
  int adapter_every;      /* adapters on layers i % adapter_every == 0; 0 = none (2) */
  int adapter_dim;        /* bottleneck width (2048) */
  float adapter_norm_eps; /* 1e-5 */
  int xattn_every;        /* CA blocks before layers i % xattn_every == 0; 0 = none */
  int xattn_heads;        /* 8 */
  int xattn_head_dim;     /* 64 */
  int xattn_ff_dim;       /* 4 * hidden */
  float xattn_norm_eps;   /* 1e-5 */
  int bos_id, eos_id, pad_id, unk_id;
} lx_llm_config;

typedef struct lx_decoding_config {
  char strategy[32]; /* "beam-sample", "beam", "greedy", "sample" */
  int num_beams, top_k, no_repeat_ngram_size, min_length, max_new_tokens;
  double top_p, temperature, length_penalty;
} lx_decoding_config;

typedef struct lx_config {
  lx_variant variant;
  bool frame_pos_embed; /* learned per-frame embedding for video (add_frame_pos) */
  int num_frames;       /* frames the frame embedding covers (5) */
  lx_vit_config vit;
  lx_resampler_config resampler;
  lx_llm_config llm;
  lx_preprocess_config preprocess;
  lx_prompt_config prompt;
  lx_decoding_config decoding;
} lx_config;

/* Reads and validates `path` (a config.json). */
int lx_config_load(const char *path, lx_config *cfg, lx_error *err);
/* Validates an already parsed config (a run's fingerprint keeps the whole config.json); origin
 * names it in messages. */
int lx_config_from_json(const cJSON *root, const char *origin, lx_config *cfg, lx_error *err);
/* Reads and validates the config.json of a model directory. */
int lx_config_load_dir(const char *model_dir, lx_config *cfg, lx_error *err);

const char *lx_variant_name(lx_variant v);

/* The released Lynx-8B's shapes (lynx-model.md): EVA ViT-g with 39 blocks at 420 px, the 3-layer
 * resampler with 32 latents, Vicuna-7B with adapters on even layers, vocabulary 32001; with
 * cross_attention, CA blocks before every 4th layer instead. For benchmarks at the real size. */
void lx_config_lynx_8b(lx_config *cfg, lx_variant variant);

#endif
