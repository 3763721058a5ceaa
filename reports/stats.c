#include "reports/stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define WILCOXON_EXACT_MAX 50 /* scipy's limit for the exact null distribution */

void lx_mean_se(const double *x, size_t n, double *mean, double *se) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m += x[i];
  m = n ? m / (double)n : 0;
  double ss = 0;
  for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
  *mean = m;
  *se = n > 1 ? sqrt(ss / (double)(n - 1)) / sqrt((double)n) : 0;
}

double lx_clustered_se(const double *x, const size_t *cluster, size_t n) {
  if (n == 0) return 0;
  double m = 0;
  size_t max_c = 0;
  for (size_t i = 0; i < n; i++) {
    m += x[i];
    if (cluster[i] > max_c) max_c = cluster[i];
  }
  m /= (double)n;
  double *sum = lx_xcalloc(max_c + 1, sizeof *sum), total = 0;
  for (size_t i = 0; i < n; i++) sum[cluster[i]] += x[i] - m;
  for (size_t c = 0; c <= max_c; c++) total += sum[c] * sum[c];
  free(sum);
  return sqrt(total) / (double)n;
}

/* np.percentile(v, q) with linear interpolation; v sorted. */
static double percentile_sorted(const double *v, size_t n, double q) {
  double h = (double)(n - 1) * q / 100.0;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n) return v[n - 1];
  return v[lo] + (v[lo + 1] - v[lo]) * (h - (double)lo);
}

static gsl_rng *new_rng(uint64_t seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, (unsigned long)seed);
  return r;
}

void lx_bootstrap(lx_resample_stat stat, void *ctx, size_t n, size_t resamples, uint64_t seed,
                  double alpha, double *theta_hat, lx_interval *percentile, lx_interval *bca) {
  size_t *idx = lx_xcalloc(n ? n : 1, sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  double theta = stat(idx, n, ctx);
  *theta_hat = theta;
  double *b = lx_xcalloc(resamples ? resamples : 1, sizeof *b);
  gsl_rng *r = new_rng(seed);
  for (size_t k = 0; k < resamples; k++) {
    for (size_t i = 0; i < n; i++) idx[i] = gsl_rng_uniform_int(r, n);
    b[k] = stat(idx, n, ctx);
  }
  gsl_rng_free(r);
  gsl_sort(b, 1, resamples);
  double tail = alpha / 2;
  percentile->low = percentile_sorted(b, resamples, 100 * tail);
  percentile->high = percentile_sorted(b, resamples, 100 * (1 - tail));
  /* BCa: bias correction from the share of resamples strictly below theta_hat, acceleration
   * from the jackknife */
  size_t below = 0;
  for (size_t k = 0; k < resamples; k++) below += b[k] < theta;
  double z0 = gsl_cdf_ugaussian_Pinv((double)below / (double)resamples);
  double *jack = lx_xcalloc(n ? n : 1, sizeof *jack), jmean = 0;
  for (size_t leave = 0; leave < n; leave++) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (i != leave) idx[k++] = i;
    jack[leave] = stat(idx, n - 1, ctx);
    jmean += jack[leave];
  }
  jmean /= (double)n;
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    double d = jmean - jack[i];
    num += d * d * d;
    den += d * d;
  }
  double a = den > 0 ? num / (6 * pow(den, 1.5)) : 0;
  double z_lo = gsl_cdf_ugaussian_Pinv(tail), z_hi = -z_lo;
  double a1 = gsl_cdf_ugaussian_P(z0 + (z0 + z_lo) / (1 - a * (z0 + z_lo)));
  double a2 = gsl_cdf_ugaussian_P(z0 + (z0 + z_hi) / (1 - a * (z0 + z_hi)));
  if (isfinite(a1) && isfinite(a2)) {
    bca->low = percentile_sorted(b, resamples, 100 * a1);
    bca->high = percentile_sorted(b, resamples, 100 * a2);
  } else { /* every resample on one side of theta_hat: BCa is undefined */
    bca->low = bca->high = NAN;
  }
  free(jack);
  free(b);
  free(idx);
}

double lx_mcnemar_exact(size_t b, size_t c) {
  size_t n = b + c;
  if (n == 0) return 1.0;
  double p = 2 * gsl_cdf_binomial_P((unsigned)(b < c ? b : c), 0.5, (unsigned)n);
  return p < 1 ? p : 1.0;
}

void lx_paired_t(const double *a, const double *b, size_t n, double *t, double *p) {
  double *d = lx_xcalloc(n ? n : 1, sizeof *d), mean, se;
  for (size_t i = 0; i < n; i++) d[i] = a[i] - b[i];
  lx_mean_se(d, n, &mean, &se);
  free(d);
  if (n < 2 || se == 0) {
    *t = mean == 0 ? NAN : copysign(INFINITY, mean);
    *p = mean == 0 ? NAN : 0.0;
    return;
  }
  *t = mean / se;
  *p = 2 * gsl_cdf_tdist_Q(fabs(*t), (double)(n - 1));
}

typedef struct ranked {
  double abs_d;
  int sign;
} ranked;

static int by_abs(const void *x, const void *y) {
  double a = ((const ranked *)x)->abs_d, b = ((const ranked *)y)->abs_d;
  return (a > b) - (a < b);
}

double lx_wilcoxon(const double *a, const double *b, size_t n, double *statistic) {
  ranked *r = lx_xcalloc(n ? n : 1, sizeof *r);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = a[i] - b[i];
    if (d != 0) r[m++] = (ranked){fabs(d), d > 0 ? 1 : -1};
  }
  if (m == 0) {
    free(r);
    *statistic = 0;
    return 1.0; /* no difference at all */
  }
  qsort(r, m, sizeof *r, by_abs);
  double r_plus = 0, r_minus = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j + 1 < m && r[j + 1].abs_d == r[i].abs_d) j++;
    double rank = 0.5 * (double)(i + j) + 1; /* the mean of ranks i+1 .. j+1 */
    double t = (double)(j - i + 1);
    if (t > 1) {
      ties = true;
      tie_term += t * (t * t - 1);
    }
    for (size_t k = i; k <= j; k++) *(r[k].sign > 0 ? &r_plus : &r_minus) += rank;
    i = j + 1;
  }
  free(r);
  double T = r_plus < r_minus ? r_plus : r_minus, mm = (double)m;
  *statistic = T;
  if (m <= WILCOXON_EXACT_MAX && !ties && m == n) {
    /* the exact null distribution of R+: counts of subsets of {1..m} by their sum */
    size_t top = m * (m + 1) / 2;
    double *count = lx_xcalloc(top + 1, sizeof *count);
    count[0] = 1;
    for (size_t k = 1; k <= m; k++)
      for (size_t s = top; s >= k; s--) count[s] += count[s - k];
    double total = ldexp(1.0, (int)m);
    size_t rp = (size_t)r_plus;
    double p;
    if (rp == top / 2) { /* the centre (scipy's test, integer division included) */
      p = 1.0;
    } else {
      double less = 0, greater = 0;
      for (size_t s = 0; s <= rp; s++) less += count[s];
      for (size_t s = rp; s <= top; s++) greater += count[s];
      p = 2 * (less < greater ? less : greater) / total;
    }
    free(count);
    return p < 1 ? p : 1.0;
  }
  double mean = mm * (mm + 1) * 0.25;
  double var = (mm * (mm + 1) * (2 * mm + 1) - 0.5 * tie_term) / 24;
  double z = (T - mean) / sqrt(var);
  return 2 * gsl_cdf_ugaussian_Q(fabs(z));
}

double lx_paired_bootstrap(lx_paired_stat diff, void *ctx, size_t n, size_t resamples,
                           uint64_t seed, double alpha, lx_interval *interval) {
  size_t *idx = lx_xcalloc(n ? n : 1, sizeof *idx);
  double *d = lx_xcalloc(resamples ? resamples : 1, sizeof *d);
  gsl_rng *r = new_rng(seed);
  size_t le = 0, ge = 0;
  for (size_t k = 0; k < resamples; k++) {
    for (size_t i = 0; i < n; i++) idx[i] = gsl_rng_uniform_int(r, n);
    d[k] = diff(idx, n, ctx);
    le += d[k] <= 0;
    ge += d[k] >= 0;
  }
  gsl_rng_free(r);
  gsl_sort(d, 1, resamples);
  interval->low = percentile_sorted(d, resamples, 100 * alpha / 2);
  interval->high = percentile_sorted(d, resamples, 100 * (1 - alpha / 2));
  free(d);
  free(idx);
  double p = 2 * (double)(le < ge ? le : ge) / (double)resamples;
  return p < 1 ? p : 1.0;
}

double lx_approximate_randomization(lx_swapped_stat diff, void *ctx, size_t n, size_t resamples,
                                    uint64_t seed) {
  unsigned char *swap = lx_xcalloc(n ? n : 1, 1);
  double observed = fabs(diff(swap, n, ctx));
  gsl_rng *r = new_rng(seed);
  size_t at_least = 0;
  for (size_t k = 0; k < resamples; k++) {
    for (size_t i = 0; i < n; i++) swap[i] = (unsigned char)(gsl_rng_uniform(r) < 0.5);
    /* a relative tolerance keeps exact ties (same value, other rounding) counted, as scipy does */
    at_least += fabs(diff(swap, n, ctx)) >= observed * (1 - 1e-14);
  }
  gsl_rng_free(r);
  free(swap);
  return ((double)at_least + 1) / ((double)resamples + 1);
}

typedef struct indexed {
  double p;
  size_t i;
} indexed;

static int by_p(const void *x, const void *y) {
  double a = ((const indexed *)x)->p, b = ((const indexed *)y)->p;
  if (a != b) return (a > b) - (a < b);
  size_t i = ((const indexed *)x)->i, j = ((const indexed *)y)->i;
  return (i > j) - (i < j);
}

static indexed *sorted_p(const double *p, size_t m) {
  indexed *s = lx_xcalloc(m ? m : 1, sizeof *s);
  for (size_t i = 0; i < m; i++) s[i] = (indexed){p[i], i};
  qsort(s, m, sizeof *s, by_p);
  return s;
}

void lx_holm(const double *p, size_t m, double *adjusted) {
  indexed *s = sorted_p(p, m);
  double running = 0;
  for (size_t k = 0; k < m; k++) {
    double v = (double)(m - k) * s[k].p;
    if (v > running) running = v;
    adjusted[s[k].i] = running < 1 ? running : 1.0;
  }
  free(s);
}

void lx_benjamini_hochberg(const double *p, size_t m, double *adjusted) {
  indexed *s = sorted_p(p, m);
  double running = 1.0;
  for (size_t k = m; k-- > 0;) {
    double v = (double)m / (double)(k + 1) * s[k].p;
    if (v < running) running = v;
    adjusted[s[k].i] = running;
  }
  free(s);
}

/* The standardized difference u = delta sqrt(n) / omega at which a two-sided level-alpha test
 * of a normal mean has the given power: Phi(u - c) + Phi(-u - c) = power, c = z_{1-alpha/2}
 * (both tails counted, as statsmodels' NormalIndPower). Newton from the one-tail answer. */
static double power_u(double alpha, double power) {
  double c = gsl_cdf_ugaussian_Qinv(alpha / 2), u = c + gsl_cdf_ugaussian_Pinv(power);
  for (int it = 0; it < 100; it++) {
    double g = gsl_cdf_ugaussian_P(u - c) + gsl_cdf_ugaussian_P(-u - c) - power;
    double dg = gsl_ran_ugaussian_pdf(u - c) - gsl_ran_ugaussian_pdf(-u - c);
    double step = g / dg;
    u -= step;
    if (fabs(step) <= 1e-15 * fabs(u)) break;
  }
  return u;
}

double lx_power_items(double delta, double sd, double rho, double alpha, double power) {
  double omega = sqrt(2 * sd * sd * (1 - rho));
  return pow(power_u(alpha, power) * omega / delta, 2);
}

double lx_power_delta(double n, double sd, double rho, double alpha, double power) {
  return power_u(alpha, power) * sqrt(2 * sd * sd * (1 - rho)) / sqrt(n);
}
