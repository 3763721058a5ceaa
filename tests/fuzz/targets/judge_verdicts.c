/* Verdicts to import (`judge import --verdicts`): JSON Lines of {"id", "verdict"}. */
#include "fuzz.h"

#include <stdlib.h>

#include "runs/judging.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("verdicts.jsonl");
  fz_write(path, data, size);
  lx_predictions rows = {0};
  lx_error err;
  lx_judge_read_verdicts(path, &rows, &err);
  lx_predictions_free(&rows);
  return 0;
}
