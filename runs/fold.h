/* fold.h: one task's prediction logs folded into its predictions.jsonl, in item order.
 *
 * A task directory holds at most one log per writer: predictions.jsonl (a single-process run's,
 * and the folded result) and shards/<I>-of-<N>.jsonl (one per shard of a sharded run). Folding
 * reads every complete line of each, keeps one row per item, and writes predictions.jsonl with
 * the rows sorted by item position, the order a single process writes them in, so that a sharded
 * run's file equals a single process's byte for byte. The rules:
 *   - a row whose id is not an item of the task is refused, naming the file and line;
 *   - an item answered in two logs with byte-identical rows is kept once (and counted); with
 *     different rows it is refused, naming both places: the two writers did not compute the same
 *     thing, which is never a tie to break;
 *   - a shard log still held by a running shard is read but kept (it may grow); the others are
 *     removed once predictions.jsonl holds their rows;
 *   - a torn last line (a writer killed mid-write) is ignored; its item counts as missing.
 * The caller holds the run's lock (merge.h) so that two folds never interleave. */
#ifndef LX_FOLD_H
#define LX_FOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "tasks/items.h"

#define LX_SHARDS_DIR "shards" /* RUNDIR/<task>/shards/, RUNDIR/shards/ */

typedef struct lx_fold {
  size_t n_items;        /* the dataset's */
  char **row;            /* [n_items] the item's row (text without its newline), or NULL */
  char **where;          /* [n_items] "file:line" of that row */
  size_t duplicates;     /* identical rows found twice, kept once */
  size_t from_shards;    /* rows taken from shard logs */
  bool reordered;        /* predictions.jsonl itself was not in item order */
  int predictions_fd;    /* the lock on predictions.jsonl */
  bool predictions_busy; /* a single-process run is appending to it: read, not replaceable */
  int *shard_fds;        /* the locks on the shard logs nobody else holds */
  char **shard_paths;    /* and their paths: removed after writing */
  size_t n_shard_logs;
  size_t live_shard_logs; /* held by a running shard: read, kept */
} lx_fold;

/* Reads every log of task_dir against the task's items (indexed, all of the dataset's). When a
 * single-process run is appending to predictions.jsonl, its complete lines are read and
 * predictions_busy is set: lx_fold_write then refuses. */
int lx_fold_read(const char *task_dir, const lx_items *items, lx_fold *f, lx_error *err);

/* The number of items among the first n without a row. */
size_t lx_fold_missing(const lx_fold *f, size_t n);

/* Writes predictions.jsonl in item order (atomically; only when something changes) and removes
 * the shard logs it now holds. Fails with LX_LOG_BUSY's message when predictions_busy. */
int lx_fold_write(lx_fold *f, const char *task_dir, lx_error *err);

/* Releases the locks and frees. */
void lx_fold_free(lx_fold *f);

/* The ids answered in any of task_dir's logs other than `except` (a path; NULL: none), read
 * without locking them (shards first, then predictions.jsonl, so that a fold in between loses
 * nothing), into *done; an id in two logs appears once. */
int lx_logs_answered(const char *task_dir, const char *except, lx_predictions *done, lx_error *err);

#endif
