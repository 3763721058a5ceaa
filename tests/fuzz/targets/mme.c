/* MME: a subtask's question file in the released layout (an image beside it), and a results
 * file in the layout the official calculation script reads. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/mme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *release, *question, *results, *answers;
  if (!release) {
    release = fz_path("release");
    question = fz_path("release/existence/000000006040.txt");
    char *image = fz_path("release/existence/000000006040.jpg");
    fz_write(image, "", 0);
    free(image);
    results = fz_path("results");
    answers = fz_path("results/existence.txt");
  }
  int which = fz_pick(&data, &size, 2);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  if (which == 0) {
    fz_write(question, data, size);
    lx_mme_load(release, &items, &err);
  } else {
    fz_write(answers, data, size);
    lx_mme_results_load(results, &items, &preds, &err);
  }
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
