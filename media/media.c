#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/base64.h"
#include "media/image.h"
#include "media/video.h"

void lx_media_free(lx_media *m) {
  free(m->pixels);
  free(m->frame_ids);
  memset(m, 0, sizeof *m);
}

int lx_media_load_image(const char *path, const lx_preprocess_config *cfg,
                        const lx_media_limits *lim, lx_media *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  const int S = cfg->image_size;
  float *px = lx_xcalloc((size_t)3 * S * S, sizeof(float));
  if (lx_image_preprocess_file(path, cfg, lim, px, err)) {
    free(px);
    return LX_ERR;
  }
  out->pixels = px;
  out->frames = 1;
  out->size = S;
  return LX_OK;
}

/* bytes [offset, offset + length) of path, read whole. */
static int read_slice(const char *path, long long offset, size_t length, char **out,
                      lx_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lx_errorf(err, "%s: cannot open: %s", path, strerror(errno));
  char *buf = lx_xmalloc(length + 1);
  size_t got = 0;
  while (got < length) {
    ssize_t r = pread(fd, buf + got, length - got, (off_t)(offset + (long long)got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (got < length) {
    free(buf);
    return lx_errorf(err,
                     "%s: the image at byte %lld is cut short (the file changed since it was "
                     "read?)",
                     path, offset);
  }
  buf[length] = '\0';
  *out = buf;
  return LX_OK;
}

int lx_media_embedded_image_rgb(const char *path, long long offset, size_t length,
                                const lx_media_limits *lim, lx_image *out, lx_error *err) {
  lim = lx_media_limits_or_default(lim);
  char name[4200];
  snprintf(name, sizeof name, "%s (the image at byte %lld)", path, offset);
  if ((double)length / 4 * 3 > (double)lim->max_file_bytes)
    return lx_errorf(err,
                     "%s: %zu bytes of base64, over the limit of %ld bytes of image "
                     "(--max-media-bytes)",
                     name, length, lim->max_file_bytes);
  char *text = NULL;
  if (read_slice(path, offset, length, &text, err)) return LX_ERR;
  unsigned char *bytes;
  size_t n;
  int bad = lx_base64_decode(text, length, &bytes, &n);
  free(text);
  if (bad) return lx_errorf(err, "%s: not valid base64", name);
  int rc = lx_image_decode(bytes, n, name, lim, out, err);
  free(bytes);
  return rc;
}

int lx_media_load_embedded_image(const char *path, long long offset, size_t length,
                                 const lx_preprocess_config *cfg, const lx_media_limits *lim,
                                 lx_media *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  lim = lx_media_limits_or_default(lim);
  char name[4200];
  snprintf(name, sizeof name, "%s (the image at byte %lld)", path, offset);
  lx_image img;
  int rc = lx_media_embedded_image_rgb(path, offset, length, lim, &img, err);
  if (rc) return rc;
  rc = lx_image_check_preprocess(img.width, img.height, cfg, lim, name, err);
  const int S = cfg->image_size;
  if (rc == LX_OK) {
    out->pixels = lx_xcalloc((size_t)3 * S * S, sizeof(float));
    lx_image_preprocess(&img, cfg, out->pixels);
    out->frames = 1;
    out->size = S;
  }
  lx_image_free(&img);
  return rc;
}

int lx_media_load_video(const char *path, const lx_preprocess_config *cfg, const char *rule,
                        uint64_t seed, const lx_media_limits *lim, lx_media *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  const char *name = rule && *rule ? rule : cfg->frame_rule;
  lx_frame_rule r;
  if (lx_frame_rule_parse(name, &r))
    return lx_errorf(
        err, "frame rule \"%s\" is not segment-start, segment-middle or reference-random", name);
  const int k = cfg->num_frames, S = cfg->image_size;
  out->pixels = lx_xcalloc((size_t)k * 3 * S * S, sizeof(float));
  out->frame_ids = lx_xcalloc((size_t)k, sizeof(int));
  if (lx_video_load(path, k, r, seed, cfg, lim, out->pixels, out->frame_ids, &out->source_frames,
                    err)) {
    lx_media_free(out);
    return LX_ERR;
  }
  out->frames = k;
  out->size = S;
  snprintf(out->frame_rule, sizeof out->frame_rule, "%s", lx_frame_rule_name(r));
  return LX_OK;
}
