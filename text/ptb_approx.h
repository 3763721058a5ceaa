/* ptb_approx.h: an APPROXIMATION of the caption tokenization pycocoevalcap runs before scoring
 * (Stanford PTBTokenizer 3.4.1, -preserveLines -lowerCase, then the tokens '' ' `` ` -LRB- -RRB-
 * -LCB- -RCB- . ? ! , : - -- ... ; dropped). The Java tokenizer is not available offline, so
 * scores computed through this function are labelled "ptb-approx"; pre-tokenized input is
 * scored exactly.
 *
 * Rules: lowercase (Python's str.lower()); newlines become spaces; split on whitespace; split
 * each word into leading punctuation ( [ { " ' `, a body, and trailing punctuation . , ; : ? ! )
 * ] } " ' (a trailing "." stays on a body that has another "." inside, like "u.s."); split the
 * clitics n't 's 're 've 'll 'd 'm off the body ("don't" -> "do n't", "dog's" -> "dog 's");
 * split "..." and "--" off; drop the tokens in the list above; join with single spaces.
 * Hyphenated words, numbers like 3.5 and 1,000, and URLs stay whole, as in PTB. */
#ifndef LX_PTB_APPROX_H
#define LX_PTB_APPROX_H

#include "common/strbuf.h"

#define LX_PTB_APPROX_NAME "ptb-approx-1"

/* Tokenizes one caption (UTF-8) and appends the result to out. */
void lx_ptb_approx_tokenize(const char *caption, lx_strbuf *out);

#endif
