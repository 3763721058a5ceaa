#include "tasks/vqav2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"

#define MAX_FILE_BYTES (1u << 30)

typedef struct question_reader {
  const char *path;
  lx_items *questions; /* media holds the image id until the subtype is known */
} question_reader;

static int question_entry(void *ctx, int which, const cJSON *q, lx_json_place place,
                          lx_error *err) {
  (void)which;
  question_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  char qid[32], image[32];
  const char *text;
  int rc = lx_json_id_text(q, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_id_text(q, "image_id", src, image, sizeof image, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &text, err);
  if (rc) {
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->questions);
  it->id = lx_xstrdup(qid);
  it->question = lx_xstrdup(text);
  it->media = lx_xstrdup(image);
  it->source = src;
  return LX_OK;
}

typedef struct annotation_reader {
  const char *path, *questions_path;
  const lx_items *questions;
  lx_items *items;
} annotation_reader;

static int annotation_entry(void *ctx, int which, const cJSON *a, lx_json_place place,
                            lx_error *err) {
  (void)which;
  annotation_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  char qid[32];
  const char *qtype, *atype;
  int rc = lx_json_id_text(a, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_req_string(a, at, "question_type", &qtype, err);
  if (!rc) rc = lx_json_req_string(a, at, "answer_type", &atype, err);
  const cJSON *answers = cJSON_GetObjectItemCaseSensitive(a, "answers");
  if (!rc && (!cJSON_IsArray(answers) || !answers->child))
    rc = lx_errorf(err, "%s: 'answers' must be a non-empty list", src);
  long qi = rc ? -1 : lx_items_find(r->questions, qid);
  if (!rc && qi < 0)
    rc = lx_errorf(err, "%s: question_id %s is not in %s", src, qid, r->questions_path);
  if (rc) {
    free(src);
    return rc;
  }
  const lx_item *q = &r->questions->v[qi];
  lx_item *it = lx_items_push(r->items);
  it->id = lx_xstrdup(qid);
  it->question = lx_xstrdup(q->question);
  it->media = lx_xstrdup(q->media);
  it->category = lx_xstrdup(atype);
  it->subcategory = lx_xstrdup(qtype);
  it->source = src;
  const cJSON *ans;
  cJSON_ArrayForEach(ans, answers) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(ans, "answer");
    if (!cJSON_IsString(t)) return lx_errorf(err, "%s: every answer needs an 'answer' string", src);
    lx_item_add_ref(it, t->valuestring);
  }
  return LX_OK;
}

/* COCO's file name for an image of the subtype: "val2014/COCO_val2014_000000123456.jpg". */
static char *image_path(const char *subtype, const char *image_id) {
  char media[160];
  snprintf(media, sizeof media, "%s/COCO_%s_%012lld.jpg", subtype, subtype, atoll(image_id));
  return lx_xstrdup(media);
}

int lx_vqav2_load(const char *questions_path, const char *annotations_path, lx_items *items,
                  lx_error *err) {
  lx_items qs = {0};
  question_reader qr = {questions_path, &qs};
  static const char *const q_keys[] = {"questions"}, *const a_keys[] = {"annotations"};
  bool seen;
  cJSON *rest = NULL;
  int rc = lx_json_read_arrays(questions_path, MAX_FILE_BYTES, q_keys, 1, &seen, question_entry,
                               &qr, &rest, err);
  if (!rc && (!seen || qs.n == 0))
    rc = lx_errorf(err, "%s: needs a non-empty \"questions\" list", questions_path);
  if (!rc) {
    const char *subtype = "val2014";
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(rest, "data_subtype");
    if (cJSON_IsString(st) && st->valuestring[0] && strlen(st->valuestring) < 64)
      subtype = st->valuestring;
    for (size_t i = 0; i < qs.n; i++) {
      char *media = image_path(subtype, qs.v[i].media);
      free(qs.v[i].media);
      qs.v[i].media = media;
    }
  }
  cJSON_Delete(rest);
  if (!rc) rc = lx_items_index(&qs, "question_id", err);
  annotation_reader ar = {annotations_path, questions_path, &qs, items};
  if (!rc)
    rc = lx_json_read_arrays(annotations_path, MAX_FILE_BYTES, a_keys, 1, &seen, annotation_entry,
                             &ar, NULL, err);
  if (!rc && (!seen || items->n == 0))
    rc = lx_errorf(err, "%s: needs a non-empty \"annotations\" list", annotations_path);
  if (!rc) rc = lx_items_index(items, "question_id", err);
  if (!rc && items->n != qs.n)
    rc = lx_errorf(err, "%s has %zu questions but %s annotates %zu", questions_path, qs.n,
                   annotations_path, items->n);
  lx_items_free(&qs);
  return rc;
}

int lx_vqav2_results_load(const char *path, lx_predictions *preds, lx_error *err) {
  return lx_predictions_load_json_list(path, "question_id", "answer", preds, err);
}
