/* qformer.h: the BLIP-2 Q-Former bridge (docs/model-zoo.md section 3.1, LAVIS
 * lavis/models/blip2_models/Qformer.py): a BERT-base encoder whose n_query learned query rows read
 * the image through cross-attention and leave as the bridge's output.
 *
 * image [n_img, Wv] (the ViT's rows after ln_vision), text ids [T] (optional) -> out [Q, D]:
 *   x = LN_embed([query_tokens ; word[ids] + pos[0..T)])          [Q + T, D]  (text positions from
 * 0) per layer i: x = LN(x + o(attn(q(x), k(x), v(x))))                        every row sees every
 * row if i % cross_every == 0: x[:Q] = LN(x[:Q] + o'(attn(q'(x[:Q]), k'(image), v'(image))))
 * queries only x[:Q] = LN(x[:Q] + fc2_q(GELU(fc1_q(x[:Q]))))                the queries' own
 * feed-forward x[Q:] = LN(x[Q:] + fc2_t(GELU(fc1_t(x[Q:]))))                the text's out = x[:Q]
 * Post-norm BERT: attention scale head_dim^-0.5, exact GELU, biases on every Linear, one eps for
 * every LayerNorm (1e-12). A batch of one: no mask (every row is real).
 *
 * Tensor names (width D, Wv, F = ff_dim, V = text_vocab, P = max_positions):
 *   qformer.query_tokens [Q, D]; qformer.embed.norm.{weight,bias} [D]
 *   with text: qformer.embed.word [V, D], qformer.embed.pos [P, D]
 *   qformer.layers.N.self.{q,k,v,o}.{weight [D, D], bias [D]}, qformer.layers.N.self_norm.*
 *   cross layers: qformer.layers.N.cross.q.* [D, D], .cross.{k,v}.weight [D, Wv] (+ bias [D]),
 *     .cross.o.* [D, D], qformer.layers.N.cross_norm.*
 *   qformer.layers.N.ffn_q.{fc1 [F, D], fc2 [D, F]}.{weight,bias}, qformer.layers.N.ffn_q.norm.*
 *   with text: the same under qformer.layers.N.ffn_t (bound on every layer; the last layer's is
 *     not run, since its text rows are not part of the output)
 */
#ifndef LX_QFORMER_H
#define LX_QFORMER_H

#include "model/backend.h"
#include "model/block_config.h"
#include "model/tensor.h"
#include "model/weights.h"

/* A Linear with its bias. */
typedef struct lx_qformer_linear {
  lx_tensor w;    /* [out, in] */
  const float *b; /* [out] */
} lx_qformer_linear;

typedef struct lx_qformer_ffn {
  lx_qformer_linear fc1, fc2;
  const float *norm_w, *norm_b; /* [D] */
} lx_qformer_ffn;

typedef struct lx_qformer_layer {
  lx_qformer_linear q, k, v, o;
  const float *self_norm_w, *self_norm_b;
  bool cross;
  lx_qformer_linear cq, ck, cv, co; /* ck, cv: [D, Wv] */
  const float *cross_norm_w, *cross_norm_b;
  lx_qformer_ffn ffn_q, ffn_t; /* ffn_t: the text path's */
} lx_qformer_layer;

typedef struct lx_qformer {
  lx_qformer_config cfg;
  const float *query_tokens;                /* [Q, D] */
  lx_tensor word, pos;                      /* text path: [V, D], [P, D] */
  const float *embed_norm_w, *embed_norm_b; /* [D] */
  lx_qformer_layer *layers;                 /* [layers] */
} lx_qformer;

void lx_qformer_bind(lx_qformer *q, const lx_qformer_config *cfg, lx_binder *b);
void lx_qformer_free(lx_qformer *q);

typedef struct lx_qformer_scratch {
  lx_scratch x, tmp, q, k, v, ctx, ck, cv, mid;
} lx_qformer_scratch;
void lx_qformer_scratch_free(lx_qformer_scratch *s);

/* image [n_img, Wv], text ids[n_ids] (0 <= id < V; n_ids <= max_text; none without the text
 * path) -> out [Q, D]. */
void lx_qformer_forward(lx_backend *be, const lx_qformer *q, const float *image, int n_img,
                        const int *ids, int n_ids, float *out, lx_qformer_scratch *s);

#endif
