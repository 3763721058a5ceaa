#include "tasks/open_vqa.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jsonutil.h"

#define MAX_ANNOTATION_BYTES (256u << 20)

typedef struct reader {
  const char *path;
  void *out;
} reader;

static bool has(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

static int annotation_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  if ((has(obj, "text_output") && !has(obj, "question")) ||
      (has(obj, "id") && !has(obj, "index"))) {
    /* a results file or a run's predictions.jsonl given as the annotations */
    lx_errorf(err,
              "%s: a prediction (%s), not an annotation: were the files swapped? --annotations "
              "takes Open-VQA's rows {\"index\", \"question\", \"answer\": [...], \"class\", "
              "\"image\" or \"video\"}",
              src, has(obj, "text_output") ? "index, text_output" : "a run's id, answer");
    free(src);
    return LX_ERR;
  }
  char index[64];
  const char *question, *image = NULL, *video = NULL, *cls, *origin;
  int rc = lx_json_id_text(obj, "index", src, index, sizeof index, err);
  if (!rc) rc = lx_json_req_string(obj, at, "question", &question, err);
  if (!rc) rc = lx_json_opt_string(obj, at, "image", NULL, &image, err);
  if (!rc) rc = lx_json_opt_string(obj, at, "video", NULL, &video, err);
  if (!rc) rc = lx_json_req_string(obj, at, "class", &cls, err);
  if (!rc) rc = lx_json_opt_string(obj, at, "origin_dataset", "", &origin, err);
  if (!rc && !image == !video)
    rc = lx_errorf(err, "%s: needs exactly one of 'image' and 'video'", src);
  if (!rc) rc = lx_check_media_path(image ? image : video, src, err);
  const cJSON *answers = cJSON_GetObjectItemCaseSensitive(obj, "answer");
  if (!rc && (!cJSON_IsArray(answers) || cJSON_GetArraySize(answers) < 1))
    rc = lx_errorf(err, "%s: 'answer' must be a list of at least one reference answer", src);
  const cJSON *a;
  if (!rc) {
    cJSON_ArrayForEach(a, answers) {
      if (!cJSON_IsString(a)) {
        rc = lx_errorf(err, "%s: 'answer' holds a non-string", src);
        break;
      }
    }
  }
  if (rc) {
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->out);
  it->id = lx_xstrdup(index);
  it->media = lx_xstrdup(image ? image : video);
  it->video = video != NULL;
  it->question = lx_xstrdup(question);
  cJSON_ArrayForEach(a, answers) lx_item_add_ref(it, a->valuestring);
  it->category = lx_xstrdup(cls);
  it->subcategory = lx_xstrdup(origin);
  it->source = src;
  return LX_OK;
}

int lx_open_vqa_load(const char *path, lx_items *items, lx_error *err) {
  reader r = {path, items};
  if (lx_jsonl_read(path, MAX_ANNOTATION_BYTES, annotation_row, &r, err)) return LX_ERR;
  if (items->n == 0) return lx_errorf(err, "%s: no questions in the file", path);
  return lx_items_index(items, "index", err);
}

static int result_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char index[64];
  const char *text;
  int rc;
  if (!has(obj, "text_output") && has(obj, "question") &&
      cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(obj, "answer"))) {
    rc = lx_errorf(err,
                   "%s: an annotation (question, answer list), not a prediction: were the files "
                   "swapped? --results takes rows {\"index\", \"text_output\"}, or a run's "
                   "predictions.jsonl",
                   src);
  } else if (!has(obj, "index") && !has(obj, "text_output") && has(obj, "id")) {
    /* a row of a run's predictions.jsonl: its id is the annotation's index */
    rc = lx_json_id_text(obj, "id", src, index, sizeof index, err);
    if (!rc) rc = lx_json_req_string(obj, at, "answer", &text, err);
  } else {
    rc = lx_json_id_text(obj, "index", src, index, sizeof index, err);
    if (!rc) rc = lx_json_req_string(obj, at, "text_output", &text, err);
  }
  if (!rc) lx_predictions_push(r->out, index, text, src);
  free(src);
  return rc;
}

int lx_open_vqa_results_load(const char *path, lx_predictions *preds, lx_error *err) {
  reader r = {path, preds};
  if (lx_jsonl_read(path, MAX_ANNOTATION_BYTES, result_row, &r, err)) return LX_ERR;
  if (preds->n == 0) return lx_errorf(err, "%s: no results in the file", path);
  return LX_OK;
}
