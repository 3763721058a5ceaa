/* bleu.h: BLEU-1..4 exactly as pycocoevalcap's BleuScorer computes it with option "closest".
 *
 * Per item: clipped n-gram matches sum_g min(count_hyp(g), max over refs count_ref(g)), guesses
 * max(0, words - n + 1), and the reference length closest to the hypothesis length (ties to the
 * shorter). Corpus: matches, guesses and lengths summed over items, then
 *   BLEU_N = (prod_{n<=N} (M_n + 1e-15) / (G_n + 1e-9))^(1/N),
 * times exp(1 - 1/ratio) when ratio = (L_hyp + 1e-15) / (L_ref + 1e-9) < 1. Per-item values use
 * the same formula on the item's own counts. No other smoothing. */
#ifndef LX_BLEU_H
#define LX_BLEU_H

#include <stddef.h>

#include "scorers/caption.h"

#define LX_BLEU_MAX_N 4

typedef struct lx_bleu_result {
  double bleu[LX_BLEU_MAX_N];  /* corpus BLEU-1..4 */
  double hyp_words, ref_words; /* summed lengths (testlen, reflen) */
} lx_bleu_result;

/* The sufficient statistics of one item, from which any set of items' corpus BLEU follows by
 * summing: matches[k], guesses[k] for k-grams, the hypothesis length and the closest reference
 * length. */
typedef struct lx_bleu_counts {
  double matches[LX_BLEU_MAX_N], guesses[LX_BLEU_MAX_N], hyp_len, ref_len;
} lx_bleu_counts;

/* per_item: NULL or [n][LX_BLEU_MAX_N] per-item BLEU-1..4; counts: NULL or [n]. */
void lx_bleu(const lx_caption_item *items, size_t n, lx_bleu_result *out, double *per_item,
             lx_bleu_counts *counts);

/* sum += x */
void lx_bleu_counts_add(lx_bleu_counts *sum, const lx_bleu_counts *x);
/* Corpus BLEU-1..4 of summed counts (what lx_bleu reports for the items summed). */
void lx_bleu_from_counts(const lx_bleu_counts *sum, double bleu[LX_BLEU_MAX_N]);

#endif
