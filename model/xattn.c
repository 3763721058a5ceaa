#include "model/xattn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void lx_xattn_bind(lx_xattn_block *x, const lx_llm_config *cfg, int media_width, int layer,
                   lx_binder *b) {
  memset(x, 0, sizeof *x);
  x->layer = layer;
  const int64_t D = cfg->hidden, I = (int64_t)cfg->xattn_heads * cfg->xattn_head_dim,
                F = cfg->xattn_ff_dim, Dm = media_width;
  x->norm_w = lx_bind_vector(b, D, "llm.layers.%d.xattn.norm.weight", layer);
  x->norm_b = lx_bind_vector(b, D, "llm.layers.%d.xattn.norm.bias", layer);
  x->to_q = lx_bind_matrix(b, I, D, "llm.layers.%d.xattn.to_q.weight", layer);
  x->to_kv = lx_bind_matrix(b, 2 * I, Dm, "llm.layers.%d.xattn.to_kv.weight", layer);
  x->to_out = lx_bind_matrix(b, D, I, "llm.layers.%d.xattn.to_out.weight", layer);
  const float *g = lx_bind_vector(b, 1, "llm.layers.%d.xattn.attn_gate", layer);
  x->attn_gate = g ? tanhf(g[0]) : 0.0f;
  char prefix[64];
  snprintf(prefix, sizeof prefix, "llm.layers.%d.xattn.ff", layer);
  lx_feedforward_bind(&x->ff, (int)D, (int)F, cfg->xattn_norm_eps, b, prefix);
  g = lx_bind_vector(b, 1, "llm.layers.%d.xattn.ff_gate", layer);
  x->ff_gate = g ? tanhf(g[0]) : 0.0f;
}

void lx_xattn_media_kv(lx_backend *be, const lx_xattn_block *x, const float *media, int n_media,
                       float *kv) {
  lx_linear(be, kv, media, n_media, &x->to_kv, NULL, false);
}

void lx_xattn_forward(lx_backend *be, const lx_xattn_block *x, const lx_llm_config *cfg,
                      float *hidden, int T, const float *kv, int n_media, lx_xattn_scratch *s) {
  const int D = cfg->hidden, I = cfg->xattn_heads * cfg->xattn_head_dim, F = cfg->xattn_ff_dim;
  float *h = lx_scratch_get(&s->h, (size_t)T * D);
  float *q = lx_scratch_get(&s->q, (size_t)T * I);
  float *o = lx_scratch_get(&s->o, (size_t)T * I);
  float *ff = lx_scratch_get(&s->ff, (size_t)T * F);
  lx_layernorm(be, h, hidden, T, D, x->norm_w, x->norm_b, cfg->xattn_norm_eps);
  lx_linear(be, q, h, T, &x->to_q, NULL, false);
  lx_media_attention(be, q, T, kv, n_media, cfg->xattn_heads, cfg->xattn_head_dim, o);
  lx_linear(be, h, o, T, &x->to_out, NULL, false);
  lx_axpy(be, hidden, x->attn_gate, h, (size_t)T * D);
  lx_feedforward_forward(be, &x->ff, hidden, T, h, ff, h);
  lx_axpy(be, hidden, x->ff_gate, h, (size_t)T * D);
}
