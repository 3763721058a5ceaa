#include "reports/agreement.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define BT_MAX_ITERATIONS 100000
#define BT_TOLERANCE      1e-13 /* largest change of a log-strength at convergence */
#define ELO_BASE          1500.0
#define ELO_SCALE         400.0

static double weight(int i, int j, lx_kappa_weights w) {
  double d = fabs((double)(i - j));
  return w == LX_KAPPA_NONE ? (i != j) : w == LX_KAPPA_LINEAR ? d : d * d;
}

double lx_cohen_kappa(const int *a, const int *b, size_t n, int k, lx_kappa_weights w) {
  double *conf = lx_xcalloc((size_t)k * (size_t)k, sizeof *conf),
         *ra = lx_xcalloc((size_t)k, sizeof *ra);
  double *rb = lx_xcalloc((size_t)k, sizeof *rb), total = 0;
  for (size_t i = 0; i < n; i++) {
    if (a[i] < 0 || b[i] < 0 || a[i] >= k || b[i] >= k) continue;
    conf[a[i] * k + b[i]] += 1;
    ra[a[i]] += 1;
    rb[b[i]] += 1;
    total += 1;
  }
  double observed = 0, expected = 0;
  for (int i = 0; i < k; i++) {
    for (int j = 0; j < k; j++) {
      observed += weight(i, j, w) * conf[i * k + j];
      expected += weight(i, j, w) * ra[i] * rb[j] / total;
    }
  }
  free(conf);
  free(ra);
  free(rb);
  return 1 - observed / expected;
}

double lx_fleiss_kappa(const double *counts, size_t n, int k) {
  double total = 0, raters = 0, p_mean = 0, p_exp = 0;
  double *p_cat = lx_xcalloc((size_t)k, sizeof *p_cat);
  for (size_t i = 0; i < n; i++) {
    double row = 0;
    for (int c = 0; c < k; c++) {
      row += counts[i * (size_t)k + (size_t)c];
      p_cat[c] += counts[i * (size_t)k + (size_t)c];
    }
    if (row > raters) raters = row;
    total += row;
  }
  for (size_t i = 0; i < n; i++) {
    double sq = 0;
    for (int c = 0; c < k; c++)
      sq += counts[i * (size_t)k + (size_t)c] * counts[i * (size_t)k + (size_t)c];
    p_mean += (sq - raters) / (raters * (raters - 1));
  }
  p_mean /= (double)n;
  for (int c = 0; c < k; c++) {
    p_cat[c] /= total;
    p_exp += p_cat[c] * p_cat[c];
  }
  free(p_cat);
  return (p_mean - p_exp) / (1 - p_exp);
}

double lx_krippendorff_alpha(const int *ratings, size_t raters, size_t n, int k,
                             lx_alpha_metric m) {
  size_t kk = (size_t)k;
  double *o = lx_xcalloc(kk * kk, sizeof *o), *nc = lx_xcalloc(kk, sizeof *nc);
  int *vals = lx_xcalloc(raters + 1, sizeof *vals);
  for (size_t i = 0; i < n; i++) {
    size_t mu = 0;
    for (size_t r = 0; r < raters; r++) {
      int v = ratings[r * n + i];
      if (v >= 0 && v < k) vals[mu++] = v;
    }
    if (mu < 2) continue;
    /* every ordered pair of values from different coders adds 1 / (m_u - 1) */
    for (size_t x = 0; x < mu; x++)
      for (size_t y = 0; y < mu; y++)
        if (x != y) o[(size_t)vals[x] * kk + (size_t)vals[y]] += 1.0 / (double)(mu - 1);
  }
  double total = 0;
  for (size_t c = 0; c < kk; c++) {
    for (size_t d = 0; d < kk; d++) nc[c] += o[c * kk + d];
    total += nc[c];
  }
  double d_obs = 0, d_exp = 0;
  for (size_t c = 0; c < kk; c++) {
    for (size_t d = 0; d < kk; d++) {
      double delta;
      if (m == LX_ALPHA_NOMINAL) {
        delta = c != d;
      } else if (m == LX_ALPHA_INTERVAL) {
        delta = ((double)c - (double)d) * ((double)c - (double)d);
      } else { /* ordinal: the marginal mass between the two categories */
        size_t lo = c < d ? c : d, hi = c < d ? d : c;
        double s = 0;
        for (size_t g = lo; g <= hi; g++) s += nc[g];
        s -= (nc[c] + nc[d]) / 2;
        delta = s * s;
      }
      d_obs += o[c * kk + d] * delta;
      d_exp += nc[c] * nc[d] * delta;
    }
  }
  free(o);
  free(nc);
  free(vals);
  if (d_exp == 0) return NAN; /* every value identical: alpha is undefined */
  return 1 - (total - 1) * d_obs / d_exp;
}

int lx_bradley_terry(const lx_preference *p, size_t n, int m, double *log_strength) {
  size_t mm = (size_t)m;
  double *wins = lx_xcalloc(mm, sizeof *wins), *games = lx_xcalloc(mm * mm, sizeof *games);
  double *pi = lx_xcalloc(mm, sizeof *pi), *next = lx_xcalloc(mm, sizeof *next);
  for (size_t k = 0; k < n; k++) {
    int a = p[k].first, b = p[k].second;
    wins[a] += p[k].outcome;
    wins[b] += 1 - p[k].outcome;
    games[(size_t)a * mm + (size_t)b] += 1;
    games[(size_t)b * mm + (size_t)a] += 1;
  }
  int iterations = -1;
  bool degenerate = false;
  for (size_t i = 0; i < mm; i++) {
    double played = 0;
    for (size_t j = 0; j < mm; j++) played += games[i * mm + j];
    degenerate |= played > 0 && (wins[i] == 0 || wins[i] == played);
    pi[i] = 1;
  }
  for (int it = 1; !degenerate && it <= BT_MAX_ITERATIONS; it++) {
    double change = 0, log_sum = 0;
    for (size_t i = 0; i < mm; i++) {
      double denom = 0;
      for (size_t j = 0; j < mm; j++)
        if (j != i && games[i * mm + j] > 0) denom += games[i * mm + j] / (pi[i] + pi[j]);
      next[i] = denom > 0 ? wins[i] / denom : pi[i];
    }
    for (size_t i = 0; i < mm; i++) log_sum += log(next[i]);
    double shift = exp(log_sum / (double)mm); /* geometric mean 1 */
    for (size_t i = 0; i < mm; i++) {
      next[i] /= shift;
      change = fmax(change, fabs(log(next[i]) - log(pi[i])));
      pi[i] = next[i];
    }
    if (change < BT_TOLERANCE) {
      iterations = it;
      break;
    }
  }
  for (size_t i = 0; i < mm; i++) log_strength[i] = log(pi[i]);
  free(wins);
  free(games);
  free(pi);
  free(next);
  return degenerate ? -1 : iterations;
}

void lx_bradley_terry_elo(const double *log_strength, int m, double *elo) {
  for (int i = 0; i < m; i++) elo[i] = ELO_BASE + ELO_SCALE * log_strength[i] / log(10.0);
}

void lx_bradley_terry_intervals(const lx_preference *p, size_t n, int m, size_t resamples,
                                uint64_t seed, double alpha, lx_interval *elo) {
  size_t mm = (size_t)m, kept = 0;
  double *draws = lx_xcalloc(mm * (resamples + 1), sizeof *draws), *ls = lx_xcalloc(mm, sizeof *ls);
  double *e = lx_xcalloc(mm, sizeof *e), *col = lx_xcalloc(resamples + 1, sizeof *col);
  lx_preference *sample = lx_xcalloc(n + 1, sizeof *sample);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, (unsigned long)seed);
  for (size_t b = 0; b < resamples; b++) {
    for (size_t k = 0; k < n; k++) sample[k] = p[gsl_rng_uniform_int(r, n)];
    if (lx_bradley_terry(sample, n, m, ls) < 0) continue; /* a resample where someone never wins */
    lx_bradley_terry_elo(ls, m, e);
    for (size_t i = 0; i < mm; i++) draws[i * resamples + kept] = e[i];
    kept++;
  }
  gsl_rng_free(r);
  for (size_t i = 0; i < mm; i++) {
    if (kept == 0) {
      elo[i].low = elo[i].high = NAN;
      continue;
    }
    memcpy(col, draws + i * resamples, kept * sizeof *col);
    gsl_sort(col, 1, kept);
    double h_lo = (double)(kept - 1) * alpha / 2, h_hi = (double)(kept - 1) * (1 - alpha / 2);
    size_t lo = (size_t)h_lo, hi = (size_t)h_hi;
    elo[i].low = col[lo] + (lo + 1 < kept ? (col[lo + 1] - col[lo]) * (h_lo - (double)lo) : 0);
    elo[i].high = col[hi] + (hi + 1 < kept ? (col[hi + 1] - col[hi]) * (h_hi - (double)hi) : 0);
  }
  free(draws);
  free(ls);
  free(e);
  free(col);
  free(sample);
}
