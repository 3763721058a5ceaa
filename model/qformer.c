#include "model/qformer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static lx_qformer_linear bind_linear(lx_binder *b, int64_t out, int64_t in, const char *prefix,
                                     const char *name) {
  lx_qformer_linear l;
  l.w = lx_bind_matrix(b, out, in, "%s.%s.weight", prefix, name);
  l.b = lx_bind_vector(b, out, "%s.%s.bias", prefix, name);
  return l;
}

static void bind_ffn(lx_qformer_ffn *f, const lx_qformer_config *c, lx_binder *b,
                     const char *prefix) {
  f->fc1 = bind_linear(b, c->ff_dim, c->width, prefix, "fc1");
  f->fc2 = bind_linear(b, c->width, c->ff_dim, prefix, "fc2");
  f->norm_w = lx_bind_vector(b, c->width, "%s.norm.weight", prefix);
  f->norm_b = lx_bind_vector(b, c->width, "%s.norm.bias", prefix);
}

void lx_qformer_bind(lx_qformer *q, const lx_qformer_config *cfg, lx_binder *b) {
  memset(q, 0, sizeof *q);
  q->cfg = *cfg;
  const int64_t D = cfg->width;
  int64_t query_shape[2] = {cfg->n_query, D};
  q->query_tokens = lx_bind_f32(b, 2, query_shape, "qformer.query_tokens");
  q->embed_norm_w = lx_bind_vector(b, D, "qformer.embed.norm.weight");
  q->embed_norm_b = lx_bind_vector(b, D, "qformer.embed.norm.bias");
  if (cfg->text_vocab) {
    q->word = lx_bind_matrix(b, cfg->text_vocab, D, "qformer.embed.word");
    q->pos = lx_bind_matrix(b, cfg->max_positions, D, "qformer.embed.pos");
  }
  q->layers = lx_xcalloc((size_t)cfg->layers, sizeof *q->layers);
  for (int i = 0; i < cfg->layers; i++) {
    lx_qformer_layer *l = &q->layers[i];
    char prefix[64], sub[80];
    snprintf(prefix, sizeof prefix, "qformer.layers.%d", i);
    snprintf(sub, sizeof sub, "%s.self", prefix);
    l->q = bind_linear(b, D, D, sub, "q");
    l->k = bind_linear(b, D, D, sub, "k");
    l->v = bind_linear(b, D, D, sub, "v");
    l->o = bind_linear(b, D, D, sub, "o");
    l->self_norm_w = lx_bind_vector(b, D, "%s.self_norm.weight", prefix);
    l->self_norm_b = lx_bind_vector(b, D, "%s.self_norm.bias", prefix);
    l->cross = i % cfg->cross_every == 0;
    if (l->cross) {
      snprintf(sub, sizeof sub, "%s.cross", prefix);
      l->cq = bind_linear(b, D, D, sub, "q");
      l->ck = bind_linear(b, D, cfg->vision_width, sub, "k");
      l->cv = bind_linear(b, D, cfg->vision_width, sub, "v");
      l->co = bind_linear(b, D, D, sub, "o");
      l->cross_norm_w = lx_bind_vector(b, D, "%s.cross_norm.weight", prefix);
      l->cross_norm_b = lx_bind_vector(b, D, "%s.cross_norm.bias", prefix);
    }
    snprintf(sub, sizeof sub, "%s.ffn_q", prefix);
    bind_ffn(&l->ffn_q, cfg, b, sub);
    if (cfg->text_vocab) {
      snprintf(sub, sizeof sub, "%s.ffn_t", prefix);
      bind_ffn(&l->ffn_t, cfg, b, sub);
    }
  }
}

void lx_qformer_free(lx_qformer *q) {
  free(q->layers);
  q->layers = NULL;
}

void lx_qformer_scratch_free(lx_qformer_scratch *s) {
  lx_scratch *all[] = {&s->x, &s->tmp, &s->q, &s->k, &s->v, &s->ctx, &s->ck, &s->cv, &s->mid};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lx_scratch_free(all[i]);
}

/* x [n, D] = LN(x + o(ctx)); tmp [n, D] scratch. */
static void output_norm(lx_backend *be, const lx_qformer_config *c, float *x, const float *ctx,
                        int n, const lx_qformer_linear *o, const float *g, const float *bias,
                        float *tmp) {
  lx_linear(be, tmp, ctx, n, &o->w, o->b, false);
  lx_add(be, tmp, x, (size_t)n * c->width);
  lx_layernorm(be, x, tmp, n, c->width, g, bias, c->norm_eps);
}

/* x [n, D] = LN(x + fc2(GELU(fc1(x)))); mid [n, F], tmp [n, D] scratch. */
static void feed_forward(lx_backend *be, const lx_qformer_config *c, const lx_qformer_ffn *f,
                         float *x, int n, float *mid, float *tmp) {
  if (n == 0) return;
  lx_linear(be, mid, x, n, &f->fc1.w, f->fc1.b, false);
  lx_gelu(be, mid, (size_t)n * c->ff_dim);
  lx_linear(be, tmp, mid, n, &f->fc2.w, f->fc2.b, false);
  lx_add(be, tmp, x, (size_t)n * c->width);
  lx_layernorm(be, x, tmp, n, c->width, f->norm_w, f->norm_b, c->norm_eps);
}

static void attend(lx_backend *be, const lx_qformer_config *c, const float *q, int n_q,
                   const float *k, const float *v, int n_kv, float *out) {
  lx_attention_args a = {
      .n_q = n_q,
      .n_kv = n_kv,
      .heads = c->heads,
      .head_dim = c->head_dim,
      .q = q,
      .ldq = c->width,
      .k = k,
      .ldk = c->width,
      .v = v,
      .ldv = c->width,
      .out = out,
      .ldo = c->width,
      .scale = 1.0f / sqrtf((float)c->head_dim),
      .causal = false,
  };
  lx_attention(be, &a);
}

void lx_qformer_forward(lx_backend *be, const lx_qformer *qf, const float *image, int n_img,
                        const int *ids, int n_ids, float *out, lx_qformer_scratch *s) {
  const lx_qformer_config *c = &qf->cfg;
  LX_CHECK(n_ids == 0 || (c->text_vocab && n_ids <= c->max_text));
  const int Q = c->n_query, N = Q + n_ids, D = c->width;
  float *x = lx_scratch_get(&s->x, (size_t)N * D);             /* [N, D] the hidden rows */
  float *tmp = lx_scratch_get(&s->tmp, (size_t)N * D);         /* [N, D] */
  float *q = lx_scratch_get(&s->q, (size_t)N * D);             /* [N, D] */
  float *k = lx_scratch_get(&s->k, (size_t)N * D);             /* [N, D] */
  float *v = lx_scratch_get(&s->v, (size_t)N * D);             /* [N, D] */
  float *ctx = lx_scratch_get(&s->ctx, (size_t)N * D);         /* [N, D] attention output */
  float *ck = lx_scratch_get(&s->ck, (size_t)n_img * D);       /* [n_img, D] image keys */
  float *cv = lx_scratch_get(&s->cv, (size_t)n_img * D);       /* [n_img, D] image values */
  float *mid = lx_scratch_get(&s->mid, (size_t)N * c->ff_dim); /* [N, F] */

  /* Embeddings: the queries as they are, the text's words plus positions 0..n_ids-1. */
  memcpy(tmp, qf->query_tokens, (size_t)Q * D * sizeof(float));
  if (n_ids) {
    int *pos = lx_xmalloc((size_t)n_ids * sizeof *pos);
    for (int i = 0; i < n_ids; i++) pos[i] = i;
    lx_embedding(be, tmp + (size_t)Q * D, &qf->word, ids, n_ids);
    lx_embedding(be, ctx, &qf->pos, pos, n_ids);
    lx_add(be, tmp + (size_t)Q * D, ctx, (size_t)n_ids * D);
    free(pos);
  }
  lx_layernorm(be, x, tmp, N, D, qf->embed_norm_w, qf->embed_norm_b, c->norm_eps);

  for (int i = 0; i < c->layers; i++) {
    const lx_qformer_layer *l = &qf->layers[i];
    bool last = i == c->layers - 1;
    lx_linear(be, q, x, N, &l->q.w, l->q.b, false);
    lx_linear(be, k, x, N, &l->k.w, l->k.b, false);
    lx_linear(be, v, x, N, &l->v.w, l->v.b, false);
    attend(be, c, q, N, k, v, N, ctx);
    output_norm(be, c, x, ctx, N, &l->o, l->self_norm_w, l->self_norm_b, tmp);
    if (l->cross) {
      lx_linear(be, q, x, Q, &l->cq.w, l->cq.b, false);
      lx_linear(be, ck, image, n_img, &l->ck.w, l->ck.b, false);
      lx_linear(be, cv, image, n_img, &l->cv.w, l->cv.b, false);
      attend(be, c, q, Q, ck, cv, n_img, ctx);
      output_norm(be, c, x, ctx, Q, &l->co, l->cross_norm_w, l->cross_norm_b, tmp);
    }
    feed_forward(be, c, &l->ffn_q, x, Q, mid, tmp);
    if (!last) feed_forward(be, c, &l->ffn_t, x + (size_t)Q * D, n_ids, mid, tmp);
  }
  memcpy(out, x, (size_t)Q * D * sizeof(float));
}
