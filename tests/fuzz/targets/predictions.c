/* A run's prediction log (RUNDIR/<task>/predictions.jsonl) as resuming reads it: whole lines,
 * a torn last line cut, ids once each; and the same bytes as a judge's verdict log. */
#include "fuzz.h"

#include <stdlib.h>

#include "runs/prediction_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("predictions.jsonl");
  int which = fz_pick(&data, &size, 2);
  fz_write(path, data, size);
  lx_prediction_log log;
  lx_predictions done = {0};
  size_t dropped;
  lx_error err;
  if (lx_prediction_log_open(path, which ? "verdict" : "answer", &log, &done, &dropped, &err) ==
      LX_OK)
    lx_prediction_log_close(&log);
  lx_predictions_free(&done);
  return 0;
}
