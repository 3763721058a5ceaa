/* vqa_accuracy.h: VQA accuracy as the official VQA evaluation script (vqaEval.py) computes it, in
 * the two versions in use, plus the "always normalize" convention of other suites.
 *
 *   official-2017  the script before its 2021 fix, as LAVIS (and the BLIP family) run it: the
 *                  prediction is always normalized (punctuation, then digits and articles); the
 *                  references get punctuation processing only, and only when they are not all
 *                  identical; references are not stripped.
 *   official-2021  the script's current master: prediction and references are stripped, and both
 *                  are normalized (punctuation, then digits and articles) only when the references
 *                  are not all identical; otherwise compared raw. ("Red." vs ten "red": 0.)
 *   always         prediction and references always stripped and normalized.
 *
 * Accuracy = mean over references i of min(1, #{j != i : ref_j == pred} / 3), in [0, 1].
 * Text rules follow Python 3 (the scripts run there): lower() and split() are Unicode-aware and
 * \d matches any decimal digit. */
#ifndef LX_VQA_ACCURACY_H
#define LX_VQA_ACCURACY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

typedef enum lx_vqa_mode {
  LX_VQA_OFFICIAL_2017,
  LX_VQA_OFFICIAL_2021,
  LX_VQA_ALWAYS,
} lx_vqa_mode;

/* Parses "official-2017", "official-2021" or "always". */
bool lx_vqa_mode_parse(const char *name, lx_vqa_mode *mode);
const char *lx_vqa_mode_name(lx_vqa_mode mode);

/* processPunctuation: for each of ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? ! delete it if it
 * occurs followed or preceded by a space, or if the text contains digit,digit; else replace it
 * by a space. Then delete the first 32 periods not followed by a digit (the script passes
 * re.UNICODE, 32, where sub() takes its count). Appends to out. */
void lx_vqa_punctuation(const char *text, lx_strbuf *out);
/* processDigitArticle: lowercase, split on whitespace, none/zero..ten -> 0..10, drop a/an/the,
 * expand the script's contraction table (dont -> don't, ...), join with single spaces. */
void lx_vqa_digits_articles(const char *text, lx_strbuf *out);

/* A word replaced by another: an entry of a contraction table. */
typedef struct lx_word_map {
  const char *from, *to;
} lx_word_map;
/* processDigitArticle with another contraction table (table[0..n)): the copies of vqaEval.py other
 * benchmarks ship (VizWiz's) changed the table and nothing else. */
void lx_vqa_digits_articles_with(const char *text, const lx_word_map *table, size_t n,
                                 lx_strbuf *out);

/* The soft VQA score given which references equal the answer (same[0..n)): the mean over
 * references i of min(1, #{j != i : same[j]} / 3), summed in reference order as the scripts sum
 * it; 0 when n is 0. */
double lx_vqa_soft_score(const bool *same, size_t n);

/* Accuracy in [0, 1] of pred against refs[0..n_refs) (UTF-8; n_refs >= 1, usually 10). */
double lx_vqa_accuracy(lx_vqa_mode mode, const char *pred, const char *const *refs, size_t n_refs);

#endif
