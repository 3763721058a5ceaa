/* MMBench's TSV (read with its images checked, as a run reads it), and LLaVA's answers read
 * against it (each fuzzed with the other a valid fixture). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/mmbench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"mmbench_dev_en_20231003.tsv", "answers.jsonl"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "mmbench/", names, 2);
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t replaced;
  fz_files_place(&files, which, data, size);
  if (lx_mmbench_load(files.path[0], names[0], &items, &err) == 0)
    lx_mmbench_answers_load(files.path[1], &items, &preds, &replaced, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
