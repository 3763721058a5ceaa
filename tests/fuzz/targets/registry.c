/* The datasets registry's text (datasets.txt's format). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lx_registry reg = {0};
  lx_error err;
  if (lx_registry_parse((const char *)data, size, "datasets.txt", &reg, &err) == LX_OK)
    lx_registry_free(&reg);
  return 0;
}
