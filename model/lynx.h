/* lynx.h: the whole Lynx model: load a model directory, encode media, prefill prompts, decode
 * steps. This is the interface the command line, tasks and benchmarks use.
 *
 * Data flow (lynx-model.md):
 *   pixels [F,3,S,S] -> ViT per frame [F, T, Wv] (+ frame embedding for video) -> concatenate
 *   [F*T, Wv] -> resampler [L, D] = "media"
 *   prefix variant:          LLM input = media ++ embed(ids)
 *   cross_attention variant: LLM input = embed(ids); CA blocks attend to media
 *
 * A model directory holds config.json (config.h), model.safetensors (weights.h) and
 * tokenizer.model. Loading maps the weights (no copy for F32/F16/BF16 matrices) and checks every
 * tensor against the config; unknown tensors are refused.
 *
 * Ownership: lx_model_load returns a model the caller frees with lx_model_free; sessions borrow
 * the model and must be freed first. One thread drives a model at a time.
 */
#ifndef LX_LYNX_H
#define LX_LYNX_H

#include "common/error.h"
#include "model/config.h"
#include "model/llama.h"
#include "model/resampler.h"
#include "model/vit.h"
#include "model/weights.h"
#include "text/tokenizer.h"

typedef struct lx_model {
  char *dir;
  lx_config cfg;
  lx_weights *weights;
  lx_vit vit;
  const float *frame_pos; /* [num_frames, Wv], or NULL */
  lx_resampler resampler;
  lx_llama llm;
  lx_tokenizer *tokenizer; /* with the reference's special tokens (<s>, </s>, <unk>, [PAD]) */
} lx_model;

int lx_model_load(const char *dir, lx_model **out, lx_error *err);

/* Loads only the tokenizer of a model directory (tokenizer.model, else tokenizer.json) and checks
 * that with [PAD] its vocabulary is the config's. */
int lx_tokenizer_load_for(const char *dir, const lx_config *cfg, lx_tokenizer **out, lx_error *err);
/* A model of the given shapes with synthetic random weights (lx_weights_synthetic) of `dtype`
 * and no tokenizer: for benchmarks at real sizes without any download. */
int lx_model_synthetic(const lx_config *cfg, lx_dtype dtype, unsigned long long seed,
                       lx_model **out, lx_error *err);

void lx_model_free(lx_model *m);

/* Encodes one image (n_frames = 1) or one video (n_frames = cfg.num_frames) into
 * media [n_latents, D]. pixels: [n_frames, 3, S, S], preprocessed. If vit_out is not NULL it
 * receives the ViT's output per frame [n_frames, T, Wv] (before the frame embedding). */
int lx_model_encode(const lx_model *m, const float *pixels, int n_frames, float *vit_out,
                    float *media, lx_error *err);

/* One prompt of a batch. */
typedef struct lx_prompt {
  const float *media; /* [n_latents, D] from lx_model_encode, or NULL for text only */
  const int *ids;     /* token ids, BOS included if wanted */
  int n_ids;
} lx_prompt;

typedef struct lx_session lx_session;

/* A session decodes `rows` sequences of up to `capacity` positions each (media tokens included
 * for the prefix variant). */
int lx_session_new(const lx_model *m, int rows, int capacity, lx_session **out, lx_error *err);
void lx_session_free(lx_session *s);

/* Prefills every row from prompts[rows] and writes each row's next-token logits:
 * logits [rows, vocab_size]. Rows must be fresh. Fails on an empty prompt, a token id outside the
 * vocabulary, or a prompt longer than the capacity. */
int lx_session_prefill(lx_session *s, const lx_prompt *prompts, float *logits, lx_error *err);

/* Prefills only rows[0..n) (each fresh) from prompts[0..n); logits [n, vocab_size]. */
int lx_session_prefill_rows(lx_session *s, const int *rows, int n, const lx_prompt *prompts,
                            float *logits, lx_error *err);

/* Beam bookkeeping: row r becomes a copy of row src[r] (for every row; a source may be used
 * several times). Copies the KV cache, the media keys and values, and the lengths. */
void lx_session_reorder(lx_session *s, const int *src);

/* Appends one token per row (ids [rows]) and writes the next-token logits [rows, vocab_size]. */
int lx_session_step(lx_session *s, const int *ids, float *logits, lx_error *err);

/* Tokens stored for a row (media tokens included). */
int lx_session_length(const lx_session *s, int row);

#endif
