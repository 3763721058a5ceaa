/* run_dir.h: a run directory's layout, and the one reader of its files. Everything that reads a
 * run back (reports, human evaluation, judging, scoring a run again) reads it here; this module
 * needs only common/, so readers do not link the model.
 *
 *   RUNDIR/manifest.json               the run's sessions, model, data and tasks (manifest.h)
 *   RUNDIR/results.json                every task's aggregates with intervals
 *   RUNDIR/report.html                 the report
 *   RUNDIR/<task>/predictions.jsonl    one row per item, appended as answered (runner.h names
 *                                      the keys: "id", "answer", "question", "references", ...)
 *   RUNDIR/<task>/fingerprint.json     everything that determined the predictions
 *   RUNDIR/<task>/scores.jsonl         one row of scores per item
 *   RUNDIR/<task>/aggregate.json       the task's metrics
 *   RUNDIR/<task>/results/             exports in the benchmark's own results format
 *   RUNDIR/<task>/judge/<judge>/       an LLM judge's verdicts (judging.h)
 */
#ifndef LX_RUN_DIR_H
#define LX_RUN_DIR_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/jsonutil.h"

#define LX_RUN_MANIFEST    "manifest.json"
#define LX_RUN_RESULTS     "results.json"
#define LX_RUN_REPORT      "report.html"
#define LX_RUN_PREDICTIONS "predictions.jsonl"
#define LX_RUN_FINGERPRINT "fingerprint.json"
#define LX_RUN_SCORES      "scores.jsonl"
#define LX_RUN_AGGREGATE   "aggregate.json"

#define LX_RUN_MAX_ROWS_BYTES (1ull << 32) /* predictions.jsonl, scores.jsonl */
#define LX_RUN_MAX_JSON_BYTES (1ull << 26) /* the JSON files */

/* RUNDIR/name, or RUNDIR/task/name when task is not NULL (heap string). */
char *lx_run_file(const char *run_dir, const char *task, const char *name);

/* Whether RUNDIR/<task>/<name> (RUNDIR/<name> when task is NULL) is a regular file. */
bool lx_run_has_file(const char *run_dir, const char *task, const char *name);

/* Calls fn for every row of RUNDIR/<task>/predictions.jsonl, in file order; each row is a JSON
 * object with a string "id". Fails naming the file when the task has no predictions file ("has
 * 'lynxeval run TASK' run into RUNDIR?") or a row is not a prediction. */
int lx_run_read_predictions(const char *run_dir, const char *task, lx_jsonl_fn fn, void *ctx,
                            lx_error *err);

/* The same for RUNDIR/<task>/scores.jsonl. */
int lx_run_read_scores(const char *run_dir, const char *task, lx_jsonl_fn fn, void *ctx,
                       lx_error *err);

/* RUNDIR/<task>/fingerprint.json, aggregate.json (task not NULL), or RUNDIR/manifest.json,
 * results.json (task NULL), parsed (*out, the caller deletes it). */
int lx_run_read_json(const char *run_dir, const char *task, const char *name, cJSON **out,
                     lx_error *err);

/* The tasks of a run directory: its subdirectories holding a fingerprint.json, sorted by name
 * (heap strings in a heap array; lx_run_tasks_free frees them). Fails if run_dir cannot be read. */
int lx_run_tasks(const char *run_dir, char ***names, size_t *n, lx_error *err);
void lx_run_tasks_free(char **names, size_t n);

#endif
