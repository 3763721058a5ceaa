#include "runs/fold.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "runs/prediction_log.h"
#include "runs/run_dir.h"

#define MAX_LOG_BYTES (1ull << 32)

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shard logs of task_dir (heap paths, sorted by name so that messages are stable). */
static int shard_logs(const char *task_dir, char ***paths, size_t *n, lx_error *err) {
  *paths = NULL;
  *n = 0;
  char *dir = lx_path_join(task_dir, LX_SHARDS_DIR);
  DIR *d = opendir(dir);
  if (!d) {
    int e = errno;
    free(dir);
    if (e == ENOENT) return LX_OK;
    return lx_errorf(err, "%s/%s: cannot list: %s", task_dir, LX_SHARDS_DIR, strerror(e));
  }
  size_t cap = 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t len = strlen(ent->d_name);
    if (ent->d_name[0] == '.' || len < 7 || strcmp(ent->d_name + len - 6, ".jsonl") != 0) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      *paths = lx_xrealloc_array(*paths, cap, sizeof **paths);
    }
    (*paths)[(*n)++] = lx_path_join(dir, ent->d_name);
  }
  closedir(d);
  free(dir);
  if (*n) qsort(*paths, *n, sizeof **paths, cmp_str);
  return LX_OK;
}

static void free_paths(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

/* Adds the complete lines of text (the file at path) to the fold. */
static int fold_lines(lx_fold *f, const lx_items *items, const char *path, const char *text,
                      size_t len, bool from_shard, lx_error *err) {
  size_t pos = 0, last = 0;
  int line = 0;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    if (!nl) break; /* a torn last line: its item is answered again */
    line++;
    size_t n = (size_t)(nl - (text + pos));
    const char *id, *answer;
    cJSON *row = lx_prediction_row_parse(path, line, text + pos, n, "answer", &id, &answer, err);
    if (!row) return LX_ERR;
    long k = lx_items_find(items, id);
    int rc =
        k < 0 ? lx_errorf(err, "%s:%d: id %s is not an item of the task's dataset", path, line, id)
              : LX_OK;
    cJSON_Delete(row);
    if (rc) return rc;
    char *here = lx_source_at(path, line);
    if (!f->row[k]) {
      f->row[k] = lx_xmalloc(n + 1);
      memcpy(f->row[k], text + pos, n);
      f->row[k][n] = '\0';
      f->where[k] = here;
      if (from_shard) f->from_shards++;
      if (!from_shard && (size_t)k < last) f->reordered = true;
      last = (size_t)k;
    } else if (strlen(f->row[k]) == n && memcmp(f->row[k], text + pos, n) == 0) {
      f->duplicates++;
      free(here);
    } else {
      rc = lx_errorf(err,
                     "item %s has two different answers, at %s and at %s: the processes that "
                     "wrote them did not compute the same thing (other settings, or a "
                     "nondeterministic kernel); remove the log you do not trust and answer its "
                     "items again (lynxeval merge --check lists what is then missing)",
                     items->v[k].id, f->where[k], here);
      free(here);
      return rc;
    }
    pos += n + 1;
  }
  return LX_OK;
}

static int fold_file(lx_fold *f, const lx_items *items, const char *path, bool from_shard,
                     lx_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = lx_read_file(path, MAX_LOG_BYTES, &text, &len, err);
  if (rc == LX_OK) rc = fold_lines(f, items, path, text, len, from_shard, err);
  free(text);
  return rc;
}

int lx_fold_read(const char *task_dir, const lx_items *items, lx_fold *f, lx_error *err) {
  memset(f, 0, sizeof *f);
  f->predictions_fd = -1;
  f->n_items = items->n;
  f->row = lx_xcalloc(items->n ? items->n : 1, sizeof *f->row);
  f->where = lx_xcalloc(items->n ? items->n : 1, sizeof *f->where);
  char *pred = lx_path_join(task_dir, LX_RUN_PREDICTIONS);
  char **paths = NULL;
  size_t n_paths = 0;
  /* predictions.jsonl first: its order is the one kept when nothing else is there. It is
   * locked (created if need be) so that no single-process run starts appending to a file this
   * fold is about to replace; one that is appending already holds it. */
  lx_error busy;
  int rc = LX_OK;
  if (lx_log_lock(pred, &f->predictions_fd, &busy) != LX_OK) {
    if (!strstr(busy.msg, LX_LOG_BUSY)) rc = lx_errorf(err, "%s", busy.msg);
    f->predictions_busy = true;
  }
  if (rc == LX_OK) rc = fold_file(f, items, pred, false, err);
  if (rc == LX_OK) rc = shard_logs(task_dir, &paths, &n_paths, err);
  if (rc == LX_OK && n_paths) {
    f->shard_fds = lx_xcalloc(n_paths, sizeof *f->shard_fds);
    f->shard_paths = lx_xcalloc(n_paths, sizeof *f->shard_paths);
  }
  for (size_t i = 0; rc == LX_OK && i < n_paths; i++) {
    int fd;
    if (lx_log_lock(paths[i], &fd, &busy) == LX_OK) {
      f->shard_fds[f->n_shard_logs] = fd;
      f->shard_paths[f->n_shard_logs++] = lx_xstrdup(paths[i]);
    } else {
      f->live_shard_logs++; /* a running shard's: read what it holds so far */
    }
    rc = fold_file(f, items, paths[i], true, err);
  }
  free_paths(paths, n_paths);
  free(pred);
  return rc;
}

size_t lx_fold_missing(const lx_fold *f, size_t n) {
  size_t missing = 0;
  for (size_t i = 0; i < n && i < f->n_items; i++) missing += !f->row[i];
  return missing;
}

int lx_fold_write(lx_fold *f, const char *task_dir, lx_error *err) {
  if (f->predictions_busy)
    return lx_errorf(err, "%s/%s: " LX_LOG_BUSY, task_dir, LX_RUN_PREDICTIONS);
  int rc = LX_OK;
  if (f->from_shards || f->reordered) {
    lx_strbuf text = {0};
    for (size_t i = 0; i < f->n_items; i++)
      if (f->row[i]) {
        lx_strbuf_puts(&text, f->row[i]);
        lx_strbuf_putc(&text, '\n');
      }
    char *pred = lx_path_join(task_dir, LX_RUN_PREDICTIONS);
    rc = lx_write_file_atomic(pred, lx_strbuf_str(&text), text.len, err);
    free(pred);
    lx_strbuf_free(&text);
  }
  /* the shard logs' rows are in predictions.jsonl now (or were already) */
  for (size_t i = 0; rc == LX_OK && i < f->n_shard_logs; i++) unlink(f->shard_paths[i]);
  if (rc == LX_OK && f->n_shard_logs && !f->live_shard_logs) {
    char *dir = lx_path_join(task_dir, LX_SHARDS_DIR);
    rmdir(dir); /* fails harmlessly if a new shard log appeared */
    free(dir);
  }
  return rc;
}

void lx_fold_free(lx_fold *f) {
  for (size_t i = 0; i < f->n_items; i++) {
    free(f->row[i]);
    free(f->where[i]);
  }
  free(f->row);
  free(f->where);
  if (f->predictions_fd >= 0) close(f->predictions_fd);
  for (size_t i = 0; i < f->n_shard_logs; i++) {
    close(f->shard_fds[i]);
    free(f->shard_paths[i]);
  }
  free(f->shard_fds);
  free(f->shard_paths);
  memset(f, 0, sizeof *f);
  f->predictions_fd = -1;
}

int lx_logs_answered(const char *task_dir, const char *except, lx_predictions *done,
                     lx_error *err) {
  char **paths = NULL;
  size_t n_paths = 0;
  int rc = shard_logs(task_dir, &paths, &n_paths, err);
  /* shards first, then predictions.jsonl (a fold moves rows from the first to the second) */
  if (rc == LX_OK) {
    paths = lx_xrealloc_array(paths, (n_paths + 1), sizeof *paths);
    paths[n_paths++] = lx_path_join(task_dir, LX_RUN_PREDICTIONS);
  }
  /* the ids already in done, sorted, to skip */
  size_t n_known = done->n, cap_known = done->n + 16;
  char **known = lx_xcalloc(cap_known, sizeof *known);
  for (size_t i = 0; i < done->n; i++) known[i] = done->v[i].id;
  qsort(known, n_known, sizeof *known, cmp_str);
  for (size_t i = 0; rc == LX_OK && i < n_paths; i++) {
    if (except && strcmp(paths[i], except) == 0) continue;
    lx_predictions more = {0};
    rc = lx_prediction_log_read(paths[i], "answer", &more, err);
    size_t before = done->n;
    for (size_t k = 0; rc == LX_OK && k < more.n; k++) {
      const char *id = more.v[k].id;
      if (bsearch(&id, known, n_known, sizeof *known, cmp_str)) continue;
      lx_predictions_push(done, id, more.v[k].text, more.v[k].source);
    }
    /* the new ids join the sorted set (done->v may have moved: rebuild the pointers) */
    if (done->n > before) {
      n_known = done->n;
      if (n_known > cap_known) {
        cap_known = n_known;
        known = lx_xrealloc_array(known, cap_known, sizeof *known);
      }
      for (size_t k = 0; k < done->n; k++) known[k] = done->v[k].id;
      qsort(known, n_known, sizeof *known, cmp_str);
    }
    lx_predictions_free(&more);
  }
  free(known);
  free_paths(paths, n_paths);
  return rc;
}
