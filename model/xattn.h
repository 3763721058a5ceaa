/* xattn.h: gated cross-attention blocks, the Flamingo-style "CA" variant (docs/lynx-model.md
 * section 9).
 *
 * Inserted before LLM layers i with i % every == 0. With media [n_media, Dm] (the resampler's
 * output) and text hidden states x [T, D]:
 *   x = x + tanh(attn_gate) * to_out(attn(q = to_q(LN(x)), k|v = to_kv(media)))
 *   x = x + tanh(ff_gate)   * fc2(GELU(fc1(LN_ff(x))))
 * Every text token sees every media token; no biases except the LayerNorms. With both gates at 0
 * the block is the identity, so the model is exactly the plain LLM. A row without media skips the
 * blocks.
 *
 * Tensor names (N = the LLM layer the block precedes):
 *   llm.layers.N.xattn.norm.{weight,bias} [D], llm.layers.N.xattn.to_q.weight [I,D],
 *   llm.layers.N.xattn.to_kv.weight [2I,Dm], llm.layers.N.xattn.to_out.weight [D,I],
 *   llm.layers.N.xattn.attn_gate [1], llm.layers.N.xattn.ff.norm.{weight,bias} [D],
 *   llm.layers.N.xattn.ff.fc1.weight [F,D], llm.layers.N.xattn.ff.fc2.weight [D,F],
 *   llm.layers.N.xattn.ff_gate [1]     with I = heads * head_dim, F = ff_dim.
 */
#ifndef LX_XATTN_H
#define LX_XATTN_H

#include "model/backend.h"
#include "model/block_config.h"
#include "model/blocks.h"
#include "model/weights.h"

typedef struct lx_xattn_block {
  int layer;                    /* the LLM layer it precedes */
  const float *norm_w, *norm_b; /* [D] */
  lx_tensor to_q;               /* [I, D] */
  lx_tensor to_kv;              /* [2I, Dm]: keys rows [0, I), values [I, 2I) */
  lx_tensor to_out;             /* [D, I] */
  float attn_gate;              /* tanh(attn_gate), precomputed */
  lx_feedforward ff;            /* D -> F -> D */
  float ff_gate;                /* tanh(ff_gate), precomputed */
} lx_xattn_block;

typedef struct lx_xattn_scratch {
  lx_scratch h, q, o, ff;
} lx_xattn_scratch;

void lx_xattn_bind(lx_xattn_block *x, const lx_llm_config *cfg, int media_width, int layer,
                   lx_binder *b);

/* media [n_media, Dm] -> kv [n_media, 2I] (once per prompt, reused at every step). */
void lx_xattn_media_kv(lx_backend *be, const lx_xattn_block *x, const float *media, int n_media,
                       float *kv);

/* x [T, D] += the gated block, attending to kv [n_media, 2I]. */
void lx_xattn_forward(lx_backend *be, const lx_xattn_block *x, const lx_llm_config *cfg,
                      float *hidden, int T, const float *kv, int n_media, lx_xattn_scratch *s);

#endif
