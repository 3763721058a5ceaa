/* reports/stats against scipy and statsmodels (tests/stats/vectors.json, made by
 * tests/stats/make_vectors.py): closed forms to 1e-9; resampling methods within 5 standard
 * deviations of scipy's own seed-to-seed spread at the same number of resamples. Needs
 * LX_STATS_DIR. */
#include <cJSON.h>
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/agreement.h"
#include "reports/stats.h"
#include "testutil.h"

#define CLOSED_FORM_TOLERANCE 1e-9
#define MONTE_CARLO_SDS       5.0

static cJSON *vectors;
static size_t resamples;

static double *doubles(const cJSON *a, size_t *n) {
  *n = (size_t)cJSON_GetArraySize(a);
  double *v = calloc(*n ? *n : 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = cJSON_GetArrayItem(a, (int)i)->valuedouble;
  return v;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItem(o, k);
  ck_assert_msg(cJSON_IsNumber(v), "no number '%s'", k);
  return v->valuedouble;
}

static void close_to(double got, double want, double tol, const char *what) {
  ck_assert_msg(fabs(got - want) <= tol, "%s: %.17g, reference %.17g (tolerance %.3g)", what, got,
                want, tol);
}

START_TEST(paired_t_and_wilcoxon) {
  const cJSON *c;
  int k = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "paired")) {
    size_t n, m;
    double *a = doubles(cJSON_GetObjectItem(c, "a"), &n),
           *b = doubles(cJSON_GetObjectItem(c, "b"), &m);
    double t, p, w;
    lx_paired_t(a, b, n, &t, &p);
    close_to(t, num(c, "t"), CLOSED_FORM_TOLERANCE * fmax(1, fabs(t)), "t");
    close_to(p, num(c, "t_p"), CLOSED_FORM_TOLERANCE, "paired t p");
    double wp = lx_wilcoxon(a, b, n, &w);
    close_to(w, num(c, "wilcoxon_statistic"), CLOSED_FORM_TOLERANCE, "wilcoxon statistic");
    close_to(wp, num(c, "wilcoxon_p"), CLOSED_FORM_TOLERANCE, "wilcoxon p");
    printf("  paired n=%-5zu t %.4f p %.3g; wilcoxon %.1f p %.3g\n", n, t, p, w, wp);
    free(a);
    free(b);
    k++;
  }
  ck_assert_int_eq(k, 7);
}
END_TEST

START_TEST(mcnemar_exact) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "mcnemar")) {
    close_to(lx_mcnemar_exact((size_t)num(c, "b"), (size_t)num(c, "c")), num(c, "p"),
             CLOSED_FORM_TOLERANCE, "mcnemar p");
  }
}
END_TEST

START_TEST(standard_errors) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "clustered")) {
    size_t n, m;
    double *x = doubles(cJSON_GetObjectItem(c, "x"), &n),
           *g = doubles(cJSON_GetObjectItem(c, "cluster"), &m);
    size_t *cl = calloc(n, sizeof *cl);
    for (size_t i = 0; i < n; i++) cl[i] = (size_t)g[i];
    double mean, se;
    lx_mean_se(x, n, &mean, &se);
    close_to(mean, num(c, "mean"), CLOSED_FORM_TOLERANCE, "mean");
    close_to(se, num(c, "se"), CLOSED_FORM_TOLERANCE, "se");
    close_to(lx_clustered_se(x, cl, n), num(c, "clustered_se"), CLOSED_FORM_TOLERANCE,
             "clustered se");
    free(x);
    free(g);
    free(cl);
  }
}
END_TEST

START_TEST(multiplicity_adjustment) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "multiplicity")) {
    size_t m, k;
    double *p = doubles(cJSON_GetObjectItem(c, "p"), &m);
    double *holm = doubles(cJSON_GetObjectItem(c, "holm"), &k),
           *bh = doubles(cJSON_GetObjectItem(c, "bh"), &k);
    double *out = calloc(m, sizeof *out);
    lx_holm(p, m, out);
    for (size_t i = 0; i < m; i++) close_to(out[i], holm[i], CLOSED_FORM_TOLERANCE, "holm");
    lx_benjamini_hochberg(p, m, out);
    for (size_t i = 0; i < m; i++) close_to(out[i], bh[i], CLOSED_FORM_TOLERANCE, "bh");
    free(p);
    free(holm);
    free(bh);
    free(out);
  }
}
END_TEST

START_TEST(power_analysis) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "power")) {
    double items = lx_power_items(num(c, "delta"), num(c, "sd"), num(c, "rho"), num(c, "alpha"),
                                  num(c, "power"));
    close_to(items, num(c, "items"), CLOSED_FORM_TOLERANCE * items, "items");
    double d = lx_power_delta(num(c, "items"), num(c, "sd"), num(c, "rho"), num(c, "alpha"),
                              num(c, "power"));
    close_to(d, num(c, "delta_for_items"), CLOSED_FORM_TOLERANCE, "delta");
  }
}
END_TEST

typedef struct data {
  const double *x, *y; /* mean: x; ratio: sum x / sum y; paired: mean x - mean y */
} data;

static double mean_of(const size_t *idx, size_t n, void *ctx) {
  const data *d = ctx;
  double s = 0;
  for (size_t i = 0; i < n; i++) s += d->x[idx[i]];
  return s / (double)n;
}

static double ratio_of(const size_t *idx, size_t n, void *ctx) {
  const data *d = ctx;
  double a = 0, b = 0;
  for (size_t i = 0; i < n; i++) {
    a += d->x[idx[i]];
    b += d->y[idx[i]];
  }
  return a / b;
}

static double diff_of(const size_t *idx, size_t n, void *ctx) {
  const data *d = ctx;
  double s = 0;
  for (size_t i = 0; i < n; i++) s += d->x[idx[i]] - d->y[idx[i]];
  return s / (double)n;
}

static double swapped_diff(const unsigned char *swap, size_t n, void *ctx) {
  const data *d = ctx;
  double s = 0;
  for (size_t i = 0; i < n; i++) s += swap[i] ? d->y[i] - d->x[i] : d->x[i] - d->y[i];
  return s / (double)n;
}

static void within(double got, const cJSON *ref, int k, double extra, const char *what) {
  double mean = cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "mean"), k)->valuedouble;
  double sd = cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "sd"), k)->valuedouble;
  close_to(got, mean, MONTE_CARLO_SDS * sd + extra, what);
}

START_TEST(bootstrap_intervals) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "bootstrap")) {
    size_t n, m;
    bool ratio = !strcmp(cJSON_GetObjectItem(c, "kind")->valuestring, "ratio");
    double *x = doubles(cJSON_GetObjectItem(c, ratio ? "m" : "x"), &n);
    double *y = ratio ? doubles(cJSON_GetObjectItem(c, "g"), &m) : NULL;
    data d = {x, y};
    double theta;
    lx_interval pct, bca;
    lx_bootstrap(ratio ? ratio_of : mean_of, &d, n, resamples, 7, 0.05, &theta, &pct, &bca);
    within(pct.low, cJSON_GetObjectItem(c, "percentile"), 0, 0, "percentile low");
    within(pct.high, cJSON_GetObjectItem(c, "percentile"), 1, 0, "percentile high");
    within(bca.low, cJSON_GetObjectItem(c, "BCa"), 0, 0, "BCa low");
    within(bca.high, cJSON_GetObjectItem(c, "BCa"), 1, 0, "BCa high");
    printf("  bootstrap %-5s n=%-4zu %.5f  percentile [%.5f, %.5f]  BCa [%.5f, %.5f]\n",
           ratio ? "ratio" : "mean", n, theta, pct.low, pct.high, bca.low, bca.high);
    free(x);
    free(y);
  }
}
END_TEST

START_TEST(paired_resampling) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "paired_resampling")) {
    size_t n, m;
    double *a = doubles(cJSON_GetObjectItem(c, "a"), &n),
           *b = doubles(cJSON_GetObjectItem(c, "b"), &m);
    data d = {a, b};
    lx_interval ci;
    double pb = lx_paired_bootstrap(diff_of, &d, n, resamples, 11, 0.05, &ci);
    double ar = lx_approximate_randomization(swapped_diff, &d, n, resamples, 13);
    within(ci.low, cJSON_GetObjectItem(c, "interval"), 0, 0, "paired interval low");
    within(ci.high, cJSON_GetObjectItem(c, "interval"), 1, 0, "paired interval high");
    const cJSON *rp = cJSON_GetObjectItem(c, "bootstrap_p"),
                *rr = cJSON_GetObjectItem(c, "randomization_p");
    close_to(pb, num(rp, "mean"), MONTE_CARLO_SDS * num(rp, "sd") + 2.0 / (double)resamples,
             "paired bootstrap p");
    close_to(ar, num(rr, "mean"), MONTE_CARLO_SDS * num(rr, "sd") + 2.0 / (double)resamples,
             "randomization p");
    printf(
        "  paired n=%-4zu diff %.4f  interval [%.4f, %.4f]  bootstrap p %.4f  randomization p "
        "%.4f\n",
        n, num(c, "diff"), ci.low, ci.high, pb, ar);
    free(a);
    free(b);
  }
}
END_TEST

static int *ints(const cJSON *a, size_t *n) {
  *n = (size_t)cJSON_GetArraySize(a);
  int *v = calloc(*n ? *n : 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = cJSON_GetArrayItem(a, (int)i)->valueint;
  return v;
}

START_TEST(cohen_and_fleiss_kappa) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "cohen")) {
    size_t n, m;
    int *a = ints(cJSON_GetObjectItem(c, "a"), &n), *b = ints(cJSON_GetObjectItem(c, "b"), &m);
    close_to(lx_cohen_kappa(a, b, n, 4, LX_KAPPA_NONE), num(c, "none"), CLOSED_FORM_TOLERANCE,
             "kappa");
    close_to(lx_cohen_kappa(a, b, n, 4, LX_KAPPA_LINEAR), num(c, "linear"), CLOSED_FORM_TOLERANCE,
             "linear kappa");
    close_to(lx_cohen_kappa(a, b, n, 4, LX_KAPPA_QUADRATIC), num(c, "quadratic"),
             CLOSED_FORM_TOLERANCE, "quadratic kappa");
    free(a);
    free(b);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "fleiss")) {
    const cJSON *rows = cJSON_GetObjectItem(c, "counts");
    size_t n = (size_t)cJSON_GetArraySize(rows), k;
    double *counts = calloc(n * 4, sizeof *counts);
    for (size_t i = 0; i < n; i++) {
      double *r = doubles(cJSON_GetArrayItem(rows, (int)i), &k);
      memcpy(counts + 4 * i, r, 4 * sizeof *r);
      free(r);
    }
    close_to(lx_fleiss_kappa(counts, n, 4), num(c, "kappa"), CLOSED_FORM_TOLERANCE, "fleiss kappa");
    free(counts);
  }
}
END_TEST

START_TEST(krippendorff_alpha) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "krippendorff")) {
    const cJSON *rows = cJSON_GetObjectItem(c, "ratings");
    size_t raters = (size_t)cJSON_GetArraySize(rows), n;
    int k = (int)num(c, "k");
    int *first = ints(cJSON_GetArrayItem(rows, 0), &n);
    int *all = calloc(raters * n, sizeof *all);
    for (size_t r = 0; r < raters; r++) {
      size_t m;
      int *row = ints(cJSON_GetArrayItem(rows, (int)r), &m);
      memcpy(all + r * n, row, n * sizeof *row);
      free(row);
    }
    const char *names[3] = {"nominal", "ordinal", "interval"};
    lx_alpha_metric metrics[3] = {LX_ALPHA_NOMINAL, LX_ALPHA_ORDINAL, LX_ALPHA_INTERVAL};
    for (int m = 0; m < 3; m++)
      close_to(lx_krippendorff_alpha(all, raters, n, k, metrics[m]), num(c, names[m]),
               CLOSED_FORM_TOLERANCE, names[m]);
    if (!strcmp(cJSON_GetObjectItem(c, "name")->valuestring, "published")) {
      /* Krippendorff (2011)'s own results for his example, to the 3 decimals published */
      close_to(lx_krippendorff_alpha(all, raters, n, k, LX_ALPHA_NOMINAL), 0.743, 5e-4,
               "published nominal");
      close_to(lx_krippendorff_alpha(all, raters, n, k, LX_ALPHA_ORDINAL), 0.815, 5e-4,
               "published ordinal");
      close_to(lx_krippendorff_alpha(all, raters, n, k, LX_ALPHA_INTERVAL), 0.849, 5e-4,
               "published interval");
    }
    free(first);
    free(all);
  }
}
END_TEST

START_TEST(bradley_terry) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(vectors, "bradley_terry")) {
    const cJSON *prefs = cJSON_GetObjectItem(c, "preferences");
    size_t n = (size_t)cJSON_GetArraySize(prefs), k;
    int m = (int)num(c, "m");
    lx_preference *p = calloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++) {
      const cJSON *x = cJSON_GetArrayItem(prefs, (int)i);
      p[i] = (lx_preference){cJSON_GetArrayItem(x, 0)->valueint, cJSON_GetArrayItem(x, 1)->valueint,
                             cJSON_GetArrayItem(x, 2)->valuedouble};
    }
    double *ls = calloc((size_t)m, sizeof *ls),
           *want = doubles(cJSON_GetObjectItem(c, "log_strength"), &k);
    ck_assert_int_gt(lx_bradley_terry(p, n, m, ls), 0);
    for (int i = 0; i < m; i++) close_to(ls[i], want[i], 1e-7, "log strength (iterative fits)");
    lx_interval *iv = calloc((size_t)m, sizeof *iv);
    double *elo = calloc((size_t)m, sizeof *elo);
    lx_bradley_terry_elo(ls, m, elo);
    lx_bradley_terry_intervals(p, n, m, 500, 3, 0.05, iv);
    for (int i = 0; i < m; i++)
      ck_assert_msg(iv[i].low <= elo[i] && elo[i] <= iv[i].high, "Elo %g outside [%g, %g]", elo[i],
                    iv[i].low, iv[i].high);
    printf("  Bradley-Terry, %d systems, %zu judgements: Elo", m, n);
    for (int i = 0; i < m; i++) printf(" %.0f [%.0f, %.0f]", elo[i], iv[i].low, iv[i].high);
    printf("\n");
    free(p);
    free(ls);
    free(want);
    free(iv);
    free(elo);
  }
}
END_TEST

int main(void) {
  const char *dir = getenv("LX_STATS_DIR");
  if (!dir) {
    fprintf(stderr, "test_stats: set LX_STATS_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  vectors = tu_load_json(dir, "vectors.json");
  if (!vectors) return EXIT_FAILURE;
  resamples = (size_t)cJSON_GetObjectItem(vectors, "resamples")->valuedouble;
  Suite *s = suite_create("stats");
  TCase *tc = tcase_create("stats");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, paired_t_and_wilcoxon);
  tcase_add_test(tc, mcnemar_exact);
  tcase_add_test(tc, standard_errors);
  tcase_add_test(tc, multiplicity_adjustment);
  tcase_add_test(tc, power_analysis);
  tcase_add_test(tc, bootstrap_intervals);
  tcase_add_test(tc, paired_resampling);
  tcase_add_test(tc, cohen_and_fleiss_kappa);
  tcase_add_test(tc, krippendorff_alpha);
  tcase_add_test(tc, bradley_terry);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1);
  cJSON_Delete(vectors);
  return status;
}
