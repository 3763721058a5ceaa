/* prompt.h: a question -> the token ids the model receives, as the Lynx reference builds them
 * (docs/lynx-model.md section 4):
 *   text = template.strip().format_map(fields).strip(), lowercased if the config says so
 *   ids  = [<s>] + tokenizer.tokenize(text), keeping only the last max_input_tokens
 * using Python's str.strip()/str.lower() rules and Hugging Face's slow LLaMA tokenizer.
 */
#ifndef LX_PROMPT_H
#define LX_PROMPT_H

#include "common/error.h"
#include "common/strbuf.h"
#include "text/tokenizer.h"

/* A model's prompt: its config.json's "prompt". */
typedef struct lx_prompt_config {
  char template_[256];  /* "User: {question}\nBot:" */
  bool lowercase;       /* lower_text */
  int max_input_tokens; /* 40: keep the last N ids */
} lx_prompt_config;

/* Longest question accepted (bytes). */
#define LX_MAX_QUESTION_BYTES 65536

/* Python's str.format_map for templates with plain {name} fields and {{ }} escapes; other
 * format syntax (conversions, format specs, positional fields) is refused. */
int lx_format_template(const char *tmpl, const char *const *keys, const char *const *values,
                       int n_fields, lx_strbuf *out, lx_error *err);

/* The prompt text for one question (template filled, stripped, lowercased). */
int lx_prompt_text(const lx_prompt_config *cfg, const char *question, lx_strbuf *out,
                   lx_error *err);

/* The model's input ids for one question; *dropped receives how many leading ids the
 * max_input_tokens rule removed (the reference drops them silently). */
int lx_prompt_ids(const lx_tokenizer *tok, const lx_prompt_config *cfg, int bos_id,
                  const char *question, lx_ints *ids, int *dropped, lx_error *err);

#endif
