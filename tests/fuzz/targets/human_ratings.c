/* Human ratings (`human import`): a rater's ratings file, the package or its key replaced by the
 * input, the others a real grade package of three runs (tests/fuzz/fixtures/human). */
#include "fuzz.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/human.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[3] = {"ratings-rater-1.json", "pkg/package.json", "pkg.key.json"};
  static char *paths[3], *fixtures[3], *pkg;
  if (!pkg) {
    pkg = fz_path("pkg");
    for (int k = 0; k < 3; k++) {
      paths[k] = fz_path(names[k]);
      char rel[64];
      snprintf(rel, sizeof rel, "human/%s", names[k]);
      fixtures[k] = fz_fixture(rel);
    }
  }
  int which = fz_pick(&data, &size, 3);
  for (int k = 0; k < 3; k++)
    if (k == which)
      fz_write(paths[k], data, size);
    else
      fz_copy(fixtures[k], paths[k]);
  cJSON *report = NULL;
  lx_error err;
  char *ratings[1] = {paths[0]};
  if (lx_human_import(pkg, NULL, ratings, 1, 1, &report, &err) == LX_OK) cJSON_Delete(report);
  return 0;
}
