/* A model directory's config.json: the shared keys, then the family's own (lx_model_open with
 * the config alone). */
#include "fuzz.h"

#include <stdlib.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path, *dir;
  if (!path) {
    path = fz_path("model/config.json");
    dir = fz_path("model");
  }
  fz_write(path, data, size);
  lx_model *m = NULL;
  lx_error err;
  if (lx_model_open(dir, LX_LOAD_CONFIG, NULL, &m, &err) == LX_OK) lx_model_free(m);
  return 0;
}
