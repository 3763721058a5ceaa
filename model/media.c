#include "model/media.h"

#include <stdlib.h>
#include <string.h>

#include "model/image.h"

void lx_media_free(lx_media *m) {
  free(m->pixels);
  free(m->frame_ids);
  memset(m, 0, sizeof *m);
}

int lx_media_load_image(const char *path, const lx_preprocess_config *cfg, lx_media *out,
                        lx_error *err) {
  memset(out, 0, sizeof *out);
  const int S = cfg->image_size;
  float *px = lx_xcalloc((size_t)3 * S * S, sizeof(float));
  if (lx_image_preprocess_file(path, S, cfg->mean, cfg->std, px, err)) {
    free(px);
    return LX_ERR;
  }
  out->pixels = px;
  out->frames = 1;
  out->size = S;
  return LX_OK;
}
