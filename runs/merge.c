#include "runs/merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "runs/exports.h"
#include "runs/fold.h"
#include "runs/manifest.h"
#include "runs/prediction_log.h"
#include "runs/run_dir.h"

#define LOCK_FILE        ".lock"
#define MAX_RECORD_BYTES (1u << 24)
#define MISSING_NAMED    8 /* ids named per task in a summary */

int lx_run_lock_take(const char *run_dir, lx_run_lock *lock, lx_error *err) {
  lock->fd = -1;
  char *path = lx_path_join(run_dir, LOCK_FILE);
  int fd;
  int rc = lx_open_regular(path, O_RDWR | O_CREAT, &fd, NULL, err);
  while (rc == LX_OK && flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    rc = lx_errorf(err, "%s: cannot lock: %s", path, strerror(errno));
    close(fd);
  }
  if (rc == LX_OK) lock->fd = fd;
  free(path);
  return rc;
}

void lx_run_lock_release(lx_run_lock *lock) {
  if (lock->fd >= 0) close(lock->fd);
  lock->fd = -1;
}

int lx_manifest_update(const char *run_dir, const cJSON *sessions, const cJSON *tasks,
                       const cJSON *merges, lx_error *err) {
  cJSON *m = NULL;
  if (lx_manifest_read(run_dir, &m, err)) return LX_ERR;
  if (!cJSON_GetObjectItem(m, "format")) cJSON_AddStringToObject(m, "format", "lynxeval-run-1");
  cJSON *all = cJSON_GetObjectItem(m, "sessions");
  if (!cJSON_IsArray(all)) {
    cJSON_DeleteItemFromObject(m, "sessions");
    all = cJSON_AddArrayToObject(m, "sessions");
  }
  const cJSON *s;
  cJSON_ArrayForEach(s, sessions) {
    const char *id = lx_json_string(s, "id");
    int at = 0, found = -1;
    const cJSON *old;
    cJSON_ArrayForEach(old, all) {
      if (*id && strcmp(lx_json_string(old, "id"), id) == 0) found = at;
      at++;
    }
    if (found >= 0)
      cJSON_ReplaceItemInArray(all, found, cJSON_Duplicate(s, 1));
    else
      cJSON_AddItemToArray(all, cJSON_Duplicate(s, 1));
  }
  cJSON *task_map = cJSON_GetObjectItem(m, "tasks");
  if (!cJSON_IsObject(task_map)) {
    cJSON_DeleteItemFromObject(m, "tasks");
    task_map = cJSON_AddObjectToObject(m, "tasks");
  }
  const cJSON *t;
  cJSON_ArrayForEach(t, tasks) {
    cJSON_DeleteItemFromObject(task_map, t->string);
    cJSON_AddItemToObject(task_map, t->string, cJSON_Duplicate(t, 1));
  }
  if (cJSON_GetArraySize(merges) > 0) {
    cJSON *list = cJSON_GetObjectItem(m, "merges");
    if (!cJSON_IsArray(list)) {
      cJSON_DeleteItemFromObject(m, "merges");
      list = cJSON_AddArrayToObject(m, "merges");
    }
    cJSON_ArrayForEach(t, merges) cJSON_AddItemToArray(list, cJSON_Duplicate(t, 1));
  }
  int rc = lx_manifest_write(run_dir, m, err);
  cJSON_Delete(m);
  return rc;
}

bool lx_annotations_match_registry(const lx_dataset *ds, const cJSON *fingerprint,
                                   const lx_run_events *ev) {
  bool all = true;
  const cJSON *f;
  cJSON_ArrayForEach(f,
                     cJSON_GetObjectItem(cJSON_GetObjectItem(fingerprint, "task"), "annotations")) {
    const char *path = lx_json_string(f, "path"), *sha = lx_json_string(f, "sha256");
    for (int k = 0; k < ds->n_files; k++) {
      if (strcmp(ds->files[k].path, path) != 0 || !ds->files[k].sha256[0]) continue;
      if (strcmp(ds->files[k].sha256, sha) != 0) {
        if (ev && ev->note) {
          char msg[1024];
          snprintf(msg, sizeof msg,
                   "warning: %s is not the published %s (sha256 %.12s..., registered %.12s...); "
                   "the manifest records it",
                   path, ds->name, sha, ds->files[k].sha256);
          ev->note(ev->ctx, msg);
        }
        all = false;
      }
    }
  }
  return all;
}

int lx_task_score(const lx_task *t, const lx_dataset *ds, const char *run_dir, lx_items *items,
                  size_t n, const lx_scoring_options *scoring, const cJSON *fingerprint,
                  bool matches_registry, lx_task_outcome *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  char *task_dir = lx_path_join(run_dir, t->name);
  char *log_path = lx_run_file(run_dir, t->name, LX_RUN_PREDICTIONS);
  char *scores_path = lx_run_file(run_dir, t->name, LX_RUN_SCORES),
       *agg_path = lx_run_file(run_dir, t->name, LX_RUN_AGGREGATE);
  cJSON *agg = NULL, *rows = NULL;
  lx_predictions done = {0}, kept = {0};
  size_t *at = NULL, in_dataset = items->n;
  int rc = lx_prediction_log_read(log_path, "answer", &done, err);
  lx_items_truncate(items, n); /* the first n items are this run's */
  if (rc == LX_OK) lx_predictions_keep_items(&done, items, &kept);
  if (rc == LX_OK) rc = lx_predictions_match(&kept, items, true, &at, err);
  if (rc == LX_OK)
    rc = lx_score_predictions(t->scorer, scoring, items, &kept, at, &agg, &rows, err);
  if (rc == LX_OK) rc = lx_json_write_lines_atomic(scores_path, rows, err);
  if (rc == LX_OK) rc = lx_json_write_atomic(agg_path, agg, err);
  if (rc == LX_OK) rc = lx_export_results(t, items, &kept, at, task_dir, err);
  if (rc == LX_OK) {
    lx_score_headline(t->scorer, agg, out->headline, sizeof out->headline);
    cJSON *e = out->entry = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "dataset", ds->name);
    cJSON_AddNumberToObject(e, "items", (double)n);
    cJSON_AddNumberToObject(e, "items_in_dataset", (double)in_dataset);
    cJSON_AddBoolToObject(e, "annotations_match_registry", matches_registry);
    cJSON_AddItemToObject(e, "fingerprint", cJSON_Duplicate(fingerprint, 1));
    cJSON_AddItemToObject(e, "aggregate", cJSON_Duplicate(agg, 1));
  }
  free(scores_path);
  free(agg_path);
  free(log_path);
  free(task_dir);
  free(at);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  lx_predictions_free(&done);
  lx_predictions_free(&kept);
  return rc;
}

void lx_merge_result_free(lx_merge_result *r) {
  lx_strbuf_free(&r->summary);
  memset(r, 0, sizeof *r);
}

/* ---- session records ---------------------------------------------------------------------- */

typedef struct record {
  char *path;
  cJSON *json;
  long index, count; /* the shard */
} record;

static int cmp_record(const void *a, const void *b) {
  const record *x = a, *y = b;
  if (x->count != y->count) return x->count < y->count ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static void records_free(record *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(r[i].path);
    cJSON_Delete(r[i].json);
  }
  free(r);
}

/* RUNDIR/shards/<I>-of-<N>.json, sorted by shard count then index. */
static int read_records(const char *run_dir, record **out, size_t *n, lx_error *err) {
  *out = NULL;
  *n = 0;
  char *dir = lx_path_join(run_dir, LX_SHARDS_DIR);
  DIR *d = opendir(dir);
  if (!d) {
    int e = errno;
    free(dir);
    if (e == ENOENT) return LX_OK;
    return lx_errorf(err, "%s/%s: cannot list: %s", run_dir, LX_SHARDS_DIR, strerror(e));
  }
  size_t cap = 0;
  int rc = LX_OK;
  struct dirent *ent;
  while (rc == LX_OK && (ent = readdir(d))) {
    long i, c;
    char tail[8];
    if (sscanf(ent->d_name, "%ld-of-%ld.%7s", &i, &c, tail) != 3 || strcmp(tail, "json") != 0)
      continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      *out = lx_xrealloc_array(*out, cap, sizeof **out);
    }
    record *r = &(*out)[(*n)++];
    r->path = lx_path_join(dir, ent->d_name);
    r->index = i;
    r->count = c;
    r->json = NULL;
    rc = lx_json_read_file(r->path, MAX_RECORD_BYTES, &r->json, NULL, err);
    if (rc && access(r->path, F_OK) != 0) { /* folded away by a merge since it was listed */
      free(r->path);
      (*n)--;
      rc = LX_OK;
      continue;
    }
    if (rc == LX_OK && !cJSON_IsObject(cJSON_GetObjectItem(r->json, "plan")))
      rc = lx_errorf(err, "%s: not a lynxeval shard record (no \"plan\")", r->path);
  }
  closedir(d);
  free(dir);
  if (*n) qsort(*out, *n, sizeof **out, cmp_record);
  return rc;
}

int lx_run_fold_records(const char *run_dir, lx_error *err) {
  record *recs = NULL;
  size_t n = 0;
  int rc = read_records(run_dir, &recs, &n, err);
  if (rc == LX_OK && n) {
    cJSON *sessions = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(sessions, cJSON_Duplicate(recs[i].json, 1));
    rc = lx_manifest_update(run_dir, sessions, NULL, NULL, err);
    cJSON_Delete(sessions);
    for (size_t i = 0; rc == LX_OK && i < n; i++) unlink(recs[i].path);
    char *dir = lx_path_join(run_dir, LX_SHARDS_DIR);
    if (rc == LX_OK) rmdir(dir);
    free(dir);
  }
  records_free(recs, n);
  return rc;
}

/* Whether record r was made under `plan`; if not, an error naming it, `whose` plan it was
 * compared with, the first difference, and what to do. */
static int same_plan(const record *r, const cJSON *plan, const char *whose, lx_error *err) {
  const cJSON *theirs = cJSON_GetObjectItem(r->json, "plan");
  if (cJSON_Compare(plan, theirs, 1)) return LX_OK;
  char diff[700];
  lx_json_first_difference(plan, theirs, whose, "in that shard's", diff, sizeof diff);
  return lx_errorf(err,
                   "%s: shard %ld/%ld of this run was started with other flags (%s): every shard "
                   "must run the same command; use that shard's flags (its record holds its "
                   "command), or remove its record and logs, or write into another --out",
                   r->path, r->index, r->count, diff);
}

int lx_run_check_plan(const char *run_dir, const cJSON *plan, lx_error *err) {
  record *recs = NULL;
  size_t n = 0;
  int rc = read_records(run_dir, &recs, &n, err);
  for (size_t i = 0; rc == LX_OK && i < n; i++)
    rc = same_plan(&recs[i], plan, "for this shard", err);
  records_free(recs, n);
  return rc;
}

/* ---- the merge ------------------------------------------------------------------------------ */

/* One task of the plan, loaded. */
typedef struct plan_task {
  const lx_task *task;
  const lx_dataset *ds;
  char *task_dir, *data_dir;
  lx_items items;
  size_t n, first_block;
  cJSON *fingerprint;
  lx_fold fold;
} plan_task;

/* Names the shards holding a task's missing items, for every shard count the records show. */
static void describe_missing(const plan_task *pt, size_t batch, const record *recs, size_t n_recs,
                             lx_strbuf *out) {
  size_t missing = lx_fold_missing(&pt->fold, pt->n);
  lx_strbuf_printf(out, "%s: %zu of %zu items have no answer (", pt->task->name, missing, pt->n);
  size_t named = 0;
  for (size_t i = 0; i < pt->n && named < MISSING_NAMED; i++)
    if (!pt->fold.row[i]) lx_strbuf_printf(out, "%s%s", named++ ? ", " : "", pt->items.v[i].id);
  lx_strbuf_puts(out, missing > named ? ", ...)\n" : ")\n");
  for (size_t r = 0; r < n_recs; r++) {
    if (r && recs[r].count == recs[r - 1].count) continue;
    long count = recs[r].count;
    size_t *per = lx_xcalloc((size_t)count, sizeof *per);
    for (size_t i = 0; i < pt->n; i++)
      if (!pt->fold.row[i]) per[(pt->first_block + i / batch) % (size_t)count]++;
    for (long s = 0; s < count; s++) {
      if (!per[s]) continue;
      const char *state = "never started";
      for (size_t k = 0; k < n_recs; k++)
        if (recs[k].count == count && recs[k].index == s)
          state = cJSON_IsString(cJSON_GetObjectItem(recs[k].json, "finished"))
                      ? "finished, but its log lost them"
                      : "started, not finished";
      lx_strbuf_printf(out, "  shard %ld/%ld: %zu items (%s)\n", s, count, per[s], state);
    }
    free(per);
  }
}

static void plan_free(plan_task *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(p[i].task_dir);
    free(p[i].data_dir);
    lx_items_free(&p[i].items);
    cJSON_Delete(p[i].fingerprint);
    lx_fold_free(&p[i].fold);
  }
  free(p);
}

/* Loads the plan's tasks and folds their logs. */
static int load_plan(const char *run_dir, const cJSON *plan, const lx_registry *reg,
                     plan_task **out, size_t *n_out, lx_error *err) {
  const cJSON *tasks = cJSON_GetObjectItem(plan, "tasks");
  size_t n = (size_t)cJSON_GetArraySize(tasks);
  plan_task *p = lx_xcalloc(n ? n : 1, sizeof *p);
  for (size_t i = 0; i < n; i++) p[i].fold.predictions_fd = -1;
  int rc = LX_OK;
  size_t k = 0;
  const cJSON *tj;
  cJSON_ArrayForEach(tj, tasks) {
    if (rc) break;
    plan_task *pt = &p[k++];
    const char *name = lx_json_string(tj, "task"), *dataset = lx_json_string(tj, "dataset");
    const cJSON *items = cJSON_GetObjectItem(tj, "items"),
                *first = cJSON_GetObjectItem(tj, "first_block");
    pt->task = lx_task_find(name);
    pt->ds = lx_registry_find(reg, dataset);
    if (!pt->task || !pt->ds || !cJSON_IsNumber(items) || !cJSON_IsNumber(first) ||
        items->valuedouble < 0 || first->valuedouble < 0) {
      rc =
          lx_errorf(err, "%s/%s: the plan's task \"%s\" (dataset \"%s\") is not one lynxeval knows",
                    run_dir, LX_SHARDS_DIR, name, dataset);
      break;
    }
    pt->n = (size_t)items->valuedouble;
    pt->first_block = (size_t)first->valuedouble;
    pt->task_dir = lx_path_join(run_dir, name);
    pt->data_dir = lx_xstrdup(lx_json_string(tj, "data_dir"));
    rc = lx_task_load(pt->task, reg, dataset, pt->data_dir, &pt->items, err);
    if (rc == LX_OK && pt->n > pt->items.n)
      rc = lx_errorf(err, "%s: the plan asks for %zu items, the dataset has %zu", name, pt->n,
                     pt->items.n);
    if (rc == LX_OK)
      rc = lx_run_read_json(run_dir, name, LX_RUN_FINGERPRINT, &pt->fingerprint, err);
    if (rc == LX_OK) rc = lx_fold_read(pt->task_dir, &pt->items, &pt->fold, err);
  }
  *out = p;
  *n_out = k;
  return rc;
}

int lx_run_merge(const char *run_dir, bool check_only, const lx_run_events *ev, lx_merge_result *r,
                 lx_error *err) {
  memset(r, 0, sizeof *r);
  double t0 = lx_seconds();
  lx_run_lock lock;
  record *recs = NULL;
  size_t n_recs = 0, n_tasks = 0;
  plan_task *tasks = NULL;
  lx_registry reg = {0};
  lock.fd = -1;
  struct stat st;
  int rc = stat(run_dir, &st) == 0 && S_ISDIR(st.st_mode)
               ? lx_run_lock_take(run_dir, &lock, err)
               : lx_errorf(err, "%s: no such run directory", run_dir);
  if (rc == LX_OK) rc = read_records(run_dir, &recs, &n_recs, err);
  r->shards = n_recs;
  if (rc == LX_OK && n_recs == 0) { /* nothing to merge: the caller says what that means */
    lx_strbuf_printf(&r->summary,
                     "%s has no shard records (%s/<I>-of-<N>.json): it was not run with "
                     "--shard, or its shards were merged already",
                     run_dir, LX_SHARDS_DIR);
    lx_run_lock_release(&lock);
    return LX_OK;
  }
  /* every shard must have answered the same plan */
  const cJSON *plan = rc == LX_OK ? cJSON_GetObjectItem(recs[0].json, "plan") : NULL;
  for (size_t i = 1; rc == LX_OK && i < n_recs; i++)
    rc = same_plan(&recs[i], plan, "in the first shard's", err);
  if (rc == LX_OK) rc = lx_registry_builtin(&reg, err);
  if (rc == LX_OK) rc = load_plan(run_dir, plan, &reg, &tasks, &n_tasks, err);
  size_t batch = 1;
  bool busy = false;
  if (rc == LX_OK && cJSON_IsNumber(cJSON_GetObjectItem(plan, "batch")))
    batch = (size_t)cJSON_GetObjectItem(plan, "batch")->valuedouble;
  if (batch < 1) batch = 1;
  for (size_t i = 0; rc == LX_OK && i < n_tasks; i++) {
    size_t missing = lx_fold_missing(&tasks[i].fold, tasks[i].n);
    r->missing += missing;
    r->duplicates += tasks[i].fold.duplicates;
    if (missing) describe_missing(&tasks[i], batch, recs, n_recs, &r->summary);
    if (tasks[i].fold.predictions_busy) {
      busy = true;
      lx_strbuf_printf(&r->summary,
                       "%s: a run without --shard is writing %s/%s now; it folds every shard's "
                       "answers and scores when it ends\n",
                       tasks[i].task->name, tasks[i].task_dir, LX_RUN_PREDICTIONS);
    }
  }
  r->complete = rc == LX_OK && r->missing == 0 && !busy;
  if (rc == LX_OK && r->missing)
    lx_strbuf_printf(&r->summary,
                     "Answer them by running those shards again (the same command and flags with "
                     "--shard I/N, any number of shards, or once without --shard), then lynxeval "
                     "merge %s.",
                     run_dir);
  lx_scoring_options scoring = {0};
  scoring.vqa_mode = LX_VQA_OFFICIAL_2017;
  if (rc == LX_OK && !lx_vqa_mode_parse(lx_json_string(plan, "normalize"), &scoring.vqa_mode))
    rc = lx_errorf(err, "%s: the plan's \"normalize\" is not a VQA scoring mode", recs[0].path);
  cJSON *entries = cJSON_CreateObject();
  for (size_t i = 0; rc == LX_OK && r->complete && !check_only && i < n_tasks; i++) {
    plan_task *pt = &tasks[i];
    rc = lx_fold_write(&pt->fold, pt->task_dir, err);
    lx_task_outcome o;
    bool matches = rc == LX_OK && lx_annotations_match_registry(pt->ds, pt->fingerprint, ev);
    if (rc == LX_OK)
      rc = lx_task_score(pt->task, pt->ds, run_dir, &pt->items, pt->n, &scoring, pt->fingerprint,
                         matches, &o, err);
    if (rc == LX_OK) {
      cJSON_AddStringToObject(o.entry, "data_dir", pt->data_dir); /* the report's pictures */
      cJSON_AddItemToObject(entries, pt->task->name, o.entry);
      if (ev && ev->task_done) ev->task_done(ev->ctx, pt->task->name, pt->n, o.headline);
    }
  }
  r->seconds = lx_seconds() - t0;
  if (rc == LX_OK && r->complete && !check_only) {
    cJSON *sessions = cJSON_CreateArray(), *merges = cJSON_CreateArray();
    /* a shard's idle time: from its end to the last shard's end (static shards never wait) */
    double last = 0;
    for (size_t i = 0; i < n_recs; i++) {
      const cJSON *f = cJSON_GetObjectItem(recs[i].json, "finished_unix");
      if (cJSON_IsNumber(f) && f->valuedouble > last) last = f->valuedouble;
    }
    for (size_t i = 0; i < n_recs; i++) {
      cJSON *rec = cJSON_Duplicate(recs[i].json, 1);
      const cJSON *f = cJSON_GetObjectItem(rec, "finished_unix");
      if (cJSON_IsNumber(f)) cJSON_AddNumberToObject(rec, "idle_seconds", last - f->valuedouble);
      cJSON_AddItemToArray(sessions, rec);
    }
    char now[32];
    lx_utc_now(now);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "finished", now);
    cJSON_AddNumberToObject(m, "seconds", r->seconds);
    cJSON_AddNumberToObject(m, "shard_records", (double)n_recs);
    cJSON_AddNumberToObject(m, "duplicates", (double)r->duplicates);
    cJSON_AddItemToArray(merges, m);
    rc = lx_manifest_update(run_dir, sessions, entries, merges, err);
    cJSON_Delete(sessions);
    cJSON_Delete(merges);
    /* the records are in the manifest now */
    for (size_t i = 0; rc == LX_OK && i < n_recs; i++) unlink(recs[i].path);
    if (rc == LX_OK) {
      char *dir = lx_path_join(run_dir, LX_SHARDS_DIR);
      rmdir(dir);
      free(dir);
      lx_strbuf_printf(&r->summary,
                       "merged %zu shard records into %s in %.2f s (%zu duplicate rows, "
                       "identical, kept once)",
                       n_recs, run_dir, r->seconds, r->duplicates);
    }
  }
  cJSON_Delete(entries);
  plan_free(tasks, n_tasks);
  lx_registry_free(&reg);
  records_free(recs, n_recs);
  lx_run_lock_release(&lock);
  return rc;
}
