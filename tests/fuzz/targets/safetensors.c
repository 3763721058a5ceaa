/* A safetensors file: the header's JSON (names, dtypes, shapes, offsets), its size and the data
 * it describes. */
#include "fuzz.h"

#include <stdlib.h>

#include "model/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("model.safetensors");
  fz_write(path, data, size);
  lx_weights *w = NULL;
  lx_error err;
  if (lx_weights_open(path, &w, &err) == LX_OK) lx_weights_close(w);
  return 0;
}
