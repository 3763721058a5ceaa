/* MM-Vet's mm-vet.json, and the script's tables over the questions it yields (each scored by the
 * length of its question, so that every column gets sums). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "scorers/mm_vet.h"
#include "tasks/mm_vet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("mm-vet.json");
  fz_write(path, data, size);
  lx_error err;
  lx_items items = {0};
  if (lx_mm_vet_load(path, &items, &err) == 0) {
    const char **caps = calloc(items.n, sizeof *caps);
    double *scores = calloc(2 * items.n, sizeof *scores);
    for (size_t i = 0; caps && scores && i < items.n; i++) {
      caps[i] = items.v[i].category;
      scores[2 * i] = (double)(strlen(items.v[i].question) % 11) / 10.0;
      scores[2 * i + 1] = 1.0 - scores[2 * i];
    }
    if (caps && scores) {
      lx_mmvet_tables t;
      lx_mmvet_tables_of(items.n, caps, scores, 2, &t);
      lx_mmvet_tables_free(&t);
    }
    free(caps);
    free(scores);
  }
  lx_items_free(&items);
  return 0;
}
