#include "reports/item_media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "media/media.h"
#include "media/video.h"

/* img shrunk in place so that its longer side is at most max_side. */
static void shrink(lx_image *img, int max_side) {
  int w = img->width, h = img->height, side = w > h ? w : h;
  if (side <= max_side) return;
  lx_image small = {0};
  lx_image_resize_bicubic(img, w * max_side / side > 0 ? w * max_side / side : 1,
                          h * max_side / side > 0 ? h * max_side / side : 1, &small);
  lx_image_free(img);
  *img = small;
}

/* The frame ids a video's prediction recorded; NULL (and an error) if they are not frame ids. */
static int *frame_ids(const cJSON *row, const cJSON *frames, int *k, lx_error *err) {
  *k = cJSON_GetArraySize(frames);
  int *ids = lx_xcalloc((size_t)(*k > 0 ? *k : 1), sizeof(int));
  const cJSON *f;
  int i = 0;
  cJSON_ArrayForEach(f, frames) {
    if (!cJSON_IsNumber(f) || f->valuedouble < 0 || f->valuedouble > 1e9 ||
        f->valuedouble != (int)f->valuedouble) {
      lx_errorf(err, "prediction %s: \"frames\" holds something other than frame numbers",
                lx_json_string(row, "id"));
      free(ids);
      return NULL;
    }
    ids[i++] = (int)f->valuedouble;
  }
  return ids;
}

int lx_item_pictures(const cJSON *row, const char *data_dir, const lx_media_limits *lim,
                     int max_side, lx_image **pics, int *n, lx_error *err) {
  *pics = NULL;
  *n = 0;
  const char *media = lx_json_string(row, "media");
  if (!media[0]) return LX_OK;
  char *path = lx_path_join(data_dir, media);
  const cJSON *frames = cJSON_GetObjectItem(row, "frames");
  const cJSON *offset = cJSON_GetObjectItem(row, "media_offset"),
              *length = cJSON_GetObjectItem(row, "media_length");
  int rc = LX_OK, k = 1;
  lx_image *out = NULL;
  if (frames) {
    int *ids = frame_ids(row, frames, &k, err);
    if (!ids) {
      rc = LX_ERR;
    } else {
      out = lx_xcalloc((size_t)(k > 0 ? k : 1), sizeof *out);
      rc = lx_video_frames_rgb(path, ids, k, lim, out, err);
      free(ids);
    }
  } else if (cJSON_IsNumber(offset) && cJSON_IsNumber(length) && offset->valuedouble >= 0 &&
             length->valuedouble > 0) {
    out = lx_xcalloc(1, sizeof *out);
    rc = lx_media_embedded_image_rgb(path, (long long)offset->valuedouble,
                                     (size_t)length->valuedouble, lim, out, err);
  } else {
    out = lx_xcalloc(1, sizeof *out);
    rc = lx_image_load(path, lim, out, err);
  }
  free(path);
  if (rc) {
    lx_item_pictures_free(out, out ? k : 0);
    return rc;
  }
  for (int j = 0; j < k; j++) shrink(&out[j], max_side);
  *pics = out;
  *n = k;
  return LX_OK;
}

void lx_item_pictures_free(lx_image *pics, int n) {
  for (int j = 0; j < n; j++) lx_image_free(&pics[j]);
  free(pics);
}

char *lx_item_media_key(const cJSON *row) {
  const char *media = lx_json_string(row, "media");
  const cJSON *offset = cJSON_GetObjectItem(row, "media_offset");
  lx_strbuf key = {0};
  lx_strbuf_puts(&key, media);
  if (media[0] && cJSON_IsNumber(offset)) lx_strbuf_printf(&key, "@%.0f", offset->valuedouble);
  char *out = lx_xstrdup(lx_strbuf_str(&key));
  lx_strbuf_free(&key);
  return out;
}
