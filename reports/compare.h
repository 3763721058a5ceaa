/* compare.h: is run B better or worse than run A, task by task and category by category?
 *
 * Items are paired by id (both runs must hold the same items), and each metric gets the test
 * that fits it:
 *   correct/incorrect items (Open-VQA, MME)  exact McNemar on the discordant pairs
 *   per-item scores (VQA accuracy, ROUGE-L)   paired t (the p used), Wilcoxon signed-rank
 *   corpus metrics (BLEU-4, CIDEr-D)          approximate randomization (the p used), paired
 *                                             bootstrap
 * Every difference (B - A) gets a paired-bootstrap percentile interval. p-values are adjusted
 * with Holm's method (and Benjamini-Hochberg, reported) across the overall rows of all tasks, and
 * separately across each task's categories. A row is a regression when B is lower and its Holm
 * p-value is below alpha.
 *
 * CIDEr-D's resamples keep each item's score from the full set: document frequencies are not
 * recomputed per resample (the output says so). */
#ifndef LX_COMPARE_H
#define LX_COMPARE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "reports/run_data.h"

typedef struct lx_compare_options {
  double alpha;     /* 0.05 */
  size_t resamples; /* bootstrap and randomization resamples */
  uint64_t seed;
  bool allow_different; /* compare runs whose settings (other than the model) differ */
} lx_compare_options;

/* Checks that a and b can be compared: the same items, and the same settings except the model
 * (and batch size and threads) unless allowed. The message says what differs. */
int lx_compare_check(const lx_task_scores *a, const lx_task_scores *b, bool allow_different,
                     lx_error *err);

/* Compares every pair of n_runs >= 2 runs, run j against run i for i < j, on n_tasks tasks:
 * runs[i][t] is run i's task t (the same tasks in the same order for every run, each pair
 * checked with lx_compare_check). Holm (and BH) adjust the overall rows of all pairs and tasks
 * together, and each task's category rows across all pairs, so that the whole table keeps its
 * family-wise error. Returns {"alpha", "resamples", "seed", "runs": [run_dir...], "pairs":
 * [{"a": i, "b": j, "run_a", "run_b", "tasks": [...]}], "regressions"} with tasks as below. */
cJSON *lx_compare_pairwise(lx_task_scores *const *runs, size_t n_runs, size_t n_tasks,
                           const lx_compare_options *opt);

/* Two runs (lx_compare_pairwise of a and b): compares a[k] with b[k] and returns
 * {"alpha", "resamples", "seed", "tasks": [{"task", "rows": [row...]}], "regressions": N}
 * where a row is {"task", "category" ("" = overall), "metric", "test", "n", "a", "b", "diff",
 * "interval": [lo, hi], "p", "p_holm", "p_bh", "regression"} plus the other test's p. */
cJSON *lx_compare_runs(const lx_task_scores *a, const lx_task_scores *b, size_t n_tasks,
                       const lx_compare_options *opt);

#endif
