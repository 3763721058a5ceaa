/* block_config.h: the shapes of the shared network blocks (vit.h, resampler.h, llama.h, xattn.h).
 * A family's config reader fills them from its config.json; the blocks read nothing else. */
#ifndef LX_BLOCK_CONFIG_H
#define LX_BLOCK_CONFIG_H

#include <stdbool.h>

#include <cJSON.h>

#include "common/error.h"

typedef enum lx_activation { LX_ACT_GELU = 0, LX_ACT_QUICK_GELU } lx_activation;

/* A pre-norm ViT: EVA (docs/lynx-model.md section 1) and OpenAI CLIP are the same module with
 * different knobs (the defaults are EVA's; CLIP's in brackets). */
typedef struct lx_vit_config {
  int image_size;      /* input side in pixels (420) */
  int patch_size;      /* 14 */
  int grid;            /* image_size / patch_size (30) */
  int n_tokens;        /* 1 + grid*grid (901): CLS + patches */
  int width;           /* 1408 */
  int depth;           /* blocks run (39; LLaVA's CLIP: 23 of 24) */
  int heads;           /* width / 88 (16) */
  int head_dim;        /* width / heads (88) */
  int mlp_dim;         /* 6144 */
  float norm_eps;      /* LayerNorm eps (1e-6) [1e-5] */
  bool patch_bias;     /* the patch convolution has a bias [no] */
  bool k_bias;         /* k has a bias, as q and v do [yes] */
  bool pre_norm;       /* a LayerNorm on the tokens before the first block [yes] */
  lx_activation act;   /* the MLP's activation: exact GELU [QuickGELU] */
  bool post_norm;      /* a LayerNorm on every token after the last block run [no] */
  float post_norm_eps; /* its eps */
  bool drop_cls;       /* the output is the patches only, CLS dropped [LLaVA: yes] */
} lx_vit_config;

/* Reads a ViT object (o, at `at` for messages): image_size, patch_size, width, depth, heads,
 * mlp_dim, norm_eps; and the optional knobs with EVA's defaults: "patch_bias" (true),
 * "qkv_bias": "qv" | "qkv" ("qv"), "pre_norm" (false), "act": "gelu" | "quick_gelu" ("gelu"),
 * "post_norm_eps" (a post-norm when present), "features": "all" | "patches" ("all"). */
int lx_vit_config_read(const cJSON *o, const char *file, const char *at, lx_vit_config *v,
                       lx_error *err);

/* Rows a ViT's forward pass returns: n_tokens, or n_tokens - 1 without CLS. */
static inline int lx_vit_out_rows(const lx_vit_config *v) {
  return v->drop_cls ? v->n_tokens - 1 : v->n_tokens;
}

/* A Perceiver resampler (section 2). */
typedef struct lx_resampler_config {
  int depth;      /* 3 */
  int n_latents;  /* 32 */
  int heads;      /* 8 */
  int head_dim;   /* 64 */
  int ff_dim;     /* 4 * llm width (16384) */
  float norm_eps; /* 1e-5 */
} lx_resampler_config;

/* A BLIP-2 Q-Former (docs/model-zoo.md section 3.1): a post-norm BERT whose query rows
 * cross-attend to the image every cross_every-th layer, with or without the instruction text
 * beside the queries (InstructBLIP; not BLIP-2 or MiniGPT-4). */
typedef struct lx_qformer_config {
  int layers;        /* 12 */
  int width;         /* 768 */
  int heads;         /* 12 */
  int head_dim;      /* width / heads (64) */
  int ff_dim;        /* 3072 */
  int n_query;       /* query tokens (32) */
  int cross_every;   /* cross-attention on layers i % cross_every == 0 (2) */
  float norm_eps;    /* every LayerNorm (1e-12) */
  int vision_width;  /* the image rows' width (1408): the cross-attention's k and v inputs */
  int text_vocab;    /* word embedding rows (30523); 0: no text path */
  int max_positions; /* position embedding rows (512) */
  int max_text;      /* the text's token limit, [CLS] and [SEP] included (128) */
} lx_qformer_config;

/* Reads a Q-Former object (o, at `at` for messages): num_layers, hidden_size, num_heads,
 * intermediate_size, num_query_tokens, cross_attention_every, layer_norm_eps, and, for the text
 * path, text: {vocab_size, max_position_embeddings, max_length} (absent or null: none).
 * vision_width is the caller's. */
int lx_qformer_config_read(const cJSON *o, const char *file, const char *at, int vision_width,
                           lx_qformer_config *q, lx_error *err);

#define LX_LLM_MAX_ADDED_TOKENS 8

/* A LLaMA decoder with optional bottleneck adapters and gated cross-attention (sections 3, 9). */
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
  /* Tokens added to the vocabulary ("added_tokens": [{"text", "id", "strip"}]; LLaVA v1's
   * [PAD], <im_patch>, <im_start>, <im_end>): registered as special tokens of the tokenizer;
   * strip: the whitespace next to them is removed (transformers 4.28's slow tokenizer does that
   * for tokens added as plain strings; its fast one does not). */
  int n_added;
  /* "special_tokens": "ids" (false, the default): the tokenizer's special tokens are the pieces of
   * bos, eos and unk and a "[PAD]" at pad_id (Lynx's reference), besides added_tokens;
   * "added_tokens" (true): exactly added_tokens, the texts the model's own tokenizer files name
   * (MiniGPT-4's Vicuna v0, whose bos and eos texts are empty strings that match nothing) */
  bool specials_listed;
  struct {
    char text[32];
    int id;
    bool strip;
  } added[LX_LLM_MAX_ADDED_TOKENS];
} lx_llm_config;

/* Reads config.json's "llm" object (o; file names it in messages):
 *   vocab_size, hidden_size, num_layers, num_heads, intermediate_size, rms_norm_eps, rope_theta,
 *   max_position_embeddings, adapter_every, adapter_dim, adapter_norm_eps, bos_token_id,
 *   eos_token_id, pad_token_id, unk_token_id; and cross_attention {every, heads, head_dim,
 *   ff_dim, norm_eps}, required when cross_attention is true and refused otherwise; and
 *   optionally added_tokens and special_tokens. */
int lx_llm_config_read(const cJSON *o, const char *file, bool cross_attention, lx_llm_config *l,
                       lx_error *err);

#endif
