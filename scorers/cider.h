/* cider.h: CIDEr-D exactly as pycocoevalcap's CiderScorer computes it (n = 1..4, sigma = 6).
 *
 * Document frequency df(g) = number of items whose reference set contains g, counted over the
 * items being scored only (a one-item corpus scores 0; the score depends on the subset). Vector
 * weights tf(g) * (ln N - ln max(1, df(g))) with raw counts. For each reference and each n:
 * sum_{g in hyp} min(w_hyp(g), w_ref(g)) w_ref(g), divided by both norms when neither is 0, times
 * exp(-d^2 / (2 sigma^2)) with d the difference of the bigram counts. Item score = mean over n of
 * the sum over references / number of references x 10; corpus = mean over items. float64. */
#ifndef LX_CIDER_H
#define LX_CIDER_H

#include <stddef.h>

#include "scorers/caption.h"

/* Returns the corpus CIDEr-D (0 for n = 0); per_item: NULL or [n]. */
double lx_cider_d(const lx_caption_item *items, size_t n, double *per_item);

#endif
