/* agreement.h: agreement between human raters, and strengths from pairwise preferences.
 *
 * Ratings are small integers: grades A/B/C/D are 3/2/1/0 (ordered categories), preferences are
 * handled by Bradley-Terry. A missing rating is LX_RATING_MISSING. */
#ifndef LX_AGREEMENT_H
#define LX_AGREEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "reports/stats.h"

#define LX_RATING_MISSING (-1)

typedef enum lx_kappa_weights {
  LX_KAPPA_NONE,
  LX_KAPPA_LINEAR,
  LX_KAPPA_QUADRATIC
} lx_kappa_weights;

/* Cohen's kappa of two raters on n items with categories 0..k-1 (scikit-learn's
 * cohen_kappa_score, weights None / "linear" / "quadratic"). Items either rater skipped are left
 * out. */
double lx_cohen_kappa(const int *a, const int *b, size_t n, int k, lx_kappa_weights w);

/* Fleiss' kappa: counts[i * k + c] raters put item i in category c; every item needs the same
 * number of raters (statsmodels' fleiss_kappa, method "fleiss"). */
double lx_fleiss_kappa(const double *counts, size_t n, int k);

typedef enum lx_alpha_metric {
  LX_ALPHA_NOMINAL,
  LX_ALPHA_ORDINAL,
  LX_ALPHA_INTERVAL
} lx_alpha_metric;

/* Krippendorff's alpha of ratings[r * n + i] (rater r, item i; LX_RATING_MISSING allowed) with
 * categories 0..k-1, from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
 * alpha-reliability"). Items with fewer than two ratings are left out. */
double lx_krippendorff_alpha(const int *ratings, size_t raters, size_t n, int k, lx_alpha_metric m);

/* One pairwise judgement between systems `first` and `second`: 1 first better, 0 second better,
 * 0.5 a tie (counted as half a win each). */
typedef struct lx_preference {
  int first, second;
  double outcome;
} lx_preference;

/* Bradley-Terry strengths of m systems from n judgements, by the MM algorithm (Hunter 2004) to
 * convergence; log-strengths are centred (their mean is 0). elo[s] = 1500 + 400 log10(strength).
 * Returns the iterations used, or -1 if a system never wins or never loses (no finite maximum). */
int lx_bradley_terry(const lx_preference *p, size_t n, int m, double *log_strength);
void lx_bradley_terry_elo(const double *log_strength, int m, double *elo);

/* Bootstrap percentile intervals of the Elo ratings, resampling judgements. */
void lx_bradley_terry_intervals(const lx_preference *p, size_t n, int m, size_t resamples,
                                uint64_t seed, double alpha, lx_interval *elo);

#endif
