#include "runs/run.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "media/video.h"
#include "model/generate.h"
#include "model/model.h"
#include "runs/exports.h"
#include "runs/manifest.h"
#include "runs/prediction_log.h"
#include "runs/progress.h"
#include "runs/run_dir.h"
#include "runs/runner.h"
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
  if (rc == LX_OK && r->decode) {
    lx_decode_strategy s;
    if (lx_decode_strategy_parse(r->decode, &s))
      rc = lx_errorf(err, "--decode: \"%s\" is not greedy, beam, beam-sample or sample", r->decode);
  }
  return rc;
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
      rt->tmpl && !rt->tmpl->text ? lx_task_answer_line(t, pl->model->info.family) : NULL};
  return lx_run_fingerprint(&s, &rt->fingerprint, err);
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
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++)
    rc = prepare_task(pl, &pl->tasks[i], datasets[i], suite, err);
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
    lx_items_free(&pl->tasks[i].items);
    cJSON_Delete(pl->tasks[i].fingerprint);
  }
  lx_model_free(pl->model);
  lx_backend_free(pl->backend);
  lx_registry_free(&pl->reg);
  free(pl);
}

/* ---- running ------------------------------------------------------------------------------ */

/* Whether the annotation files hashed into the fingerprint are the registered ones; a file
 * without a registered digest counts as matching. Notes the ones that are not. */
static bool annotations_match_registry(const lx_dataset *ds, const cJSON *fingerprint,
                                       const lx_run_events *ev) {
  bool all = true;
  const cJSON *f;
  cJSON_ArrayForEach(f,
                     cJSON_GetObjectItem(cJSON_GetObjectItem(fingerprint, "task"), "annotations")) {
    const char *path = cJSON_GetObjectItem(f, "path")->valuestring;
    const char *sha = cJSON_GetObjectItem(f, "sha256")->valuestring;
    for (int k = 0; k < ds->n_files; k++) {
      if (strcmp(ds->files[k].path, path) != 0 || !ds->files[k].sha256[0]) continue;
      if (strcmp(ds->files[k].sha256, sha) != 0) {
        note(ev,
             "warning: %s is not the published %s (sha256 %.12s..., registered %.12s...); the "
             "manifest records it",
             path, ds->name, sha, ds->files[k].sha256);
        all = false;
      }
    }
  }
  return all;
}

/* Runs one task into RUNDIR/<task>; adds its entry to tasks_json. */
static int execute_task(lx_run_plan *pl, run_task *rt, cJSON *tasks_json, const lx_run_events *ev,
                        lx_error *err) {
  const lx_run_request *r = &pl->req;
  const lx_task *t = rt->task;
  char *task_dir = lx_path_join(r->out_dir, t->name);
  char *log_path = lx_run_file(r->out_dir, t->name, LX_RUN_PREDICTIONS);
  cJSON *agg = NULL, *rows = NULL;
  lx_predictions done = {0}, kept = {0};
  lx_prediction_log log = {.fd = -1};
  size_t *at = NULL, dropped = 0, n = rt->n;
  double t0 = lx_seconds();
  int rc = lx_make_dirs(task_dir, err);
  if (rc == LX_OK) rc = lx_run_claim(task_dir, rt->fingerprint, err);
  bool matches_registry = rc == LX_OK && annotations_match_registry(rt->ds, rt->fingerprint, ev);
  if (rc == LX_OK) rc = lx_prediction_log_open(log_path, "answer", &log, &done, &dropped, err);
  if (rc == LX_OK && dropped)
    note(ev,
         "%s: cut a torn last line (%zu bytes) left by an interrupted run; that item is predicted "
         "again",
         log_path, dropped);
  /* every logged prediction must belong to this task's items */
  size_t done_in_range = 0;
  for (size_t i = 0; rc == LX_OK && i < done.n; i++) {
    long k = lx_items_find(&rt->items, done.v[i].id);
    if (k < 0)
      rc = lx_errorf(err, "%s: id %s is not an item of %s", done.v[i].source, done.v[i].id,
                     rt->ds->name);
    else if ((size_t)k < n)
      done_in_range++;
  }
  if (rc == LX_OK) {
    if (done_in_range)
      note(ev, "%s: resuming, %zu of %zu items already predicted", t->name, done_in_range, n);
    lx_progress progress;
    lx_progress_start(&progress, t->name, n, done_in_range);
    lx_runner_options ro = {t,
                            rt->tmpl,
                            &rt->decode,
                            rt->data_dir,
                            pl->frame_rule,
                            (uint64_t)r->seed,
                            (int)r->batch,
                            &r->media};
    rc = lx_run_items(pl->model, &rt->items, n, &done, &ro, &log, &progress, err);
    lx_progress_finish(&progress);
  }
  lx_prediction_log_close(&log);
  /* score what the log holds for the first n items */
  lx_predictions_free(&done);
  if (rc == LX_OK) rc = lx_prediction_log_open(log_path, "answer", &log, &done, &dropped, err);
  lx_prediction_log_close(&log);
  size_t in_dataset = rt->items.n;
  lx_items_truncate(&rt->items, n); /* the first n items are this run's */
  if (rc == LX_OK) lx_predictions_keep_items(&done, &rt->items, &kept);
  if (rc == LX_OK) rc = lx_predictions_match(&kept, &rt->items, true, &at, err);
  if (rc == LX_OK)
    rc = lx_score_predictions(t->scorer, &pl->scoring, &rt->items, &kept, at, &agg, &rows, err);
  char *scores_path = lx_run_file(r->out_dir, t->name, LX_RUN_SCORES),
       *agg_path = lx_run_file(r->out_dir, t->name, LX_RUN_AGGREGATE);
  if (rc == LX_OK) rc = lx_json_write_lines_atomic(scores_path, rows, err);
  if (rc == LX_OK) rc = lx_json_write_atomic(agg_path, agg, err);
  if (rc == LX_OK) rc = lx_export_results(t, &rt->items, &kept, at, task_dir, err);
  if (rc == LX_OK) {
    char line[256];
    lx_score_headline(t->scorer, agg, line, sizeof line);
    if (ev && ev->task_done) ev->task_done(ev->ctx, t->name, n, line);
    cJSON *tj = cJSON_CreateObject();
    cJSON_AddStringToObject(tj, "dataset", rt->ds->name);
    cJSON_AddNumberToObject(tj, "items", (double)n);
    cJSON_AddNumberToObject(tj, "items_in_dataset", (double)in_dataset);
    cJSON_AddBoolToObject(tj, "annotations_match_registry", matches_registry);
    cJSON_AddNumberToObject(tj, "seconds_this_session", lx_seconds() - t0);
    cJSON_AddItemToObject(tj, "fingerprint", cJSON_Duplicate(rt->fingerprint, 1));
    cJSON_AddItemToObject(tj, "aggregate", cJSON_Duplicate(agg, 1));
    cJSON_DeleteItemFromObject(tasks_json, t->name);
    cJSON_AddItemToObject(tasks_json, t->name, tj);
  }
  free(scores_path);
  free(agg_path);
  free(log_path);
  free(at);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  lx_predictions_free(&done);
  lx_predictions_free(&kept);
  free(task_dir);
  return rc;
}

/* This session's entry in the manifest ("finished" null until it ends). */
static cJSON *start_session(cJSON *manifest, const char *command) {
  char now[32];
  lx_utc_now(now);
  if (!cJSON_GetObjectItem(manifest, "format"))
    cJSON_AddStringToObject(manifest, "format", "lynxeval-run-1");
  cJSON *sessions = cJSON_GetObjectItem(manifest, "sessions");
  if (!cJSON_IsArray(sessions)) {
    cJSON_DeleteItemFromObject(manifest, "sessions");
    sessions = cJSON_AddArrayToObject(manifest, "sessions");
  }
  cJSON *session = cJSON_CreateObject();
  cJSON_AddStringToObject(session, "lynxeval_version", LYNXEVAL_VERSION);
  cJSON_AddStringToObject(session, "command", command ? command : "");
  cJSON_AddItemToObject(session, "machine", lx_machine_info());
  cJSON_AddStringToObject(session, "started", now);
  cJSON_AddNullToObject(session, "finished");
  cJSON_AddItemToArray(sessions, session);
  if (!cJSON_IsObject(cJSON_GetObjectItem(manifest, "tasks"))) {
    cJSON_DeleteItemFromObject(manifest, "tasks");
    cJSON_AddObjectToObject(manifest, "tasks");
  }
  return session;
}

int lx_run_execute(lx_run_plan *pl, const lx_run_events *ev, lx_error *err) {
  const char *out = pl->req.out_dir;
  cJSON *manifest = NULL;
  int rc = lx_make_dirs(out, err);
  if (rc == LX_OK) rc = lx_manifest_read(out, &manifest, err);
  cJSON *session = rc == LX_OK ? start_session(manifest, pl->req.command) : NULL;
  if (rc == LX_OK) rc = lx_manifest_write(out, manifest, err);
  for (int i = 0; rc == LX_OK && i < pl->n_tasks; i++) {
    rc = execute_task(pl, &pl->tasks[i], cJSON_GetObjectItem(manifest, "tasks"), ev, err);
    if (rc == LX_OK) rc = lx_manifest_write(out, manifest, err);
  }
  if (rc == LX_OK) {
    char now[32];
    lx_utc_now(now);
    cJSON_ReplaceItemInObject(session, "finished", cJSON_CreateString(now));
    rc = lx_manifest_write(out, manifest, err);
  }
  cJSON_Delete(manifest);
  return rc;
}
