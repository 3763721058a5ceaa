/* A run directory's manifest.json as a resumed run reads it. */
#include "fuzz.h"

#include <cJSON.h>
#include <stdlib.h>

#include "runs/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *dir, *path;
  if (!dir) {
    dir = fz_path("run");
    path = fz_path("run/manifest.json");
  }
  fz_write(path, data, size);
  cJSON *m = NULL;
  lx_error err;
  if (lx_manifest_read(dir, &m, &err) == LX_OK) cJSON_Delete(m);
  return 0;
}
