#include "reports/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "reports/stats.h"
#include "scorers/pope.h"

/* ---- checks -----------------------------------------------------------------------------------
 */

static char *const *sorting_ids;

static int by_id(const void *x, const void *y) {
  return strcmp(sorting_ids[*(const size_t *)x], sorting_ids[*(const size_t *)y]);
}

/* order[k] = index of the k-th smallest id */
static size_t *id_order(char *const *ids, size_t n) {
  size_t *order = lx_xcalloc(n + 1, sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  sorting_ids = ids;
  qsort(order, n, sizeof *order, by_id);
  sorting_ids = NULL;
  return order;
}

/* The first key path where two fingerprints differ, ignoring the model and the numerics. */
/* Whether fingerprint field `key` is true in both a and b at a.key.sub ("decoding",
 * "model_default"). */
static bool both_true(const cJSON *a, const cJSON *b, const char *key, const char *sub) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, key), sub);
  const cJSON *y = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, key), sub);
  return cJSON_IsTrue(x) && cJSON_IsTrue(y);
}

/* Whether both runs asked with the model's own conversation (template "model"). */
static bool both_model_template(const cJSON *a, const cJSON *b) {
  const char *x = lx_json_string(cJSON_GetObjectItemCaseSensitive(a, "prompt_template"), "name");
  const char *y = lx_json_string(cJSON_GetObjectItemCaseSensitive(b, "prompt_template"), "name");
  return x && y && !strcmp(x, "model") && !strcmp(y, "model");
}

/* Settings other than the model that differ. A model's own decoding and frame rule (no flag
 * changed them) and its own conversation are part of the model: two models compared each with
 * theirs differ only in the model. */
static bool settings_differ(const cJSON *a, const cJSON *b, char *what, size_t n) {
  const cJSON *x;
  cJSON_ArrayForEach(x, a) {
    if (!strcmp(x->string, "model") || !strcmp(x->string, "numerics")) continue;
    if (!strcmp(x->string, "decoding") && both_true(a, b, "decoding", "model_default")) continue;
    if (!strcmp(x->string, "prompt_template") && both_model_template(a, b)) continue;
    if (!strcmp(x->string, "frame_rule") &&
        cJSON_IsTrue(cJSON_GetObjectItem(a, "frame_rule_model_default")) &&
        cJSON_IsTrue(cJSON_GetObjectItem(b, "frame_rule_model_default")))
      continue;
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
    if (!y || !cJSON_Compare(x, y, 1)) {
      char *va = cJSON_PrintUnformatted(x), *vb = y ? cJSON_PrintUnformatted(y) : NULL;
      snprintf(what, n, "%s: %.120s in A, %.120s in B", x->string, va, vb ? vb : "(absent)");
      free(va);
      free(vb);
      return true;
    }
  }
  return false;
}

int lx_compare_check(const lx_task_scores *a, const lx_task_scores *b, bool allow_different,
                     lx_error *err) {
  if (a->scorer != b->scorer)
    return lx_errorf(err, "task %s is scored differently in the two runs", a->task);
  size_t *oa = id_order(a->id, a->n), *ob = id_order(b->id, b->n);
  size_t i = 0, j = 0, only_a = 0, only_b = 0;
  const char *first_a = NULL, *first_b = NULL;
  while (i < a->n || j < b->n) {
    int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->id[oa[i]], b->id[ob[j]]);
    if (c == 0) {
      i++;
      j++;
    } else if (c < 0) {
      if (!only_a++) first_a = a->id[oa[i]];
      i++;
    } else {
      if (!only_b++) first_b = b->id[ob[j]];
      j++;
    }
  }
  free(oa);
  free(ob);
  if (only_a || only_b)
    return lx_errorf(
        err,
        "task %s: the runs hold different items: %zu only in A%s%s%s, %zu only in B%s%s%s "
        "(compare runs of the same items, e.g. the same --limit)",
        a->task, only_a, first_a ? " (first: " : "", first_a ? first_a : "", first_a ? ")" : "",
        only_b, first_b ? " (first: " : "", first_b ? first_b : "", first_b ? ")" : "");
  char what[400];
  if (!allow_different && settings_differ(a->fingerprint, b->fingerprint, what, sizeof what))
    return lx_errorf(err,
                     "task %s: the runs differ in more than the model: %s "
                     "(--allow-different-settings compares them anyway)",
                     a->task, what);
  return LX_OK;
}

/* ---- paired metrics over a subset of items -----------------------------------------------------
 */

typedef enum metric_kind { METRIC_MEAN, METRIC_BLEU4, METRIC_POPE_F1 } metric_kind;

typedef struct pair_ctx {
  metric_kind kind;
  const double *a, *b;           /* per-item values, paired by position */
  const lx_bleu_counts *ca, *cb; /* METRIC_BLEU4 */
  const size_t *items;           /* the subset: positions [n] */
  double scale;                  /* 100 for accuracies */
  /* METRIC_POPE_F1: each side's answer read as "yes" (a, b: right or wrong), each item's split */
  const unsigned char *ya, *yb;
  const size_t *split;
  size_t n_splits;
} pair_ctx;

/* POPE's F1 in percent, the mean over the splits, of one side (yes/v) with swapped items taken
 * from the other; an item's label is what its own side's verdict says it is. */
static double pope_f1(const pair_ctx *c, bool b_side, const size_t *idx, size_t n,
                      const unsigned char *swap) {
  double *tp = lx_xcalloc(c->n_splits + 1, sizeof *tp),
         *fp = lx_xcalloc(c->n_splits + 1, sizeof *fp),
         *fn = lx_xcalloc(c->n_splits + 1, sizeof *fn);
  for (size_t j = 0; j < n; j++) {
    size_t i = c->items[idx ? idx[j] : j];
    bool take_b = swap && swap[j] ? !b_side : b_side;
    bool yes = (take_b ? c->yb : c->ya)[i], ok = (take_b ? c->b : c->a)[i] > 0.5;
    bool truth = ok ? yes : !yes;
    size_t s = c->split[i];
    tp[s] += yes && truth;
    fp[s] += yes && !truth;
    fn[s] += !yes && truth;
  }
  double sum = 0;
  for (size_t s = 0; s < c->n_splits; s++) sum += lx_pope_f1_percent(tp[s], fp[s], fn[s]);
  free(tp);
  free(fp);
  free(fn);
  return c->n_splits ? sum / (double)c->n_splits : 0;
}

static double bleu4(const lx_bleu_counts *c, const size_t *items, const size_t *idx, size_t n,
                    const lx_bleu_counts *other, const unsigned char *swap) {
  lx_bleu_counts sum = {{0}, {0}, 0, 0};
  for (size_t j = 0; j < n; j++) {
    size_t i = items[idx ? idx[j] : j];
    const lx_bleu_counts *x = swap && swap[j] ? &other[i] : &c[i];
    lx_bleu_counts_add(&sum, x);
  }
  double b[LX_BLEU_MAX_N];
  lx_bleu_from_counts(&sum, b);
  return b[3];
}

static double mean_of(const double *v, const size_t *items, const size_t *idx, size_t n,
                      const double *other, const unsigned char *swap) {
  double s = 0;
  for (size_t j = 0; j < n; j++) {
    size_t i = items[idx ? idx[j] : j];
    s += swap && swap[j] ? other[i] : v[i];
  }
  return n ? s / (double)n : 0;
}

static double side(const pair_ctx *c, bool b_side, const size_t *idx, size_t n,
                   const unsigned char *swap) {
  if (c->kind == METRIC_BLEU4)
    return bleu4(b_side ? c->cb : c->ca, c->items, idx, n, b_side ? c->ca : c->cb, swap);
  if (c->kind == METRIC_POPE_F1) return pope_f1(c, b_side, idx, n, swap);
  return c->scale * mean_of(b_side ? c->b : c->a, c->items, idx, n, b_side ? c->a : c->b, swap);
}

static double diff_resampled(const size_t *idx, size_t n, void *ctx) {
  return side(ctx, true, idx, n, NULL) - side(ctx, false, idx, n, NULL);
}

static double diff_swapped(const unsigned char *swap, size_t n, void *ctx) {
  return side(ctx, true, NULL, n, swap) - side(ctx, false, NULL, n, swap);
}

/* ---- rows
 * ---------------------------------------------------------------------------------------- */

typedef enum test_kind { TEST_MCNEMAR, TEST_PAIRED_T, TEST_RANDOMIZATION } test_kind;

static cJSON *row(const char *task, const char *category, const char *metric, test_kind test,
                  pair_ctx *c, size_t n, const lx_compare_options *opt) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "task", task);
  cJSON_AddStringToObject(r, "category", category);
  cJSON_AddStringToObject(r, "metric", metric);
  cJSON_AddNumberToObject(r, "n", (double)n);
  double va = side(c, false, NULL, n, NULL), vb = side(c, true, NULL, n, NULL);
  cJSON_AddNumberToObject(r, "a", va);
  cJSON_AddNumberToObject(r, "b", vb);
  cJSON_AddNumberToObject(r, "diff", vb - va);
  lx_interval ci;
  double p_boot =
      lx_paired_bootstrap(diff_resampled, c, n, opt->resamples, opt->seed, opt->alpha, &ci);
  cJSON *iv = cJSON_AddArrayToObject(r, "interval");
  cJSON_AddItemToArray(iv, cJSON_CreateNumber(ci.low));
  cJSON_AddItemToArray(iv, cJSON_CreateNumber(ci.high));
  double p = 1;
  if (test == TEST_MCNEMAR) {
    size_t only_a = 0, only_b = 0;
    for (size_t j = 0; j < n; j++) {
      size_t i = c->items[j];
      only_a += c->a[i] > 0.5 && c->b[i] <= 0.5;
      only_b += c->b[i] > 0.5 && c->a[i] <= 0.5;
    }
    p = lx_mcnemar_exact(only_a, only_b);
    cJSON_AddStringToObject(r, "test", "exact McNemar");
    cJSON_AddNumberToObject(r, "only_a_correct", (double)only_a);
    cJSON_AddNumberToObject(r, "only_b_correct", (double)only_b);
  } else if (test == TEST_PAIRED_T) {
    double *x = lx_xcalloc(n + 1, sizeof *x), *y = lx_xcalloc(n + 1, sizeof *y), t, w;
    for (size_t j = 0; j < n; j++) {
      x[j] = c->b[c->items[j]];
      y[j] = c->a[c->items[j]];
    }
    lx_paired_t(x, y, n, &t, &p);
    if (isnan(p)) p = 1; /* no difference at all */
    cJSON_AddStringToObject(r, "test", "paired t");
    cJSON_AddNumberToObject(r, "t", isfinite(t) ? t : 0);
    cJSON_AddNumberToObject(r, "p_wilcoxon", lx_wilcoxon(x, y, n, &w));
    free(x);
    free(y);
  } else {
    p = lx_approximate_randomization(diff_swapped, c, n, opt->resamples, opt->seed + 1);
    cJSON_AddStringToObject(r, "test", "approximate randomization");
  }
  cJSON_AddNumberToObject(r, "p", p);
  cJSON_AddNumberToObject(r, "p_paired_bootstrap", p_boot);
  return r;
}

/* Holm and BH across rows[0..m), written into each row; counts regressions. */
static size_t adjust(cJSON **rows, size_t m, double alpha) {
  if (m == 0) return 0;
  double *p = lx_xcalloc(m, sizeof *p), *holm = lx_xcalloc(m, sizeof *holm),
         *bh = lx_xcalloc(m, sizeof *bh);
  for (size_t k = 0; k < m; k++) p[k] = cJSON_GetObjectItem(rows[k], "p")->valuedouble;
  lx_holm(p, m, holm);
  lx_benjamini_hochberg(p, m, bh);
  size_t regressions = 0;
  for (size_t k = 0; k < m; k++) {
    cJSON_AddNumberToObject(rows[k], "p_holm", holm[k]);
    cJSON_AddNumberToObject(rows[k], "p_bh", bh[k]);
    bool drop = cJSON_GetObjectItem(rows[k], "diff")->valuedouble < 0 && holm[k] < alpha;
    cJSON_AddBoolToObject(rows[k], "significant", holm[k] < alpha);
    cJSON_AddBoolToObject(rows[k], "regression", drop);
    regressions += drop;
  }
  free(p);
  free(holm);
  free(bh);
  return regressions;
}

/* The rows of one task: overall metric rows into *overall, category rows into *cats. */
static void task_rows(const lx_task_scores *a, const lx_task_scores *b,
                      const lx_compare_options *opt, cJSON ***overall, size_t *n_overall,
                      cJSON ***cats, size_t *n_cats) {
  size_t n = a->n;
  /* b's values in a's order */
  size_t *oa = id_order(a->id, n), *ob = id_order(b->id, n);
  size_t *b_at = lx_xcalloc(n + 1, sizeof *b_at);
  for (size_t k = 0; k < n; k++) b_at[oa[k]] = ob[k];
  double *vb = lx_xcalloc(n + 1, sizeof *vb), *rb = NULL;
  lx_bleu_counts *cb = NULL;
  for (size_t i = 0; i < n; i++) vb[i] = b->value[b_at[i]];
  if (a->scorer == LX_SCORER_CAPTION) {
    rb = lx_xcalloc(n + 1, sizeof *rb);
    cb = lx_xcalloc(n + 1, sizeof *cb);
    for (size_t i = 0; i < n; i++) {
      rb[i] = b->rouge[b_at[i]];
      cb[i] = b->bleu[b_at[i]];
    }
  }
  size_t *all = lx_xcalloc(n + 1, sizeof *all);
  for (size_t i = 0; i < n; i++) all[i] = i;
  const lx_scorer_rows *sr = lx_scorer_rows_of(a->scorer);
  pair_ctx base = {
      .kind = METRIC_MEAN, .a = a->value, .b = vb, .items = all, .scale = sr->fraction ? 100 : 1};
  test_kind main_test = sr->binary     ? TEST_MCNEMAR
                        : sr->fraction ? TEST_PAIRED_T /* soft VQA-style scores */
                                       : TEST_RANDOMIZATION;
  const char *metric = a->scorer == LX_SCORER_CAPTION ? "CIDEr" : "accuracy";
#define PUSH(list, count, r)                                            \
  (*(list) = lx_xrealloc_array(*(list), *(count) + 1, sizeof **(list)), \
   (*(list))[(*(count))++] = (r))
  PUSH(overall, n_overall, row(a->task, "", metric, main_test, &base, n, opt));
  if (a->scorer == LX_SCORER_POPE && a->said_yes && b->said_yes) {
    /* POPE's F1 (the mean of the splits, LLaVA-1.5's number), paired item by item */
    unsigned char *yb = lx_xcalloc(n + 1, 1);
    size_t *split = lx_xcalloc(n + 1, sizeof *split), n_splits = 0;
    const char **split_names = lx_xcalloc(n + 1, sizeof *split_names);
    for (size_t i = 0; i < n; i++) {
      yb[i] = b->said_yes[b_at[i]];
      size_t s = 0;
      while (s < n_splits && strcmp(split_names[s], a->category[i]) != 0) s++;
      if (s == n_splits) split_names[n_splits++] = a->category[i];
      split[i] = s;
    }
    pair_ctx f1 = {.kind = METRIC_POPE_F1,
                   .a = a->value,
                   .b = vb,
                   .items = all,
                   .scale = 1,
                   .ya = a->said_yes,
                   .yb = yb,
                   .split = split,
                   .n_splits = n_splits};
    PUSH(overall, n_overall, row(a->task, "", "F1", TEST_RANDOMIZATION, &f1, n, opt));
    free(yb);
    free(split);
    free(split_names);
  }
  if (a->scorer == LX_SCORER_CAPTION) {
    pair_ctx bl = {.kind = METRIC_BLEU4, .ca = a->bleu, .cb = cb, .items = all, .scale = 1};
    PUSH(overall, n_overall, row(a->task, "", "Bleu_4", TEST_RANDOMIZATION, &bl, n, opt));
    pair_ctx rl = {.kind = METRIC_MEAN, .a = a->rouge, .b = rb, .items = all, .scale = 1};
    PUSH(overall, n_overall, row(a->task, "", "ROUGE_L", TEST_PAIRED_T, &rl, n, opt));
  } else {
    /* categories, in order of first appearance (there are few: a linear list will do) */
    const char **names = NULL;
    size_t n_names = 0;
    for (size_t i = 0; i < n; i++) {
      if (!a->category[i][0]) continue;
      size_t k = 0;
      while (k < n_names && strcmp(names[k], a->category[i]) != 0) k++;
      if (k == n_names) {
        names = lx_xrealloc_array(names, n_names + 1, sizeof *names);
        names[n_names++] = a->category[i];
      }
    }
    size_t *members = lx_xcalloc(n + 1, sizeof *members);
    for (size_t k = 0; k < n_names; k++) {
      size_t m = 0;
      for (size_t j = 0; j < n; j++)
        if (!strcmp(a->category[j], names[k])) members[m++] = j;
      pair_ctx sub = base;
      sub.items = members;
      PUSH(cats, n_cats, row(a->task, names[k], metric, main_test, &sub, m, opt));
    }
    free(names);
    free(members);
  }
#undef PUSH
  free(all);
  free(oa);
  free(ob);
  free(b_at);
  free(vb);
  free(rb);
  free(cb);
}

cJSON *lx_compare_pairwise(lx_task_scores *const *runs, size_t n_runs, size_t n_tasks,
                           const lx_compare_options *opt) {
  const size_t n_pairs = n_runs * (n_runs - 1) / 2, cells = n_pairs * n_tasks;
  cJSON **overall = NULL;
  size_t n_overall = 0, regressions = 0;
  size_t *first = lx_xcalloc(cells + 1, sizeof *first); /* cell (pair, task)'s overall rows */
  cJSON ***cats = lx_xcalloc(cells + 1, sizeof *cats);
  size_t *n_cats = lx_xcalloc(cells + 1, sizeof *n_cats);
  size_t *pair_a = lx_xcalloc(n_pairs + 1, sizeof *pair_a),
         *pair_b = lx_xcalloc(n_pairs + 1, sizeof *pair_b);
  for (size_t i = 0, p = 0; i < n_runs; i++)
    for (size_t j = i + 1; j < n_runs; j++, p++) {
      pair_a[p] = i, pair_b[p] = j;
      for (size_t t = 0; t < n_tasks; t++) {
        first[p * n_tasks + t] = n_overall;
        task_rows(&runs[i][t], &runs[j][t], opt, &overall, &n_overall, &cats[p * n_tasks + t],
                  &n_cats[p * n_tasks + t]);
      }
    }
  first[cells] = n_overall;
  /* each task's categories across every pair, then the overall rows of everything */
  for (size_t t = 0; t < n_tasks; t++) {
    cJSON **family = NULL;
    size_t m = 0;
    for (size_t p = 0; p < n_pairs; p++) {
      const size_t c = p * n_tasks + t;
      family = lx_xrealloc_array(family, m + n_cats[c] + 1, sizeof *family);
      for (size_t k = 0; k < n_cats[c]; k++) family[m++] = cats[c][k];
    }
    regressions += adjust(family, m, opt->alpha);
    free(family);
  }
  regressions += adjust(overall, n_overall, opt->alpha);
  cJSON *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(out, "alpha", opt->alpha);
  cJSON_AddNumberToObject(out, "resamples", (double)opt->resamples);
  cJSON_AddNumberToObject(out, "seed", (double)opt->seed);
  cJSON *run_dirs = cJSON_AddArrayToObject(out, "runs");
  for (size_t i = 0; i < n_runs; i++)
    cJSON_AddItemToArray(run_dirs, cJSON_CreateString(n_tasks ? runs[i][0].run_dir : ""));
  cJSON *pairs = cJSON_AddArrayToObject(out, "pairs");
  for (size_t p = 0; p < n_pairs; p++) {
    cJSON *pj = cJSON_CreateObject();
    cJSON_AddNumberToObject(pj, "a", (double)pair_a[p]);
    cJSON_AddNumberToObject(pj, "b", (double)pair_b[p]);
    cJSON_AddStringToObject(pj, "run_a", n_tasks ? runs[pair_a[p]][0].run_dir : "");
    cJSON_AddStringToObject(pj, "run_b", n_tasks ? runs[pair_b[p]][0].run_dir : "");
    cJSON *tasks = cJSON_AddArrayToObject(pj, "tasks");
    for (size_t t = 0; t < n_tasks; t++) {
      const size_t c = p * n_tasks + t;
      const lx_task_scores *a = &runs[pair_a[p]][t];
      cJSON *tj = cJSON_CreateObject();
      cJSON_AddStringToObject(tj, "task", a->task);
      cJSON *rows = cJSON_AddArrayToObject(tj, "rows");
      for (size_t k = first[c]; k < first[c + 1]; k++) cJSON_AddItemToArray(rows, overall[k]);
      for (size_t k = 0; k < n_cats[c]; k++) cJSON_AddItemToArray(rows, cats[c][k]);
      if (a->scorer == LX_SCORER_CAPTION)
        cJSON_AddStringToObject(tj, "note",
                                "CIDEr-D resamples keep each item's score from the full "
                                "set (document frequencies are not recomputed per resample)");
      cJSON_AddItemToArray(tasks, tj);
      free(cats[c]);
    }
    cJSON_AddItemToArray(pairs, pj);
  }
  cJSON_AddNumberToObject(out, "regressions", (double)regressions);
  free(overall);
  free(first);
  free(cats);
  free(n_cats);
  free(pair_a);
  free(pair_b);
  return out;
}

cJSON *lx_compare_runs(const lx_task_scores *a, const lx_task_scores *b, size_t n_tasks,
                       const lx_compare_options *opt) {
  lx_task_scores *const runs[2] = {(lx_task_scores *)a, (lx_task_scores *)b};
  cJSON *all = lx_compare_pairwise(runs, 2, n_tasks, opt);
  cJSON *pair = cJSON_GetArrayItem(cJSON_GetObjectItem(all, "pairs"), 0);
  cJSON *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(out, "alpha", opt->alpha);
  cJSON_AddNumberToObject(out, "resamples", (double)opt->resamples);
  cJSON_AddNumberToObject(out, "seed", (double)opt->seed);
  cJSON_AddStringToObject(out, "run_a", cJSON_GetObjectItem(pair, "run_a")->valuestring);
  cJSON_AddStringToObject(out, "run_b", cJSON_GetObjectItem(pair, "run_b")->valuestring);
  cJSON_AddItemToObject(out, "tasks", cJSON_DetachItemFromObject(pair, "tasks"));
  cJSON_AddNumberToObject(out, "regressions", lx_json_number(all, "regressions"));
  cJSON_Delete(all);
  return out;
}
