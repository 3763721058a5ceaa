/* run_data.h: a finished task of a run directory, read back for statistics and reports: per-item
 * scores joined with their category and the media item they ask about. Reports read run
 * directories only, so they work on runs made elsewhere or long ago. */
#ifndef LX_RUN_DATA_H
#define LX_RUN_DATA_H

#include <cJSON.h>
#include <stddef.h>

#include "common/error.h"
#include "scorers/bleu.h"
#include "tasks/scoring.h"

typedef struct lx_task_scores {
  char *run_dir, *task;
  lx_scorer_kind scorer;
  cJSON *fingerprint, *aggregate;
  size_t n;
  char **id;       /* [n] */
  char **category; /* [n] class, answer type or subtask ("" if none) */
  size_t *cluster; /* [n] index of the item's image or video among the task's distinct media */
  size_t n_clusters;
  double *value;           /* [n] the per-item score: 0/1 correct (Open-VQA, MME), VQA accuracy in
                            * [0, 1], CIDEr-D (captions) */
  double *rouge;           /* [n] captions: ROUGE-L, else NULL */
  lx_bleu_counts *bleu;    /* [n] captions: BLEU's sufficient statistics, else NULL */
  unsigned char *said_yes; /* [n] POPE: the answer read as "yes" (F1 needs it), else NULL */
} lx_task_scores;

/* Reads RUNDIR/<task>: fingerprint.json, aggregate.json, scores.jsonl and the media of each item
 * from predictions.jsonl. Fails, naming the file, if the task has no scores yet. A name
 * "<task>@<judge>" reads a judge's results (RUNDIR/<task>/judge/<judge>/aggregate.json and
 * scores.jsonl, the scorer their aggregate names) with the task's fingerprint and media. */
int lx_task_scores_load(const char *run_dir, const char *name, lx_task_scores *out, lx_error *err);
void lx_task_scores_free(lx_task_scores *t);

/* The scorer a task of a run was made for (its fingerprint's task.scorer); false if the fingerprint
 * cannot be read or names no scorer lynxeval knows. LX_SCORER_NONE: people or a judge score it. */
bool lx_run_task_scorer(const char *run_dir, const char *task, lx_scorer_kind *kind);

/* The tasks of a run directory with automatic scores (not OwlEval or LLaVA-Bench, which people or
 * a judge score), sorted by name, each followed by its judges' complete results that report and
 * compare can read ("mm-vet@<judge>": MM-Vet's grades; "mmbench@<judge>": MMBench after its
 * judge), heap strings in a heap array. */
int lx_run_task_names(const char *run_dir, char ***names, size_t *n, lx_error *err);

#endif
