#include "scorers/bleu.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "scorers/ngrams.h"

/* The constants of pycocoevalcap's BleuScorer.compute_score. */
#define BLEU_TINY  1e-15 /* added to matches and to the hypothesis length */
#define BLEU_SMALL 1e-9  /* added to guesses and to the reference length */

/* The reference length closest to hyp_len, ties to the shorter (Python's
 * min((abs(l - testlen), l) for l in reflens)[1]). */
static size_t closest_ref_len(const size_t *lens, size_t n, size_t hyp_len) {
  size_t best = lens[0];
  for (size_t i = 1; i < n; i++) {
    size_t d = lens[i] > hyp_len ? lens[i] - hyp_len : hyp_len - lens[i];
    size_t bd = best > hyp_len ? best - hyp_len : hyp_len - best;
    if (d < bd || (d == bd && lens[i] < best)) best = lens[i];
  }
  return best;
}

/* bleu[0..N) from matches, guesses and lengths, as compute_score does it. */
static void bleu_from_counts(const double *correct, const double *guess, double hyp_len,
                             double ref_len, double *bleu) {
  double b = 1.0;
  for (int k = 0; k < LX_BLEU_MAX_N; k++) {
    b *= (correct[k] + BLEU_TINY) / (guess[k] + BLEU_SMALL);
    bleu[k] = pow(b, 1.0 / (k + 1));
  }
  double ratio = (hyp_len + BLEU_TINY) / (ref_len + BLEU_SMALL);
  if (ratio < 1) {
    for (int k = 0; k < LX_BLEU_MAX_N; k++) bleu[k] *= exp(1 - 1 / ratio);
  }
}

void lx_bleu(const lx_caption_item *items, size_t n, lx_bleu_result *out, double *per_item,
             lx_bleu_counts *counts) {
  lx_gram_table *t = lx_gram_table_new();
  lx_ngrams hyp = {0}, ref = {0};
  uint32_t *max_count = NULL; /* [table size] max count over this item's references */
  size_t max_cap = 0;
  uint32_t *touched = NULL; /* grams whose max_count is set for this item */
  size_t touched_cap = 0;
  double total_correct[LX_BLEU_MAX_N] = {0}, total_guess[LX_BLEU_MAX_N] = {0};
  double total_hyp = 0, total_ref = 0;
  for (size_t i = 0; i < n; i++) {
    const lx_caption_item *it = &items[i];
    size_t *ref_lens = lx_xcalloc(it->n_refs, sizeof *ref_lens);
    size_t n_touched = 0;
    for (size_t r = 0; r < it->n_refs; r++) {
      lx_ngrams_count(t, it->refs[r], LX_BLEU_MAX_N, &ref);
      ref_lens[r] = ref.words;
      if (lx_gram_table_size(t) > max_cap) {
        size_t old = max_cap;
        max_cap = 2 * lx_gram_table_size(t);
        max_count = lx_xrealloc_array(max_count, max_cap, sizeof *max_count);
        memset(max_count + old, 0, (max_cap - old) * sizeof *max_count);
      }
      for (size_t j = 0; j < ref.n; j++) {
        uint32_t g = ref.items[j].gram;
        if (max_count[g] == 0) {
          if (n_touched == touched_cap) {
            touched_cap = touched_cap ? 2 * touched_cap : 256;
            touched = lx_xrealloc_array(touched, touched_cap, sizeof *touched);
          }
          touched[n_touched++] = g;
        }
        if (ref.items[j].count > max_count[g]) max_count[g] = ref.items[j].count;
      }
    }
    lx_ngrams_count(t, it->hyp, LX_BLEU_MAX_N, &hyp);
    double correct[LX_BLEU_MAX_N] = {0}, guess[LX_BLEU_MAX_N];
    for (size_t j = 0; j < hyp.n; j++) {
      uint32_t g = hyp.items[j].gram, c = hyp.items[j].count;
      uint32_t m = g < max_cap ? max_count[g] : 0;
      correct[lx_gram_order(t, g) - 1] += c < m ? c : m;
    }
    for (int k = 0; k < LX_BLEU_MAX_N; k++)
      guess[k] = hyp.words + 1 > (size_t)(k + 1) ? (double)(hyp.words - (size_t)k) : 0.0;
    double ref_len = (double)closest_ref_len(ref_lens, it->n_refs, hyp.words);
    if (per_item) bleu_from_counts(correct, guess, (double)hyp.words, ref_len, per_item + 4 * i);
    if (counts) {
      memcpy(counts[i].matches, correct, sizeof correct);
      memcpy(counts[i].guesses, guess, sizeof guess);
      counts[i].hyp_len = (double)hyp.words;
      counts[i].ref_len = ref_len;
    }
    for (int k = 0; k < LX_BLEU_MAX_N; k++) {
      total_correct[k] += correct[k];
      total_guess[k] += guess[k];
    }
    total_hyp += (double)hyp.words;
    total_ref += ref_len;
    for (size_t j = 0; j < n_touched; j++) max_count[touched[j]] = 0;
    free(ref_lens);
  }
  bleu_from_counts(total_correct, total_guess, total_hyp, total_ref, out->bleu);
  out->hyp_words = total_hyp;
  out->ref_words = total_ref;
  free(max_count);
  free(touched);
  lx_ngrams_free(&hyp);
  lx_ngrams_free(&ref);
  lx_gram_table_free(t);
}

void lx_bleu_from_counts(const lx_bleu_counts *sum, double bleu[LX_BLEU_MAX_N]) {
  bleu_from_counts(sum->matches, sum->guesses, sum->hyp_len, sum->ref_len, bleu);
}

void lx_bleu_counts_add(lx_bleu_counts *sum, const lx_bleu_counts *x) {
  for (int k = 0; k < LX_BLEU_MAX_N; k++) {
    sum->matches[k] += x->matches[k];
    sum->guesses[k] += x->guesses[k];
  }
  sum->hyp_len += x->hyp_len;
  sum->ref_len += x->ref_len;
}
