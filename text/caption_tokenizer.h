/* caption_tokenizer.h: the tokenizers captions can go through before the caption metrics, by
 * name.
 *
 *   ptb-3.4.1     exactly what pycocoevalcap runs (ptb.h): the default
 *   ptb-approx-1  lynxeval's earlier approximation (ptb_approx.h), kept for comparisons with
 *                 results it produced; labelled wherever it is used
 *   none          the captions are tokenized already (split on spaces as they are) */
#ifndef LX_CAPTION_TOKENIZER_H
#define LX_CAPTION_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "text/ptb.h"

typedef enum lx_caption_tokenizer {
  LX_CAPTION_PTB,
  LX_CAPTION_PTB_APPROX,
  LX_CAPTION_PRETOKENIZED,
} lx_caption_tokenizer;

#define LX_CAPTION_TOKENIZER_NAMES "ptb-3.4.1, ptb-approx-1 or none"

const char *lx_caption_tokenizer_name(lx_caption_tokenizer t);
/* The tokenizer named `name`; false if there is none by that name. */
bool lx_caption_tokenizer_parse(const char *name, lx_caption_tokenizer *t);
/* A sentence for reports: what the tokenizer is and whether scores through it are exact. */
const char *lx_caption_tokenizer_note(lx_caption_tokenizer t);

/* Tokenizes captions[0..n) as one pycocoevalcap tokenize() call (order matters for ptb-3.4.1:
 * see ptb.h), punctuation dropped as pycocoevalcap drops it. */
void lx_caption_tokenize(lx_caption_tokenizer t, const char *const *captions, size_t n,
                         lx_ptb_lines *out);

#endif
