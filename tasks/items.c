#include "tasks/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/json_stream.h"
#include "common/jsonutil.h"

#define MAX_FILE_BYTES (1u << 30)

static char *dup_or_null(const char *s) {
  return s ? lx_xstrdup(s) : NULL;
}

lx_item *lx_items_push(lx_items *items) {
  if (items->n == items->cap) {
    items->cap = items->cap ? 2 * items->cap : 64;
    items->v = lx_xrealloc_array(items->v, items->cap, sizeof *items->v);
  }
  lx_item *it = &items->v[items->n++];
  memset(it, 0, sizeof *it);
  return it;
}

void lx_item_add_ref(lx_item *item, const char *ref) {
  size_t n = item->n_refs;
  if ((n & (n - 1)) == 0) /* capacity doubles at 0, 1, 2, 4, ...: linear for any count */
    item->refs = lx_xrealloc_array(item->refs, n ? 2 * n : 1, sizeof *item->refs);
  item->refs[item->n_refs++] = lx_xstrdup(ref);
}

void lx_item_free(lx_item *it) {
  free(it->id);
  free(it->media);
  free(it->question);
  for (size_t r = 0; r < it->n_refs; r++) free(it->refs[r]);
  free(it->refs);
  free(it->category);
  free(it->subcategory);
  free(it->context);
  free(it->answer_group);
  free(it->source);
}

void lx_items_free(lx_items *items) {
  for (size_t i = 0; i < items->n; i++) lx_item_free(&items->v[i]);
  free(items->v);
  free(items->order);
  memset(items, 0, sizeof *items);
}

static const lx_items *sorting;
static int by_id(const void *a, const void *b);

void lx_items_truncate(lx_items *items, size_t n) {
  if (n >= items->n) return;
  for (size_t i = n; i < items->n; i++) lx_item_free(&items->v[i]);
  items->n = n;
  if (items->order) {
    for (size_t i = 0; i < n; i++) items->order[i] = i;
    sorting = items;
    qsort(items->order, n, sizeof *items->order, by_id);
    sorting = NULL;
  }
} /* qsort has no context argument */

static int by_id(const void *a, const void *b) {
  return strcmp(sorting->v[*(const size_t *)a].id, sorting->v[*(const size_t *)b].id);
}

int lx_items_index(lx_items *items, const char *what, lx_error *err) {
  free(items->order);
  items->order = lx_xcalloc(items->n ? items->n : 1, sizeof *items->order);
  for (size_t i = 0; i < items->n; i++) items->order[i] = i;
  sorting = items;
  qsort(items->order, items->n, sizeof *items->order, by_id);
  sorting = NULL;
  for (size_t i = 1; i < items->n; i++) {
    const lx_item *a = &items->v[items->order[i - 1]], *b = &items->v[items->order[i]];
    if (strcmp(a->id, b->id) == 0) {
      const lx_item *first = items->order[i - 1] < items->order[i] ? a : b;
      const lx_item *second = first == a ? b : a;
      return lx_errorf(err, "%s: %s %s occurs twice (first at %s)", second->source, what,
                       second->id, first->source);
    }
  }
  return LX_OK;
}

long lx_items_find(const lx_items *items, const char *id) {
  size_t lo = 0, hi = items->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(items->v[items->order[mid]].id, id);
    if (c == 0) return (long)items->order[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

lx_prediction *lx_predictions_push(lx_predictions *p, const char *id, const char *text,
                                   const char *source) {
  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 64;
    p->v = lx_xrealloc_array(p->v, p->cap, sizeof *p->v);
  }
  lx_prediction *x = &p->v[p->n++];
  x->id = lx_xstrdup(id);
  x->text = lx_xstrdup(text);
  x->source = dup_or_null(source);
  return x;
}

void lx_predictions_keep_items(const lx_predictions *p, const lx_items *items,
                               lx_predictions *kept) {
  for (size_t i = 0; i < p->n; i++)
    if (lx_items_find(items, p->v[i].id) >= 0)
      lx_predictions_push(kept, p->v[i].id, p->v[i].text, p->v[i].source);
}

void lx_predictions_free(lx_predictions *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->v[i].id);
    free(p->v[i].text);
    free(p->v[i].source);
  }
  free(p->v);
  memset(p, 0, sizeof *p);
}

int lx_predictions_match(const lx_predictions *p, const lx_items *items, bool need_all, size_t **at,
                         lx_error *err) {
  size_t *idx = lx_xcalloc(p->n ? p->n : 1, sizeof *idx);
  long *answered_by = lx_xcalloc(items->n ? items->n : 1, sizeof *answered_by); /* pred + 1 */
  int rc = LX_OK;
  for (size_t i = 0; i < p->n && rc == LX_OK; i++) {
    long k = lx_items_find(items, p->v[i].id);
    if (k < 0) {
      rc = lx_errorf(err, "%s: id %s is not in the annotations", p->v[i].source, p->v[i].id);
    } else if (answered_by[k]) {
      rc = lx_errorf(err, "%s: a second prediction for id %s (the first is at %s)", p->v[i].source,
                     p->v[i].id, p->v[answered_by[k] - 1].source);
    } else {
      answered_by[k] = (long)i + 1;
      idx[i] = (size_t)k;
    }
  }
  if (rc == LX_OK && need_all && p->n < items->n) {
    size_t missing = 0, first = 0;
    for (size_t k = items->n; k-- > 0;)
      if (!answered_by[k]) {
        missing++;
        first = k;
      }
    rc = lx_errorf(err, "%zu of %zu items have no prediction (the first: id %s, %s)", missing,
                   items->n, items->v[first].id, items->v[first].source);
  }
  free(answered_by);
  if (rc) {
    free(idx);
    return rc;
  }
  *at = idx;
  return LX_OK;
}

char *lx_source_at(const char *file, int line) {
  size_t n = strlen(file) + 24;
  char *s = lx_xmalloc(n);
  if (line > 0)
    snprintf(s, n, "%s:%d", file, line);
  else
    snprintf(s, n, "%s", file);
  return s;
}

char *lx_source_at_place(const char *file, lx_json_place at) {
  if (at.column <= 0) return lx_source_at(file, at.line);
  size_t n = strlen(file) + 40;
  char *s = lx_xmalloc(n);
  snprintf(s, n, "%s:%d:%d", file, at.line, at.column);
  return s;
}

int lx_check_media_path(const char *path, const char *source, lx_error *err) {
  if (!*path) return lx_errorf(err, "%s: the media path is empty", source);
  if (path[0] == '/')
    return lx_errorf(err,
                     "%s: media path '%s' is absolute; it must be relative to the data directory",
                     source, path);
  for (const char *p = path; *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.')
      return lx_errorf(err, "%s: media path '%s' leaves the data directory ('..')", source, path);
    p += n + (slash != NULL);
  }
  return LX_OK;
}

int lx_items_check_media(const lx_items *items, size_t n, const char *data_dir, lx_error *err) {
  for (size_t i = 0; i < n && i < items->n; i++) {
    const lx_item *it = &items->v[i];
    if (!it->media) continue;
    char *path = lx_path_join(data_dir, it->media);
    int rc = lx_check_input_path(path, it->video, err);
    free(path);
    if (rc) {
      lx_error inner = *err;
      return lx_errorf(err, "%s (the %s of item %s, %s)", inner.msg, it->video ? "video" : "image",
                       it->id, it->source);
    }
  }
  return LX_OK;
}

char *lx_media_path_join(const char *root, const char *name) {
  size_t n = (root ? strlen(root) : 0) + strlen(name) + 1;
  char *s = lx_xmalloc(n);
  snprintf(s, n, "%s%s", root ? root : "", name);
  return s;
}

typedef struct result_reader {
  const char *path, *id_key, *text_key;
  lx_predictions *preds;
} result_reader;

static int result_entry(void *ctx, int which, const cJSON *r, lx_json_place place, lx_error *err) {
  (void)which;
  result_reader *rr = ctx;
  char *src = lx_source_at_place(rr->path, place);
  lx_json_at at = {src, ""};
  char id[256];
  const char *value;
  int rc = lx_json_id_text(r, rr->id_key, src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(r, at, rr->text_key, &value, err);
  if (!rc) lx_predictions_push(rr->preds, id, value, src);
  free(src);
  return rc;
}

int lx_predictions_load_json_list(const char *path, const char *id_key, const char *text_key,
                                  lx_predictions *preds, lx_error *err) {
  result_reader rr = {path, id_key, text_key, preds};
  size_t before = preds->n;
  int rc = lx_json_read_array(path, MAX_FILE_BYTES, result_entry, &rr, err);
  if (!rc && preds->n == before)
    rc = lx_errorf(err, "%s: results must be a non-empty JSON list of {\"%s\", \"%s\"}", path,
                   id_key, text_key);
  return rc;
}

static int result_line(void *ctx, const cJSON *obj, int line, lx_error *err) {
  result_reader *rr = ctx;
  char *src = lx_source_at(rr->path, line);
  lx_json_at at = {src, ""};
  char id[256];
  const char *value;
  int rc = lx_json_id_text(obj, rr->id_key, src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, rr->text_key, &value, err);
  if (!rc) lx_predictions_push(rr->preds, id, value, src);
  free(src);
  return rc;
}

int lx_predictions_load_jsonl(const char *path, const char *id_key, const char *text_key,
                              lx_predictions *preds, lx_error *err) {
  result_reader rr = {path, id_key, text_key, preds};
  size_t before = preds->n;
  if (lx_jsonl_read(path, MAX_FILE_BYTES, result_line, &rr, err)) return LX_ERR;
  if (preds->n == before)
    return lx_errorf(err, "%s: no results in the file (JSON Lines of {\"%s\", \"%s\"})", path,
                     id_key, text_key);
  return LX_OK;
}

typedef struct question_reader {
  const char *path, *id_key, *text_key, *category_key, *media_root;
  lx_items *items;
} question_reader;

static int question_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  question_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char id[128];
  const char *image, *question, *category;
  int rc = lx_json_id_text(obj, r->id_key, src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, "image", &image, err);
  if (!rc) rc = lx_json_req_string(obj, at, r->text_key, &question, err);
  if (!rc) rc = lx_json_opt_string(obj, at, r->category_key, "", &category, err);
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
  it->category = lx_xstrdup(category);
  it->subcategory = lx_xstrdup(image);
  it->source = src;
  return LX_OK;
}

int lx_items_load_jsonl_questions(const char *path, const char *id_key, const char *text_key,
                                  const char *category_key, const char *media_root, lx_items *items,
                                  lx_error *err) {
  question_reader r = {path, id_key, text_key, category_key, media_root, items};
  if (lx_jsonl_read(path, MAX_FILE_BYTES, question_row, &r, err)) return LX_ERR;
  if (items->n == 0) return lx_errorf(err, "%s: no questions in the file", path);
  return LX_OK;
}

typedef struct member_reader {
  const char *path;
  int (*item_fn)(const char *id, const cJSON *value, const char *source, lx_items *items,
                 lx_error *err);
  lx_items *items;
} member_reader;

static int member(void *ctx, const char *id, const cJSON *value, lx_json_place place,
                  lx_error *err) {
  member_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  int rc = r->item_fn(id, value, src, r->items, err);
  free(src);
  return rc;
}

int lx_items_read_members(const char *path, size_t max_bytes,
                          int (*item_fn)(const char *id, const cJSON *value, const char *source,
                                         lx_items *items, lx_error *err),
                          lx_items *items, lx_error *err) {
  member_reader r = {path, item_fn, items};
  return lx_json_read_members(path, max_bytes, member, &r, err);
}
