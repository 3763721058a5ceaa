/* blocks.h: network pieces the Perceiver resampler and the gated cross-attention blocks share.
 * Both follow Flamingo: queries from one sequence attend to keys and values projected from the
 * media with one packed matrix, and a bias-free feed-forward LN -> Linear -> GELU -> Linear.
 */
#ifndef LX_BLOCKS_H
#define LX_BLOCKS_H

#include "model/backend.h"
#include "model/tensor.h"
#include "model/weights.h"

/* Feed-forward without biases: out = fc2(GELU(fc1(LN(x)))).
 * Tensor names: PREFIX.norm.{weight,bias} [D], PREFIX.fc1.weight [F,D], PREFIX.fc2.weight [D,F]. */
typedef struct lx_feedforward {
  int dim, ff_dim;              /* D, F */
  float eps;                    /* LayerNorm eps */
  const float *norm_w, *norm_b; /* [D] */
  lx_tensor fc1;                /* [F, D] */
  lx_tensor fc2;                /* [D, F] */
} lx_feedforward;

void lx_feedforward_bind(lx_feedforward *ff, int dim, int ff_dim, float eps, lx_binder *b,
                         const char *prefix);

/* x [T, D] -> out [T, D]; ln [T, D] and mid [T, F] are scratch (out may alias ln). */
void lx_feedforward_forward(lx_backend *be, const lx_feedforward *ff, const float *x, int T,
                            float *ln, float *mid, float *out);

/* Multi-head attention of q [T, heads*head_dim] over packed media keys and values
 * kv [n_media, 2*heads*head_dim] (keys in the first half of each row), scale head_dim^-0.5:
 * out [T, heads*head_dim]. Every query sees every media token. */
void lx_media_attention(lx_backend *be, const float *q, int T, const float *kv, int n_media,
                        int heads, int head_dim, float *out);

#endif
