#include "tasks/owleval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

#define MAX_FILE_BYTES (64u << 20)

typedef struct reader {
  const char *path, *media_root;
  lx_items *items;
} reader;

static int row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char id[128];
  const char *image, *question, *ability;
  int rc = lx_json_id_text(obj, "question_id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, "image", &image, err);
  if (!rc) rc = lx_json_req_string(obj, at, "question", &question, err);
  if (!rc) rc = lx_json_opt_string(obj, at, "ability", "", &ability, err);
  char *media = rc ? NULL : lx_media_path_join(r->media_root, image);
  if (!rc) rc = lx_check_media_path(media, src, err);
  if (rc) {
    free(media);
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->items);
  it->id = lx_xstrdup(id);
  it->media = media;
  it->question = lx_xstrdup(question);
  it->category = lx_xstrdup(ability);
  it->source = src;
  return LX_OK;
}

int lx_owleval_load(const char *questions_path, const char *media_root, lx_items *items,
                    lx_error *err) {
  reader r = {questions_path, media_root, items};
  if (lx_jsonl_read(questions_path, MAX_FILE_BYTES, row, &r, err)) return LX_ERR;
  if (items->n == 0) return lx_errorf(err, "%s: no questions in the file", questions_path);
  return lx_items_index(items, "question_id", err);
}
