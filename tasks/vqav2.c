#include "tasks/vqav2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

#define MAX_FILE_BYTES (1u << 30)

static int array_under(const cJSON *root, const char *path, const char *key, const cJSON **out,
                       lx_error *err) {
  const cJSON *a = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, key) : NULL;
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
    return lx_errorf(err, "%s: needs a non-empty \"%s\" list", path, key);
  *out = a;
  return LX_OK;
}

int lx_vqav2_load(const char *questions_path, const char *annotations_path, lx_items *items,
                  lx_error *err) {
  cJSON *qroot = NULL, *aroot = NULL;
  char *qtext = NULL, *atext = NULL;
  const cJSON *questions, *annotations;
  lx_items qs = {0};
  int rc = lx_json_read_file(questions_path, MAX_FILE_BYTES, &qroot, &qtext, err);
  if (!rc) rc = lx_json_read_file(annotations_path, MAX_FILE_BYTES, &aroot, &atext, err);
  if (!rc) rc = array_under(qroot, questions_path, "questions", &questions, err);
  if (!rc) rc = array_under(aroot, annotations_path, "annotations", &annotations, err);
  const char *subtype = "val2014";
  if (!rc) {
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(qroot, "data_subtype");
    if (cJSON_IsString(st) && st->valuestring[0]) subtype = st->valuestring;
  }
  /* questions first: id -> question text and image */
  size_t k = 0;
  const cJSON *q;
  if (!rc) {
    cJSON_ArrayForEach(q, questions) {
      char *src = lx_source_at(questions_path, lx_json_item_line(qtext, "questions", k++));
      lx_json_at at = {src, ""};
      char qid[32], image[32];
      const char *text;
      rc = lx_json_id_text(q, "question_id", src, qid, sizeof qid, err);
      if (!rc) rc = lx_json_id_text(q, "image_id", src, image, sizeof image, err);
      if (!rc) rc = lx_json_req_string(q, at, "question", &text, err);
      if (rc) {
        free(src);
        break;
      }
      lx_item *it = lx_items_push(&qs);
      it->id = lx_xstrdup(qid);
      it->question = lx_xstrdup(text);
      char media[128];
      snprintf(media, sizeof media, "%s/COCO_%s_%012lld.jpg", subtype, subtype, atoll(image));
      it->media = lx_xstrdup(media);
      it->source = src;
    }
  }
  if (!rc) rc = lx_items_index(&qs, "question_id", err);
  k = 0;
  const cJSON *a;
  if (!rc) {
    cJSON_ArrayForEach(a, annotations) {
      char *src = lx_source_at(annotations_path, lx_json_item_line(atext, "annotations", k++));
      lx_json_at at = {src, ""};
      char qid[32];
      const char *qtype, *atype;
      rc = lx_json_id_text(a, "question_id", src, qid, sizeof qid, err);
      if (!rc) rc = lx_json_req_string(a, at, "question_type", &qtype, err);
      if (!rc) rc = lx_json_req_string(a, at, "answer_type", &atype, err);
      const cJSON *answers = cJSON_GetObjectItemCaseSensitive(a, "answers");
      if (!rc && (!cJSON_IsArray(answers) || cJSON_GetArraySize(answers) == 0))
        rc = lx_errorf(err, "%s: 'answers' must be a non-empty list", src);
      long qi = rc ? -1 : lx_items_find(&qs, qid);
      if (!rc && qi < 0)
        rc = lx_errorf(err, "%s: question_id %s is not in %s", src, qid, questions_path);
      if (rc) {
        free(src);
        break;
      }
      lx_item *it = lx_items_push(items);
      it->id = lx_xstrdup(qid);
      it->question = lx_xstrdup(qs.v[qi].question);
      it->media = lx_xstrdup(qs.v[qi].media);
      it->category = lx_xstrdup(atype);
      it->subcategory = lx_xstrdup(qtype);
      it->source = src;
      const cJSON *ans;
      cJSON_ArrayForEach(ans, answers) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ans, "answer");
        if (!cJSON_IsString(t)) {
          rc = lx_errorf(err, "%s: every answer needs an 'answer' string", src);
          break;
        }
        lx_item_add_ref(it, t->valuestring);
      }
      if (rc) break;
    }
  }
  if (!rc) rc = lx_items_index(items, "question_id", err);
  if (!rc && items->n != qs.n)
    rc = lx_errorf(err, "%s has %zu questions but %s annotates %zu", questions_path, qs.n,
                   annotations_path, items->n);
  lx_items_free(&qs);
  cJSON_Delete(qroot);
  cJSON_Delete(aroot);
  free(qtext);
  free(atext);
  return rc;
}

int lx_vqav2_results_load(const char *path, lx_predictions *preds, lx_error *err) {
  return lx_predictions_load_json_list(path, "question_id", "answer", preds, err);
}
