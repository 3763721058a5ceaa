/* lynx.h: the Lynx family (docs/lynx-model.md): EVA ViT -> Perceiver resampler -> LLaMA (Vicuna)
 * with adapters, in two variants: prefix ("PT"):           LLM input = media ++ embed(ids)
 *   cross_attention ("CA"):  LLM input = embed(ids); gated CA blocks attend to the media
 *
 *   pixels [F,3,S,S] -> ViT per frame [F, T, Wv] (+ frame embedding for video) -> concatenate
 *   [F*T, Wv] -> resampler [L, D] = media
 *
 * Everything else reaches Lynx through model.h; this header is for the family table and for the
 * Lynx tests, which look at intermediate results (the ViT's output) and at the bound weights. */
#ifndef LX_LYNX_H
#define LX_LYNX_H

#include "model/family.h"
#include "model/llama.h"
#include "model/lynx/lynx_config.h"
#include "model/resampler.h"
#include "model/vit.h"

/* Encode's activations, kept between calls so that a warm encode allocates nothing (one thread
 * drives a model at a time, model.h). */
typedef struct lx_lynx_scratch {
  lx_scratch tokens; /* [F*T, Wv]: the frames' ViT tokens */
  lx_vit_scratch vit;
  lx_resampler_scratch resampler;
} lx_lynx_scratch;

typedef struct lx_lynx {
  lx_lynx_config cfg;
  lx_backend *backend; /* what it runs on (borrowed; set by binding) */
  lx_lynx_scratch *scratch;
  lx_vit vit;
  const float *frame_pos; /* [num_frames, Wv], or NULL */
  lx_resampler resampler;
  lx_llama llm;
} lx_lynx;

extern const lx_family lx_family_lynx;

/* m's network when m is a Lynx model, else NULL. */
const lx_lynx *lx_lynx_of(const lx_model *m);

/* lx_model_encode, also writing the ViT's output per frame vit_out [n_frames, T, Wv] (before the
 * frame embedding) when vit_out is not NULL. */
int lx_lynx_encode(const lx_lynx *net, const float *pixels, int n_frames, float *vit_out,
                   float *media, lx_encode_profile *profile, lx_error *err);

#endif
