#include "model/vit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "model/backend.h"

void lx_vit_bind(lx_vit *vit, const lx_vit_config *cfg, lx_binder *b) {
  memset(vit, 0, sizeof *vit);
  vit->cfg = *cfg;
  const int64_t W = cfg->width, P = cfg->patch_size, M = cfg->mlp_dim;
  int64_t conv_shape[4] = {W, 3, P, P};
  vit->patch_w = lx_bind(b, 4, conv_shape, "vit.patch_embed.weight");
  vit->patch_w.ndim = 2;
  vit->patch_w.shape[1] = 3 * P * P;
  vit->patch_b = cfg->patch_bias ? lx_bind_vector(b, W, "vit.patch_embed.bias") : NULL;
  vit->cls = lx_bind_vector(b, W, "vit.cls_token");
  int64_t pos_shape[2] = {cfg->n_tokens, W};
  vit->pos = lx_bind_f32(b, 2, pos_shape, "vit.pos_embed");
  if (cfg->pre_norm) {
    vit->pre_norm_w = lx_bind_vector(b, W, "vit.pre_norm.weight");
    vit->pre_norm_b = lx_bind_vector(b, W, "vit.pre_norm.bias");
  }
  if (cfg->post_norm) {
    vit->post_norm_w = lx_bind_vector(b, W, "vit.post_norm.weight");
    vit->post_norm_b = lx_bind_vector(b, W, "vit.post_norm.bias");
  }
  vit->blocks = lx_xcalloc((size_t)cfg->depth, sizeof *vit->blocks);
  for (int i = 0; i < cfg->depth; i++) {
    lx_vit_block *k = &vit->blocks[i];
    k->norm1_w = lx_bind_vector(b, W, "vit.blocks.%d.norm1.weight", i);
    k->norm1_b = lx_bind_vector(b, W, "vit.blocks.%d.norm1.bias", i);
    k->q = lx_bind_matrix(b, W, W, "vit.blocks.%d.attn.q.weight", i);
    k->k = lx_bind_matrix(b, W, W, "vit.blocks.%d.attn.k.weight", i);
    k->v = lx_bind_matrix(b, W, W, "vit.blocks.%d.attn.v.weight", i);
    k->q_bias = lx_bind_vector(b, W, "vit.blocks.%d.attn.q.bias", i);
    k->k_bias = cfg->k_bias ? lx_bind_vector(b, W, "vit.blocks.%d.attn.k.bias", i) : NULL;
    k->v_bias = lx_bind_vector(b, W, "vit.blocks.%d.attn.v.bias", i);
    k->proj = lx_bind_matrix(b, W, W, "vit.blocks.%d.attn.proj.weight", i);
    k->proj_bias = lx_bind_vector(b, W, "vit.blocks.%d.attn.proj.bias", i);
    k->norm2_w = lx_bind_vector(b, W, "vit.blocks.%d.norm2.weight", i);
    k->norm2_b = lx_bind_vector(b, W, "vit.blocks.%d.norm2.bias", i);
    k->fc1 = lx_bind_matrix(b, M, W, "vit.blocks.%d.mlp.fc1.weight", i);
    k->fc1_bias = lx_bind_vector(b, M, "vit.blocks.%d.mlp.fc1.bias", i);
    k->fc2 = lx_bind_matrix(b, W, M, "vit.blocks.%d.mlp.fc2.weight", i);
    k->fc2_bias = lx_bind_vector(b, W, "vit.blocks.%d.mlp.fc2.bias", i);
  }
}

double lx_vit_flops(const lx_vit_config *v) {
  const double T = v->n_tokens, W = v->width;
  double block = 8 * T * W * W + 4 * T * W * v->mlp_dim + 4 * T * T * W;
  double patch = 2.0 * (T - 1) * 3 * v->patch_size * v->patch_size * W;
  return v->depth * block + patch;
}

void lx_vit_free(lx_vit *vit) {
  free(vit->blocks);
  vit->blocks = NULL;
}

/* cols[G*G, 3*P*P]: each patch's pixels in the conv kernel's (channel, row, column) order. */
static void im2col(const float *pixels, int S, int P, float *cols) {
  const int G = S / P;
  for (int gy = 0; gy < G; gy++)
    for (int gx = 0; gx < G; gx++) {
      float *c = cols + ((size_t)gy * G + gx) * 3 * P * P;
      for (int ch = 0; ch < 3; ch++)
        for (int ky = 0; ky < P; ky++)
          memcpy(c + ((size_t)ch * P + ky) * P,
                 pixels + ((size_t)ch * S + (size_t)gy * P + ky) * S + (size_t)gx * P,
                 (size_t)P * sizeof(float));
    }
}

void lx_vit_scratch_free(lx_vit_scratch *s) {
  lx_scratch *all[] = {&s->cols, &s->x, &s->h, &s->q, &s->k, &s->v, &s->o, &s->mlp};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lx_scratch_free(all[i]);
}

void lx_vit_forward(lx_backend *be, const lx_vit *vit, const float *pixels, float *out,
                    lx_vit_scratch *s) {
  const lx_vit_config *c = &vit->cfg;
  const int T = c->n_tokens, W = c->width, M = c->mlp_dim, P = c->patch_size;
  const size_t TW = (size_t)T * W;
  float *cols = lx_scratch_get(&s->cols, (size_t)(T - 1) * 3 * P * P); /* [T-1, 3*P*P] */
  /* the tokens [T, W]: out itself when it takes every token */
  float *x = c->drop_cls ? lx_scratch_get(&s->x, TW) : out;
  float *h = lx_scratch_get(&s->h, TW); /* normed input [T, W] */
  float *q = lx_scratch_get(&s->q, TW); /* [T, W] */
  float *k = lx_scratch_get(&s->k, TW);
  float *v = lx_scratch_get(&s->v, TW);
  float *o = lx_scratch_get(&s->o, TW);                /* attention output [T, W] */
  float *mlp = lx_scratch_get(&s->mlp, (size_t)T * M); /* [T, M] */

  /* Tokens: x[0] = CLS, x[1 + p] = patch p; then + position embeddings. */
  im2col(pixels, c->image_size, P, cols);
  lx_linear(be, x + W, cols, T - 1, &vit->patch_w, vit->patch_b, false);
  memcpy(x, vit->cls, (size_t)W * sizeof(float));
  lx_add(be, x, vit->pos, TW);
  if (c->pre_norm) lx_layernorm(be, x, x, T, W, vit->pre_norm_w, vit->pre_norm_b, c->norm_eps);

  const float scale = (float)(1.0 / sqrt((double)c->head_dim));
  for (int i = 0; i < c->depth; i++) {
    const lx_vit_block *b = &vit->blocks[i];
    /* x = x + proj(attn(LN1(x))) */
    lx_layernorm(be, h, x, T, W, b->norm1_w, b->norm1_b, c->norm_eps);
    lx_linear(be, q, h, T, &b->q, b->q_bias, false);
    lx_linear(be, k, h, T, &b->k, b->k_bias, false);
    lx_linear(be, v, h, T, &b->v, b->v_bias, false);
    lx_attention(be, &(lx_attention_args){.n_q = T,
                                          .n_kv = T,
                                          .heads = c->heads,
                                          .head_dim = c->head_dim,
                                          .q = q,
                                          .ldq = W,
                                          .k = k,
                                          .ldk = W,
                                          .v = v,
                                          .ldv = W,
                                          .out = o,
                                          .ldo = W,
                                          .scale = scale});
    lx_linear(be, h, o, T, &b->proj, b->proj_bias, false);
    lx_add(be, x, h, TW);
    /* x = x + fc2(GELU(fc1(LN2(x)))) */
    lx_layernorm(be, h, x, T, W, b->norm2_w, b->norm2_b, c->norm_eps);
    lx_linear(be, mlp, h, T, &b->fc1, b->fc1_bias, false);
    if (c->act == LX_ACT_QUICK_GELU)
      lx_quick_gelu(be, mlp, (size_t)T * M);
    else
      lx_gelu(be, mlp, (size_t)T * M);
    lx_linear(be, h, mlp, T, &b->fc2, b->fc2_bias, false);
    lx_add(be, x, h, TW);
  }
  if (c->post_norm)
    lx_layernorm(be, x, x, T, W, vit->post_norm_w, vit->post_norm_b, c->post_norm_eps);
  if (c->drop_cls) memcpy(out, x + W, (TW - (size_t)W) * sizeof(float));
}
