/* run.h: `lynxeval run`'s pipeline: benchmarks end to end. For each task: read its files,
 * predict every item with the model (durably, resumably), score the predictions, and leave
 * everything in the run directory:
 *
 *   RUNDIR/manifest.json              version, machine, command, sessions, per-task results
 *   RUNDIR/results.json               every task's aggregates with intervals (written by the
 *                                     command, from reports/: the report model of the run)
 *   RUNDIR/<task>/fingerprint.json    what the predictions depend on (checked on resume)
 *   RUNDIR/<task>/predictions.jsonl   one line per item, appended and fsynced as it is made
 *   RUNDIR/<task>/scores.jsonl        per-item scores
 *   RUNDIR/<task>/aggregate.json      the benchmark's numbers
 *   RUNDIR/<task>/results.json[l] | results/ | answers.jsonl
 *                                     the predictions in the benchmark's own results format
 *
 * With --shard I/N the process answers only its blocks (shard.h) into its own log,
 * RUNDIR/<task>/shards/I-of-N.jsonl, and records its session in RUNDIR/shards/I-of-N.json; the
 * last shard to finish folds every log into predictions.jsonl in item order and scores (merge.h),
 * so that the files equal a single process's byte for byte.
 *
 * In two steps, so that a mistake costs nothing: lx_run_prepare checks every name and flag,
 * loads the model and every task's annotations, and works out each task's decoding and
 * fingerprint, writing nothing; only then lx_run_execute creates the run directory, predicts,
 * scores and writes. */
#ifndef LX_RUN_H
#define LX_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "common/error.h"
#include "media/image.h"
#include "runs/prediction_log.h"
#include "runs/runner.h"

typedef struct lx_run_request {
  const char *tasks; /* "task[:dataset][,...]", or a suite ("world") */
  const char *model_dir, *data_dir, *out_dir;
  const char *dataset;       /* another registry entry for the (single) task, or NULL */
  const char *template_name; /* a prompt template of every task, or NULL: each task's default */
  const char *decode;        /* greedy, beam, beam-sample, sample; NULL: the defaults */
  const char *frame_rule;    /* NULL: the model's */
  const char *normalize;     /* VQA scoring; NULL: official-2017 */
  long limit;                /* only the first N items of each task; 0: all */
  long batch;                /* items decoded together */
  long beams, max_new;       /* -1: the defaults */
  long seed;
  long threads;          /* 0: $LYNXEVAL_THREADS, else every core */
  const char *precision; /* matrix products: f32 or bf16; NULL: f32 */
  const char *shard;     /* "I/N" or "auto" (shard.h): answer only that shard's blocks; NULL */
  bool rehash;           /* hash the model and annotations again, not trusting the hash cache */
  bool dispatched;       /* started as one of several processes that share the run through a
                            dispatcher (lynxeval-mpi): no launcher guard, no --shard */
  const char *command;   /* the command line, for the manifest */
  lx_media_limits media; /* what one image or video may cost (LX_MEDIA_LIMITS_DEFAULT) */
} lx_run_request;

/* What the pipeline has to say while it works; every member may be NULL. */
typedef struct lx_run_events {
  /* a warning or a note for the user (a resumed task, a cut torn line, unregistered files) */
  void (*note)(void *ctx, const char *message);
  /* a task is done: its name, the items it scored, and the numbers users look at first */
  void (*task_done)(void *ctx, const char *task, size_t items, const char *headline);
  void *ctx;
} lx_run_events;

typedef struct lx_run_plan lx_run_plan;

/* Another way to answer a run's blocks than this process alone, block by block: lynxeval-mpi's
 * ranks (runs/dispatch_mpi.h). lx_run_execute calls `answer` once every task's fingerprint is
 * claimed, with each task's predictions.jsonl open (locked) in logs[i] and the items answered in
 * any log in done[i]; it must append a row for every missing item among each task's first n
 * (lx_run_plan_task) and may append them in any order (the fold sorts them). `record` adds what
 * the session should say of it (launcher, world size, per-rank figures) to the session object. */
typedef struct lx_run_dispatcher {
  int (*answer)(void *ctx, lx_run_plan *plan, lx_prediction_log *logs, const lx_predictions *done,
                const lx_run_events *ev, lx_error *err);
  void (*record)(void *ctx, cJSON *session);
  void *ctx;
} lx_run_dispatcher;

/* The task names: every task, and the suites. For messages. */
#define LX_RUN_TASK_NAMES                                                                   \
  "open-vqa-image, open-vqa-video, vqav2, coco-caption, mme, owleval, llava-bench (or the " \
  "suite world)"

/* Checks the request and loads what the run needs; writes nothing. A mistake in a name or a
 * flag is an error whose message starts with the flag or says "unknown" (the caller may treat
 * those as usage errors: *usage is set); a model, dataset or file problem names the file. */
int lx_run_prepare(const lx_run_request *req, lx_run_plan **plan, int *usage, lx_error *err);

/* Creates the run directory (or resumes it) and runs every task in order. *scored is set when
 * every task was scored (a shard whose run still misses other shards' answers leaves it false;
 * the note says what is missing). */
int lx_run_execute(lx_run_plan *plan, const lx_run_events *ev, bool *scored, lx_error *err);

void lx_run_plan_free(lx_run_plan *plan);

/* Answers the run's blocks through d instead of this process alone (call before execute). */
void lx_run_plan_dispatch(lx_run_plan *plan, const lx_run_dispatcher *d);

/* What a dispatcher needs of the plan: the model, the number of tasks, and each task. */
typedef struct lx_run_task_view {
  const char *name;
  const lx_items *items; /* all of the dataset's, indexed; the first n are the run's */
  size_t n;
  lx_runner_options opt; /* how its blocks are decoded (lx_run_block) */
  const cJSON *fingerprint;
} lx_run_task_view;
const lx_model *lx_run_plan_model(const lx_run_plan *plan);
int lx_run_plan_task_count(const lx_run_plan *plan);
lx_run_task_view lx_run_plan_task(const lx_run_plan *plan, int i);

#endif
