/* POPE: a split file (coco_pope_<split>.json), and LLaVA's question and answer files read with
 * the split files (each fuzzed with the others valid fixtures). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/pope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"coco/coco_pope_random.json", "llava_pope_test.jsonl",
                                       "answers.jsonl"};
  static fz_files files;
  static char *dir;
  if (!files.n) {
    fz_files_init(&files, "pope/", names, 3);
    dir = fz_path("coco");
  }
  int which = fz_pick(&data, &size, 3);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  fz_files_place(&files, which, data, size);
  if (which == 0) lx_pope_load(files.path[0], "val2014/", &items, &err);
  lx_items_free(&items);
  lx_pope_llava_results_load(dir, files.path[1], files.path[2], &items, &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
