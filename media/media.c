#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
