#include "model/llama.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void lx_llama_bind(lx_llama *m, const lx_llm_config *cfg, int media_width, lx_binder *b) {
  memset(m, 0, sizeof *m);
  m->cfg = *cfg;
  m->media_width = media_width;
  const int64_t V = cfg->vocab_size, D = cfg->hidden, I = cfg->intermediate, A = cfg->adapter_dim;
  m->embed = lx_bind_matrix(b, V, D, "llm.embed_tokens.weight");
  m->layers = lx_xcalloc((size_t)cfg->layers, sizeof *m->layers);
  m->adapters = lx_xcalloc((size_t)cfg->layers, sizeof *m->adapters);
  m->xattn = lx_xcalloc((size_t)cfg->layers, sizeof *m->xattn);
  for (int i = 0; i < cfg->layers; i++) {
    lx_llama_layer *l = &m->layers[i];
    if (cfg->xattn_every > 0 && i % cfg->xattn_every == 0) {
      l->xattn = &m->xattn[m->n_xattn++];
      lx_xattn_bind(l->xattn, cfg, media_width, i, b);
    }
    l->input_norm = lx_bind_vector(b, D, "llm.layers.%d.input_norm.weight", i);
    l->q = lx_bind_matrix(b, D, D, "llm.layers.%d.attn.q.weight", i);
    l->k = lx_bind_matrix(b, D, D, "llm.layers.%d.attn.k.weight", i);
    l->v = lx_bind_matrix(b, D, D, "llm.layers.%d.attn.v.weight", i);
    l->o = lx_bind_matrix(b, D, D, "llm.layers.%d.attn.o.weight", i);
    l->post_norm = lx_bind_vector(b, D, "llm.layers.%d.post_attention_norm.weight", i);
    l->gate = lx_bind_matrix(b, I, D, "llm.layers.%d.mlp.gate.weight", i);
    l->up = lx_bind_matrix(b, I, D, "llm.layers.%d.mlp.up.weight", i);
    l->down = lx_bind_matrix(b, D, I, "llm.layers.%d.mlp.down.weight", i);
    if (cfg->adapter_every > 0 && i % cfg->adapter_every == 0) {
      lx_adapter *a = l->adapter = &m->adapters[i];
      a->norm_w = lx_bind_vector(b, D, "llm.layers.%d.adapter.norm.weight", i);
      a->norm_b = lx_bind_vector(b, D, "llm.layers.%d.adapter.norm.bias", i);
      a->down = lx_bind_matrix(b, A, D, "llm.layers.%d.adapter.down.weight", i);
      a->down_b = lx_bind_vector(b, A, "llm.layers.%d.adapter.down.bias", i);
      a->up = lx_bind_matrix(b, D, A, "llm.layers.%d.adapter.up.weight", i);
      a->up_b = lx_bind_vector(b, D, "llm.layers.%d.adapter.up.bias", i);
      const float *s = lx_bind_vector(b, 1, "llm.layers.%d.adapter.scaling", i);
      a->scaling = s ? s[0] : 0.0f;
    }
  }
  m->norm = lx_bind_vector(b, D, "llm.norm.weight");
  m->lm_head = lx_bind_matrix(b, V, D, "llm.lm_head.weight");
  m->rope = lx_xcalloc((size_t)cfg->max_positions * (size_t)cfg->head_dim, sizeof(float));
  lx_rope_table(m->rope, cfg->max_positions, cfg->head_dim, cfg->rope_theta);
}

void lx_llama_free(lx_llama *m) {
  free(m->layers);
  free(m->adapters);
  free(m->xattn);
  free(m->rope);
  memset(m, 0, sizeof *m);
}

int lx_kv_cache_init(lx_kv_cache *c, const lx_llama *m, int rows, int capacity, int n_media,
                     lx_error *err) {
  memset(c, 0, sizeof *c);
  const lx_llm_config *cfg = &m->cfg;
  if (rows < 1) return lx_errorf(err, "KV cache: need at least one row");
  if (capacity < 1 || capacity > cfg->max_positions)
    return lx_errorf(err, "KV cache: %d positions requested, the model supports 1..%d", capacity,
                     cfg->max_positions);
  size_t n;
  if (lx_mul_size((size_t)cfg->layers * rows, (size_t)capacity, &n) ||
      lx_mul_size(n, (size_t)cfg->hidden, &n))
    return lx_errorf(err, "KV cache: size overflows");
  c->layers = cfg->layers;
  c->rows = rows;
  c->capacity = capacity;
  c->dim = cfg->hidden;
  c->k = lx_xcalloc(n, sizeof(float));
  c->v = lx_xcalloc(n, sizeof(float));
  c->len = lx_xcalloc((size_t)rows, sizeof(int));
  c->has_media = lx_xcalloc((size_t)rows, sizeof(bool));
  c->n_xattn = m->n_xattn;
  if (m->n_xattn > 0) {
    c->n_media = n_media;
    c->xkv_dim = 2 * cfg->xattn_heads * cfg->xattn_head_dim;
    size_t nx;
    if (lx_mul_size((size_t)m->n_xattn * rows, (size_t)n_media, &nx) ||
        lx_mul_size(nx, (size_t)c->xkv_dim, &nx)) {
      lx_kv_cache_free(c);
      return lx_errorf(err, "KV cache: cross-attention size overflows");
    }
    c->xkv = lx_xcalloc(nx, sizeof(float));
  }
  return LX_OK;
}

void lx_kv_cache_free(lx_kv_cache *c) {
  free(c->k);
  free(c->v);
  free(c->len);
  free(c->has_media);
  free(c->xkv);
  memset(c, 0, sizeof *c);
}

static float *layer_k(const lx_kv_cache *c, int layer, int row) {
  return c->k + ((size_t)layer * c->rows + row) * c->capacity * c->dim;
}
static float *layer_v(const lx_kv_cache *c, int layer, int row) {
  return c->v + ((size_t)layer * c->rows + row) * c->capacity * c->dim;
}
static float *media_kv(const lx_kv_cache *c, int block, int row) {
  return c->xkv + ((size_t)block * c->rows + row) * c->n_media * c->xkv_dim;
}

void lx_kv_cache_reorder(lx_kv_cache *c, const int *src) {
  /* Copy through a snapshot of the source rows' lengths and data: a row may be both a source and
   * a destination. Only the filled part of each row moves. */
  int *old_len = lx_xcalloc((size_t)c->rows, sizeof(int));
  bool *old_media = lx_xcalloc((size_t)c->rows, sizeof(bool));
  memcpy(old_len, c->len, (size_t)c->rows * sizeof(int));
  memcpy(old_media, c->has_media, (size_t)c->rows * sizeof(bool));
  int max_len = 0;
  for (int r = 0; r < c->rows; r++) max_len = old_len[r] > max_len ? old_len[r] : max_len;
  const size_t row_floats = (size_t)max_len * c->dim;
  float *tmp = lx_xcalloc((size_t)c->rows * (row_floats ? row_floats : 1), sizeof(float));
  for (int layer = 0; layer < c->layers; layer++) {
    for (int pass = 0; pass < 2; pass++) {
      float *base = pass ? c->v : c->k;
      for (int r = 0; r < c->rows; r++)
        memcpy(tmp + (size_t)r * row_floats,
               base + ((size_t)layer * c->rows + r) * c->capacity * c->dim,
               (size_t)old_len[r] * c->dim * sizeof(float));
      for (int r = 0; r < c->rows; r++)
        memcpy(base + ((size_t)layer * c->rows + r) * c->capacity * c->dim,
               tmp + (size_t)src[r] * row_floats, (size_t)old_len[src[r]] * c->dim * sizeof(float));
    }
  }
  free(tmp);
  if (c->n_xattn > 0) {
    const size_t per = (size_t)c->n_media * c->xkv_dim;
    float *mtmp = lx_xcalloc((size_t)c->rows * per, sizeof(float));
    for (int b = 0; b < c->n_xattn; b++) {
      float *base = c->xkv + (size_t)b * c->rows * per;
      memcpy(mtmp, base, (size_t)c->rows * per * sizeof(float));
      for (int r = 0; r < c->rows; r++)
        memcpy(base + r * per, mtmp + (size_t)src[r] * per, per * sizeof(float));
    }
    free(mtmp);
  }
  for (int r = 0; r < c->rows; r++) {
    c->len[r] = old_len[src[r]];
    c->has_media[r] = old_media[src[r]];
  }
  free(old_len);
  free(old_media);
}

void lx_llama_set_media(lx_backend *be, const lx_llama *m, lx_kv_cache *c, int row,
                        const float *media) {
  if (m->n_xattn == 0) return;
  for (int b = 0; b < m->n_xattn; b++)
    lx_xattn_media_kv(be, &m->xattn[b], media, c->n_media, media_kv(c, b, row));
  c->has_media[row] = true;
}

void lx_llama_scratch_free(lx_llama_scratch *s) {
  lx_scratch *all[] = {&s->h,       &s->q,       &s->k,       &s->v,       &s->o,
                       &s->gate,    &s->up,      &s->adapter, &s->last,    &s->pos,
                       &s->xattn.h, &s->xattn.q, &s->xattn.o, &s->xattn.ff};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) lx_scratch_free(all[i]);
}

static void adapter_forward(lx_backend *be, const lx_adapter *a, const lx_llm_config *cfg, float *x,
                            int N, lx_llama_scratch *s) {
  const int D = cfg->hidden, A = cfg->adapter_dim;
  float *h = lx_scratch_get(&s->h, (size_t)N * D);
  float *mid = lx_scratch_get(&s->adapter, (size_t)N * A);
  lx_layernorm(be, h, x, N, D, a->norm_w, a->norm_b, cfg->adapter_norm_eps);
  lx_linear(be, mid, h, N, &a->down, a->down_b, false);
  lx_silu(be, mid, (size_t)N * A);
  lx_linear(be, h, mid, N, &a->up, a->up_b, false);
  lx_axpy(be, x, a->scaling, h, (size_t)N * D);
}

void lx_llama_forward(lx_backend *be, const lx_llama *m, lx_kv_cache *c, int n_rows,
                      const int *rows, const int *n_new, float *x, float *logits,
                      lx_llama_scratch *s) {
  const lx_llm_config *cfg = &m->cfg;
  const int D = cfg->hidden, I = cfg->intermediate;
  int N = 0;
  for (int r = 0; r < n_rows; r++) N += n_new[r];
  /* Positions of the new tokens: row r continues from its cached length. */
  int *pos = (int *)lx_scratch_get(&s->pos, (size_t)N);
  for (int r = 0, t = 0; r < n_rows; r++)
    for (int i = 0; i < n_new[r]; i++) pos[t++] = c->len[rows[r]] + i;

  float *h = lx_scratch_get(&s->h, (size_t)N * D);
  float *q = lx_scratch_get(&s->q, (size_t)N * D);
  float *k = lx_scratch_get(&s->k, (size_t)N * D);
  float *v = lx_scratch_get(&s->v, (size_t)N * D);
  float *o = lx_scratch_get(&s->o, (size_t)N * D);
  float *gate = lx_scratch_get(&s->gate, (size_t)N * I);
  float *up = lx_scratch_get(&s->up, (size_t)N * I);
  const float scale = (float)(1.0 / sqrt((double)cfg->head_dim));

  for (int li = 0; li < cfg->layers; li++) {
    const lx_llama_layer *l = &m->layers[li];
    lx_mark(be, "llm.layer", li);
    if (l->xattn) {
      int block = (int)(l->xattn - m->xattn);
      for (int r = 0, t = 0; r < n_rows; t += n_new[r], r++)
        if (c->has_media[rows[r]])
          lx_xattn_forward(be, l->xattn, cfg, x + (size_t)t * D, n_new[r],
                           media_kv(c, block, rows[r]), c->n_media, &s->xattn);
      /* lx_xattn_forward grows its own scratch; the buffers above are untouched. */
    }
    /* Self-attention. */
    lx_rmsnorm(be, h, x, N, D, l->input_norm, cfg->rms_norm_eps);
    lx_linear_shared_input(be, (float *const[]){q, k, v},
                           (const lx_tensor *const[]){&l->q, &l->k, &l->v}, 3, h, N);
    lx_rope(be, q, N, D, cfg->heads, cfg->head_dim, pos, m->rope);
    lx_rope(be, k, N, D, cfg->heads, cfg->head_dim, pos, m->rope);
    for (int r = 0, t = 0; r < n_rows; t += n_new[r], r++) {
      const int row = rows[r], len = c->len[row], n = n_new[r];
      float *ck = layer_k(c, li, row), *cv = layer_v(c, li, row);
      memcpy(ck + (size_t)len * D, k + (size_t)t * D, (size_t)n * D * sizeof(float));
      memcpy(cv + (size_t)len * D, v + (size_t)t * D, (size_t)n * D * sizeof(float));
      lx_attention(be, &(lx_attention_args){.n_q = n,
                                            .n_kv = len + n,
                                            .heads = cfg->heads,
                                            .head_dim = cfg->head_dim,
                                            .q = q + (size_t)t * D,
                                            .ldq = D,
                                            .k = ck,
                                            .ldk = D,
                                            .v = cv,
                                            .ldv = D,
                                            .out = o + (size_t)t * D,
                                            .ldo = D,
                                            .scale = scale,
                                            .causal = true,
                                            .q_pos0 = len});
    }
    lx_linear(be, h, o, N, &l->o, NULL, false);
    lx_add(be, x, h, (size_t)N * D);
    /* SwiGLU MLP. */
    lx_rmsnorm(be, h, x, N, D, l->post_norm, cfg->rms_norm_eps);
    lx_linear_shared_input(be, (float *const[]){gate, up},
                           (const lx_tensor *const[]){&l->gate, &l->up}, 2, h, N);
    lx_silu_mul(be, gate, up, (size_t)N * I);
    lx_linear(be, h, gate, N, &l->down, NULL, false);
    lx_add(be, x, h, (size_t)N * D);
    if (l->adapter) adapter_forward(be, l->adapter, cfg, x, N, s);
  }
  for (int r = 0; r < n_rows; r++) c->len[rows[r]] += n_new[r];

  lx_mark(be, "llm.head", -1);
  if (logits) {
    float *last = lx_scratch_get(&s->last, (size_t)n_rows * D);
    for (int r = 0, t = 0; r < n_rows; r++) {
      t += n_new[r];
      memcpy(last + (size_t)r * D, x + (size_t)(t - 1) * D, (size_t)D * sizeof(float));
    }
    lx_rmsnorm(be, last, last, n_rows, D, m->norm, cfg->rms_norm_eps);
    lx_linear(be, logits, last, n_rows, &m->lm_head, NULL, false);
  }
}
