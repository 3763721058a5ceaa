#include "reports/run_data.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "reports/item_media.h"
#include "runs/run_dir.h"
#include "tasks/items.h"

typedef struct rows_ctx {
  lx_task_scores *t;
  const char *path;        /* scores.jsonl */
  const char *predictions; /* predictions.jsonl */
  lx_items media;          /* id -> media (refs[0]) from predictions.jsonl */
  char **item_media;       /* [n_media] the media of each score row */
  size_t n_media;
} rows_ctx;

static int media_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  rows_ctx *c = vctx;
  (void)err;
  const cJSON *id = cJSON_GetObjectItem(row, "id"), *media = cJSON_GetObjectItem(row, "media");
  if (!cJSON_IsString(id)) return LX_OK; /* the scores file is checked line by line below */
  lx_item *it = lx_items_push(&c->media);
  it->id = lx_xstrdup(id->valuestring);
  /* the media it asks about (an image inside an annotation file by its place in it); else the id */
  char *key = lx_item_media_key(row);
  lx_item_add_ref(it, cJSON_IsString(media) ? key : id->valuestring);
  free(key);
  char where[1100]; /* named if the id comes again */
  snprintf(where, sizeof where, "%s:%d", c->predictions, line);
  it->source = lx_xstrdup(where);
  return LX_OK;
}

static double number(const cJSON *row, const char *key, bool *ok) {
  const cJSON *v = cJSON_GetObjectItem(row, key);
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? 1.0 : 0.0;
  if (cJSON_IsNumber(v)) return v->valuedouble;
  *ok = false;
  return 0;
}

static const char *text(const cJSON *row, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(row, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static int score_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  rows_ctx *c = vctx;
  lx_task_scores *t = c->t;
  size_t i = t->n++;
  t->id = lx_xgrow_array(t->id, i, sizeof *t->id);
  t->category = lx_xgrow_array(t->category, i, sizeof *t->category);
  t->cluster = lx_xgrow_array(t->cluster, i, sizeof *t->cluster);
  t->value = lx_xgrow_array(t->value, i, sizeof *t->value);
  bool ok = cJSON_IsString(cJSON_GetObjectItem(row, "id"));
  t->id[i] = lx_xstrdup(ok ? cJSON_GetObjectItem(row, "id")->valuestring : "");
  /* the row's score and category, where the scorer's table says they are */
  const lx_scorer_rows *sr = lx_scorer_rows_of(t->scorer);
  const char *cat = sr->category_key ? text(row, sr->category_key) : "";
  if (sr->value_key)
    t->value[i] = number(row, sr->value_key, &ok);
  else
    ok = false;
  if (t->scorer == LX_SCORER_POPE) { /* F1 needs the answer, not only its verdict */
    t->said_yes = lx_xgrow_array(t->said_yes, i, sizeof *t->said_yes);
    const char *parsed = text(row, "parsed");
    ok &= !strcmp(parsed, "yes") || !strcmp(parsed, "no");
    t->said_yes[i] = !strcmp(parsed, "yes");
  }
  if (t->scorer == LX_SCORER_CAPTION) { /* corpus metrics: ROUGE-L and BLEU's counts too */
    t->rouge = lx_xgrow_array(t->rouge, i, sizeof *t->rouge);
    t->bleu = lx_xgrow_array(t->bleu, i, sizeof *t->bleu);
    t->rouge[i] = number(row, "ROUGE_L", &ok);
    const cJSON *bc = cJSON_GetObjectItem(row, "bleu_counts");
    if (cJSON_IsArray(bc) && cJSON_GetArraySize(bc) == 10) {
      for (int k = 0; k < 4; k++) {
        t->bleu[i].matches[k] = cJSON_GetArrayItem(bc, k)->valuedouble;
        t->bleu[i].guesses[k] = cJSON_GetArrayItem(bc, 4 + k)->valuedouble;
      }
      t->bleu[i].hyp_len = cJSON_GetArrayItem(bc, 8)->valuedouble;
      t->bleu[i].ref_len = cJSON_GetArrayItem(bc, 9)->valuedouble;
    } else {
      ok = false;
    }
  }
  t->category[i] = lx_xstrdup(cat);
  if (!ok)
    return lx_errorf(err, "%s:%d: not a %s score row (made by another lynxeval version?)", c->path,
                     line, lx_scorer_name(t->scorer));
  long m = lx_items_find(&c->media, t->id[i]);
  c->item_media = lx_xgrow_array(c->item_media, c->n_media, sizeof *c->item_media);
  c->item_media[c->n_media++] = lx_xstrdup(m >= 0 ? c->media.v[m].refs[0] : t->id[i]);
  return LX_OK;
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *const *sorting_media;

static int by_media(const void *a, const void *b) {
  return strcmp(sorting_media[*(const size_t *)a], sorting_media[*(const size_t *)b]);
}

/* Numbers the distinct media 0, 1, ... (in sorted order) into t->cluster. */
static void assign_clusters(lx_task_scores *t, char *const *media) {
  size_t *order = lx_xcalloc(t->n + 1, sizeof *order);
  for (size_t i = 0; i < t->n; i++) order[i] = i;
  sorting_media = media;
  qsort(order, t->n, sizeof *order, by_media);
  sorting_media = NULL;
  size_t k = 0;
  for (size_t j = 0; j < t->n; j++) {
    if (j > 0 && strcmp(media[order[j]], media[order[j - 1]]) != 0) k++;
    t->cluster[order[j]] = k;
  }
  t->n_clusters = t->n ? k + 1 : 0;
  free(order);
}

/* "<task>@<judge>", a judge's results read as a task of their own: *task (heap) and the directory
 * of its results relative to the run (heap: "<task>/judge/<judge>"); NULL for a plain task. */
static char *judged_results(const char *name, char **task) {
  const char *at = strrchr(name, '@');
  if (!at) {
    *task = lx_xstrdup(name);
    return NULL;
  }
  *task = lx_xstrdup(name);
  (*task)[at - name] = '\0';
  lx_strbuf dir = {0};
  lx_strbuf_printf(&dir, "%s/judge/%s", *task, at + 1);
  char *out = lx_xstrdup(lx_strbuf_str(&dir));
  lx_strbuf_free(&dir);
  return out;
}

int lx_task_scores_load(const char *run_dir, const char *name, lx_task_scores *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  out->run_dir = lx_xstrdup(run_dir);
  out->task = lx_xstrdup(name);
  char *task, *results = judged_results(name, &task);
  const char *scored = results ? results : task; /* where aggregate.json and scores.jsonl are */
  char *fp = lx_run_file(run_dir, task, LX_RUN_FINGERPRINT);
  char *scores = lx_run_file(run_dir, scored, LX_RUN_SCORES);
  char *predictions = lx_run_file(run_dir, task, LX_RUN_PREDICTIONS);
  rows_ctx c = {out, scores, predictions, {0}, NULL, 0};
  int rc = lx_run_read_json(run_dir, task, LX_RUN_FINGERPRINT, &out->fingerprint, err);
  if (!rc) rc = lx_run_read_json(run_dir, scored, LX_RUN_AGGREGATE, &out->aggregate, err);
  if (!rc) {
    /* a judge's results name their scorer in their aggregate */
    const cJSON *name_json =
        results ? cJSON_GetObjectItem(out->aggregate, "scorer")
                : cJSON_GetObjectItem(cJSON_GetObjectItem(out->fingerprint, "task"), "scorer");
    if (!cJSON_IsString(name_json) || !lx_scorer_parse(name_json->valuestring, &out->scorer))
      rc = results ? lx_errorf(err, "%s/%s: not a judge's complete results", run_dir, results)
                   : lx_errorf(err, "%s: no known scorer in the fingerprint", fp);
    else if (out->scorer == LX_SCORER_NONE)
      rc = lx_errorf(err,
                     "%s/%s: task %s has no automatic scores (human ratings or a judge score it)",
                     run_dir, task, task);
  }
  if (!rc) rc = lx_run_read_predictions(run_dir, task, media_row, &c, err);
  if (!rc) rc = lx_items_index(&c.media, "prediction", err);
  if (!rc) rc = lx_run_read_scores(run_dir, scored, score_row, &c, err);
  if (!rc && out->n == 0) rc = lx_errorf(err, "%s: no scores", scores);
  if (!rc) assign_clusters(out, c.item_media);
  for (size_t i = 0; i < c.n_media; i++) free(c.item_media[i]);
  free(c.item_media);
  lx_items_free(&c.media);
  free(fp);
  free(scores);
  free(predictions);
  free(task);
  free(results);
  if (rc) lx_task_scores_free(out);
  return rc;
}

void lx_task_scores_free(lx_task_scores *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->id[i]);
    free(t->category[i]);
  }
  free(t->id);
  free(t->category);
  free(t->cluster);
  free(t->value);
  free(t->rouge);
  free(t->bleu);
  free(t->said_yes);
  cJSON_Delete(t->fingerprint);
  cJSON_Delete(t->aggregate);
  free(t->run_dir);
  free(t->task);
  memset(t, 0, sizeof *t);
}

/* The judges' complete results of a task whose aggregate names a scorer report and compare know
 * (MM-Vet's grades, MMBench after its judge), as "<task>@<judge>", sorted. */
static void add_judged(const char *run_dir, const char *task, char ***names, size_t *n) {
  char *task_dir = lx_path_join(run_dir, task), *judges = lx_path_join(task_dir, "judge");
  DIR *d = opendir(judges);
  size_t first = *n;
  for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.' || strchr(e->d_name, '@')) continue;
    lx_strbuf results = {0};
    lx_strbuf_printf(&results, "%s/judge/%s", task, e->d_name);
    cJSON *agg = NULL;
    lx_error ignored;
    lx_scorer_kind kind;
    if (lx_run_has_file(run_dir, lx_strbuf_str(&results), LX_RUN_SCORES) &&
        lx_run_read_json(run_dir, lx_strbuf_str(&results), LX_RUN_AGGREGATE, &agg, &ignored) ==
            LX_OK &&
        cJSON_IsString(cJSON_GetObjectItem(agg, "scorer")) &&
        lx_scorer_parse(cJSON_GetObjectItem(agg, "scorer")->valuestring, &kind)) {
      lx_strbuf name = {0};
      lx_strbuf_printf(&name, "%s@%s", task, e->d_name);
      *names = lx_xrealloc_array(*names, *n + 1, sizeof **names);
      (*names)[(*n)++] = lx_xstrdup(lx_strbuf_str(&name));
      lx_strbuf_free(&name);
    }
    cJSON_Delete(agg);
    lx_strbuf_free(&results);
  }
  if (d) closedir(d);
  if (*n > first) qsort(*names + first, *n - first, sizeof **names, by_text);
  free(task_dir);
  free(judges);
}

bool lx_run_task_scorer(const char *run_dir, const char *task, lx_scorer_kind *kind) {
  cJSON *fp = NULL;
  lx_error ignored;
  if (lx_run_read_json(run_dir, task, LX_RUN_FINGERPRINT, &fp, &ignored) != LX_OK) return false;
  const cJSON *sc = cJSON_GetObjectItem(cJSON_GetObjectItem(fp, "task"), "scorer");
  bool known = cJSON_IsString(sc) && lx_scorer_parse(sc->valuestring, kind);
  cJSON_Delete(fp);
  return known;
}

int lx_run_task_names(const char *run_dir, char ***names, size_t *n, lx_error *err) {
  *names = NULL;
  *n = 0;
  char **all;
  size_t n_all;
  if (lx_run_tasks(run_dir, &all, &n_all, err)) return LX_ERR;
  /* tasks only people or a judge score are left to lynxeval human and judge */
  for (size_t i = 0; i < n_all; i++) {
    lx_scorer_kind kind;
    if (lx_run_has_file(run_dir, all[i], LX_RUN_SCORES) &&
        lx_run_task_scorer(run_dir, all[i], &kind) && kind != LX_SCORER_NONE) {
      *names = lx_xrealloc_array(*names, *n + 1, sizeof **names);
      (*names)[(*n)++] = lx_xstrdup(all[i]);
    }
    add_judged(run_dir, all[i], names, n);
  }
  lx_run_tasks_free(all, n_all);
  if (*n == 0)
    return lx_errorf(err, "%s: no scored tasks (is it a lynxeval run directory?)", run_dir);
  return LX_OK;
}
