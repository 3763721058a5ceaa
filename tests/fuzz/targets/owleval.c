/* OwlEval's questions.jsonl. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/owleval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("questions.jsonl");
  fz_write(path, data, size);
  lx_error err;
  lx_items items = {0};
  lx_owleval_load(path, "cases/", &items, &err);
  lx_items_free(&items);
  return 0;
}
