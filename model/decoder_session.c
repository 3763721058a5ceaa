#include "model/decoder_session.h"

#include <stdlib.h>
#include <string.h>

#include "model/backend.h"

typedef struct decoder_session {
  lx_decoder_spec spec;
  int rows;
  lx_kv_cache cache;
  lx_llama_scratch scratch;
  lx_scratch x; /* input embeddings [tokens, D] */
  int *row_ids; /* [rows]: 0..rows-1 */
  int *n_new;   /* [rows] */
} decoder_session;

int lx_decoder_session_new(const lx_decoder_spec *spec, int rows, int capacity, void **out,
                           lx_error *err) {
  *out = NULL;
  decoder_session *s = lx_xcalloc(1, sizeof *s);
  s->spec = *spec;
  s->rows = rows;
  if (lx_kv_cache_init(&s->cache, spec->llm, rows, capacity, spec->media_rows, err)) {
    free(s);
    return LX_ERR;
  }
  s->row_ids = lx_xcalloc((size_t)rows, sizeof(int));
  s->n_new = lx_xcalloc((size_t)rows, sizeof(int));
  for (int r = 0; r < rows; r++) s->row_ids[r] = r;
  *out = s;
  return LX_OK;
}

void lx_decoder_session_free(void *p) {
  decoder_session *s = p;
  if (!s) return;
  lx_kv_cache_free(&s->cache);
  lx_llama_scratch_free(&s->scratch);
  lx_scratch_free(&s->x);
  free(s->row_ids);
  free(s->n_new);
  free(s);
}

int lx_decoder_session_length(const void *p, int row) {
  return ((const decoder_session *)p)->cache.len[row];
}

int lx_decoder_session_prefill_rows(void *p, const int *rows, int n, const lx_prompt *prompts,
                                    float *logits, lx_error *err) {
  decoder_session *s = p;
  lx_backend *be = s->spec.backend;
  const lx_llama *llm = s->spec.llm;
  const int D = llm->cfg.hidden;
  const bool in_seq = s->spec.media_in_sequence;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const lx_prompt *pr = &prompts[i];
    const int r = rows[i];
    if (s->cache.len[r] != 0) return lx_errorf(err, "row %d: already prefilled", r);
    int n_tokens = 0, n_media = 0, media_rows = 0;
    for (int k = 0; k < pr->n; k++) {
      const lx_prompt_segment *g = &pr->seg[k];
      n_media += g->media != NULL;
      media_rows += g->media ? g->rows : 0;
      n_tokens += g->media ? 0 : g->n_ids;
      if (g->media && !in_seq && g->rows != s->spec.media_rows)
        return lx_errorf(err,
                         "row %d: a media block of %d rows; the cross-attention blocks take %d", r,
                         g->rows, s->spec.media_rows);
    }
    const int len = n_tokens + (in_seq ? media_rows : 0);
    if (len == 0) return lx_errorf(err, "row %d: empty prompt (no media and no tokens)", r);
    if (n_tokens == 0 && !in_seq)
      return lx_errorf(err, "row %d: the cross-attention variant needs at least one token", r);
    if (n_media > 1 && !in_seq)
      return lx_errorf(err, "row %d: %d media blocks: the cross-attention variant attends to one",
                       r, n_media);
    if (len > s->cache.capacity)
      return lx_errorf(err, "row %d: prompt of %d positions exceeds the session capacity %d", r,
                       len, s->cache.capacity);
    s->n_new[i] = len;
    total += (size_t)len;
  }
  float *x = lx_scratch_get(&s->x, total * (size_t)D);
  float *dst = x;
  for (int i = 0; i < n; i++) {
    const lx_prompt *pr = &prompts[i];
    for (int k = 0; k < pr->n; k++) {
      const lx_prompt_segment *g = &pr->seg[k];
      if (g->media && in_seq) {
        memcpy(dst, g->media, (size_t)g->rows * D * sizeof(float));
        dst += (size_t)g->rows * D;
      } else if (g->media) {
        lx_llama_set_media(be, llm, &s->cache, rows[i], g->media);
      } else {
        lx_embedding(be, dst, &llm->embed, g->ids, g->n_ids);
        dst += (size_t)g->n_ids * D;
      }
    }
  }
  lx_llama_forward(be, llm, &s->cache, n, rows, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}

void lx_decoder_session_reorder(void *p, const int *src) {
  lx_kv_cache_reorder(&((decoder_session *)p)->cache, src);
}

int lx_decoder_session_step(void *p, const int *ids, float *logits, lx_error *err) {
  decoder_session *s = p;
  lx_backend *be = s->spec.backend;
  const lx_llama *llm = s->spec.llm;
  for (int r = 0; r < s->rows; r++) {
    if (s->cache.len[r] == 0) return lx_errorf(err, "row %d: step before prefill", r);
    if (s->cache.len[r] + 1 > s->cache.capacity)
      return lx_errorf(err, "row %d: sequence would exceed the session capacity %d", r,
                       s->cache.capacity);
    s->n_new[r] = 1;
  }
  float *x = lx_scratch_get(&s->x, (size_t)s->rows * llm->cfg.hidden);
  lx_embedding(be, x, &llm->embed, ids, s->rows);
  lx_llama_forward(be, llm, &s->cache, s->rows, s->row_ids, s->n_new, x, logits, &s->scratch);
  return LX_OK;
}
