/* Open-VQA's files: the annotations (JSON Lines of questions with their media) and a results
 * file. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/open_vqa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("Open_VQA_images.jsonl");
  int which = fz_pick(&data, &size, 2);
  fz_write(path, data, size);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  if (which == 0)
    lx_open_vqa_load(path, &items, &err);
  else
    lx_open_vqa_results_load(path, &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
