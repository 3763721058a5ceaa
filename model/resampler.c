#include "model/resampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "model/backend.h"

void lx_resampler_bind(lx_resampler *r, const lx_resampler_config *cfg, int media_width, int width,
                       lx_binder *b) {
  memset(r, 0, sizeof *r);
  r->cfg = *cfg;
  r->media_width = media_width;
  r->width = width;
  const int64_t D = width, Wv = media_width, I = (int64_t)cfg->heads * cfg->head_dim,
                F = cfg->ff_dim, L = cfg->n_latents;
  int64_t lat_shape[2] = {L, D};
  r->latents = lx_bind_f32(b, 2, lat_shape, "resampler.latents");
  r->layers = lx_xcalloc((size_t)cfg->depth ? (size_t)cfg->depth : 1, sizeof *r->layers);
  for (int i = 0; i < cfg->depth; i++) {
    lx_resampler_layer *l = &r->layers[i];
    l->norm_media_w = lx_bind_vector(b, Wv, "resampler.layers.%d.attn.norm_media.weight", i);
    l->norm_media_b = lx_bind_vector(b, Wv, "resampler.layers.%d.attn.norm_media.bias", i);
    l->norm_latents_w = lx_bind_vector(b, D, "resampler.layers.%d.attn.norm_latents.weight", i);
    l->norm_latents_b = lx_bind_vector(b, D, "resampler.layers.%d.attn.norm_latents.bias", i);
    l->to_q = lx_bind_matrix(b, I, D, "resampler.layers.%d.attn.to_q.weight", i);
    l->to_kv = lx_bind_matrix(b, 2 * I, Wv, "resampler.layers.%d.attn.to_kv.weight", i);
    l->to_out = lx_bind_matrix(b, D, I, "resampler.layers.%d.attn.to_out.weight", i);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "resampler.layers.%d.ff", i);
    lx_feedforward_bind(&l->ff, (int)D, (int)F, cfg->norm_eps, b, prefix);
  }
  r->norm_w = lx_bind_vector(b, D, "resampler.norm.weight");
  r->norm_b = lx_bind_vector(b, D, "resampler.norm.bias");
}

void lx_resampler_free(lx_resampler *r) {
  free(r->layers);
  r->layers = NULL;
}

void lx_resampler_scratch_free(lx_resampler_scratch *s) {
  lx_scratch *all[] = {&s->lat, &s->ln, &s->xm, &s->q, &s->kv, &s->o, &s->ff};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lx_scratch_free(all[i]);
}

void lx_resampler_forward(lx_backend *be, const lx_resampler *r, const float *media, int n_media,
                          float *out, lx_resampler_scratch *s) {
  const lx_resampler_config *c = &r->cfg;
  const int L = c->n_latents, D = r->width, Wv = r->media_width, I = c->heads * c->head_dim,
            F = c->ff_dim;
  float *lat = lx_scratch_get(&s->lat, (size_t)L * D);         /* [L, D] running latents */
  float *ln = lx_scratch_get(&s->ln, (size_t)L * D);           /* [L, D] */
  float *xm = lx_scratch_get(&s->xm, (size_t)n_media * Wv);    /* normed media [n_media, Wv] */
  float *q = lx_scratch_get(&s->q, (size_t)L * I);             /* [L, I] */
  float *kv = lx_scratch_get(&s->kv, (size_t)n_media * 2 * I); /* [n_media, 2I] */
  float *o = lx_scratch_get(&s->o, (size_t)L * I);             /* [L, I] */
  float *ff = lx_scratch_get(&s->ff, (size_t)L * F);           /* [L, F] */
  memcpy(lat, r->latents, (size_t)L * D * sizeof(float));
  for (int i = 0; i < c->depth; i++) {
    const lx_resampler_layer *l = &r->layers[i];
    lx_layernorm(be, xm, media, n_media, Wv, l->norm_media_w, l->norm_media_b, c->norm_eps);
    lx_layernorm(be, ln, lat, L, D, l->norm_latents_w, l->norm_latents_b, c->norm_eps);
    lx_linear(be, q, ln, L, &l->to_q, NULL, false);
    lx_linear(be, kv, xm, n_media, &l->to_kv, NULL, false);
    lx_media_attention(be, q, L, kv, n_media, c->heads, c->head_dim, o);
    lx_linear(be, ln, o, L, &l->to_out, NULL, false);
    lx_add(be, lat, ln, (size_t)L * D);
    lx_feedforward_forward(be, &l->ff, lat, L, ln, ff, ln);
    lx_add(be, lat, ln, (size_t)L * D);
  }
  lx_layernorm(be, out, lat, L, D, r->norm_w, r->norm_b, c->norm_eps);
}
