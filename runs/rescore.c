#include "runs/rescore.h"

#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/sha256.h"
#include "runs/run_dir.h"
#include "tasks/items.h"
#include "tasks/registry.h"
#include "tasks/task.h"

typedef struct preds_ctx {
  const char *path;
  lx_predictions *preds;
} preds_ctx;

static int keep_prediction(void *vctx, const cJSON *row, int line, lx_error *err) {
  preds_ctx *c = vctx;
  const cJSON *answer = cJSON_GetObjectItem(row, "answer");
  if (!cJSON_IsString(answer))
    return lx_errorf(err, "%s:%d: a prediction without a string \"answer\"", c->path, line);
  char *source = lx_source_at(c->path, line);
  lx_predictions_push(c->preds, cJSON_GetObjectItem(row, "id")->valuestring, answer->valuestring,
                      source);
  free(source);
  return LX_OK;
}

/* The annotation files under root are the ones the fingerprint hashed. */
static int same_annotations(const cJSON *fingerprint, const char *root, const char *task,
                            lx_error *err) {
  const cJSON *files = cJSON_GetObjectItem(cJSON_GetObjectItem(fingerprint, "task"), "annotations");
  const cJSON *f;
  cJSON_ArrayForEach(f, files) {
    const char *rel = lx_json_string(f, "path"), *want = lx_json_string(f, "sha256");
    char *path = lx_path_join(root, rel), hex[65];
    long long bytes;
    int rc = lx_sha256_file(path, hex, &bytes, err);
    if (rc == LX_OK && strcmp(hex, want) != 0)
      rc = lx_errorf(err,
                     "%s: not the annotations task %s was run on (sha256 %.12s..., the run's "
                     "%.12s...)",
                     path, task, hex, want);
    free(path);
    if (rc) return rc;
  }
  return LX_OK;
}

static int rescore_task(const char *run_dir, const char *data_dir, const char *task_name,
                        const cJSON *manifest, const lx_registry *reg,
                        const lx_scoring_options *opt, cJSON *out, lx_error *err) {
  cJSON *fp = NULL, *stored = NULL, *agg = NULL, *rows = NULL;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t *at = NULL;
  char *root = NULL, *path = lx_run_file(run_dir, task_name, LX_RUN_PREDICTIONS);
  const cJSON *entry = cJSON_GetObjectItem(cJSON_GetObjectItem(manifest, "tasks"), task_name);
  const cJSON *n_items = cJSON_GetObjectItem(entry, "items");
  int rc = lx_run_read_json(run_dir, task_name, LX_RUN_FINGERPRINT, &fp, err);
  const cJSON *t_json = cJSON_GetObjectItem(fp, "task");
  const lx_task *task = rc ? NULL : lx_task_find(lx_json_string(t_json, "name"));
  const lx_dataset *ds = rc ? NULL : lx_registry_find(reg, lx_json_string(t_json, "dataset"));
  if (rc == LX_OK && (!task || !ds))
    rc = lx_errorf(err,
                   "%s/%s: the fingerprint names task \"%s\" on dataset \"%s\", which this "
                   "lynxeval does not know",
                   run_dir, task_name, lx_json_string(t_json, "name"),
                   lx_json_string(t_json, "dataset"));
  if (rc == LX_OK && !cJSON_IsNumber(n_items))
    rc = lx_errorf(err, "%s: task %s has no item count (the run did not finish it)",
                   LX_RUN_MANIFEST, task_name);
  if (rc == LX_OK && task->scorer == LX_SCORER_NONE)
    rc = lx_errorf(err, "task %s has no automatic scores (human ratings or a judge score it)",
                   task_name);
  if (rc == LX_OK) {
    root = lx_dataset_root(data_dir, ds);
    rc = same_annotations(fp, root, task_name, err);
  }
  if (rc == LX_OK) rc = lx_task_load(task, reg, ds->name, root, &items, err);
  preds_ctx c = {path, &preds};
  if (rc == LX_OK) rc = lx_run_read_predictions(run_dir, task_name, keep_prediction, &c, err);
  if (rc == LX_OK && (size_t)n_items->valuedouble <= items.n)
    lx_items_truncate(&items, (size_t)n_items->valuedouble);
  lx_predictions kept = {0};
  if (rc == LX_OK) {
    lx_predictions_keep_items(&preds, &items, &kept);
    rc = lx_predictions_match(&kept, &items, true, &at, err);
  }
  if (rc == LX_OK)
    rc = lx_score_predictions(task->scorer, opt, &items, &kept, at, &agg, &rows, err);
  if (rc == LX_OK) {
    lx_error ignored;
    bool same =
        lx_run_read_json(run_dir, task_name, LX_RUN_AGGREGATE, &stored, &ignored) == LX_OK &&
        cJSON_Compare(stored, agg, true);
    cJSON *t = cJSON_AddObjectToObject(out, task_name);
    cJSON_AddStringToObject(t, "dataset", ds->name);
    cJSON_AddNumberToObject(t, "items", (double)items.n);
    cJSON_AddItemToObject(t, "aggregate", agg);
    agg = NULL;
    cJSON_AddBoolToObject(t, "matches_run", same);
  }
  cJSON_Delete(fp);
  cJSON_Delete(stored);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  lx_predictions_free(&kept);
  free(at);
  free(root);
  free(path);
  return rc;
}

int lx_run_rescore(const char *run_dir, const char *data_dir, const char *only_task,
                   const lx_scoring_options *opt, cJSON **out, lx_error *err) {
  *out = NULL;
  cJSON *manifest = NULL;
  char **tasks = NULL;
  size_t n = 0;
  lx_registry reg = {0};
  int rc = lx_run_read_json(run_dir, NULL, LX_RUN_MANIFEST, &manifest, err);
  if (rc == LX_OK) rc = lx_run_tasks(run_dir, &tasks, &n, err);
  if (rc == LX_OK) rc = lx_registry_builtin(&reg, err);
  cJSON *result = cJSON_CreateObject();
  size_t scored = 0;
  for (size_t i = 0; rc == LX_OK && i < n; i++) {
    if (only_task && strcmp(only_task, tasks[i]) != 0) continue;
    const lx_task *t = lx_task_find(tasks[i]);
    if (!only_task && t && t->scorer == LX_SCORER_NONE) continue; /* people or a judge score it */
    rc = rescore_task(run_dir, data_dir, tasks[i], manifest, &reg, opt, result, err);
    scored++;
  }
  if (rc == LX_OK && only_task && scored == 0)
    rc = lx_errorf(err, "%s: no task %s in the run", run_dir, only_task);
  if (rc == LX_OK && scored == 0) rc = lx_errorf(err, "%s: no task with scores", run_dir);
  lx_run_tasks_free(tasks, n);
  lx_registry_free(&reg);
  cJSON_Delete(manifest);
  if (rc == LX_OK)
    *out = result;
  else
    cJSON_Delete(result);
  return rc;
}
