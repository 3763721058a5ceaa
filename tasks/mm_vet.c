#include "tasks/mm_vet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_FILE_BYTES (64u << 20)

/* A capability the script's tables can hold as a column of its own. */
static bool plain_capability(const char *c) {
  if (!*c || !strcmp(c, "total") || !strcmp(c, "std") || !strcmp(c, "runs")) return false;
  for (; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '-'))
      return false;
  return true;
}

static int question_item(const char *qid, const cJSON *q, const char *src, lx_items *items,
                         lx_error *err) {
  lx_json_at at = {src, ""};
  const char *image, *question, *answer;
  if (!cJSON_IsObject(q)) return lx_errorf(err, "%s: question %s is not an object", src, qid);
  int rc = lx_json_req_string(q, at, "imagename", &image, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &question, err);
  if (!rc) rc = lx_json_req_string(q, at, "answer", &answer, err);
  if (rc) return rc;
  const cJSON *caps = cJSON_GetObjectItemCaseSensitive(q, "capability"), *c;
  if (!cJSON_IsArray(caps) || cJSON_GetArraySize(caps) == 0)
    return lx_errorf(err,
                     "%s: question %s: 'capability' must be a non-empty list of capability names "
                     "([\"ocr\", \"math\"])",
                     src, qid);
  lx_strbuf list = {0}, media = {0};
  cJSON_ArrayForEach(c, caps) {
    if (!cJSON_IsString(c) || !plain_capability(c->valuestring)) {
      lx_strbuf_free(&list);
      return lx_errorf(err,
                       "%s: question %s: capability %s is not a plain name (letters, digits and "
                       "'-', not total, std or runs)",
                       src, qid, cJSON_IsString(c) ? c->valuestring : "(not a string)");
    }
    if (list.len) lx_strbuf_putc(&list, ',');
    lx_strbuf_puts(&list, c->valuestring);
  }
  lx_strbuf_printf(&media, "images/%s", image);
  rc = strchr(image, '/') || !*image
           ? lx_errorf(err, "%s: question %s: 'imagename' must be a file name (\"v1_0.png\")", src,
                       qid)
           : lx_check_media_path(lx_strbuf_str(&media), src, err);
  if (!rc) {
    lx_item *it = lx_items_push(items);
    it->id = lx_xstrdup(qid);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->question = lx_xstrdup(question);
    lx_item_add_ref(it, answer);
    it->category = lx_xstrdup(lx_strbuf_str(&list));
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&list);
  lx_strbuf_free(&media);
  return rc;
}

int lx_mm_vet_load(const char *path, lx_items *items, lx_error *err) {
  size_t before = items->n;
  int rc = lx_items_read_members(path, MAX_FILE_BYTES, question_item, items, err);
  if (!rc && items->n == before)
    rc = lx_errorf(err,
                   "%s: no questions (an object of questions by id, each {\"imagename\", "
                   "\"capability\", \"question\", \"answer\"})",
                   path);
  return rc ? rc : lx_items_index(items, "question id", err);
}

int lx_mm_vet_keep_subset(const char *path, lx_items *items, lx_error *err) {
  cJSON *root = NULL;
  if (lx_json_read_file(path, MAX_FILE_BYTES, &root, NULL, err)) return LX_ERR;
  bool *keep = lx_xcalloc(items->n + 1, sizeof *keep);
  int rc = cJSON_IsArray(root) || cJSON_IsObject(root)
               ? LX_OK
               : lx_errorf(err, "%s: expected a list of question ids (or an object keyed by them)",
                           path);
  const cJSON *e, *ids = rc ? NULL : root;
  cJSON_ArrayForEach(e, ids) {
    const char *id = cJSON_IsObject(root) ? e->string : cJSON_IsString(e) ? e->valuestring : NULL;
    long k = id ? lx_items_find(items, id) : -1;
    if (k < 0) {
      rc = id ? lx_errorf(err, "%s: %s is not a question of mm-vet.json", path, id)
              : lx_errorf(err, "%s: a subset's ids are strings (\"v1_0\")", path);
      break;
    }
    keep[k] = true;
  }
  size_t kept = 0;
  for (size_t k = 0; rc == LX_OK && k < items->n; k++) {
    if (keep[k])
      items->v[kept++] = items->v[k];
    else
      lx_item_free(&items->v[k]);
  }
  if (rc == LX_OK) {
    items->n = kept;
    free(items->order);
    items->order = NULL;
    rc = kept ? lx_items_index(items, "question id", err)
              : lx_errorf(err, "%s: the subset names no question", path);
  }
  free(keep);
  cJSON_Delete(root);
  return rc;
}
