/* prompt.h: a question -> the token ids the model receives, as the Lynx reference builds them
 * (docs/lynx-model.md section 4):
 *   text = template.strip().format_map(fields).strip(), lowercased if the config says so
 *   ids  = [<s>] + tokenizer.tokenize(text), keeping only the last max_input_tokens
 * using Python's str.strip()/str.lower() rules and Hugging Face's slow LLaMA tokenizer.
 *
 * With a media marker (LLaVA's "<image>", docs/model-zoo.md 5.1), the text is cut at the marker
 * and each piece tokenized on its own, as LLaVA's tokenizer_image_token does:
 *   ids  = [<s>] + tokenize(text before) + [LX_MEDIA_ID] + tokenize(text after)
 * and the media take the place of LX_MEDIA_ID (lx_model_prompt). A question without media uses
 * text_only_template, which has no marker.
 */
#ifndef LX_PROMPT_H
#define LX_PROMPT_H

#include "common/error.h"
#include "common/strbuf.h"
#include "text/tokenizer.h"

/* The media's place among a prompt's ids (LLaVA's IMAGE_TOKEN_INDEX): never a vocabulary id. */
#define LX_MEDIA_ID (-200)

#define LX_PROMPT_TEMPLATE_MAX 2048

/* A model's prompt: its config.json's "prompt". */
typedef struct lx_prompt_config {
  char template_[LX_PROMPT_TEMPLATE_MAX]; /* "User: {question}\nBot:" */
  /* For a question without media; "" = template_. Has no media marker. */
  char text_only_template[LX_PROMPT_TEMPLATE_MAX];
  char media_marker[32]; /* "<image>": where template_ puts the media; "": the family places them */
  char short_answer[256]; /* appended to the question by short-answer tasks ("" = none) */
  /* The whole template short-answer tasks use instead, suffix and all ("" = none): InstructBLIP's
   * "Question: {question} Short Answer:" */
  char short_answer_template[LX_PROMPT_TEMPLATE_MAX];
  bool lowercase;                     /* lower_text */
  lx_tokenizer_rules tokenizer_rules; /* which Hugging Face tokenizer (tokenizer.h) */
  int max_input_tokens;               /* 40: keep the last N ids; 0: keep them all */
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
/* The same with the template lx_prompt_ids uses for a question with media or without. */
int lx_prompt_text_for(const lx_prompt_config *cfg, const char *question, bool with_media,
                       lx_strbuf *out, lx_error *err);

/* The model's input ids for one question, with media (the marker's place is LX_MEDIA_ID when
 * the config has a marker) or without; *dropped receives how many leading ids the
 * max_input_tokens rule removed (the reference drops them silently). Refused: a marker in a
 * question's text, or a truncation that would cut the media's place. */
int lx_prompt_ids(const lx_tokenizer *tok, const lx_prompt_config *cfg, int bos_id,
                  const char *question, bool with_media, lx_ints *ids, int *dropped, lx_error *err);

#endif
