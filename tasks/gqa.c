#include "tasks/gqa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_FILE_BYTES (512u << 20)

/* eval.py's getStepsNum: the program's operations but those whose "operation: argument" holds
 * "exist", "query: name" or "choose name"; -1 for a program that is not a list of
 * {"operation", "argument"} strings. */
static int program_steps(const cJSON *program) {
  if (!cJSON_IsArray(program)) return -1;
  static const char *const not_steps[] = {"exist", "query: name", "choose name"};
  int steps = 0;
  const cJSON *op;
  cJSON_ArrayForEach(op, program) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(op, "operation"),
                *a = cJSON_GetObjectItemCaseSensitive(op, "argument");
    if (!cJSON_IsString(o) || !cJSON_IsString(a)) return -1;
    lx_strbuf both = {0};
    lx_strbuf_printf(&both, "%s: %s", o->valuestring, a->valuestring);
    bool counted = true;
    for (int k = 0; k < 3; k++) counted &= strstr(lx_strbuf_str(&both), not_steps[k]) == NULL;
    steps += counted;
    lx_strbuf_free(&both);
  }
  return steps;
}

static int question_item(const char *qid, const cJSON *q, const char *src, lx_items *items,
                         lx_error *err) {
  lx_json_at at = {src, ""};
  const char *image, *question, *answer, *structural, *semantic;
  const cJSON *types = NULL;
  bool balanced = false;
  if (!cJSON_IsObject(q)) return lx_errorf(err, "%s: question %s is not an object", src, qid);
  int rc = lx_json_req_string(q, at, "imageId", &image, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &question, err);
  if (!rc) rc = lx_json_req_string(q, at, "answer", &answer, err);
  if (!rc) {
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(q, "isBalanced");
    if (!cJSON_IsBool(b))
      rc = lx_errorf(err, "%s: question %s: 'isBalanced' must be true or false", src, qid);
    balanced = cJSON_IsTrue(b);
  }
  if (!rc) rc = lx_json_req_object(q, at, "types", &types, err);
  lx_json_at tat = {src, "types"};
  if (!rc) rc = lx_json_req_string(types, tat, "structural", &structural, err);
  if (!rc) rc = lx_json_req_string(types, tat, "semantic", &semantic, err);
  if (rc || !balanced) return rc;
  /* what eval.py reads of every balanced question beyond its answer: the global group and the
   * program (its steps) */
  const cJSON *groups = cJSON_GetObjectItemCaseSensitive(q, "groups");
  const cJSON *global = cJSON_GetObjectItemCaseSensitive(groups, "global");
  if (!cJSON_IsObject(groups) || !(cJSON_IsNull(global) || cJSON_IsString(global)))
    return lx_errorf(err,
                     "%s: question %s: 'groups' must be an object whose 'global' is a group name "
                     "or null",
                     src, qid);
  int steps = program_steps(cJSON_GetObjectItemCaseSensitive(q, "semantic"));
  if (steps < 0)
    return lx_errorf(err,
                     "%s: question %s: 'semantic' must be a list of {\"operation\", "
                     "\"argument\"} strings (the question's program)",
                     src, qid);
  lx_strbuf media = {0};
  lx_strbuf_printf(&media, "images/%s.jpg", image);
  rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  if (!rc) {
    lx_item *it = lx_items_push(items);
    it->id = lx_xstrdup(qid);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->question = lx_xstrdup(question);
    lx_item_add_ref(it, answer);
    it->category = lx_xstrdup(structural);
    it->subcategory = lx_xstrdup(semantic);
    it->answer_group = cJSON_IsString(global) ? lx_xstrdup(global->valuestring) : NULL;
    it->steps = steps;
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&media);
  return rc;
}

int lx_gqa_load(const char *path, lx_items *items, lx_error *err) {
  size_t before = items->n;
  int rc = lx_items_read_members(path, MAX_FILE_BYTES, question_item, items, err);
  if (!rc && items->n == before)
    rc = lx_errorf(err, "%s: no balanced questions (an object of questions by id)", path);
  return rc ? rc : lx_items_index(items, "question id", err);
}

/* ---- answers --------------------------------------------------------------------------------- */

typedef struct answer_reader {
  const char *path;
  const char *id_key, *text_key;
  const lx_items *items;
  size_t *answer_of; /* [items->n] index + 1 into raw of the item's last answer */
  lx_predictions *raw;
} answer_reader;

static int answer_entry(answer_reader *r, const cJSON *obj, const char *src, lx_error *err) {
  lx_json_at at = {src, ""};
  char id[128];
  const char *text;
  int rc = lx_json_id_text(obj, r->id_key, src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, r->text_key, &text, err);
  if (rc) return rc;
  long k = lx_items_find(r->items, id);
  if (k >= 0) {
    lx_predictions_push(r->raw, id, text, src);
    r->answer_of[k] = r->raw->n;
  }
  return LX_OK;
}

static int answer_line(void *ctx, const cJSON *obj, int line, lx_error *err) {
  answer_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  int rc = answer_entry(r, obj, src, err);
  free(src);
  return rc;
}

static int answer_element(void *ctx, int which, const cJSON *obj, lx_json_place place,
                          lx_error *err) {
  (void)which;
  answer_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  int rc = answer_entry(r, obj, src, err);
  free(src);
  return rc;
}

int lx_gqa_results_load(const char *path, bool predictions_json, const lx_items *items,
                        lx_predictions *preds, lx_error *err) {
  lx_predictions raw = {0};
  answer_reader r = {path,
                     predictions_json ? "questionId" : "question_id",
                     predictions_json ? "prediction" : "text",
                     items,
                     lx_xcalloc(items->n + 1, sizeof(size_t)),
                     &raw};
  int rc = predictions_json ? lx_json_read_array(path, MAX_FILE_BYTES, answer_element, &r, err)
                            : lx_jsonl_read(path, MAX_FILE_BYTES, answer_line, &r, err);
  for (size_t k = 0; !rc && k < items->n; k++) {
    if (!r.answer_of[k]) continue;
    const lx_prediction *p = &raw.v[r.answer_of[k] - 1];
    lx_predictions_push(preds, p->id, p->text, p->source);
  }
  free(r.answer_of);
  lx_predictions_free(&raw);
  return rc;
}
