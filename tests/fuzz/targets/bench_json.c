/* A benchmark report as `bench compare` reads it. */
#include "fuzz.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench_compare.h"
#include "common/jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  static FILE *sink;
  if (!path) {
    path = fz_path("bench.json");
    sink = fopen("/dev/null", "w");
  }
  fz_write(path, data, size);
  cJSON *r = NULL;
  lx_error err;
  if (lx_json_read_file(path, (size_t)64 << 20, &r, NULL, &err) == LX_OK) {
    if (lx_bench_validate(r, path, &err) == LX_OK) {
      lx_bench_compare_counts counts;
      lx_bench_compare(sink, r, "a", r, "b", 0.1, &counts);
    }
    cJSON_Delete(r);
  }
  return 0;
}
