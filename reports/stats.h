/* stats.h: the statistics lynxeval attaches to scores, on GSL. Every function is pure (given
 * the seed for the resampling ones) and documents the reference it matches.
 *
 * Conventions: x[n] are per-item values; paired functions take a[n] and b[n] for the same items
 * in the same order; p-values are two-sided unless said otherwise; intervals are at level
 * 1 - alpha. */
#ifndef LX_STATS_H
#define LX_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Bootstrap and randomization resamples when the user does not say: run, report and compare
 * all use it, so one run's intervals read the same in every report. */
#define LX_DEFAULT_RESAMPLES 2000

/* Mean and its standard error s / sqrt(n) with the n - 1 sample deviation (0 for n < 2). */
void lx_mean_se(const double *x, size_t n, double *mean, double *se);

/* Cluster-robust standard error of the mean (Liang-Zeger CR0, as statsmodels' OLS on a constant
 * with cov_type="cluster", use_correction=False): sqrt(sum_c (sum_{i in c} (x_i - mean))^2) / n.
 * cluster[i] labels item i's cluster (the image or video several questions share). */
double lx_clustered_se(const double *x, const size_t *cluster, size_t n);

/* A statistic of a resample: idx[0..n) are item indices (with repeats). */
typedef double (*lx_resample_stat)(const size_t *idx, size_t n, void *ctx);

typedef struct lx_interval {
  double low, high;
} lx_interval;

/* Bootstrap intervals of stat over n items with `resamples` resamples from mt19937(seed):
 * percentile (quantiles of the bootstrap distribution, linear interpolation) and BCa (bias-
 * corrected and accelerated, acceleration from the jackknife), as scipy.stats.bootstrap defines
 * them. theta_hat is stat on the original items. */
void lx_bootstrap(lx_resample_stat stat, void *ctx, size_t n, size_t resamples, uint64_t seed,
                  double alpha, double *theta_hat, lx_interval *percentile, lx_interval *bca);

/* Exact McNemar test on paired binary outcomes: b = items only A got right, c = only B.
 * p = min(1, 2 * Binomial(b + c, 1/2).cdf(min(b, c))) (statsmodels' mcnemar(exact=True)). */
double lx_mcnemar_exact(size_t b, size_t c);

/* Paired t-test of a - b: *t and the two-sided p (scipy.stats.ttest_rel). */
void lx_paired_t(const double *a, const double *b, size_t n, double *t, double *p);

/* Wilcoxon signed-rank test of a - b, as scipy.stats.wilcoxon's defaults: statistic
 * min(R+, R-); the exact null distribution of R+ for at most 50 pairs with no zero difference,
 * else zero differences dropped and the normal approximation with the tie correction and no
 * continuity correction. One departure: with tied ranks scipy 1.10 still uses the exact
 * distribution (truncating a fractional R+); lynxeval uses the normal approximation then.
 * Returns p (1 when every difference is zero); *statistic receives min(R+, R-). */
double lx_wilcoxon(const double *a, const double *b, size_t n, double *statistic);

/* Difference of a corpus statistic between two systems on the same items: stat_a(idx) -
 * stat_b(idx) is computed by `diff` on each resample. */
typedef double (*lx_paired_stat)(const size_t *idx, size_t n, void *ctx);

/* Paired bootstrap (Koehn 2004): resample items, recompute the difference. p = 2 * min(share of
 * differences <= 0, share >= 0), capped at 1; *interval is the percentile interval. */
double lx_paired_bootstrap(lx_paired_stat diff, void *ctx, size_t n, size_t resamples,
                           uint64_t seed, double alpha, lx_interval *interval);

/* Approximate randomization: swap the systems' outputs per item with probability 1/2; p = (c +
 * 1) / (R + 1) where c counts |difference| >= the observed |difference|. swap[i] = 1 asks `diff`
 * to exchange item i's systems. */
typedef double (*lx_swapped_stat)(const unsigned char *swap, size_t n, void *ctx);
double lx_approximate_randomization(lx_swapped_stat diff, void *ctx, size_t n, size_t resamples,
                                    uint64_t seed);

/* Holm's step-down and Benjamini-Hochberg adjusted p-values (statsmodels' multipletests
 * "holm" and "fdr_bh"). */
void lx_holm(const double *p, size_t m, double *adjusted);
void lx_benjamini_hochberg(const double *p, size_t m, double *adjusted);

/* Paired-difference power analysis with the normal approximation: the items needed to detect a
 * mean difference delta between two systems whose per-item scores have deviation sd and
 * correlation rho (so the paired differences have deviation omega = sqrt(2 sd^2 (1 - rho))), at
 * two-sided level alpha and the given power. n solves Phi(u - c) + Phi(-u - c) = power with
 * u = delta sqrt(n) / omega and c = z_{1-alpha/2}; dropping the far tail gives the familiar
 * n = ((z_{1-alpha/2} + z_power) omega / delta)^2, larger by about 1e-6 relative. Not rounded. */
double lx_power_items(double delta, double sd, double rho, double alpha, double power);
/* The smallest detectable difference for n items (the same formula solved for delta). */
double lx_power_delta(double n, double sd, double rho, double alpha, double power);

#endif
