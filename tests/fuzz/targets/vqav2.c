/* VQAv2's official files: the questions and the annotations (each fuzzed with the other one a
 * valid fixture) and a results file. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/vqav2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"questions.json", "annotations.json"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "vqav2/", names, 2);
  int which = fz_pick(&data, &size, 3);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  fz_files_place(&files, which % 2, data, size);
  if (which < 2)
    lx_vqav2_load(files.path[0], files.path[1], &items, &err);
  else
    lx_vqav2_results_load(files.path[0], &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
