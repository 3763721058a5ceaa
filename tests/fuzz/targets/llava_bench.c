/* LLaVA-Bench (in the wild): the questions, the GPT-4 answers and the image contexts, each
 * fuzzed with the other two valid fixtures. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/llava_bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"questions.jsonl", "answers_gpt4.jsonl", "context.jsonl"};
  static fz_files files;
  if (!files.n) fz_files_init(&files, "llava-bench/", names, 3);
  fz_files_place(&files, fz_pick(&data, &size, 3), data, size);
  lx_error err;
  lx_items items = {0};
  lx_llava_bench_load(files.path[0], files.path[1], files.path[2], "images/", &items, &err);
  lx_items_free(&items);
  return 0;
}
