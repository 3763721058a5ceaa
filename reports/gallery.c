#include "reports/gallery.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "reports/item_media.h"
#include "reports/jpeg_write.h"
#include "reports/png_write.h"
#include "reports/run_data.h"
#include "runs/run_dir.h"
#include "tasks/items.h"
#include "tasks/scoring.h"

#define JPEG_QUALITY 80

/* One run's answers and scores of a task, by id. */
typedef struct run_answers {
  const char *run_dir, *task;
  lx_items ids;   /* the ids, indexed (lx_items_find) */
  char **answers; /* [ids.n] */
  double *score;  /* [ids.n] the per-item score, NAN where none */
  lx_scorer_kind scorer;
} run_answers;

static int answer_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  (void)err;
  run_answers *a = vctx;
  lx_item *it = lx_items_push(&a->ids);
  it->id = lx_xstrdup(lx_json_string(row, "id"));
  char where[64];
  snprintf(where, sizeof where, "predictions.jsonl:%d", line);
  it->source = lx_xstrdup(where);
  a->answers = lx_xgrow_array(a->answers, a->ids.n - 1, sizeof *a->answers);
  a->answers[a->ids.n - 1] = lx_xstrdup(lx_json_string(row, "answer"));
  return LX_OK;
}

static int score_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  (void)line;
  (void)err;
  run_answers *a = vctx;
  const lx_scorer_rows *sr = lx_scorer_rows_of(a->scorer);
  long i = lx_items_find(&a->ids, lx_json_string(row, "id"));
  const cJSON *v = sr->value_key ? cJSON_GetObjectItem(row, sr->value_key) : NULL;
  if (i >= 0 && cJSON_IsBool(v)) a->score[i] = cJSON_IsTrue(v) ? 1 : 0;
  if (i >= 0 && cJSON_IsNumber(v)) a->score[i] = v->valuedouble;
  return LX_OK;
}

static void run_answers_free(run_answers *a) {
  for (size_t i = 0; i < a->ids.n; i++) free(a->answers[i]);
  free(a->answers);
  free(a->score);
  lx_items_free(&a->ids);
}

/* Reads a run's predictions (and scores, when the task has a scorer) of a task. */
static int run_answers_load(const char *run_dir, const char *task, run_answers *a, lx_error *err) {
  memset(a, 0, sizeof *a);
  a->run_dir = run_dir;
  a->task = task;
  if (!lx_run_task_scorer(run_dir, task, &a->scorer)) a->scorer = LX_SCORER_NONE;
  int rc = lx_run_read_predictions(run_dir, task, answer_row, a, err);
  if (!rc) rc = lx_items_index(&a->ids, "prediction", err);
  if (!rc) {
    a->score = lx_xcalloc(a->ids.n + 1, sizeof *a->score);
    for (size_t i = 0; i < a->ids.n; i++) a->score[i] = NAN;
    if (a->scorer != LX_SCORER_NONE && lx_run_has_file(run_dir, task, LX_RUN_SCORES))
      rc = lx_run_read_scores(run_dir, task, score_row, a, err);
  }
  return rc;
}

/* ---- choosing the items shown ------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int by_index(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* How far apart the runs' scores of item i are (the largest gap to the first run; 0 unscored). */
static double score_gap(const run_answers *runs, long *const *where, size_t n_runs, size_t i) {
  double gap = 0;
  for (size_t r = 1; r < n_runs; r++) {
    long j = where[r][i];
    if (j >= 0 && !isnan(runs[0].score[i]) && !isnan(runs[r].score[j]))
      gap = fmax(gap, fabs(runs[0].score[i] - runs[r].score[j]));
  }
  return gap;
}

static const double *sorting_gaps;

/* Larger gaps first, then file order. */
static int by_gap(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  double gx = sorting_gaps[x], gy = sorting_gaps[y];
  if (gx != gy) return gx < gy ? 1 : -1;
  return (x > y) - (x < y);
}

/* Do the runs disagree on item i of the first run (where[r][i]: its index in run r, -1 if absent)?
 * Scored: one right and another wrong (binary), or different scores; not scored: different
 * answers. */
static bool disagree(const run_answers *runs, long *const *where, size_t n_runs, size_t i,
                     bool binary) {
  for (size_t r = 1; r < n_runs; r++) {
    long j = where[r][i];
    if (j < 0) continue;
    double a = runs[0].score[i], b = runs[r].score[j];
    if (!isnan(a) && !isnan(b)) {
      if (binary ? (a > 0.5) != (b > 0.5) : fabs(a - b) > 1e-12) return true;
    } else if (strcmp(runs[0].answers[i], runs[r].answers[j]) != 0) {
      return true;
    }
  }
  return false;
}

/* The items of the first run shown, in the order shown: the disagreements first (in file order;
 * scores on a scale, the largest differences first), then a sample of the rest in file order;
 * *n_shown of them. */
static size_t *choose(const run_answers *runs, long *const *where, size_t n_runs, bool binary,
                      size_t cap, uint64_t seed, size_t *n_shown, size_t *n_disagree) {
  size_t n = runs[0].ids.n;
  size_t *dis = lx_xcalloc(n + 1, sizeof *dis), *rest = lx_xcalloc(n + 1, sizeof *rest);
  size_t nd = 0, nr = 0;
  for (size_t i = 0; i < n; i++) {
    if (n_runs > 1 && disagree(runs, where, n_runs, i, binary))
      dis[nd++] = i;
    else
      rest[nr++] = i;
  }
  *n_disagree = nd;
  if (!binary && nd > 1) { /* scores on a scale: the largest differences first */
    double *gaps = lx_xcalloc(n + 1, sizeof *gaps);
    for (size_t k = 0; k < nd; k++) gaps[dis[k]] = score_gap(runs, where, n_runs, dis[k]);
    sorting_gaps = gaps;
    qsort(dis, nd, sizeof *dis, by_gap);
    sorting_gaps = NULL;
    free(gaps);
  }
  size_t take_dis = nd < cap ? nd : cap, take_rest = cap - take_dis < nr ? cap - take_dis : nr;
  /* a seeded partial Fisher-Yates over the rest, then back into file order */
  uint64_t s = seed;
  for (size_t k = 0; k < take_rest && take_rest < nr; k++) {
    size_t j = k + (size_t)(splitmix64(&s) % (nr - k));
    size_t t = rest[k];
    rest[k] = rest[j];
    rest[j] = t;
  }
  qsort(rest, take_rest, sizeof *rest, by_index);
  size_t *out = lx_xcalloc(take_dis + take_rest + 1, sizeof *out);
  memcpy(out, dis, take_dis * sizeof *out);
  memcpy(out + take_dis, rest, take_rest * sizeof *out);
  *n_shown = take_dis + take_rest;
  free(dis);
  free(rest);
  return out;
}

/* ---- pictures -------------------------------------------------------------------------------- */

typedef struct pictures {
  cJSON *uris; /* media key -> [data URI...] */
  size_t bytes, budget;
  bool over_budget;
} pictures;

/* Adds the pictures of a prediction row under its media key (once per key). A failure is kept as
 * the task's note, never fatal. */
static void add_pictures(pictures *p, const cJSON *row, const char *data_dir,
                         const lx_gallery_options *opt, cJSON *task_json) {
  char *key = lx_item_media_key(row);
  if (!key[0] || cJSON_GetObjectItem(p->uris, key) || p->over_budget) {
    free(key);
    return;
  }
  lx_image *pics = NULL;
  int n = 0;
  lx_error err;
  bool video = cJSON_GetObjectItem(row, "frames") != NULL;
  int side = video ? opt->frame_side : opt->picture_side;
  int rc = data_dir ? lx_item_pictures(row, data_dir, opt->media_limits, side, &pics, &n, &err)
                    : lx_errorf(&err, "the run records no data directory for this task");
  cJSON *list = NULL;
  for (int k = 0; rc == LX_OK && k < n; k++) {
    lx_strbuf jpeg = {0};
    rc = lx_jpeg_encode_rgb(pics[k].rgb, pics[k].width, pics[k].height, JPEG_QUALITY, &jpeg, &err);
    if (rc == LX_OK && p->bytes + jpeg.len > p->budget) {
      p->over_budget = true;
      lx_strbuf_free(&jpeg);
      break;
    }
    if (rc == LX_OK) {
      lx_strbuf uri = {0};
      lx_strbuf_puts(&uri, "data:image/jpeg;base64,");
      lx_base64_encode(jpeg.p, jpeg.len, &uri);
      if (!list) list = cJSON_CreateArray();
      cJSON_AddItemToArray(list, cJSON_CreateString(lx_strbuf_str(&uri)));
      p->bytes += jpeg.len;
      lx_strbuf_free(&uri);
    }
    lx_strbuf_free(&jpeg);
  }
  lx_item_pictures_free(pics, n);
  if (list) cJSON_AddItemToObject(p->uris, key, list);
  if (rc != LX_OK && !cJSON_GetObjectItem(task_json, "media_note")) {
    char note[1200];
    snprintf(note, sizeof note,
             "pictures not shown: %s (lynxeval report --data DIR names where "
             "the media are)",
             err.msg);
    cJSON_AddStringToObject(task_json, "media_note", note);
  }
  free(key);
}

/* ---- paths --------------------------------------------------------------------------------- */

/* to, relative to the directory from (both made absolute); to as given if either is unknown. */
static char *relative_path(const char *from, const char *to) {
  char a[PATH_MAX], b[PATH_MAX];
  if (!from || !realpath(from, a) || !realpath(to, b)) return lx_xstrdup(to);
  if (!strcmp(a, "/")) return lx_xstrdup(b + 1);
  size_t common = 0, k = 0;
  for (; a[k] && a[k] == b[k]; k++)
    if (a[k] == '/') common = k;
  if (!a[k] && (b[k] == '/' || !b[k])) common = k; /* from is a prefix of to */
  lx_strbuf out = {0};
  for (const char *p = a + common; *p; p++)
    if (*p == '/') lx_strbuf_puts(&out, "../");
  lx_strbuf_puts(&out, b[common] == '/' ? b + common + 1 : b + common);
  char *s = lx_xstrdup(out.len ? lx_strbuf_str(&out) : ".");
  lx_strbuf_free(&out);
  return s;
}

/* Where the task's media are: the option, or the data directory the first run recorded. */
static char *data_dir_of(const char *run_dir, const char *task, const lx_gallery_options *opt) {
  if (opt->data_dir) return lx_xstrdup(opt->data_dir);
  cJSON *manifest = NULL;
  lx_error ignored;
  char *out = NULL;
  if (lx_run_read_json(run_dir, NULL, LX_RUN_MANIFEST, &manifest, &ignored) == LX_OK) {
    const char *d = lx_json_string(
        cJSON_GetObjectItem(cJSON_GetObjectItem(manifest, "tasks"), task), "data_dir");
    if (*d) out = lx_xstrdup(d);
  }
  cJSON_Delete(manifest);
  return out;
}

/* ---- one task -------------------------------------------------------------------------------- */

typedef struct shown_rows {
  const run_answers *first;
  const unsigned char *wanted; /* [first->ids.n] shown or not */
  const cJSON **rows;          /* [first->ids.n]: the full rows of the items shown, else NULL */
  cJSON *keep;                 /* owns them */
} shown_rows;

static int keep_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  (void)line;
  (void)err;
  shown_rows *s = vctx;
  long i = lx_items_find(&s->first->ids, lx_json_string(row, "id"));
  if (i < 0 || !s->wanted[i] || s->rows[i]) return LX_OK;
  cJSON *copy = cJSON_Duplicate(row, 1);
  cJSON_DeleteItemFromObject(copy, "tokens"); /* not shown, and the bulk of a row */
  cJSON_AddItemToArray(s->keep, copy);
  s->rows[i] = copy;
  return LX_OK;
}

static cJSON *strings_of(const cJSON *array) {
  cJSON *out = cJSON_CreateArray();
  const cJSON *x;
  cJSON_ArrayForEach(x, array) {
    if (cJSON_IsString(x)) cJSON_AddItemToArray(out, cJSON_CreateString(x->valuestring));
  }
  return out;
}

static int task_gallery(const cJSON *model, const char *task, const lx_gallery_options *opt,
                        pictures *pics, cJSON *tasks_json, lx_error *err) {
  const cJSON *runs_json = cJSON_GetObjectItem(model, "runs");
  size_t n_runs = (size_t)cJSON_GetArraySize(runs_json);
  run_answers *runs = lx_xcalloc(n_runs, sizeof *runs);
  long **where = lx_xcalloc(n_runs, sizeof *where);
  int rc = LX_OK;
  size_t loaded = 0;
  /* the runs holding the task; the first of them leads */
  const cJSON *run;
  cJSON *labels = cJSON_CreateArray();
  cJSON_ArrayForEach(run, runs_json) {
    const char *dir = lx_json_string(run, "dir");
    if (!lx_run_has_file(dir, task, LX_RUN_PREDICTIONS)) continue;
    rc = run_answers_load(dir, task, &runs[loaded], err);
    if (rc) break;
    cJSON_AddItemToArray(labels, cJSON_CreateString(lx_json_string(run, "label")));
    loaded++;
  }
  cJSON *tj = NULL;
  if (!rc && loaded > 0) {
    for (size_t r = 0; r < loaded; r++) {
      where[r] = lx_xcalloc(runs[0].ids.n + 1, sizeof **where);
      for (size_t i = 0; i < runs[0].ids.n; i++)
        where[r][i] = lx_items_find(&runs[r].ids, runs[0].ids.v[i].id);
    }
    bool binary = runs[0].scorer != LX_SCORER_NONE && lx_scorer_rows_of(runs[0].scorer)->binary;
    size_t n_shown, n_disagree;
    size_t *shown =
        choose(runs, where, loaded, binary, opt->items_per_task, opt->seed, &n_shown, &n_disagree);
    tj = cJSON_CreateObject();
    cJSON_AddStringToObject(tj, "task", task);
    cJSON_AddStringToObject(tj, "scorer", lx_scorer_name(runs[0].scorer));
    cJSON_AddBoolToObject(tj, "binary", binary);
    cJSON_AddItemToObject(tj, "runs", labels);
    labels = NULL;
    cJSON_AddNumberToObject(tj, "items_total", (double)runs[0].ids.n);
    cJSON_AddNumberToObject(tj, "items_shown", (double)n_shown);
    cJSON_AddNumberToObject(tj, "disagreements", (double)n_disagree);
    cJSON *files = cJSON_AddArrayToObject(tj, "files");
    for (size_t r = 0; r < loaded; r++) {
      cJSON *f = cJSON_CreateObject();
      cJSON_AddStringToObject(
          f, "run", cJSON_GetArrayItem(cJSON_GetObjectItem(tj, "runs"), (int)r)->valuestring);
      char *pred = lx_run_file(runs[r].run_dir, task, LX_RUN_PREDICTIONS),
           *scores = lx_run_file(runs[r].run_dir, task, LX_RUN_SCORES);
      char *rel = relative_path(opt->report_dir, pred);
      cJSON_AddStringToObject(f, "predictions", rel);
      free(rel);
      if (lx_run_has_file(runs[r].run_dir, task, LX_RUN_SCORES)) {
        rel = relative_path(opt->report_dir, scores);
        cJSON_AddStringToObject(f, "scores", rel);
        free(rel);
      }
      free(pred);
      free(scores);
      cJSON_AddItemToArray(files, f);
    }
    /* the full rows of the items shown, from the first run */
    unsigned char *wanted = lx_xcalloc(runs[0].ids.n + 1, 1);
    for (size_t k = 0; k < n_shown; k++) wanted[shown[k]] = 1;
    shown_rows sr = {&runs[0], wanted, lx_xcalloc(runs[0].ids.n + 1, sizeof(cJSON *)),
                     cJSON_CreateArray()};
    rc = lx_run_read_predictions(runs[0].run_dir, task, keep_row, &sr, err);
    char *data_dir = rc ? NULL : data_dir_of(runs[0].run_dir, task, opt);
    cJSON *items = cJSON_AddArrayToObject(tj, "items");
    for (size_t k = 0; !rc && k < n_shown; k++) {
      size_t i = shown[k];
      const cJSON *row = sr.rows[i];
      cJSON *it = cJSON_CreateObject();
      cJSON_AddStringToObject(it, "id", runs[0].ids.v[i].id);
      cJSON_AddStringToObject(it, "question", lx_json_string(row, "question"));
      cJSON_AddItemToObject(it, "references", strings_of(cJSON_GetObjectItem(row, "references")));
      cJSON_AddStringToObject(it, "category", lx_json_string(row, "category"));
      char *key = lx_item_media_key(row);
      cJSON_AddStringToObject(it, "media", key);
      free(key);
      cJSON *answers = cJSON_AddArrayToObject(it, "answers");
      for (size_t r = 0; r < loaded; r++) {
        long j = where[r][i];
        cJSON *a = cJSON_CreateObject();
        if (j >= 0) {
          cJSON_AddStringToObject(a, "text", runs[r].answers[j]);
          if (!isnan(runs[r].score[j])) {
            cJSON_AddNumberToObject(a, "score", runs[r].score[j]);
            if (binary) cJSON_AddBoolToObject(a, "correct", runs[r].score[j] > 0.5);
          }
        }
        cJSON_AddItemToArray(answers, a);
      }
      cJSON_AddBoolToObject(it, "disagree", k < n_disagree);
      cJSON_AddItemToArray(items, it);
      if (row) add_pictures(pics, row, data_dir, opt, tj);
    }
    free(data_dir);
    cJSON_Delete(sr.keep);
    free(sr.rows);
    free(wanted);
    free(shown);
  }
  if (!rc && tj)
    cJSON_AddItemToArray(tasks_json, tj);
  else
    cJSON_Delete(tj);
  cJSON_Delete(labels);
  for (size_t r = 0; r < n_runs; r++) free(where[r]);
  free(where);
  for (size_t r = 0; r < loaded; r++) run_answers_free(&runs[r]);
  free(runs);
  return rc;
}

/* The tasks in the report, scored and open-ended, by name; judges' results (task@judge) are the
 * same answers and are left out. */
static cJSON *gallery_tasks(const cJSON *model) {
  cJSON *names = cJSON_CreateArray();
  const char *lists[] = {"tasks", "answer_tasks"};
  for (int l = 0; l < 2; l++) {
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(model, lists[l])) {
      if (strchr(t->valuestring, '@')) continue;
      cJSON_AddItemToArray(names, cJSON_CreateString(t->valuestring));
    }
  }
  /* sorted by name, as the runs list their tasks */
  int n = cJSON_GetArraySize(names);
  for (int i = 1; i < n; i++) {
    for (int j = i; j > 0; j--) {
      cJSON *a = cJSON_GetArrayItem(names, j - 1), *b = cJSON_GetArrayItem(names, j);
      if (strcmp(a->valuestring, b->valuestring) <= 0) break;
      char *t = a->valuestring;
      a->valuestring = b->valuestring;
      b->valuestring = t;
    }
  }
  return names;
}

int lx_gallery_build(const cJSON *model, const lx_gallery_options *opt, cJSON **out,
                     lx_error *err) {
  cJSON *g = cJSON_CreateObject();
  cJSON *labels = cJSON_AddArrayToObject(g, "runs");
  const cJSON *run;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs"))
      cJSON_AddItemToArray(labels, cJSON_CreateString(lx_json_string(run, "label")));
  cJSON *tasks = cJSON_AddArrayToObject(g, "tasks");
  pictures pics = {cJSON_CreateObject(), 0, opt->picture_bytes, false};
  cJSON *names = gallery_tasks(model);
  const cJSON *t;
  int rc = LX_OK;
  cJSON_ArrayForEach(t, names) {
    rc = task_gallery(model, t->valuestring, opt, &pics, tasks, err);
    if (rc) break;
  }
  cJSON_Delete(names);
  cJSON_AddItemToObject(g, "pictures", pics.uris);
  cJSON_AddNumberToObject(g, "picture_bytes", (double)pics.bytes);
  cJSON_AddBoolToObject(g, "pictures_over_budget", pics.over_budget);
  if (rc) {
    cJSON_Delete(g);
    return rc;
  }
  *out = g;
  return LX_OK;
}
