#include "scorers/rouge.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/unicode.h"

#define ROUGE_BETA 1.2 /* pycocoevalcap's Rouge.beta: recall weighs 1.44 times precision */

static int same_word(const lx_span *a, const lx_span *b) {
  return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Length of the longest common subsequence of a[0..na) and b[0..nb), one row at a time. */
static size_t lcs_length(const lx_span *a, size_t na, const lx_span *b, size_t nb) {
  size_t *prev = lx_xcalloc(nb + 1, sizeof *prev), *cur = lx_xcalloc(nb + 1, sizeof *cur);
  for (size_t i = 1; i <= na; i++) {
    for (size_t j = 1; j <= nb; j++) {
      if (same_word(&a[i - 1], &b[j - 1]))
        cur[j] = prev[j - 1] + 1;
      else
        cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
    }
    size_t *tmp = prev;
    prev = cur;
    cur = tmp;
  }
  size_t l = prev[nb];
  free(prev);
  free(cur);
  return l;
}

static double rouge_item(const lx_caption_item *it) {
  lx_span *hyp;
  size_t n_hyp = lx_py_split_space(it->hyp, strlen(it->hyp), &hyp);
  double best_p = 0, best_r = 0;
  for (size_t r = 0; r < it->n_refs; r++) {
    lx_span *ref;
    size_t n_ref = lx_py_split_space(it->refs[r], strlen(it->refs[r]), &ref);
    double l = (double)lcs_length(ref, n_ref, hyp, n_hyp);
    double p = l / (double)n_hyp, rec = l / (double)n_ref;
    if (r == 0 || p > best_p) best_p = p;
    if (r == 0 || rec > best_r) best_r = rec;
    free(ref);
  }
  free(hyp);
  if (best_p == 0 || best_r == 0) return 0.0;
  double b2 = ROUGE_BETA * ROUGE_BETA;
  return ((1 + b2) * best_p * best_r) / (best_r + b2 * best_p);
}

double lx_rouge_l(const lx_caption_item *items, size_t n, double *per_item) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    double s = rouge_item(&items[i]);
    if (per_item) per_item[i] = s;
    sum += s;
  }
  return n ? sum / (double)n : 0.0;
}
