#include "tasks/vizwiz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_FILE_BYTES (512u << 20)

static const char *const ANSWER_TYPES[] = {"other", "yes/no", "number", "unanswerable", NULL};

typedef struct vizwiz_reader {
  const char *path;
  char *split; /* the file's name without ".json": the images' folder */
  lx_items *items;
} vizwiz_reader;

static int question_entry(void *ctx, int which, const cJSON *q, lx_json_place place,
                          lx_error *err) {
  (void)which;
  vizwiz_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  const char *image = NULL, *question = NULL;
  int type = 0, rc = LX_OK;
  if (!cJSON_IsObject(q)) rc = lx_errorf(err, "%s: a question must be an object", src);
  if (!rc) rc = lx_json_req_string(q, at, "image", &image, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &question, err);
  if (!rc) rc = lx_json_choice(q, at, "answer_type", ANSWER_TYPES, 4, -1, &type, err);
  if (!rc && (!*image || strchr(image, '/')))
    rc = lx_errorf(err, "%s: 'image' must be a file name (\"VizWiz_val_00000000.jpg\"), not '%s'",
                   src, image);
  const cJSON *answers = cJSON_GetObjectItemCaseSensitive(q, "answers"), *a;
  if (!rc && (!cJSON_IsArray(answers) || cJSON_GetArraySize(answers) == 0))
    rc = lx_errorf(err, "%s: 'answers' must be a non-empty list of {\"answer\", ...}", src);
  if (!rc) {
    cJSON_ArrayForEach(a, answers) {
      const cJSON *text = cJSON_GetObjectItemCaseSensitive(a, "answer");
      if (!cJSON_IsObject(a) || !cJSON_IsString(text)) {
        rc = lx_errorf(
            err, "%s: every entry of 'answers' must be an object with an 'answer' string", src);
        break;
      }
    }
  }
  lx_strbuf media = {0};
  if (!rc) {
    lx_strbuf_printf(&media, "%s/%s", r->split, image);
    rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  }
  if (!rc) {
    lx_item *it = lx_items_push(r->items);
    it->id = lx_xstrdup(image);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->question = lx_xstrdup(question);
    cJSON_ArrayForEach(a, answers) {
      lx_item_add_ref(it, cJSON_GetObjectItemCaseSensitive(a, "answer")->valuestring);
    }
    it->category = lx_xstrdup(ANSWER_TYPES[type]);
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&media);
  free(src);
  return rc;
}

int lx_vizwiz_load(const char *path, lx_items *items, lx_error *err) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n <= 5 || strcmp(base + n - 5, ".json") != 0)
    return lx_errorf(err,
                     "%s: expected the release's <split>.json (val.json), whose name is the "
                     "images' folder",
                     path);
  vizwiz_reader r = {path, lx_xstrdup(base), items};
  r.split[n - 5] = '\0';
  size_t before = items->n;
  int rc = lx_json_read_array(path, MAX_FILE_BYTES, question_entry, &r, err);
  if (!rc && items->n == before)
    rc = lx_errorf(err,
                   "%s: no questions (a JSON list of {\"image\", \"question\", \"answers\", "
                   "\"answer_type\", ...})",
                   path);
  free(r.split);
  return rc ? rc : lx_items_index(items, "image", err);
}
