#include "runs/run_dir.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"

char *lx_run_file(const char *run_dir, const char *task, const char *name) {
  if (!task) return lx_path_join(run_dir, name);
  char *dir = lx_path_join(run_dir, task);
  char *path = lx_path_join(dir, name);
  free(dir);
  return path;
}

typedef struct rows_ctx {
  const char *path;
  lx_jsonl_fn fn;
  void *ctx;
  bool need_id;
} rows_ctx;

static int checked_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  const rows_ctx *c = vctx;
  if (c->need_id && !cJSON_IsString(cJSON_GetObjectItem(row, "id")))
    return lx_errorf(err, "%s:%d: a row without a string \"id\"", c->path, line);
  return c->fn(c->ctx, row, line, err);
}

static int read_rows(const char *run_dir, const char *task, const char *name, const char *what,
                     lx_jsonl_fn fn, void *ctx, lx_error *err) {
  char *path = lx_run_file(run_dir, task, name);
  struct stat st;
  int rc = LX_OK;
  if (stat(path, &st) != 0)
    rc =
        lx_errorf(err, "%s: no %s (has 'lynxeval run %s' run into %s?)", path, what, task, run_dir);
  rows_ctx c = {path, fn, ctx, true};
  if (rc == LX_OK) rc = lx_jsonl_read(path, LX_RUN_MAX_ROWS_BYTES, checked_row, &c, err);
  free(path);
  return rc;
}

int lx_run_read_predictions(const char *run_dir, const char *task, lx_jsonl_fn fn, void *ctx,
                            lx_error *err) {
  return read_rows(run_dir, task, LX_RUN_PREDICTIONS, "predictions", fn, ctx, err);
}

int lx_run_read_scores(const char *run_dir, const char *task, lx_jsonl_fn fn, void *ctx,
                       lx_error *err) {
  return read_rows(run_dir, task, LX_RUN_SCORES, "scores", fn, ctx, err);
}

int lx_run_read_json(const char *run_dir, const char *task, const char *name, cJSON **out,
                     lx_error *err) {
  char *path = lx_run_file(run_dir, task, name);
  int rc = lx_json_read_file(path, LX_RUN_MAX_JSON_BYTES, out, NULL, err);
  free(path);
  return rc;
}

bool lx_run_has_file(const char *run_dir, const char *task, const char *name) {
  char *path = lx_run_file(run_dir, task, name);
  struct stat st;
  bool yes = stat(path, &st) == 0 && S_ISREG(st.st_mode);
  free(path);
  return yes;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int lx_run_tasks(const char *run_dir, char ***names, size_t *n, lx_error *err) {
  *names = NULL;
  *n = 0;
  DIR *d = opendir(run_dir);
  if (!d) return lx_errorf(err, "%s: not a run directory (cannot open it)", run_dir);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (lx_run_has_file(run_dir, e->d_name, LX_RUN_FINGERPRINT)) {
      *names = lx_xrealloc_array(*names, *n + 1, sizeof **names);
      (*names)[(*n)++] = lx_xstrdup(e->d_name);
    }
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, by_name);
  return LX_OK;
}

void lx_run_tasks_free(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}
