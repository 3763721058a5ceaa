/* merge.h: a run finished from its logs: every task's logs folded (fold.h), scored, exported and
 * recorded in the manifest. A single-process run does this for each task as it ends; a sharded
 * run does it once every shard's blocks are answered, by the last shard to finish or by
 * `lynxeval merge`. Merging is a function of the files alone: running it twice changes nothing.
 *
 *   RUNDIR/.lock                        flock: held while the manifest is rewritten or a merge runs
 *   RUNDIR/shards/<I>-of-<N>.json       a shard's session record: its plan (what merging needs:
 *                                       each task's dataset, data directory, items and first
 *                                       block), the command, the machine, items answered, busy
 *                                       and CPU seconds; folded into manifest.json's sessions by
 *                                       the merge
 *   RUNDIR/<task>/shards/<I>-of-<N>.jsonl  the shard's log of that task */
#ifndef LX_MERGE_H
#define LX_MERGE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "runs/run.h"
#include "tasks/task.h"

/* The run's lock file; taking it waits for the holder (merges and manifest updates are short). */
typedef struct lx_run_lock {
  int fd;
} lx_run_lock;
int lx_run_lock_take(const char *run_dir, lx_run_lock *lock, lx_error *err);
void lx_run_lock_release(lx_run_lock *lock);

/* The caller holds the lock. Reads RUNDIR/manifest.json (a new one if there is none), puts each
 * session of `sessions` in it (replacing the one with the same "id"), each member of `tasks` into
 * its "tasks" (replacing the task's entry), and each of `merges` at the end of its "merges"; writes
 * it atomically. Any of the three may be NULL. */
int lx_manifest_update(const char *run_dir, const cJSON *sessions, const cJSON *tasks,
                       const cJSON *merges, lx_error *err);

/* Whether the annotation files hashed into a task's fingerprint are the dataset's registered
 * ones (a file without a registered digest counts as matching); notes the ones that are not. */
bool lx_annotations_match_registry(const lx_dataset *ds, const cJSON *fingerprint,
                                   const lx_run_events *ev);

/* One task scored from its folded predictions.jsonl, the first n of `items` (all of the
 * dataset's, indexed; truncated to n here): scores.jsonl, aggregate.json and the export written
 * into RUNDIR/<task>; *entry is the task's manifest entry, headline its summary line. */
typedef struct lx_task_outcome {
  cJSON *entry;
  char headline[256];
} lx_task_outcome;
int lx_task_score(const lx_task *t, const lx_dataset *ds, const char *run_dir, lx_items *items,
                  size_t n, const lx_scoring_options *scoring, const cJSON *fingerprint,
                  bool matches_registry, lx_task_outcome *out, lx_error *err);

/* A shard joining a run: fails, naming the record, when another shard's record holds another
 * plan than `plan` (other flags: --limit, tasks, datasets, data directory, scoring). */
int lx_run_check_plan(const char *run_dir, const cJSON *plan, lx_error *err);

/* Under the lock: moves the shards' session records into manifest.json's sessions (a run
 * without --shard that resumed a sharded one has folded their answers). */
int lx_run_fold_records(const char *run_dir, lx_error *err);

/* What a merge found. */
typedef struct lx_merge_result {
  bool complete;     /* every item of every task answered (and, unless checking, merged) */
  size_t shards;     /* session records read */
  size_t missing;    /* items without an answer */
  size_t duplicates; /* identical rows found twice */
  double seconds;    /* the merge's */
  lx_strbuf summary; /* what is missing, by task and shard, with what to run; or what was done */
} lx_merge_result;
void lx_merge_result_free(lx_merge_result *r);

/* Merges a sharded run: reads the session records (their plans must agree), folds every task's
 * logs, and, when every item is answered and check_only is false, writes predictions.jsonl in
 * item order, scores, exports and folds the records into manifest.json. An incomplete run is not
 * an error (r->complete false; r->summary says what is missing and what to run), and neither is
 * a run directory without session records (r->shards 0: nothing to merge, or another shard
 * merged it a moment ago). ev->task_done is called for each task scored. */
int lx_run_merge(const char *run_dir, bool check_only, const lx_run_events *ev, lx_merge_result *r,
                 lx_error *err);

#endif
