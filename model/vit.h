/* vit.h: the pre-norm ViT: EVA ViT-g (docs/lynx-model.md section 1) and OpenAI CLIP's vision
 * tower (HF modeling_clip.py; docs/model-zoo.md S4), one module with the knobs of
 * lx_vit_config (block_config.h).
 *
 * pixels [3, S, S] -> patch embedding (conv P x P, stride P; EVA: with bias, CLIP: without) ->
 * prepend CLS -> add position embeddings [1 + G*G, W] -> (CLIP: pre-norm LayerNorm) -> `depth`
 * pre-norm blocks -> (post-norm LayerNorm when configured) -> every token, or the patches only
 * (drop_cls). Attention: q and v have biases, k too when k_bias (CLIP); scale head_dim^-0.5.
 * MLP: fc1 -> exact GELU (EVA) or QuickGELU x sigmoid(1.702 x) (CLIP) -> fc2, with biases.
 *
 * Tensor names (model.safetensors):
 *   vit.patch_embed.weight [W,3,P,P], vit.patch_embed.bias [W] (patch_bias), vit.cls_token [W],
 *   vit.pos_embed [1+G*G, W], vit.pre_norm.{weight,bias} [W] (pre_norm),
 *   vit.blocks.N.{norm1,norm2}.{weight,bias} [W],
 *   vit.blocks.N.attn.{q,k,v}.weight [W,W], vit.blocks.N.attn.{q,v}.bias [W],
 *   vit.blocks.N.attn.k.bias [W] (k_bias), vit.blocks.N.attn.proj.{weight [W,W], bias [W]},
 *   vit.blocks.N.mlp.fc1.{weight [M,W], bias [M]}, vit.blocks.N.mlp.fc2.{weight [W,M], bias [W]},
 *   vit.post_norm.{weight,bias} [W] (post_norm)
 */
#ifndef LX_VIT_H
#define LX_VIT_H

#include "model/backend.h"
#include "model/block_config.h"
#include "model/tensor.h"
#include "model/weights.h"

typedef struct lx_vit_block {
  const float *norm1_w, *norm1_b, *norm2_w, *norm2_b; /* [W] */
  lx_tensor q, k, v, proj;                            /* [W, W] */
  const float *q_bias, *k_bias, *v_bias, *proj_bias;  /* [W] (k_bias NULL: EVA) */
  lx_tensor fc1;                                      /* [M, W] */
  const float *fc1_bias;                              /* [M] */
  lx_tensor fc2;                                      /* [W, M] */
  const float *fc2_bias;                              /* [W] */
} lx_vit_block;

typedef struct lx_vit {
  lx_vit_config cfg;
  lx_tensor patch_w;                    /* [W, 3*P*P]: the conv kernel [W,3,P,P] seen as a matrix */
  const float *patch_b;                 /* [W], or NULL */
  const float *cls;                     /* [W] */
  const float *pos;                     /* [1 + G*G, W] */
  const float *pre_norm_w, *pre_norm_b; /* [W], or NULL */
  lx_vit_block *blocks;                 /* [depth] */
  const float *post_norm_w, *post_norm_b; /* [W], or NULL */
} lx_vit;

/* Binds the tensors above; fails (through the binder) on a missing or misshaped tensor. */
void lx_vit_bind(lx_vit *vit, const lx_vit_config *cfg, lx_binder *b);
void lx_vit_free(lx_vit *vit);

/* FLOPs of one frame's forward pass: per block q, k, v, proj (8 T W^2), the MLP (4 T W mlp),
 * attention scores and mixing (4 T^2 W); plus the patch embedding. */
double lx_vit_flops(const lx_vit_config *v);

/* Activations of a forward pass, kept between calls so that a warm pass allocates nothing. */
typedef struct lx_vit_scratch {
  lx_scratch cols, x, h, q, k, v, o, mlp;
} lx_vit_scratch;
void lx_vit_scratch_free(lx_vit_scratch *s);

/* pixels [3, S, S] (preprocessed float32) -> out [lx_vit_out_rows(cfg), W]: every token
 * [1 + G*G, W], or the patches [G*G, W] when drop_cls. */
void lx_vit_forward(lx_backend *be, const lx_vit *vit, const float *pixels, float *out,
                    lx_vit_scratch *s);

#endif
