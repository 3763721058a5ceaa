#include "tasks/llava_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

#define MAX_FILE_BYTES (64u << 20)

/* answers_gpt4.jsonl ({"question_id", "text"}) or context.jsonl ({"image", "caption"}) rows as
 * items with one ref. */
typedef struct side_reader {
  const char *path, *id_key, *text_key;
  lx_items *out;
} side_reader;

static int side_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  side_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char id[512];
  const char *text;
  int rc = lx_json_id_text(obj, r->id_key, src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, r->text_key, &text, err);
  if (rc) {
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->out);
  it->id = lx_xstrdup(id);
  lx_item_add_ref(it, text);
  it->source = src;
  return LX_OK;
}

int lx_llava_bench_load(const char *questions_path, const char *answers_path,
                        const char *context_path, const char *media_root, lx_items *items,
                        lx_error *err) {
  lx_items answers = {0}, contexts = {0};
  side_reader a = {answers_path, "question_id", "text", &answers};
  side_reader c = {context_path, "image", "caption", &contexts};
  int rc = lx_items_load_jsonl_questions(questions_path, "question_id", "text", "category",
                                         media_root, items, err);
  if (!rc) rc = lx_jsonl_read(answers_path, MAX_FILE_BYTES, side_row, &a, err);
  if (!rc) rc = lx_jsonl_read(context_path, MAX_FILE_BYTES, side_row, &c, err);
  if (!rc) rc = lx_items_index(&answers, "question_id", err);
  if (!rc) rc = lx_items_index(&contexts, "image", err);
  for (size_t i = 0; !rc && i < items->n; i++) {
    lx_item *it = &items->v[i];
    long k = lx_items_find(&answers, it->id);
    if (k < 0) {
      rc = lx_errorf(err, "%s: question_id %s has no reference answer in %s", it->source, it->id,
                     answers_path);
      break;
    }
    lx_item_add_ref(it, answers.v[k].refs[0]);
    k = lx_items_find(&contexts, it->subcategory);
    if (k < 0) {
      rc = lx_errorf(err, "%s: image %s has no caption in %s", it->source, it->subcategory,
                     context_path);
      break;
    }
    it->context = lx_xstrdup(contexts.v[k].refs[0]);
  }
  if (!rc) rc = lx_items_index(items, "question_id", err);
  lx_items_free(&answers);
  lx_items_free(&contexts);
  return rc;
}
