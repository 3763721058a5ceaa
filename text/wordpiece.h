/* wordpiece.h: the Q-Former's text tokenizer, Hugging Face's slow BertTokenizer of
 * bert-base-uncased as LAVIS's InstructBLIP runs it (transformers 4.33.2, the version LAVIS pins;
 * docs/model-zoo.md section 3.4).
 *
 *   vocabulary   vocab.txt: one token per line, id = line number from 0 (a repeated token keeps
 *                its last line), lines split as Python's text mode does (\n, \r\n or \r)
 *   specials     [UNK] [SEP] [PAD] [CLS] [MASK], and [DEC] when the vocabulary holds it (LAVIS
 *                adds it as the bos token: lynxeval's qformer_vocab.txt is vocab.txt plus a last
 *                line "[DEC]"); a special token written in the text stays one token
 *   tokenize     every other character lowercased alone (str.lower() of one character, as
 *                PreTrainedTokenizer.tokenize's per-character regular expression does); then
 *                BasicTokenizer: drop NUL, U+FFFD and category C* except \t \n \r; whitespace
 *                (space, \t \n \r, Zs) becomes a space; CJK ideographs get a space on each side;
 *                split on str.isspace(); NFD and drop Mn (accents); split off every punctuation
 *                character (P*, and ASCII 33-47, 58-64, 91-96, 123-126); then WordPiece: greedy
 *                longest match first, "##" on continuations, [UNK] for a word of more than 100
 *                characters or one that cannot be matched
 *   encode       [CLS] + tokens + [SEP], keeping the last max_length - 2 tokens
 *                (truncation_side="left", LAVIS's max_txt_len 128)
 *
 * Two steps of the Python are left out because they cannot change a token: NFC before the
 * whitespace split (NFD follows, and NFD(lower(NFC(s))) == NFD(lower(s))), and each word's second
 * str.lower() (lowering is idempotent and no capital sigma is left for its Final_Sigma rule).
 * tests/text/wordpiece/ holds the vectors and how they were checked against transformers.
 *
 * Failure contract: loading refuses an unreadable, oversized or non-UTF-8 file and a vocabulary
 * without [UNK], [CLS] or [SEP], naming the file and line; tokenize refuses malformed UTF-8 (the
 * Python it mirrors takes str). */
#ifndef LX_WORDPIECE_H
#define LX_WORDPIECE_H

#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

typedef struct lx_wordpiece lx_wordpiece;

int lx_wordpiece_load(const char *path, lx_wordpiece **out, lx_error *err);
void lx_wordpiece_free(lx_wordpiece *t);

/* Number of ids (lines of the file). */
int lx_wordpiece_size(const lx_wordpiece *t);
/* The token of an id (its line), or NULL if out of range. */
const char *lx_wordpiece_token(const lx_wordpiece *t, int id);

/* Appends the ids of text[0..len) to out: BertTokenizer.tokenize + convert_tokens_to_ids. */
int lx_wordpiece_tokenize(const lx_wordpiece *t, const char *text, size_t len, lx_ints *out,
                          lx_error *err);

/* Appends tokenizer(text, truncation=True, max_length=max_length)'s input_ids with left
 * truncation: [CLS], the last max_length - 2 ids, [SEP]. max_length >= 3 (at 2 transformers
 * refuses to truncate and returns every id). */
int lx_wordpiece_encode(const lx_wordpiece *t, const char *text, size_t len, int max_length,
                        lx_ints *out, lx_error *err);

#endif
