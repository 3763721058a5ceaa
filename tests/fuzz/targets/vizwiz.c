/* VizWiz's annotations (val.json), and an upload file read against them (each fuzzed with the
 * other a valid fixture). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/vizwiz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"val.json", "upload.json"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "vizwiz/", names, 2);
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  fz_files_place(&files, which, data, size);
  if (lx_vizwiz_load(files.path[0], &items, &err) == 0)
    lx_predictions_load_json_list(files.path[1], "image", "answer", &preds, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
