#include "tasks/coco_caption.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"

#define MAX_FILE_BYTES (1u << 30)

/* An annotation as read, kept until every image is known (the file may list "annotations"
 * before "images"). */
typedef struct caption_row {
  char *image_id;
  char *caption;
  char *source;
} caption_row;

typedef struct coco_reader {
  const char *path, *media_root;
  lx_items *images;
  caption_row *rows;
  size_t n_rows, cap_rows;
} coco_reader;

static int image_entry(coco_reader *r, const cJSON *x, char *src, lx_error *err) {
  lx_json_at at = {src, ""};
  char id[256];
  const char *file;
  int rc = lx_json_id_text(x, "id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(x, at, "file_name", &file, err);
  char *media = rc ? NULL : lx_media_path_join(r->media_root, file);
  if (!rc) rc = lx_check_media_path(media, src, err);
  if (rc) {
    free(media);
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->images);
  it->id = lx_xstrdup(id);
  it->media = media;
  it->source = src;
  return LX_OK;
}

static int caption_entry(coco_reader *r, const cJSON *x, char *src, lx_error *err) {
  lx_json_at at = {src, ""};
  char id[256];
  const char *caption;
  int rc = lx_json_id_text(x, "image_id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(x, at, "caption", &caption, err);
  if (rc) {
    free(src);
    return rc;
  }
  if (r->n_rows == r->cap_rows) {
    r->cap_rows = r->cap_rows ? 2 * r->cap_rows : 1024;
    r->rows = lx_xrealloc_array(r->rows, r->cap_rows, sizeof *r->rows);
  }
  r->rows[r->n_rows++] = (caption_row){lx_xstrdup(id), lx_xstrdup(caption), src};
  return LX_OK;
}

static int entry(void *ctx, int which, const cJSON *x, lx_json_place place, lx_error *err) {
  coco_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  return which == 0 ? image_entry(r, x, src, err) : caption_entry(r, x, src, err);
}

int lx_coco_caption_load(const char *path, const char *media_root, lx_items *items, lx_error *err) {
  lx_items all = {0};
  coco_reader r = {path, media_root, &all, NULL, 0, 0};
  static const char *const keys[] = {"images", "annotations"};
  bool seen[2];
  int rc = lx_json_read_arrays(path, MAX_FILE_BYTES, keys, 2, seen, entry, &r, NULL, err);
  if (!rc && (!seen[0] || !seen[1] || r.n_rows == 0))
    rc = lx_errorf(
        err, "%s: a COCO caption file needs \"images\" and a non-empty \"annotations\" list", path);
  if (!rc) rc = lx_items_index(&all, "image id", err);
  for (size_t k = 0; !rc && k < r.n_rows; k++) {
    long i = lx_items_find(&all, r.rows[k].image_id);
    if (i < 0)
      rc = lx_errorf(err, "%s: image_id %s is not in \"images\"", r.rows[k].source,
                     r.rows[k].image_id);
    else
      lx_item_add_ref(&all.v[i], r.rows[k].caption);
  }
  for (size_t k = 0; k < r.n_rows; k++) {
    free(r.rows[k].image_id);
    free(r.rows[k].caption);
    free(r.rows[k].source);
  }
  free(r.rows);
  /* keep the images that have references, in file order */
  for (size_t i = 0; !rc && i < all.n; i++) {
    if (all.v[i].n_refs == 0) continue;
    lx_item *it = lx_items_push(items);
    *it = all.v[i];
    memset(&all.v[i], 0, sizeof all.v[i]);
  }
  if (!rc && items->n == 0) rc = lx_errorf(err, "%s: no image has a caption", path);
  if (!rc) rc = lx_items_index(items, "image id", err);
  lx_items_free(&all);
  return rc;
}

int lx_coco_caption_results_load(const char *path, lx_predictions *preds, lx_error *err) {
  return lx_predictions_load_json_list(path, "image_id", "caption", preds, err);
}
