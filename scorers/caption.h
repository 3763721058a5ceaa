/* caption.h: one captioning item as the caption metrics (BLEU, ROUGE-L, CIDEr-D) see it.
 *
 * Captions are already tokenized: words separated by spaces, as pycocoevalcap's PTBTokenizer
 * leaves them (ptb_approx.h approximates that tokenizer). The metrics split the text exactly as
 * the reference code does: BLEU and CIDEr-D with Python's str.split(), ROUGE-L with
 * str.split(" "). */
#ifndef LX_CAPTION_H
#define LX_CAPTION_H

#include <stddef.h>

typedef struct lx_caption_item {
  const char *hyp;         /* the model's caption */
  const char *const *refs; /* [n_refs] reference captions */
  size_t n_refs;           /* >= 1 */
} lx_caption_item;

#endif
