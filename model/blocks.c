#include "model/blocks.h"

#include <math.h>

#include "model/backend.h"

void lx_feedforward_bind(lx_feedforward *ff, int dim, int ff_dim, float eps, lx_binder *b,
                         const char *prefix) {
  ff->dim = dim;
  ff->ff_dim = ff_dim;
  ff->eps = eps;
  ff->norm_w = lx_bind_vector(b, dim, "%s.norm.weight", prefix);
  ff->norm_b = lx_bind_vector(b, dim, "%s.norm.bias", prefix);
  ff->fc1 = lx_bind_matrix(b, ff_dim, dim, "%s.fc1.weight", prefix);
  ff->fc2 = lx_bind_matrix(b, dim, ff_dim, "%s.fc2.weight", prefix);
}

void lx_feedforward_forward(lx_backend *be, const lx_feedforward *ff, const float *x, int T,
                            float *ln, float *mid, float *out) {
  lx_layernorm(be, ln, x, T, ff->dim, ff->norm_w, ff->norm_b, ff->eps);
  lx_linear(be, mid, ln, T, &ff->fc1, NULL, false);
  lx_gelu(be, mid, (size_t)T * ff->ff_dim);
  lx_linear(be, out, mid, T, &ff->fc2, NULL, false);
}

void lx_media_attention(lx_backend *be, const float *q, int T, const float *kv, int n_media,
                        int heads, int head_dim, float *out) {
  const int I = heads * head_dim;
  lx_attention(be, &(lx_attention_args){.n_q = T,
                                        .n_kv = n_media,
                                        .heads = heads,
                                        .head_dim = head_dim,
                                        .q = q,
                                        .ldq = I,
                                        .k = kv,
                                        .ldk = 2 * I,
                                        .v = kv + I,
                                        .ldv = 2 * I,
                                        .out = out,
                                        .ldo = I,
                                        .scale = (float)(1.0 / sqrt((double)head_dim))});
}
