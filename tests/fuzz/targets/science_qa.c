/* ScienceQA's problems.json and pid_splits.json (each fuzzed with the other a valid fixture). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/science_qa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"problems.json", "pid_splits.json"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "science_qa/", names, 2);
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  fz_files_place(&files, which, data, size);
  lx_science_qa_load(files.path[0], files.path[1], "test", which == 0, &items, &err);
  lx_items_free(&items);
  return 0;
}
