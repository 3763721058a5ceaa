/* tokenizer.h: LLaMA's tokenizer, exactly as the reference runs it.
 *
 * Two file formats: SentencePiece's tokenizer.model (a protobuf: pieces, scores, types, trainer
 * and normalizer specs) and Hugging Face's tokenizer.json (BPE vocabulary and ranked merges).
 *
 *   lx_tokenizer_encode    SentencePiece's Encode of one string: normalization (precompiled
 *                          charsmap if the model has one, dummy "▁" prefix, whitespace escaping
 *                          and optional squeezing), BPE merges by piece score (tokenizer.model)
 *                          or by merge rank (tokenizer.json), unknown characters as byte pieces
 *                          <0x..> when byte fallback is on, else one unknown id per run.
 *   lx_tokenizer_tokenize  Hugging Face's slow LlamaTokenizer.tokenize + convert_tokens_to_ids
 *                          (transformers 4.28, what the Lynx reference calls): the text is first
 *                          split on special tokens (<s>, </s>, <unk>, [PAD]), each other chunk is
 *                          encoded separately, and neighbours of a special token registered as
 *                          stripping (like [PAD]) lose their adjacent whitespace. Other rules
 *                          (lx_tokenizer_set_rules): transformers 4.37's legacy=False, and the
 *                          fast tokenizer.
 *   lx_tokenizer_decode    SentencePiece's Decode (control pieces vanish, byte pieces are fused
 *                          into UTF-8 with U+FFFD for each invalid byte, "▁" becomes a space, the
 *                          first leading space is dropped); with skip_special, ids of special
 *                          tokens are removed first, as Hugging Face's decode(skip_special_tokens)
 *                          does.
 *
 * Failure contract: loading refuses malformed files and unsupported models (unigram, word and
 * char models, denormalizer rules) naming the file and the problem. encode takes any bytes
 * (a malformed byte becomes U+FFFD, as in SentencePiece); tokenize, like the Python it mirrors,
 * needs well-formed UTF-8 and fails otherwise.
 */
#ifndef LX_TOKENIZER_H
#define LX_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

typedef struct lx_tokenizer lx_tokenizer;

/* Loads tokenizer.model or tokenizer.json (recognized by content). */
int lx_tokenizer_load(const char *path, lx_tokenizer **out, lx_error *err);
void lx_tokenizer_free(lx_tokenizer *t);

/* Registers a special token for lx_tokenizer_tokenize and for decode's skip_special.
 * id may equal lx_tokenizer_size() to append a new token (the [PAD] Lynx adds).
 * strip_neighbours: Hugging Face's default for special tokens given as plain strings (the
 * whitespace next to them is removed); tokens loaded as AddedToken(lstrip=False, rstrip=False),
 * like LLaMA's <s>, </s> and <unk>, keep it. */
int lx_tokenizer_add_special(lx_tokenizer *t, const char *text, int id, bool strip_neighbours,
                             lx_error *err);

/* Registers the special tokens Lynx's reference tokenizer has: the model's bos, eos and unk pieces
 * (no stripping) and "[PAD]" at pad_id (stripping), unless pad_id is already another piece of
 * the vocabulary (LLaVA-1.5 pads with <unk>), which is then left as it is. */
int lx_tokenizer_add_lynx_specials(lx_tokenizer *t, int bos_id, int eos_id, int unk_id, int pad_id,
                                   lx_error *err);

/* Which of Hugging Face's LLaMA tokenizers to be:
 *   LX_TOKENIZER_LEGACY     (the default) the slow LlamaTokenizer of transformers 4.28, or a
 *                           later one with legacy=True: every chunk between special tokens gets
 *                           the dummy "▁" prefix
 *   LX_TOKENIZER_NONLEGACY  the slow one of 4.37 with legacy=False (LLaVA-1.5): only the text's
 *                           first chunk gets the prefix, a chunk after a special token none
 *   LX_TOKENIZER_FAST       LlamaTokenizerFast converted from tokenizer.model (transformers 4.28,
 *                           tokenizers 0.13; LLaVA v1's scripts load it): tokenizes as LEGACY
 *                           (its added tokens keep their neighbours' whitespace: register them
 *                           without stripping) but without the merge into the piece scored 0
 *                           (the converter skips it: LLaMA's doubled space "▁▁"), and decodes a run
 * of byte pieces that is not valid UTF-8 as a whole into one U+FFFD per byte, as its ByteFallback
 *                           decoder does, where SentencePiece keeps the valid bytes */
typedef enum lx_tokenizer_rules {
  LX_TOKENIZER_LEGACY = 0,
  LX_TOKENIZER_NONLEGACY,
  LX_TOKENIZER_FAST,
} lx_tokenizer_rules;
void lx_tokenizer_set_rules(lx_tokenizer *t, lx_tokenizer_rules rules);

/* Number of ids (pieces plus appended special tokens). */
int lx_tokenizer_size(const lx_tokenizer *t);
/* The piece (or special token text) of an id, or NULL if out of range. */
const char *lx_tokenizer_piece(const lx_tokenizer *t, int id);
/* Id of a piece (SentencePiece's PieceToId: control/byte/unknown pieces first, then the
 * others), or the unknown id. */
int lx_tokenizer_piece_to_id(const lx_tokenizer *t, const char *piece, size_t len);

/* Appends the ids of text[0..len) to out: encode as SentencePiece, tokenize as Hugging Face. */
int lx_tokenizer_encode(const lx_tokenizer *t, const char *text, size_t len, lx_ints *out,
                        lx_error *err);
int lx_tokenizer_tokenize(const lx_tokenizer *t, const char *text, size_t len, lx_ints *out,
                          lx_error *err);

/* Appends the decoded text of ids to out with the special tokens kept, as transformers 4.28.0's
 * slow LlamaTokenizer.decode(ids, skip_special_tokens=False) writes it (MiniGPT-4 decodes so):
 * tokens appended past the SentencePiece model (an added "[PAD]") each a text of its own, the
 * texts joined by spaces; within a run, each registered special token as its text, the pieces
 * before it decoded in front, and a space first when the token before was not special and this is
 * not the first (that release's quirk). Ids out of range are an error. */
int lx_tokenizer_decode_keep_special(const lx_tokenizer *t, const int *ids, int n, lx_strbuf *out,
                                     lx_error *err);

/* Appends the decoded text of ids to out. Ids out of range are an error. */
int lx_tokenizer_decode(const lx_tokenizer *t, const int *ids, int n, bool skip_special,
                        lx_strbuf *out, lx_error *err);

#endif
