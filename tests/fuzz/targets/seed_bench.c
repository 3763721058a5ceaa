/* SEED-Bench.json, and LLaVA's answer file read against it (each fuzzed with the other a valid
 * fixture). */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/seed_bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[2] = {"SEED-Bench.json", "answers.jsonl"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "seed_bench/", names, 2);
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t not_found;
  fz_files_place(&files, which, data, size);
  if (lx_seed_bench_load(files.path[0], &items, &err) == 0)
    lx_seed_bench_results_load(files.path[1], &items, &preds, &not_found, &err);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
