/* rouge.h: ROUGE-L exactly as pycocoevalcap's Rouge computes it.
 *
 * Words = str.split(" ") (so double spaces give empty words, which count). For each reference the
 * longest common subsequence l gives P = l / |hyp| and R = l / |ref|; the best P and the best R
 * are taken over the references independently; F = (1 + b^2) P R / (R + b^2 P) with b = 1.2, or 0
 * when either is 0. The corpus score is the mean over items. */
#ifndef LX_ROUGE_H
#define LX_ROUGE_H

#include <stddef.h>

#include "scorers/caption.h"

/* Returns the corpus ROUGE-L (0 for n = 0); per_item: NULL or [n]. */
double lx_rouge_l(const lx_caption_item *items, size_t n, double *per_item);

#endif
