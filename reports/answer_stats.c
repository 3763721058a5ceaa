#include "reports/answer_stats.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "reports/run_data.h"
#include "runs/run_dir.h"
#include "tasks/scoring.h"

typedef struct answers_ctx {
  size_t n, empty, at_limit;
  double *words; /* [n] */
  long max_new_tokens;
} answers_ctx;

static size_t count_words(const char *s) {
  size_t n = 0;
  bool in_word = false;
  for (; *s; s++) {
    bool space = isspace((unsigned char)*s);
    n += !space && !in_word;
    in_word = !space;
  }
  return n;
}

static int answer_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  (void)line;
  (void)err;
  answers_ctx *c = vctx;
  size_t words = count_words(lx_json_string(row, "answer"));
  c->words = lx_xgrow_array(c->words, c->n, sizeof *c->words);
  c->words[c->n++] = (double)words;
  c->empty += words == 0;
  /* cut off: as many new tokens as allowed and no end of sequence */
  const cJSON *tokens = cJSON_GetObjectItem(row, "tokens");
  if (c->max_new_tokens > 0 && cJSON_GetArraySize(tokens) >= c->max_new_tokens &&
      !cJSON_IsTrue(cJSON_GetObjectItem(row, "ended_with_eos")))
    c->at_limit++;
  return LX_OK;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Every judge's aggregate under RUNDIR/<task>/judge/, its numbers only. */
static cJSON *judges(const char *run_dir, const char *task) {
  cJSON *out = cJSON_CreateObject();
  char *task_dir = lx_path_join(run_dir, task), *dir = lx_path_join(task_dir, "judge");
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    lx_strbuf results = {0};
    lx_strbuf_printf(&results, "%s/judge/%s", task, e->d_name);
    cJSON *agg = NULL;
    lx_error ignored;
    if (lx_run_read_json(run_dir, lx_strbuf_str(&results), LX_RUN_AGGREGATE, &agg, &ignored) ==
        LX_OK) {
      cJSON *numbers = cJSON_CreateObject();
      const cJSON *v;
      cJSON_ArrayForEach(v, agg) {
        if (cJSON_IsNumber(v)) cJSON_AddNumberToObject(numbers, v->string, v->valuedouble);
      }
      cJSON_AddItemToObject(out, e->d_name, numbers);
    }
    cJSON_Delete(agg);
    lx_strbuf_free(&results);
  }
  if (d) closedir(d);
  free(task_dir);
  free(dir);
  return out;
}

int lx_answer_stats(const char *run_dir, const char *task, cJSON **out, lx_error *err) {
  answers_ctx c = {0};
  cJSON *fp = NULL;
  if (lx_run_read_json(run_dir, task, LX_RUN_FINGERPRINT, &fp, err)) return LX_ERR;
  const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(fp, "decoding"), "max_new_tokens");
  c.max_new_tokens = cJSON_IsNumber(m) ? (long)m->valuedouble : 0;
  cJSON_Delete(fp);
  int rc = lx_run_read_predictions(run_dir, task, answer_row, &c, err);
  if (rc) {
    free(c.words);
    return rc;
  }
  cJSON *s = cJSON_CreateObject();
  double sum = 0;
  for (size_t i = 0; i < c.n; i++) sum += c.words[i];
  if (c.n) qsort(c.words, c.n, sizeof *c.words, by_value);
  cJSON_AddNumberToObject(s, "answers", (double)c.n);
  cJSON_AddNumberToObject(s, "words_mean", c.n ? sum / (double)c.n : 0);
  cJSON_AddNumberToObject(s, "words_median",
                          c.n == 0       ? 0
                          : c.n % 2 == 1 ? c.words[c.n / 2]
                                         : (c.words[c.n / 2 - 1] + c.words[c.n / 2]) / 2);
  cJSON_AddNumberToObject(s, "empty", (double)c.empty);
  cJSON_AddNumberToObject(s, "max_new_tokens", (double)c.max_new_tokens);
  cJSON_AddNumberToObject(s, "at_token_limit", (double)c.at_limit);
  cJSON_AddItemToObject(s, "judges", judges(run_dir, task));
  free(c.words);
  *out = s;
  return LX_OK;
}

int lx_answer_task_names(const char *run_dir, char ***names, size_t *n, lx_error *err) {
  *names = NULL;
  *n = 0;
  char **all;
  size_t n_all;
  if (lx_run_tasks(run_dir, &all, &n_all, err)) return LX_ERR;
  for (size_t i = 0; i < n_all; i++) {
    lx_scorer_kind kind;
    bool answers_only = lx_run_task_scorer(run_dir, all[i], &kind) && kind == LX_SCORER_NONE;
    if (answers_only) {
      *names = lx_xrealloc_array(*names, *n + 1, sizeof **names);
      (*names)[(*n)++] = lx_xstrdup(all[i]);
    }
  }
  lx_run_tasks_free(all, n_all);
  return LX_OK;
}
