/* A video as a frames JSON (a list of base64-encoded images, the reference's format): the list,
 * the base64, the frame rules over its length, each chosen frame decoded and transformed. */
#include "fuzz.h"

#include <stdlib.h>

#include "media/video.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("video.json");
  fz_write(path, data, size);
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  lim.max_pixels = 1L << 20; /* quick inputs: see image.c */
  lim.max_video_pixels = 1L << 23;
  enum { K = 3, S = 14 };
  static const lx_preprocess_config pp = {
      .image_size = S, .mean = {0.5, 0.5, 0.5}, .std = {0.25, 0.25, 0.25}};
  float px[K * 3 * S * S];
  int ids[K], n_source;
  lx_error err;
  for (int rule = 0; rule < 3; rule++)
    if (lx_video_load(path, K, (lx_frame_rule)rule, 7, &pp, &lim, px, ids, &n_source, &err) !=
        LX_OK)
      break;
  return 0;
}
