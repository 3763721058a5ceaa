#include "model/xattn.h"

#include <math.h>
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
  x->ff_norm_w = lx_bind_vector(b, D, "llm.layers.%d.xattn.ff.norm.weight", layer);
  x->ff_norm_b = lx_bind_vector(b, D, "llm.layers.%d.xattn.ff.norm.bias", layer);
  x->ff_fc1 = lx_bind_matrix(b, F, D, "llm.layers.%d.xattn.ff.fc1.weight", layer);
  x->ff_fc2 = lx_bind_matrix(b, D, F, "llm.layers.%d.xattn.ff.fc2.weight", layer);
  g = lx_bind_vector(b, 1, "llm.layers.%d.xattn.ff_gate", layer);
  x->ff_gate = g ? tanhf(g[0]) : 0.0f;
}

void lx_xattn_media_kv(const lx_xattn_block *x, const float *media, int n_media, float *kv) {
  lx_linear(kv, media, n_media, &x->to_kv, NULL, false);
}

void lx_xattn_forward(const lx_xattn_block *x, const lx_llm_config *cfg, float *hidden, int T,
                      const float *kv, int n_media, lx_xattn_scratch *s) {
  const int D = cfg->hidden, I = cfg->xattn_heads * cfg->xattn_head_dim, F = cfg->xattn_ff_dim;
  float *h = lx_scratch_get(&s->h, (size_t)T * D);
  float *q = lx_scratch_get(&s->q, (size_t)T * I);
  float *o = lx_scratch_get(&s->o, (size_t)T * I);
  float *ff = lx_scratch_get(&s->ff, (size_t)T * F);
  lx_layernorm(h, hidden, T, D, x->norm_w, x->norm_b, cfg->xattn_norm_eps);
  lx_linear(q, h, T, &x->to_q, NULL, false);
  lx_attention(&(lx_attention_args){.n_q = T,
                                    .n_kv = n_media,
                                    .heads = cfg->xattn_heads,
                                    .head_dim = cfg->xattn_head_dim,
                                    .q = q,
                                    .ldq = I,
                                    .k = kv,
                                    .ldk = 2 * I,
                                    .v = kv + I,
                                    .ldv = 2 * I,
                                    .out = o,
                                    .ldo = I,
                                    .scale = (float)(1.0 / sqrt((double)cfg->xattn_head_dim))});
  lx_linear(h, o, T, &x->to_out, NULL, false);
  lx_axpy(hidden, x->attn_gate, h, (size_t)T * D);
  lx_layernorm(h, hidden, T, D, x->ff_norm_w, x->ff_norm_b, cfg->xattn_norm_eps);
  lx_linear(ff, h, T, &x->ff_fc1, NULL, false);
  lx_gelu(ff, (size_t)T * F);
  lx_linear(h, ff, T, &x->ff_fc2, NULL, false);
  lx_axpy(hidden, x->ff_gate, h, (size_t)T * D);
}
