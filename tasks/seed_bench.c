#include "tasks/seed_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_FILE_BYTES (256u << 20)
#define CHOICES        4

typedef struct reader {
  const char *path;
  lx_items *items;
} reader;

/* The dimension named for id in the file's "question_type" ({name: id}), or NULL. */
static const char *dimension(const cJSON *types, long id) {
  const cJSON *t;
  cJSON_ArrayForEach(t, types) {
    if (cJSON_IsNumber(t) && t->valuedouble == (double)id) return t->string;
  }
  return NULL;
}

static int question_entry(void *ctx, int which, const cJSON *q, lx_json_place place,
                          lx_error *err) {
  (void)which;
  reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  static const char *const kinds[] = {"image", "video"}, *const letters[] = {"A", "B", "C", "D"};
  static const char *const choice_keys[CHOICES] = {"choice_a", "choice_b", "choice_c", "choice_d"};
  char qid[64];
  const char *question, *data_id, *choice[CHOICES];
  int kind = 0, answer = 0;
  long type = 0;
  int rc = lx_json_id_text(q, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_choice(q, at, "data_type", kinds, 2, -1, &kind, err);
  if (!rc) rc = lx_json_req_int(q, at, "question_type_id", 1, 1000, &type, err);
  if (rc || kind != 0) { /* the video questions are not this task's */
    free(src);
    return rc;
  }
  rc = lx_json_req_string(q, at, "question", &question, err);
  for (int c = 0; !rc && c < CHOICES; c++)
    rc = lx_json_req_string(q, at, choice_keys[c], &choice[c], err);
  if (!rc) rc = lx_json_choice(q, at, "answer", letters, CHOICES, -1, &answer, err);
  if (!rc) rc = lx_json_req_string(q, at, "data_id", &data_id, err);
  lx_strbuf media = {0}, text = {0};
  if (!rc) {
    lx_strbuf_printf(&media, "SEED-Bench-image/%s", data_id);
    rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  }
  if (!rc) {
    lx_strbuf_puts(&text, question);
    for (int c = 0; c < CHOICES; c++) lx_strbuf_printf(&text, "\n%c. %s", 'A' + c, choice[c]);
    lx_item *it = lx_items_push(r->items);
    it->id = lx_xstrdup(qid);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->question = lx_xstrdup(lx_strbuf_str(&text));
    lx_item_add_ref(it, letters[answer]);
    char id[24];
    snprintf(id, sizeof id, "%ld", type);
    it->subcategory = lx_xstrdup(id); /* the dimension's name once "question_type" is read */
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&media);
  lx_strbuf_free(&text);
  free(src);
  return rc;
}

int lx_seed_bench_load(const char *path, lx_items *items, lx_error *err) {
  static const char *const keys[] = {"questions"};
  cJSON *rest = NULL;
  bool seen;
  reader r = {path, items};
  size_t before = items->n;
  int rc =
      lx_json_read_arrays(path, MAX_FILE_BYTES, keys, 1, &seen, question_entry, &r, &rest, err);
  if (!rc && (!seen || items->n == before))
    rc = lx_errorf(err, "%s: needs a \"questions\" list with image questions", path);
  /* "question_type" may come before or after the questions */
  const cJSON *types = rc ? NULL : cJSON_GetObjectItemCaseSensitive(rest, "question_type");
  if (!rc && !cJSON_IsObject(types))
    rc = lx_errorf(err, "%s: needs \"question_type\", an object of dimension names and ids", path);
  for (size_t i = before; !rc && i < items->n; i++) {
    lx_item *it = &items->v[i];
    const char *dim = dimension(types, atol(it->subcategory));
    if (!dim)
      rc = lx_errorf(err, "%s: question_type_id %s is not in the file's \"question_type\"",
                     it->source, it->subcategory);
    else
      it->category = lx_xstrdup(dim);
  }
  cJSON_Delete(rest);
  return rc ? rc : lx_items_index(items, "question_id", err);
}

/* ---- LLaVA's answer files ------------------------------------------------------------------ */

/* Whether Python's int() reads text (digits with an optional sign, surrounding whitespace and
 * single underscores between digits; ASCII only, as SEED's ids are), and its value. */
static bool python_int(const char *text, double *value) {
  const char *p = text;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
  double sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (*p < '0' || *p > '9') return false;
  double v = 0;
  for (; (*p >= '0' && *p <= '9') || (*p == '_' && p[1] >= '0' && p[1] <= '9'); p++)
    if (*p != '_') v = 10 * v + (*p - '0');
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
  *value = sign * v;
  return *p == '\0';
}

typedef struct answer_reader {
  const char *path;
  const lx_items *items;
  size_t *answer_of; /* [items->n] line index + 1 of the item's answer, 0 = none */
  lx_predictions *raw;
  size_t not_found;
  /* items whose id int() reads but which "%.0f" of that value does not spell ("0101669"): the only
   * ones a number can answer without the direct lookup finding them */
  size_t *irregular, n_irregular;
  double *irregular_value;
} answer_reader;

static int answer_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  answer_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "question_id");
  const char *text;
  int rc = LX_OK;
  if (!cJSON_IsNumber(id) && !cJSON_IsString(id))
    rc = lx_errorf(err, "%s: question_id must be a number or a string", src);
  if (!rc) rc = lx_json_req_string(obj, at, "text", &text, err);
  if (rc) {
    free(src);
    return rc;
  }
  /* the question it answers, found as the script's dict lookup finds it: a number matches a
   * question whose id int() reads as that number, a string one whose id int() does not read */
  size_t found = (size_t)-1;
  double v;
  if (cJSON_IsString(id)) {
    long k = lx_items_find(r->items, id->valuestring);
    if (k >= 0 && !python_int(r->items->v[k].id, &v)) found = (size_t)k;
  } else {
    char key[64];
    snprintf(key, sizeof key, "%.0f", id->valuedouble);
    long k = lx_items_find(r->items, key);
    if (k >= 0 && python_int(key, &v) && v == id->valuedouble) found = (size_t)k;
    for (size_t j = 0; found == (size_t)-1 && j < r->n_irregular; j++)
      if (r->irregular_value[j] == id->valuedouble) found = r->irregular[j];
  }
  if (found == (size_t)-1) {
    r->not_found++;
  } else {
    lx_predictions_push(r->raw, r->items->v[found].id, text, src);
    r->answer_of[found] = r->raw->n; /* a later answer replaces an earlier one */
  }
  free(src);
  return LX_OK;
}

int lx_seed_bench_results_load(const char *path, const lx_items *items, lx_predictions *preds,
                               size_t *not_found, lx_error *err) {
  lx_predictions raw = {0};
  answer_reader r = {path,
                     items,
                     lx_xcalloc(items->n + 1, sizeof(size_t)),
                     &raw,
                     0,
                     lx_xcalloc(items->n + 1, sizeof(size_t)),
                     0,
                     lx_xcalloc(items->n + 1, sizeof(double))};
  for (size_t k = 0; k < items->n; k++) {
    double v;
    char canonical[64];
    if (!python_int(items->v[k].id, &v)) continue;
    snprintf(canonical, sizeof canonical, "%.0f", v);
    if (strcmp(canonical, items->v[k].id) == 0) continue;
    r.irregular[r.n_irregular] = k;
    r.irregular_value[r.n_irregular++] = v;
  }
  int rc = lx_jsonl_read(path, MAX_FILE_BYTES, answer_row, &r, err);
  for (size_t k = 0; !rc && k < items->n; k++) {
    if (!r.answer_of[k]) continue;
    const lx_prediction *p = &raw.v[r.answer_of[k] - 1];
    lx_predictions_push(preds, p->id, p->text, p->source);
  }
  *not_found = r.not_found;
  free(r.answer_of);
  free(r.irregular);
  free(r.irregular_value);
  lx_predictions_free(&raw);
  return rc;
}
