/* Human ratings (`human import`): a rater's ratings file, the package or its key replaced by the
 * input, the others a real grade package of three runs (tests/fuzz/fixtures/human). */
#include "fuzz.h"

#include <cJSON.h>
#include <stdlib.h>

#include "reports/human.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"ratings-rater-1.json", "pkg/package.json", "pkg.key.json"};
  static fz_files files;
  static char *pkg;
  if (!pkg) {
    fz_files_init(&files, "human/", names, 3);
    pkg = fz_path("pkg");
  }
  fz_files_place(&files, fz_pick(&data, &size, 3), data, size);
  cJSON *report = NULL;
  lx_error err;
  char *ratings[1] = {files.path[0]};
  if (lx_human_import(pkg, NULL, ratings, 1, 1, &report, &err) == LX_OK) cJSON_Delete(report);
  return 0;
}
