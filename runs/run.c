#include "runs/run.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "lynxeval_commit.h"
#include "media/video.h"
#include "model/cpu.h"
#include "model/generate.h"
#include "model/kernel_choice.h"
#include "model/model.h"
#include "runs/fold.h"
#include "runs/manifest.h"
#include "runs/merge.h"
#include "runs/prediction_log.h"
#include "runs/progress.h"
#include "runs/run_dir.h"
#include "runs/runner.h"
#include "runs/shard.h"
#include "tasks/mmbench.h"
#include "tasks/task.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif

#define MAX_TASKS 16

/* One task of the run, ready to go. */
typedef struct run_task {
  const lx_task *task;
  const lx_dataset *ds;
  const lx_task_template *tmpl;
  lx_decode_params decode;
  char *data_dir;
  lx_items items; /* all of the dataset's items */
  size_t n;       /* the first n are this run's (--limit) */
  cJSON *fingerprint;
  char *data_dir_abs;    /* data_dir as an absolute path, for merging from anywhere */
  size_t first_block;    /* the run's number of the task's first block (shard.h) */
  bool matches_registry; /* the annotation files are the registered ones */
} run_task;

struct lx_run_plan {
  lx_run_request req;
  lx_registry reg;
  lx_matmul_precision precision;
  lx_backend *backend; /* the model runs on it */
  lx_model *model;
  const char *frame_rule;
  lx_scoring_options scoring;
  run_task tasks[MAX_TASKS];
  int n_tasks;
  lx_shard shard;               /* count 0: every block */
  lx_run_dispatcher dispatcher; /* answer NULL: this process answers every block */
  lx_strbuf hash_notes;         /* cached hashes found wrong (--rehash), said when the run starts */
};

static void note(const lx_run_events *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(const lx_run_events *ev, const char *fmt, ...) {
  if (!ev || !ev->note) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ev->note(ev->ctx, msg);
}

/* ---- preparing --------------------------------------------------------------------------- */

/* The task's decoding: the model's defaults, the task's overrides (unless the model's are its
 * own evaluation's), the model's short-answer settings and length for this task, the suite's,
 * then the flags. */
static int decoding_for(const lx_model *m, const lx_task *t, const lx_suite *suite,
                        const lx_run_request *r, lx_decode_params *p, lx_error *err) {
  const lx_decoding_config *d = &m->cfg.decoding;
  if (lx_decode_params_from_config(d, p, err)) return LX_ERR;
  if (!d->evaluation) {
    if (t->decode && lx_decode_strategy_parse(t->decode, &p->strategy))
      return lx_errorf(err, "task %s: bad decoding", t->name);
    if (t->num_beams) p->num_beams = t->num_beams;
    if (t->max_new_tokens) p->max_new_tokens = t->max_new_tokens;
  }
  if (t->short_answer && d->short_max_new_tokens) p->max_new_tokens = d->short_max_new_tokens;
  if (t->short_answer && d->short_length_penalty_set) p->length_penalty = d->short_length_penalty;
  for (int i = 0; i < d->n_by_task; i++)
    if (strcmp(d->by_task[i].task, t->name) == 0) p->max_new_tokens = d->by_task[i].max_new_tokens;
  if (suite && suite->decode && lx_decode_strategy_parse(suite->decode, &p->strategy))
    return lx_errorf(err, "suite %s: bad decoding", suite->name);
  if (suite && suite->max_new_tokens) p->max_new_tokens = suite->max_new_tokens;
  if (r->decode && lx_decode_strategy_parse(r->decode, &p->strategy))
    return lx_errorf(err, "--decode: \"%s\" is not greedy, beam, beam-sample or sample", r->decode);
  if (r->beams >= 0) p->num_beams = (int)r->beams;
  if (r->max_new >= 0) p->max_new_tokens = (int)r->max_new;
  if ((p->strategy == LX_DECODE_BEAM || p->strategy == LX_DECODE_BEAM_SAMPLE) && p->num_beams < 1)
    p->num_beams = 1;
  return lx_decode_params_check(p, err);
}

/* Every name in the task list: tasks, templates, datasets, flags that need checking. */
static int check_names(lx_run_plan *pl, const lx_suite **suite, char **datasets, lx_error *err) {
  const lx_run_request *r = &pl->req;
  *suite = lx_suite_find(r->tasks);
  char *list = lx_xstrdup(*suite ? (*suite)->entries : r->tasks), *save = NULL;
  int rc = LX_OK;
  for (char *name = strtok_r(list, ",", &save); rc == LX_OK && name;
       name = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(name, ':');
    if (colon) *colon = '\0';
    const lx_task *t = lx_task_find(name);
    if (!t) {
      rc = lx_errorf(err, "unknown task '%s'; tasks: " LX_RUN_TASK_NAMES, name);
    } else if (r->template_name && !lx_task_template_find(t, r->template_name)) {
      lx_strbuf names = {0};
      for (int k = 0; k < t->n_templates; k++) {
        if (k) lx_strbuf_puts(&names, ", ");
        lx_strbuf_puts(&names, t->templates[k].name);
      }
      rc = lx_errorf(err, "--prompt-template: task %s has no template '%s' (it has %s)", name,
                     r->template_name, lx_strbuf_str(&names));
      lx_strbuf_free(&names);
    } else if (pl->n_tasks == MAX_TASKS) {
      rc = lx_errorf(err, "unknown task list: at most %d tasks per run", MAX_TASKS);
    } else {
      datasets[pl->n_tasks] = colon ? lx_xstrdup(colon + 1) : NULL;
      pl->tasks[pl->n_tasks++].task = t;
    }
  }
  free(list);
  lx_frame_rule rule;
  if (rc == LX_OK && r->frame_rule && lx_frame_rule_parse(r->frame_rule, &rule))
    rc = lx_errorf(err,
                   "--frame-rule: '%s' is not segment-start, segment-middle or reference-random",
                   r->frame_rule);
  pl->scoring.vqa_mode = LX_VQA_OFFICIAL_2017;
  if (rc == LX_OK && r->normalize && !lx_vqa_mode_parse(r->normalize, &pl->scoring.vqa_mode))
    rc = lx_errorf(err, "--normalize: '%s' is not one of official-2017, official-2021, always",
                   r->normalize);
  if (rc == LX_OK && r->dataset && pl->n_tasks > 1)
    rc = lx_errorf(err, "--dataset applies to one task at a time");
  if (rc == LX_OK && r->precision && lx_matmul_precision_parse(r->precision, &pl->precision))
    rc = lx_errorf(err, "--precision must be f32 or bf16, got '%s'", r->precision);
  if (rc == LX_OK && r->shard) rc = lx_shard_parse(r->shard, &pl->shard, err);
  if (rc == LX_OK && r->shard && r->dispatched)
    rc = lx_errorf(err, "--shard: lynxeval-mpi shares the run among its ranks itself; drop it");
  if (rc == LX_OK && !r->shard && !r->dispatched) {
    /* a launcher that started several copies of a plain run: each would answer everything */
    lx_launcher l;
    rc = lx_launcher_detect(&l, err);
    if (rc == LX_OK && l.name && l.count > 1)
      rc = lx_errorf(err,
                     "--shard missing: %s started %ld copies of this run (%s=%ld), and each "
                     "would answer every item into the same files; add --shard auto to share "
                     "the work among them, or start one copy",
                     l.name, l.count, l.count_var, l.count);
  }
  if (rc == LX_OK && r->decode) {
    lx_decode_strategy s;
    if (lx_decode_strategy_parse(r->decode, &s))
      rc = lx_errorf(err, "--decode: \"%s\" is not greedy, beam, beam-sample or sample", r->decode);
  }
  return rc;
}

/* A dataset no one named is the task's registered default, and its annotation files must be the
 * registered ones: files that differ are another dataset laid out the same way (the world's, a
 * subset, edited answers), and scoring them as the published benchmark would mislabel every
 * number. Naming the dataset (--dataset, or TASK:DATASET) runs them anyway, with a warning and
 * the manifest saying so. Fails naming the file, the registry entry and the flag to use. */
static int check_default_dataset(const lx_run_plan *pl, const run_task *rt, lx_error *err) {
  const cJSON *f;
  cJSON_ArrayForEach(
      f, cJSON_GetObjectItem(cJSON_GetObjectItem(rt->fingerprint, "task"), "annotations")) {
    const char *path = lx_json_string(f, "path"), *sha = lx_json_string(f, "sha256");
    for (int k = 0; k < rt->ds->n_files; k++) {
      const lx_dataset_file *reg = &rt->ds->files[k];
      if (strcmp(reg->path, path) != 0 || !reg->sha256[0] || !strcmp(reg->sha256, sha)) continue;
      /* the registry entry these files are, if any */
      const lx_dataset *match = NULL;
      for (size_t d = 0; d < pl->reg.n && !match; d++) {
        const lx_dataset *o = &pl->reg.v[d];
        if (o == rt->ds || !o->task || strcmp(o->task, rt->task->name) != 0) continue;
        for (int j = 0; j < o->n_files; j++)
          if (!strcmp(o->files[j].path, path) && !strcmp(o->files[j].sha256, sha)) match = o;
      }
      char *file = lx_path_join(rt->data_dir, path);
      lx_strbuf hint = {0};
      if (match)
        lx_strbuf_printf(&hint,
                         "These files are the registered dataset %s: run with --dataset %s (or "
                         "give the task as %s:%s). ",
                         match->name, match->name, rt->task->name, match->name);
      int rc = lx_errorf(
          err,
          "%s is not the file of the registered dataset %s (sha256 %.12s..., registered "
          "%.12s...), which task %s reads when no dataset is named. %sTo score these files as %s "
          "anyway, name it: "
          "--dataset %s (the manifest records that they differ). 'lynxeval datasets' lists the "
          "registry.",
          file, rt->ds->name, sha, reg->sha256, rt->task->name, lx_strbuf_str(&hint), rt->ds->name,
          rt->ds->name);
      lx_strbuf_free(&hint);
      free(file);
      return rc;
    }
  }
  return LX_OK;
}

/* A task's dataset, items, decoding and fingerprint. */
static int prepare_task(lx_run_plan *pl, run_task *rt, const char *dataset, const lx_suite *suite,
                        lx_error *err) {
  const lx_run_request *r = &pl->req;
  const lx_task *t = rt->task;
  const char *name = dataset ? dataset : r->dataset ? r->dataset : t->dataset;
  rt->ds = lx_registry_find(&pl->reg, name);
  if (!rt->ds)
    return lx_errorf(err, "no dataset '%s' in datasets.txt (see lynxeval datasets)", name);
  rt->tmpl = lx_task_template_find(t, r->template_name);
  if (decoding_for(pl->model, t, suite, r, &rt->decode, err)) return LX_ERR;
  rt->data_dir = lx_dataset_root(r->data_dir, rt->ds);
  rt->data_dir_abs = realpath(rt->data_dir, NULL);
  if (!rt->data_dir_abs) rt->data_dir_abs = lx_xstrdup(rt->data_dir);
  if (lx_task_load(t, &pl->reg, rt->ds->name, rt->data_dir, &rt->items, err)) return LX_ERR;
  rt->n = rt->items.n;
  if (r->limit > 0 && (size_t)r->limit < rt->n) {
    rt->n = (size_t)r->limit;
    if (t->scorer == LX_SCORER_MME && rt->n % 2) rt->n++; /* whole images: questions in pairs */
    /* whole MMBench questions: every circular copy of the last one */
    if (t->scorer == LX_SCORER_MMBENCH) rt->n = lx_mmbench_whole_questions(&rt->items, rt->n);
  }
  /* every block is decoded whole (the runner's rule), so its last items' media are read too */
  size_t block = r->batch > 0 ? (size_t)r->batch : 1;
  if (lx_items_check_media(&rt->items, (rt->n + block - 1) / block * block, rt->data_dir, err))
    return LX_ERR;
  lx_run_settings s = {
      t,
      rt->ds,
      rt->data_dir,
      r->model_dir,
      lx_model_extra_files(pl->model),
      &rt->decode,
      rt->tmpl,
      pl->frame_rule,
      (uint64_t)r->seed,
      (int)r->batch,
      pl->backend,
      !r->decode && r->beams < 0 && r->max_new < 0,
      !r->frame_rule,
      rt->tmpl && !rt->tmpl->text ? lx_task_answer_line(t, pl->model->info.family) : NULL,
      r->rehash,
      &pl->hash_notes};
  if (lx_run_fingerprint(&s, &rt->fingerprint, err)) return LX_ERR;
  return dataset || r->dataset ? LX_OK : check_default_dataset(pl, rt, err);
}

int lx_run_prepare(const lx_run_request *req, lx_run_plan **out, int *usage, lx_error *err) {
  *out = NULL;
  *usage = 0;
  lx_run_plan *pl = lx_xcalloc(1, sizeof *pl);
  pl->req = *req;
  char *datasets[MAX_TASKS] = {0};
  const lx_suite *suite = NULL;
  int rc = check_names(pl, &suite, datasets, err);
  if (rc) *usage = 1;
  if (rc == LX_OK) rc = lx_registry_builtin(&pl->reg, err);
  if (rc == LX_OK) {
    pl->backend = lx_backend_cpu_new((int)req->threads, pl->precision);
    rc = lx_model_load(req->model_dir, pl->backend, &pl->model, err);
  }
  if (rc == LX_OK)
    pl->frame_rule = req->frame_rule ? req->frame_rule : pl->model->cfg.preprocess.frame_rule;
  size_t blocks = 0, batch = req->batch > 0 ? (size_t)req->batch : 1;
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++) {
    rc = prepare_task(pl, &pl->tasks[i], datasets[i], suite, err);
    /* blocks are numbered across the run's tasks, so that shards share small tasks too */
    pl->tasks[i].first_block = blocks;
    blocks += (pl->tasks[i].n + batch - 1) / batch;
  }
  for (int i = 0; i < MAX_TASKS; i++) free(datasets[i]);
  if (rc) {
    lx_run_plan_free(pl);
    return LX_ERR;
  }
  *out = pl;
  return LX_OK;
}

void lx_run_plan_free(lx_run_plan *pl) {
  if (!pl) return;
  for (int i = 0; i < pl->n_tasks; i++) {
    free(pl->tasks[i].data_dir);
    free(pl->tasks[i].data_dir_abs);
    lx_items_free(&pl->tasks[i].items);
    cJSON_Delete(pl->tasks[i].fingerprint);
  }
  lx_strbuf_free(&pl->hash_notes);
  lx_model_free(pl->model);
  lx_backend_free(pl->backend);
  lx_registry_free(&pl->reg);
  free(pl);
}

void lx_run_plan_dispatch(lx_run_plan *pl, const lx_run_dispatcher *d) {
  pl->dispatcher = *d;
}

const lx_model *lx_run_plan_model(const lx_run_plan *pl) {
  return pl->model;
}

int lx_run_plan_task_count(const lx_run_plan *pl) {
  return pl->n_tasks;
}

static lx_runner_options runner_options(const lx_run_plan *pl, const run_task *rt) {
  const lx_run_request *r = &pl->req;
  lx_runner_options ro = {rt->task,        rt->tmpl,
                          &rt->decode,     rt->data_dir,
                          pl->frame_rule,  (uint64_t)r->seed,
                          (int)r->batch,   &r->media,
                          rt->first_block, pl->shard.count ? &pl->shard : NULL};
  return ro;
}

lx_run_task_view lx_run_plan_task(const lx_run_plan *pl, int i) {
  const run_task *rt = &pl->tasks[i];
  lx_run_task_view v = {rt->task->name, &rt->items, rt->n, runner_options(pl, rt), rt->fingerprint};
  return v;
}

/* ---- running ------------------------------------------------------------------------------ */

/* This session's identity and counts. */
typedef struct session {
  char id[160];
  char started[32];
  double t0, cpu0;
  size_t answered;      /* rows this process appended */
  double merge_seconds; /* a dispatched run's fold and scoring, once done */
} session;

static double cpu_seconds(void) {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
         u.ru_stime.tv_usec * 1e-6;
}

/* What merging a shard needs to know of the run: every task's dataset, data directory, items and
 * first block, and the scoring flags. The same for every shard of one command. */
static cJSON *plan_json(const lx_run_plan *pl) {
  cJSON *p = cJSON_CreateObject();
  cJSON_AddNumberToObject(p, "batch", (double)pl->req.batch);
  cJSON_AddStringToObject(p, "normalize", lx_vqa_mode_name(pl->scoring.vqa_mode));
  cJSON *tasks = cJSON_AddArrayToObject(p, "tasks");
  for (int i = 0; i < pl->n_tasks; i++) {
    const run_task *rt = &pl->tasks[i];
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "task", rt->task->name);
    cJSON_AddStringToObject(t, "dataset", rt->ds->name);
    cJSON_AddStringToObject(t, "data_dir", rt->data_dir_abs);
    cJSON_AddNumberToObject(t, "items", (double)rt->n);
    cJSON_AddNumberToObject(t, "first_block", (double)rt->first_block);
    cJSON_AddItemToArray(tasks, t);
  }
  return p;
}

/* This session's record: for the manifest (a single process) or RUNDIR/shards/I-of-N.json. */
static cJSON *session_json(const lx_run_plan *pl, const session *ss, bool finished) {
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "id", ss->id);
  cJSON_AddStringToObject(s, "lynxeval_version", LYNXEVAL_VERSION);
  cJSON_AddStringToObject(s, "lynxeval_commit", LYNXEVAL_COMMIT);
  cJSON_AddStringToObject(s, "command", pl->req.command ? pl->req.command : "");
  cJSON_AddItemToObject(s, "machine", lx_machine_info());
  cJSON_AddNumberToObject(s, "pid", (double)getpid());
  cJSON_AddStringToObject(s, "launcher", pl->shard.count ? "shard" : "single");
  if (pl->shard.count) {
    char name[64];
    snprintf(name, sizeof name, "%ld/%ld", pl->shard.index, pl->shard.count);
    cJSON_AddStringToObject(s, "shard", name);
    if (pl->shard.from[0]) cJSON_AddStringToObject(s, "shard_from", pl->shard.from);
    cJSON_AddStringToObject(s, "dispatch", "static-cyclic");
  }
  cJSON_AddNumberToObject(s, "threads", pl->backend->threads);
  cJSON_AddStringToObject(s, "kernels", lx_cpu_kernel_family());
  cJSON_AddItemToObject(s, "products", lx_kernel_choice_json(lx_kernel_choice_get()));
  cJSON_AddStringToObject(s, "started", ss->started);
  if (finished) {
    char now[32];
    lx_utc_now(now);
    cJSON_AddStringToObject(s, "finished", now);
    cJSON_AddNumberToObject(s, "finished_unix", lx_unix_seconds()); /* the merge's tail figures */
  } else {
    cJSON_AddNullToObject(s, "finished");
  }
  cJSON_AddNumberToObject(s, "items_answered", (double)ss->answered);
  cJSON_AddNumberToObject(s, "busy_seconds", lx_seconds() - ss->t0);
  cJSON_AddNumberToObject(s, "cpu_seconds", cpu_seconds() - ss->cpu0);
  if (pl->shard.count) cJSON_AddItemToObject(s, "plan", plan_json(pl));
  if (pl->dispatcher.record) pl->dispatcher.record(pl->dispatcher.ctx, s);
  if (ss->merge_seconds > 0) cJSON_AddNumberToObject(s, "merge_seconds", ss->merge_seconds);
  return s;
}

/* Puts this session (and a task's entry) into manifest.json under the run's lock. */
static int record_session(const lx_run_plan *pl, const session *ss, bool finished,
                          const cJSON *tasks, lx_error *err) {
  lx_run_lock lock;
  if (lx_run_lock_take(pl->req.out_dir, &lock, err)) return LX_ERR;
  cJSON *list = cJSON_CreateArray();
  cJSON_AddItemToArray(list, session_json(pl, ss, finished));
  int rc = lx_manifest_update(pl->req.out_dir, list, tasks, NULL, err);
  cJSON_Delete(list);
  /* shards this run resumed: their answers are folded, their sessions go to the manifest */
  if (rc == LX_OK && finished) rc = lx_run_fold_records(pl->req.out_dir, err);
  lx_run_lock_release(&lock);
  return rc;
}

/* RUNDIR/shards/I-of-N.json, written atomically. */
static int write_shard_record(const lx_run_plan *pl, const session *ss, bool finished,
                              lx_error *err) {
  char name[64], file[80];
  lx_shard_name(&pl->shard, name, sizeof name);
  snprintf(file, sizeof file, "%s/%s.json", LX_SHARDS_DIR, name);
  char *dir = lx_path_join(pl->req.out_dir, LX_SHARDS_DIR);
  char *path = lx_path_join(pl->req.out_dir, file);
  cJSON *rec = session_json(pl, ss, finished);
  int rc = lx_make_dirs(dir, err);
  if (rc == LX_OK) rc = lx_json_write_atomic(path, rec, err);
  cJSON_Delete(rec);
  free(path);
  free(dir);
  return rc;
}

/* Predicts one task's items (this shard's blocks) into its log. */
static int predict_task(lx_run_plan *pl, run_task *rt, session *ss, const lx_run_events *ev,
                        lx_error *err) {
  const lx_run_request *r = &pl->req;
  const lx_task *t = rt->task;
  char *task_dir = lx_path_join(r->out_dir, t->name);
  char *log_path = NULL;
  if (pl->shard.count) {
    char name[64], file[96];
    lx_shard_name(&pl->shard, name, sizeof name);
    snprintf(file, sizeof file, "%s/%s.jsonl", LX_SHARDS_DIR, name);
    log_path = lx_path_join(task_dir, file);
  } else {
    log_path = lx_run_file(r->out_dir, t->name, LX_RUN_PREDICTIONS);
  }
  lx_predictions done = {0};
  lx_prediction_log log = {.fd = -1};
  size_t dropped = 0;
  int rc = lx_make_dirs(task_dir, err);
  if (rc == LX_OK && pl->shard.count) {
    char *dir = lx_path_join(task_dir, LX_SHARDS_DIR);
    rc = lx_make_dirs(dir, err);
    free(dir);
  }
  if (rc == LX_OK) rc = lx_prediction_log_open(log_path, "answer", &log, &done, &dropped, err);
  if (rc && strstr(err->msg, LX_LOG_BUSY)) {
    lx_error inner = *err;
    rc = lx_errorf(err, "%s (the same %s started twice?); use another %s", inner.msg,
                   pl->shard.count ? "shard" : "run",
                   pl->shard.count ? "--shard or --out" : "--out");
  }
  if (rc == LX_OK && dropped)
    note(ev,
         "%s: cut a torn last line (%zu bytes) left by an interrupted run; that item is predicted "
         "again",
         log_path, dropped);
  /* what the other logs (shards, or the folded file) hold is done too */
  if (rc == LX_OK) rc = lx_logs_answered(task_dir, log_path, &done, err);
  /* every logged prediction must belong to this task's items */
  for (size_t i = 0; rc == LX_OK && i < done.n; i++)
    if (lx_items_find(&rt->items, done.v[i].id) < 0)
      rc = lx_errorf(err, "%s: id %s is not an item of %s", done.v[i].source, done.v[i].id,
                     rt->ds->name);
  if (rc == LX_OK) {
    lx_runner_options ro = runner_options(pl, rt);
    size_t mine, answered;
    lx_run_share(&rt->items, rt->n, &done, &ro, &mine, &answered);
    if (answered)
      note(ev, "%s: resuming, %zu of %zu items already predicted", t->name, answered, mine);
    lx_progress progress;
    lx_progress_start(&progress, t->name, mine, answered);
    rc = lx_run_items(pl->model, &rt->items, rt->n, &done, &ro, &log, &progress, err);
    if (mine) lx_progress_finish(&progress); /* a shard may hold no block of a small task */
    ss->answered += log.appended;
  }
  lx_prediction_log_close(&log);
  lx_predictions_free(&done);
  free(log_path);
  free(task_dir);
  return rc;
}

/* A single process's task, predicted: its logs folded into predictions.jsonl (shards an earlier
 * sharded session left, too), scored, exported, recorded. */
static int finish_task(lx_run_plan *pl, run_task *rt, const session *ss, const lx_run_events *ev,
                       double t0, lx_error *err) {
  const char *out = pl->req.out_dir;
  char *task_dir = lx_path_join(out, rt->task->name);
  lx_run_lock lock;
  lx_fold fold;
  lx_task_outcome o = {0};
  int rc = lx_run_lock_take(out, &lock, err);
  bool locked = rc == LX_OK;
  if (rc == LX_OK) rc = lx_fold_read(task_dir, &rt->items, &fold, err);
  size_t missing = rc == LX_OK ? lx_fold_missing(&fold, rt->n) : 0;
  if (rc == LX_OK && missing)
    rc = lx_errorf(err, "%s: %zu items have no answer after the run (a log changed meanwhile?)",
                   task_dir, missing);
  if (rc == LX_OK) rc = lx_fold_write(&fold, task_dir, err);
  if (locked) lx_fold_free(&fold);
  if (rc == LX_OK)
    rc = lx_task_score(rt->task, rt->ds, out, &rt->items, rt->n, &pl->scoring, rt->fingerprint,
                       rt->matches_registry, &o, err);
  if (rc == LX_OK) {
    cJSON_AddNumberToObject(o.entry, "seconds_this_session", lx_seconds() - t0);
    cJSON_AddStringToObject(o.entry, "data_dir", rt->data_dir_abs); /* the report's pictures */
    cJSON *tasks = cJSON_CreateObject();
    cJSON_AddItemToObject(tasks, rt->task->name, o.entry);
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, session_json(pl, ss, false));
    rc = lx_manifest_update(out, list, tasks, NULL, err);
    cJSON_Delete(list);
    cJSON_Delete(tasks);
  }
  if (locked) lx_run_lock_release(&lock);
  if (rc == LX_OK && ev && ev->task_done) ev->task_done(ev->ctx, rt->task->name, rt->n, o.headline);
  free(task_dir);
  return rc;
}

/* Every task answered through the dispatcher, then folded and scored. */
static int dispatch(lx_run_plan *pl, session *ss, const lx_run_events *ev, lx_error *err) {
  const char *out = pl->req.out_dir;
  lx_prediction_log *logs = lx_xcalloc((size_t)pl->n_tasks, sizeof *logs);
  lx_predictions *done = lx_xcalloc((size_t)pl->n_tasks, sizeof *done);
  for (int i = 0; i < pl->n_tasks; i++) logs[i].fd = -1;
  int rc = LX_OK;
  double t0 = lx_seconds();
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++) {
    char *task_dir = lx_path_join(out, pl->tasks[i].task->name);
    char *log_path = lx_run_file(out, pl->tasks[i].task->name, LX_RUN_PREDICTIONS);
    size_t dropped = 0;
    rc = lx_prediction_log_open(log_path, "answer", &logs[i], &done[i], &dropped, err);
    if (rc == LX_OK && dropped)
      note(ev, "%s: cut a torn last line (%zu bytes) left by an interrupted run", log_path,
           dropped);
    if (rc == LX_OK) rc = lx_logs_answered(task_dir, log_path, &done[i], err);
    for (size_t k = 0; rc == LX_OK && k < done[i].n; k++)
      if (lx_items_find(&pl->tasks[i].items, done[i].v[k].id) < 0)
        rc = lx_errorf(err, "%s: id %s is not an item of %s", done[i].v[k].source, done[i].v[k].id,
                       pl->tasks[i].ds->name);
    free(log_path);
    free(task_dir);
  }
  if (rc == LX_OK) rc = pl->dispatcher.answer(pl->dispatcher.ctx, pl, logs, done, ev, err);
  for (int i = 0; i < pl->n_tasks; i++) {
    ss->answered += logs[i].appended;
    lx_prediction_log_close(&logs[i]);
    lx_predictions_free(&done[i]);
  }
  free(logs);
  free(done);
  double f0 = lx_seconds();
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++)
    rc = finish_task(pl, &pl->tasks[i], ss, ev, t0, err);
  ss->merge_seconds = lx_seconds() - f0; /* the fold into item order, and scoring */
  return rc;
}

int lx_run_execute(lx_run_plan *pl, const lx_run_events *ev, bool *scored, lx_error *err) {
  const char *out = pl->req.out_dir;
  *scored = false;
  session ss = {0};
  lx_utc_now(ss.started);
  ss.t0 = lx_seconds();
  ss.cpu0 = cpu_seconds();
  struct utsname u;
  snprintf(ss.id, sizeof ss.id, "%s:%ld:%s", uname(&u) == 0 ? u.nodename : "?", (long)getpid(),
           ss.started);
  if (pl->hash_notes.len) note(ev, "%s", lx_strbuf_str(&pl->hash_notes));
  if (pl->shard.from[0])
    note(ev, "shard %ld/%ld, from %s", pl->shard.index, pl->shard.count, pl->shard.from);
  int rc = lx_make_dirs(out, err);
  if (rc == LX_OK && pl->shard.count) {
    cJSON *plan = plan_json(pl);
    rc = lx_run_check_plan(out, plan, err);
    cJSON_Delete(plan);
  }
  /* every task's settings are checked against the directory's before any work */
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++) {
    run_task *rt = &pl->tasks[i];
    char *task_dir = lx_path_join(out, rt->task->name);
    rc = lx_make_dirs(task_dir, err);
    if (rc == LX_OK) rc = lx_run_claim(task_dir, rt->fingerprint, err);
    rt->matches_registry =
        rc == LX_OK && lx_annotations_match_registry(rt->ds, rt->fingerprint, ev);
    free(task_dir);
  }
  if (rc == LX_OK)
    rc = pl->shard.count ? write_shard_record(pl, &ss, false, err)
                         : record_session(pl, &ss, false, NULL, err);
  if (rc == LX_OK && pl->dispatcher.answer) rc = dispatch(pl, &ss, ev, err);
  for (int i = 0; rc == LX_OK && !pl->dispatcher.answer && i < pl->n_tasks; i++) {
    double t0 = lx_seconds();
    rc = predict_task(pl, &pl->tasks[i], &ss, ev, err);
    if (rc == LX_OK && !pl->shard.count) rc = finish_task(pl, &pl->tasks[i], &ss, ev, t0, err);
  }
  if (rc == LX_OK && !pl->shard.count) {
    rc = record_session(pl, &ss, true, NULL, err);
    *scored = rc == LX_OK;
  }
  if (rc == LX_OK && pl->shard.count) rc = write_shard_record(pl, &ss, true, err);
  if (rc == LX_OK && pl->shard.count) {
    /* the last shard to finish merges */
    lx_merge_result mr;
    rc = lx_run_merge(out, false, ev, &mr, err);
    if (rc == LX_OK && mr.complete) {
      note(ev, "%s", lx_strbuf_str(&mr.summary));
      *scored = true;
    } else if (rc == LX_OK && mr.shards == 0) {
      note(ev,
           "shard %ld/%ld is done (%zu items answered by this process); another shard has "
           "merged and scored the run meanwhile",
           pl->shard.index, pl->shard.count, ss.answered);
    } else if (rc == LX_OK) {
      note(ev,
           "shard %ld/%ld is done (%zu items answered by this process); %zu items of the run are "
           "still to be answered by other shards, and the last shard to finish merges and scores "
           "(lynxeval merge --check %s lists them)",
           pl->shard.index, pl->shard.count, ss.answered, mr.missing, out);
    }
    lx_merge_result_free(&mr);
  }
  return rc;
}
