/* decoder_session.h: a batched decoding session over the shared LLaMA block (llama.h): the KV
 * cache, the scratch, and where a prompt's media go. Families whose language model is that
 * block implement model.h's sessions with it.
 *
 *   media in the sequence (Lynx PT, the toy family): LLM input = the prompt's segments in
 *     order, each media block as its rows [rows, D], each run of ids as embed(ids)
 *   media attended to (Lynx CA): LLM input = embed(every run of ids); the CA blocks attend to
 *     the prompt's one media block [media_rows, media_width]
 *
 * The functions take and return void * so that a family's table can point at them directly. */
#ifndef LX_DECODER_SESSION_H
#define LX_DECODER_SESSION_H

#include <stdbool.h>

#include "common/error.h"
#include "model/llama.h"
#include "model/model.h"

typedef struct lx_decoder_spec {
  lx_backend *backend; /* what the decoder runs on */
  const lx_llama *llm;
  int media_rows;         /* rows of the media the cross-attention blocks attend to */
  bool media_in_sequence; /* part of the sequence; else attended to by the CA blocks */
} lx_decoder_spec;

int lx_decoder_session_new(const lx_decoder_spec *spec, int rows, int capacity, void **out,
                           lx_error *err);
void lx_decoder_session_free(void *session);
int lx_decoder_session_prefill_rows(void *session, const int *rows, int n, const lx_prompt *prompts,
                                    float *logits, lx_error *err);
int lx_decoder_session_step(void *session, const int *ids, float *logits, lx_error *err);
void lx_decoder_session_reorder(void *session, const int *src);
int lx_decoder_session_length(const void *session, int row);

/* The session entries of a family's table (family.h) whose sessions are these:
 *   const lx_family f = {..., .session_new = my_session_new, LX_DECODER_SESSION_ENTRIES, ...}; */
#define LX_DECODER_SESSION_ENTRIES                                                          \
  .session_free = lx_decoder_session_free, .prefill_rows = lx_decoder_session_prefill_rows, \
  .step = lx_decoder_session_step, .reorder = lx_decoder_session_reorder,                   \
  .length = lx_decoder_session_length

#endif
