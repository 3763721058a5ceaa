#include "reports/uncertainty.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/stats.h"
#include "scorers/mme.h"
#include "scorers/pope.h"

/* A subset of a task's items. */
typedef struct subset {
  const lx_task_scores *t;
  const size_t *items;
  size_t n;
} subset;

static void add_pair(cJSON *row, const char *key, double lo, double hi) {
  cJSON *a = cJSON_AddArrayToObject(row, key);
  cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
}

static cJSON *new_row(const char *category, const char *metric, double value, size_t n) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "category", category);
  cJSON_AddStringToObject(r, "metric", metric);
  cJSON_AddNumberToObject(r, "value", value);
  cJSON_AddNumberToObject(r, "n", (double)n);
  return r;
}

/* A mean of per-item values (scaled), with plain and clustered standard errors. */
static cJSON *mean_row(const subset *s, const double *v, double scale, const char *category,
                       const char *metric, bool binary, const lx_uncertainty_options *opt) {
  double *x = lx_xcalloc(s->n + 1, sizeof *x);
  size_t *cl = lx_xcalloc(s->n + 1, sizeof *cl);
  double correct = 0;
  bool shares = true; /* every value in [0, 1] (right or not, VQA accuracy, a grade) */
  for (size_t j = 0; j < s->n; j++) {
    x[j] = scale * v[s->items[j]];
    cl[j] = s->t->cluster[s->items[j]];
    correct += v[s->items[j]];
    shares &= v[s->items[j]] >= 0 && v[s->items[j]] <= 1;
  }
  double mean, se;
  lx_mean_se(x, s->n, &mean, &se);
  double cse = lx_clustered_se(x, cl, s->n);
  double z = gsl_cdf_ugaussian_Qinv(opt->alpha / 2);
  cJSON *r = new_row(category, metric, mean, s->n);
  if (binary) cJSON_AddNumberToObject(r, "correct", correct);
  cJSON_AddNumberToObject(r, "se", se);
  cJSON_AddNumberToObject(r, "clustered_se", cse);
  double lo = mean - z * cse, hi = mean + z * cse;
  if (binary || shares) { /* a mean of shares stays within [0, scale] */
    lo = fmax(lo, 0);
    hi = fmin(hi, scale);
  }
  add_pair(r, "interval", lo, hi);
  cJSON_AddStringToObject(r, "interval_method", "normal, clustered standard error");
  free(x);
  free(cl);
  return r;
}

typedef struct corpus_ctx {
  const subset *s;
  const double *v; /* mean of v, or NULL for BLEU-4 */
  const lx_bleu_counts *bleu;
} corpus_ctx;

static double corpus_stat(const size_t *idx, size_t n, void *vctx) {
  const corpus_ctx *c = vctx;
  if (c->v) {
    double sum = 0;
    for (size_t j = 0; j < n; j++) sum += c->v[c->s->items[idx[j]]];
    return n ? sum / (double)n : 0;
  }
  lx_bleu_counts sum = {{0}, {0}, 0, 0};
  for (size_t j = 0; j < n; j++) {
    const lx_bleu_counts *x = &c->bleu[c->s->items[idx[j]]];
    lx_bleu_counts_add(&sum, x);
  }
  double b[LX_BLEU_MAX_N];
  lx_bleu_from_counts(&sum, b);
  return b[3];
}

static cJSON *bootstrap_row(lx_resample_stat stat, void *ctx, size_t n, const char *category,
                            const char *metric, const lx_uncertainty_options *opt,
                            const char *note) {
  double theta;
  lx_interval pct, bca;
  lx_bootstrap(stat, ctx, n, opt->resamples, opt->seed, opt->alpha, &theta, &pct, &bca);
  cJSON *r = new_row(category, metric, theta, n);
  add_pair(r, "interval", pct.low, pct.high);
  cJSON_AddStringToObject(r, "interval_method", "bootstrap percentile");
  if (isfinite(bca.low)) add_pair(r, "bca", bca.low, bca.high);
  cJSON_AddNumberToObject(r, "resamples", (double)opt->resamples);
  cJSON_AddNumberToObject(r, "seed", (double)opt->seed);
  if (note) cJSON_AddStringToObject(r, "note", note);
  return r;
}

/* MME subtask score 100 acc + 100 acc+ over images (pairs of consecutive questions). */
typedef struct mme_ctx {
  const lx_task_scores *t;
  const size_t *pairs; /* [2 * images]: the two questions of each image */
} mme_ctx;

static double mme_score(const size_t *idx, size_t n, void *vctx) {
  const mme_ctx *c = vctx;
  double correct = 0, both = 0;
  for (size_t j = 0; j < n; j++) {
    double a = c->t->value[c->pairs[2 * idx[j]]], b = c->t->value[c->pairs[2 * idx[j] + 1]];
    correct += a + b;
    both += a > 0.5 && b > 0.5;
  }
  return n ? 100 * correct / (2.0 * (double)n) + 100 * both / (double)n : 0;
}

/* POPE's F1 (in percent) over images resampled: every question of a drawn image counts, in
 * each split (POPE asks about the same images in all three). split < 0: the mean of the splits'
 * F1, as LLaVA-1.5 reports POPE; else that split's. An F1 with no "yes" answer or no "yes"
 * label in a resample (0/0 in the script) counts as 0. */
typedef struct pope_ctx {
  const lx_task_scores *t;
  size_t **image_items; /* [images][...] the items of each image */
  size_t *image_count;  /* [images] */
  size_t *split_of;     /* [t->n] the item's split (index among split names) */
  size_t n_splits;
  long split;
} pope_ctx;

static double pope_f1(const size_t *idx, size_t n, void *vctx) {
  const pope_ctx *c = vctx;
  double *tp = lx_xcalloc(c->n_splits, sizeof *tp), *fp = lx_xcalloc(c->n_splits, sizeof *fp),
         *fn = lx_xcalloc(c->n_splits, sizeof *fn);
  for (size_t j = 0; j < n; j++) {
    for (size_t m = 0; m < c->image_count[idx[j]]; m++) {
      size_t i = c->image_items[idx[j]][m], s = c->split_of[i];
      bool yes = c->t->said_yes[i], truth = c->t->value[i] > 0.5 ? yes : !yes;
      tp[s] += yes && truth;
      fp[s] += yes && !truth;
      fn[s] += !yes && truth;
    }
  }
  double sum = 0;
  for (size_t s = 0; s < c->n_splits; s++) {
    if (c->split >= 0 && (size_t)c->split != s) continue;
    sum += lx_pope_f1_percent(tp[s], fp[s], fn[s]);
  }
  free(tp);
  free(fp);
  free(fn);
  return c->split >= 0 ? sum : sum / (double)c->n_splits;
}

/* POPE's F1 rows: the mean of the splits, then each split. */
static void pope_rows(const lx_task_scores *t, const char *const *split_names, size_t n_splits,
                      const lx_uncertainty_options *opt, cJSON *rows) {
  pope_ctx c = {t, NULL, NULL, lx_xcalloc(t->n + 1, sizeof(size_t)), n_splits, -1};
  size_t n_images = t->n_clusters;
  c.image_items = lx_xcalloc(n_images + 1, sizeof *c.image_items);
  c.image_count = lx_xcalloc(n_images + 1, sizeof *c.image_count);
  for (size_t i = 0; i < t->n; i++) {
    size_t k = t->cluster[i];
    c.image_items[k] = lx_xgrow_array(c.image_items[k], c.image_count[k], sizeof(size_t));
    c.image_items[k][c.image_count[k]++] = i;
    for (size_t s = 0; s < n_splits; s++)
      if (!strcmp(t->category[i], split_names[s])) c.split_of[i] = s;
  }
  static const char *const note = "resampling images; an image's questions in every split together";
  cJSON_AddItemToArray(rows, bootstrap_row(pope_f1, &c, n_images, "", "F1", opt, note));
  for (size_t s = 0; s < n_splits; s++) {
    c.split = (long)s;
    cJSON_AddItemToArray(rows,
                         bootstrap_row(pope_f1, &c, n_images, split_names[s], "F1", opt, note));
  }
  for (size_t k = 0; k < n_images; k++) free(c.image_items[k]);
  free(c.image_items);
  free(c.image_count);
  free(c.split_of);
}

/* Categories in order of first appearance; members[k] lists category k's items. */
static size_t categories(const lx_task_scores *t, const char ***names, size_t ***members,
                         size_t **counts) {
  size_t n_names = 0;
  *names = NULL;
  *members = NULL;
  *counts = NULL;
  for (size_t i = 0; i < t->n; i++) {
    if (!t->category[i][0]) continue;
    size_t k = 0;
    while (k < n_names && strcmp((*names)[k], t->category[i]) != 0) k++;
    if (k == n_names) {
      *names = lx_xrealloc_array(*names, n_names + 1, sizeof **names);
      *members = lx_xrealloc_array(*members, n_names + 1, sizeof **members);
      *counts = lx_xrealloc_array(*counts, n_names + 1, sizeof **counts);
      (*names)[n_names] = t->category[i];
      (*members)[n_names] = lx_xcalloc(t->n, sizeof ***members);
      (*counts)[n_names] = 0;
      n_names++;
    }
    (*members)[k][(*counts)[k]++] = i;
  }
  return n_names;
}

cJSON *lx_task_uncertainty(const lx_task_scores *t, const lx_uncertainty_options *opt) {
  cJSON *rows = cJSON_CreateArray();
  size_t *all = lx_xcalloc(t->n + 1, sizeof *all);
  for (size_t i = 0; i < t->n; i++) all[i] = i;
  subset whole = {t, all, t->n};
  bool binary = lx_scorer_rows_of(t->scorer)->binary;
  if (t->scorer == LX_SCORER_CAPTION) {
    corpus_ctx cider = {&whole, t->value, NULL}, bleu = {&whole, NULL, t->bleu};
    cJSON_AddItemToArray(rows, bootstrap_row(corpus_stat, &bleu, t->n, "", "Bleu_4", opt, NULL));
    cJSON_AddItemToArray(rows,
                         bootstrap_row(corpus_stat, &cider, t->n, "", "CIDEr", opt,
                                       "document frequencies are not recomputed per resample"));
    cJSON_AddItemToArray(rows, mean_row(&whole, t->rouge, 1, "", "ROUGE_L", false, opt));
    free(all);
    return rows;
  }
  cJSON_AddItemToArray(rows, mean_row(&whole, t->value, 100, "", "accuracy", binary, opt));
  const char **names;
  size_t **members, *counts;
  size_t n_cat = categories(t, &names, &members, &counts);
  for (size_t k = 0; k < n_cat; k++) {
    subset s = {t, members[k], counts[k]};
    cJSON_AddItemToArray(rows, mean_row(&s, t->value, 100, names[k], "accuracy", binary, opt));
    if (t->scorer == LX_SCORER_MME && counts[k] % 2 == 0) {
      mme_ctx mc = {t, members[k]}; /* an image's questions are consecutive */
      cJSON_AddItemToArray(
          rows, bootstrap_row(mme_score, &mc, counts[k] / 2, names[k], "score", opt,
                              "resampling images; both questions of an image stay together"));
    }
    free(members[k]);
  }
  if (t->scorer == LX_SCORER_POPE && t->said_yes) pope_rows(t, names, n_cat, opt, rows);
  free(names);
  free(members);
  free(counts);
  free(all);
  return rows;
}
