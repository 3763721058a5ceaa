#include "tasks/science_qa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/strmap.h"

#define MAX_SPLITS_BYTES   (16u << 20)
#define MAX_PROBLEMS_BYTES (512u << 20)

/* The problem ids of `split`, numbered in the split's order. */
static int read_split(const char *path, const char *split, lx_strmap *ids, lx_error *err) {
  cJSON *root = NULL;
  if (lx_json_read_file(path, MAX_SPLITS_BYTES, &root, NULL, err)) return LX_ERR;
  int rc = LX_OK;
  const cJSON *list = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, split) : NULL;
  if (!cJSON_IsObject(root)) {
    rc = lx_errorf(err, "%s: must be a JSON object of splits ({\"test\": [problem ids], ...})",
                   path);
  } else if (!list) {
    lx_strbuf known = {0};
    const cJSON *s;
    cJSON_ArrayForEach(s, root) lx_strbuf_printf(&known, "%s%s", known.len ? ", " : "", s->string);
    rc = lx_errorf(err, "%s: no split '%s' (the file has: %s)", path, split, lx_strbuf_str(&known));
    lx_strbuf_free(&known);
  } else if (!cJSON_IsArray(list) || !list->child) {
    rc = lx_errorf(err, "%s: split '%s' must be a non-empty list of problem ids", path, split);
  }
  const cJSON *id;
  if (!rc) {
    cJSON_ArrayForEach(id, list) {
      if (!cJSON_IsString(id) || !id->valuestring[0]) {
        rc = lx_errorf(err, "%s: split '%s' holds something that is not a problem id", path, split);
        break;
      }
      size_t before = ids->n;
      if (lx_strmap_intern(ids, id->valuestring) < before) {
        rc = lx_errorf(err, "%s: split '%s' lists problem %s twice", path, split, id->valuestring);
        break;
      }
    }
  }
  cJSON_Delete(root);
  return rc;
}

/* One problem checked and turned into an item. */
static int problem_item(const char *id, const cJSON *p, const char *src, const char *split,
                        lx_item *it, bool *has_image, lx_error *err) {
  lx_json_at at = {src, ""};
  const char *question, *hint, *subject, *grade;
  long answer;
  const cJSON *choices = cJSON_GetObjectItemCaseSensitive(p, "choices");
  const cJSON *image = cJSON_GetObjectItemCaseSensitive(p, "image");
  if (!cJSON_IsObject(p)) return lx_errorf(err, "%s: problem %s is not an object", src, id);
  int rc = lx_json_req_string(p, at, "question", &question, err);
  if (!rc) rc = lx_json_req_string(p, at, "hint", &hint, err);
  if (!rc) rc = lx_json_req_string(p, at, "subject", &subject, err);
  if (!rc) rc = lx_json_req_string(p, at, "grade", &grade, err);
  int n_choices = cJSON_IsArray(choices) ? cJSON_GetArraySize(choices) : 0;
  if (!rc && (n_choices < 2 || n_choices > LX_SQA_MAX_CHOICES))
    rc = lx_errorf(err, "%s: problem %s: 'choices' must be a list of 2 to %d strings", src, id,
                   LX_SQA_MAX_CHOICES);
  if (!rc) rc = lx_json_req_int(p, at, "answer", 0, n_choices - 1, &answer, err);
  if (!rc && !(cJSON_IsNull(image) || cJSON_IsString(image)))
    rc = lx_errorf(err, "%s: problem %s: 'image' must be a file name or null", src, id);
  const cJSON *c;
  if (!rc) {
    cJSON_ArrayForEach(c, choices) {
      if (!cJSON_IsString(c))
        return lx_errorf(err, "%s: problem %s: a choice is not a string", src, id);
    }
  }
  if (rc) return rc;
  /* the image test is the evaluation's ('<image>' in the prompt exactly when image is set) */
  *has_image = cJSON_IsString(image) && image->valuestring[0];
  lx_strbuf q = {0}, media = {0};
  if (hint[0]) lx_strbuf_printf(&q, "Context: %s\n", hint);
  lx_strbuf_puts(&q, question);
  int k = 0;
  cJSON_ArrayForEach(c, choices) lx_strbuf_printf(&q, "\n%c. %s", 'A' + k++, c->valuestring);
  if (*has_image) {
    lx_strbuf_printf(&media, "images/%s/%s/%s", split, id, image->valuestring);
    rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  }
  if (!rc) {
    it->id = lx_xstrdup(id);
    it->media = *has_image ? lx_xstrdup(lx_strbuf_str(&media)) : NULL;
    it->question = lx_xstrdup(lx_strbuf_str(&q));
    char letter[2] = {(char)('A' + answer), 0};
    lx_item_add_ref(it, letter);
    cJSON_ArrayForEach(c, choices) lx_item_add_ref(it, c->valuestring);
    it->context = lx_xstrdup(hint);
    it->category = lx_xstrdup(subject);
    it->subcategory = lx_xstrdup(grade);
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&q);
  lx_strbuf_free(&media);
  return rc;
}

int lx_science_qa_load(const char *problems_path, const char *splits_path, const char *split,
                       bool image_only, lx_items *items, lx_error *err) {
  lx_strmap ids = {0};
  if (read_split(splits_path, split, &ids, err)) {
    lx_strmap_free(&ids);
    return LX_ERR;
  }
  lx_item *slot = lx_xcalloc(ids.n, sizeof *slot); /* the split's problems, in its order */
  bool *seen = lx_xcalloc(ids.n, sizeof *seen), *image = lx_xcalloc(ids.n, sizeof *image);
  lx_json_stream s;
  int rc = lx_json_stream_open(&s, problems_path, MAX_PROBLEMS_BYTES, err);
  bool opened = rc == LX_OK, more = true;
  if (!rc) rc = lx_json_stream_enter_object(&s, err);
  while (!rc && more) {
    const char *key;
    rc = lx_json_stream_next_member(&s, &key, &more, err);
    if (rc || !more) break;
    size_t k = lx_strmap_find(&ids, key);
    if (k == (size_t)-1) {
      rc = lx_json_stream_skip_value(&s, err);
      continue;
    }
    char *id = lx_xstrdup(key);
    cJSON *p = NULL;
    lx_json_place place;
    rc = lx_json_stream_value(&s, &p, &place, err);
    if (!rc && seen[k]) rc = lx_errorf(err, "%s: problem %s occurs twice", problems_path, id);
    if (!rc) {
      char *src = lx_source_at_place(problems_path, place);
      seen[k] = true;
      rc = problem_item(id, p, src, split, &slot[k], &image[k], err);
      free(src);
    }
    cJSON_Delete(p);
    free(id);
  }
  if (!rc) rc = lx_json_stream_finish(&s, err);
  if (opened) lx_json_stream_close(&s);
  for (size_t k = 0; !rc && k < ids.n; k++)
    if (!seen[k])
      rc = lx_errorf(err, "%s: split '%s' lists problem %s, which %s does not hold", splits_path,
                     split, ids.keys[k], problems_path);
  size_t before = items->n;
  for (size_t k = 0; k < ids.n; k++) {
    if (!rc && (image[k] || !image_only)) {
      *lx_items_push(items) = slot[k]; /* the strings move to items */
    } else {
      lx_item_free(&slot[k]);
    }
  }
  if (!rc && items->n == before)
    rc = lx_errorf(err, "%s: split '%s' has no problem%s", problems_path, split,
                   image_only ? " with an image" : "");
  if (!rc) rc = lx_items_index(items, "problem id", err);
  free(slot);
  free(seen);
  free(image);
  lx_strmap_free(&ids);
  return rc;
}
