/* resampler.h: the Perceiver resampler bridge (docs/lynx-model.md section 2).
 *
 * media [n_media, Wv] (ViT tokens; n_media = frames * tokens for video) -> latents [L, D]:
 *   latents = learned [L, D]
 *   per layer: latents += to_out(attn(q = to_q(LN(latents)), k|v = to_kv(LN(media))))
 *              latents += fc2(GELU(fc1(LN(latents))))
 *   out = LN(latents)
 * Keys and values come from the media only. No biases except LayerNorms (eps from config).
 *
 * Tensor names: resampler.latents [L,D], resampler.norm.{weight,bias} [D],
 *   resampler.layers.N.attn.norm_media.{weight,bias} [Wv],
 *   resampler.layers.N.attn.norm_latents.{weight,bias} [D],
 *   resampler.layers.N.attn.to_q.weight [I,D], .to_kv.weight [2I,Wv], .to_out.weight [D,I],
 *   resampler.layers.N.ff.norm.{weight,bias} [D], .ff.fc1.weight [F,D], .ff.fc2.weight [D,F]
 * with I = heads * head_dim, F = ff_dim.
 */
#ifndef LX_RESAMPLER_H
#define LX_RESAMPLER_H

#include "model/backend.h"
#include "model/block_config.h"
#include "model/blocks.h"
#include "model/tensor.h"
#include "model/weights.h"

typedef struct lx_resampler_layer {
  const float *norm_media_w, *norm_media_b;     /* [Wv] */
  const float *norm_latents_w, *norm_latents_b; /* [D] */
  lx_tensor to_q;                               /* [I, D] */
  lx_tensor to_kv;                              /* [2I, Wv]: keys rows [0, I), values [I, 2I) */
  lx_tensor to_out;                             /* [D, I] */
  lx_feedforward ff;                            /* D -> F -> D */
} lx_resampler_layer;

typedef struct lx_resampler {
  lx_resampler_config cfg;
  int media_width;              /* Wv */
  int width;                    /* D */
  const float *latents;         /* [L, D] */
  const float *norm_w, *norm_b; /* [D] */
  lx_resampler_layer *layers;   /* [depth] */
} lx_resampler;

void lx_resampler_bind(lx_resampler *r, const lx_resampler_config *cfg, int media_width, int width,
                       lx_binder *b);
void lx_resampler_free(lx_resampler *r);

/* Activations of a forward pass, kept between calls so that a warm pass allocates nothing. */
typedef struct lx_resampler_scratch {
  lx_scratch lat, ln, xm, q, kv, o, ff;
} lx_resampler_scratch;
void lx_resampler_scratch_free(lx_resampler_scratch *s);

/* media [n_media, Wv] -> out [L, D]. */
void lx_resampler_forward(lx_backend *be, const lx_resampler *r, const float *media, int n_media,
                          float *out, lx_resampler_scratch *s);

#endif
