/* LLaVA-Bench (in the wild): the questions, the GPT-4 answers and the image contexts, each
 * fuzzed with the other two valid fixtures. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "tasks/llava_bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"questions.jsonl", "answers_gpt4.jsonl", "context.jsonl"};
  static char *paths[3], *fixtures[3];
  if (!paths[0])
    for (int k = 0; k < 3; k++) {
      paths[k] = fz_path(names[k]);
      char rel[64];
      snprintf(rel, sizeof rel, "llava-bench/%s", names[k]);
      fixtures[k] = fz_fixture(rel);
    }
  int which = fz_pick(&data, &size, 3);
  for (int k = 0; k < 3; k++)
    if (k == which)
      fz_write(paths[k], data, size);
    else
      fz_copy(fixtures[k], paths[k]);
  lx_error err;
  lx_items items = {0};
  lx_llava_bench_load(paths[0], paths[1], paths[2], "images/", &items, &err);
  lx_items_free(&items);
  return 0;
}
