#include "tasks/coco_caption.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"

#define MAX_FILE_BYTES (1u << 30)

int lx_coco_caption_load(const char *path, const char *media_root, lx_items *items, lx_error *err) {
  cJSON *root;
  char *text;
  if (lx_json_read_file(path, MAX_FILE_BYTES, &root, &text, err)) return LX_ERR;
  const cJSON *images =
      cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "images") : NULL;
  const cJSON *anns =
      cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "annotations") : NULL;
  int rc = LX_OK;
  if (!cJSON_IsArray(images) || !cJSON_IsArray(anns) || cJSON_GetArraySize(anns) == 0)
    rc = lx_errorf(
        err, "%s: a COCO caption file needs \"images\" and a non-empty \"annotations\" list", path);
  lx_items all = {0};
  size_t k = 0;
  const cJSON *x;
  if (!rc) {
    cJSON_ArrayForEach(x, images) {
      char *src = lx_source_at(path, lx_json_item_line(text, "images", k++));
      lx_json_at at = {src, ""};
      char id[256];
      const char *file;
      rc = lx_json_id_text(x, "id", src, id, sizeof id, err);
      if (!rc) rc = lx_json_req_string(x, at, "file_name", &file, err);
      char *media = rc ? NULL : lx_media_path_join(media_root, file);
      if (!rc) rc = lx_check_media_path(media, src, err);
      if (rc) {
        free(media);
        free(src);
        break;
      }
      lx_item *it = lx_items_push(&all);
      it->id = lx_xstrdup(id);
      it->media = media;
      it->source = src;
    }
  }
  if (!rc) rc = lx_items_index(&all, "image id", err);
  k = 0;
  if (!rc) {
    cJSON_ArrayForEach(x, anns) {
      char *src = lx_source_at(path, lx_json_item_line(text, "annotations", k++));
      lx_json_at at = {src, ""};
      char id[256];
      const char *caption;
      rc = lx_json_id_text(x, "image_id", src, id, sizeof id, err);
      if (!rc) rc = lx_json_req_string(x, at, "caption", &caption, err);
      long i = rc ? -1 : lx_items_find(&all, id);
      if (!rc && i < 0) rc = lx_errorf(err, "%s: image_id %s is not in \"images\"", src, id);
      free(src);
      if (rc) break;
      lx_item_add_ref(&all.v[i], caption);
    }
  }
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
  cJSON_Delete(root);
  free(text);
  return rc;
}

int lx_coco_caption_results_load(const char *path, lx_predictions *preds, lx_error *err) {
  return lx_predictions_load_json_list(path, "image_id", "caption", preds, err);
}
