/* TextVQA 0.5.1: the questions, the Rosetta OCR file read with them, and LLaVA's answer file read
 * against them (each fuzzed with the others valid fixtures). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/textvqa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"TextVQA_0.5.1_val.json",
                                       "TextVQA_Rosetta_OCR_v0.2_val.json", "answers.jsonl"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "textvqa/", names, 3);
  int which = fz_pick(&data, &size, 3);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  fz_files_place(&files, which, data, size);
  if (lx_textvqa_load(files.path[0], which == 1 ? files.path[1] : NULL, &items, &err) == 0)
    lx_textvqa_results_load(files.path[2], &items, &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
