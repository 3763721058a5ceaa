/* VQAv2's official files: the questions and the annotations (each fuzzed with the other one a
 * valid fixture) and a results file. */
#include "fuzz.h"

#include <stdlib.h>

#include "tasks/vqav2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *questions, *annotations, *fixture_q, *fixture_a;
  if (!questions) {
    questions = fz_path("questions.json");
    annotations = fz_path("annotations.json");
    fixture_q = fz_fixture("vqav2/questions.json");
    fixture_a = fz_fixture("vqav2/annotations.json");
  }
  int which = fz_pick(&data, &size, 3);
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  if (which == 0) {
    fz_write(questions, data, size);
    fz_copy(fixture_a, annotations);
    lx_vqav2_load(questions, annotations, &items, &err);
  } else if (which == 1) {
    fz_copy(fixture_q, questions);
    fz_write(annotations, data, size);
    lx_vqav2_load(questions, annotations, &items, &err);
  } else {
    fz_write(questions, data, size);
    lx_vqav2_results_load(questions, &preds, &err);
  }
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return 0;
}
