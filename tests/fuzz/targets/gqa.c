/* GQA's questions file, and LLaVA's answers and eval.py's predictions read against it (each fuzzed
 * with the others valid fixtures). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/gqa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"testdev_balanced_questions.json", "answers.jsonl",
                                       "testdev_balanced_predictions.json"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "gqa/", names, 3);
  int which = fz_pick(&data, &size, 3);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  fz_files_place(&files, which, data, size);
  if (lx_gqa_load(files.path[0], &items, &err) == 0)
    lx_gqa_results_load(files.path[which == 2 ? 2 : 1], which == 2, &items, &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
