/* uncertainty.h: every aggregate of a task with its uncertainty.
 *
 *   means of per-item scores (accuracy of Open-VQA, VQA, MME questions; ROUGE-L)
 *       standard error s / sqrt(n), and the cluster-robust one where several questions share an
 *       image or video (the interval uses the clustered one: 1.96 of them at alpha 0.05)
 *   corpus metrics (BLEU-4 from per-item counts, CIDEr-D, MME subtask scores)
 *       bootstrap percentile and BCa intervals, seeded, the number of resamples recorded; MME
 *       resamples images (an image's two questions stay together); CIDEr-D keeps each item's
 *       score from the full set (document frequencies are not recomputed per resample); POPE's
 *       F1 (percent) per split and as the mean of the splits resamples images (POPE asks about
 *       the same images in every split)
 *
 * Rows: {"category" ("" = overall), "metric", "value", "n", "correct" (binary metrics), "se",
 * "clustered_se", "interval": [lo, hi], "interval_method", "bca": [lo, hi] (bootstrap rows)}. */
#ifndef LX_UNCERTAINTY_H
#define LX_UNCERTAINTY_H

#include <cJSON.h>
#include <stdint.h>

#include "reports/run_data.h"

typedef struct lx_uncertainty_options {
  double alpha;     /* 0.05 */
  size_t resamples; /* bootstrap resamples */
  uint64_t seed;
} lx_uncertainty_options;

/* A JSON array of rows for the task (overall rows first, then categories in order of first
 * appearance). */
cJSON *lx_task_uncertainty(const lx_task_scores *t, const lx_uncertainty_options *opt);

#endif
