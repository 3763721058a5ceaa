/* runner.h: the run loop of one task: items in, durable predictions out.
 *
 * Items are decoded in fixed blocks of `batch` consecutive items (0..B-1, B..2B-1, ...); a block
 * whose items are all in the log already (an earlier, interrupted session) is skipped, any other
 * is decoded whole and its missing answers are appended to the log before the next block starts.
 * So an item is always decoded beside the same items, and every item draws its random numbers
 * from a seed of its own (the run's seed mixed with the task name and the item id): with the same
 * batch size and thread count (which change the last bits of floating-point sums), an answer is
 * bit for bit the same however often the run was interrupted, whatever --limit was, and however
 * the blocks were shared among processes (--shard). */
#ifndef LX_RUNNER_H
#define LX_RUNNER_H

#include <stdint.h>

#include "media/image.h"
#include "model/generate.h"
#include "model/model.h"
#include "runs/prediction_log.h"
#include "runs/progress.h"
#include "runs/shard.h"
#include "tasks/task.h"

typedef struct lx_runner_options {
  const lx_task *task;
  const lx_task_template *tmpl;
  const lx_decode_params *decode;
  const char *data_dir;
  const char *frame_rule; /* for video items */
  uint64_t seed;
  int batch;                           /* items decoded together (>= 1) */
  const lx_media_limits *media_limits; /* NULL: the defaults */
  /* The run's block number of this task's first block (blocks are numbered across the tasks of
   * the run, shard.h), and the shard whose blocks are answered (NULL: every block). */
  size_t first_block;
  const lx_shard *shard;
} lx_runner_options;

/* This process's share of the first n items: how many lie in the shard's blocks (*mine), and how
 * many of those `done` holds already (*answered). */
void lx_run_share(const lx_items *items, size_t n, const lx_predictions *done,
                  const lx_runner_options *opt, size_t *mine, size_t *answered);

/* The seed of one item. */
uint64_t lx_item_seed(uint64_t run_seed, const char *task, const char *item_id);

/* Predicts the items among the first n, in the shard's blocks, that `done` does not hold
 * (decoding whole blocks, which may reach past n), appending a row per item to log:
 * {"id", "answer", "question", "references"[, "category", "context", "media"], "tokens",
 * "score", "ended_with_eos", "prompt_ids_dropped"[, "frames", "source_frames"]}. A media file that
 * cannot be read stops the run with its name and the item's annotation line; everything predicted
 * so far stays in the log. progress is started (lx_run_share's counts) and counts on from there. */
int lx_run_items(const lx_model *m, const lx_items *items, size_t n, const lx_predictions *done,
                 const lx_runner_options *opt, lx_prediction_log *log, lx_progress *progress,
                 lx_error *err);

/* Decodes the block of items starting at `first` whole (batch items, fewer at the end of the
 * dataset) and appends to rows the row of each of its items below n, one JSON line each, in
 * position order: the bytes lx_run_items appends to a log. For a dispatcher that hands blocks
 * to other processes. */
int lx_run_block(const lx_model *m, const lx_items *items, size_t n, size_t first,
                 const lx_runner_options *opt, lx_strbuf *rows, lx_error *err);

#endif
