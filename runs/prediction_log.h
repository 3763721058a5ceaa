/* prediction_log.h: a run's predictions file, JSON Lines, written so that a crash loses nothing.
 *
 * Each prediction is one line, appended with a single write() and made durable with fsync()
 * before the next item starts. A process killed mid-write leaves at most one torn last line;
 * opening the log again drops it (the item is simply predicted again) and keeps every complete
 * line. A complete line that is not a prediction, or an id that occurs twice, is an error: the
 * file was edited or belongs to something else, and lynxeval will not guess. */
#ifndef LX_PREDICTION_LOG_H
#define LX_PREDICTION_LOG_H

#include <cJSON.h>
#include <stddef.h>

#include "common/error.h"
#include "tasks/items.h"

typedef struct lx_prediction_log {
  char *path;
  int fd;
} lx_prediction_log;

/* Opens (creating if needed) the log at path and reads what it holds into *done (the "id" and
 * the text under text_key of every complete line, in file order: "answer" for predictions,
 * "verdict" for a judge's replies). *dropped_bytes tells how much of a torn tail was cut off
 * (0 normally). */
int lx_prediction_log_open(const char *path, const char *text_key, lx_prediction_log *log,
                           lx_predictions *done, size_t *dropped_bytes, lx_error *err);

/* Appends one row (a JSON object with at least "id" and the text key) durably. */
int lx_prediction_log_append(lx_prediction_log *log, const cJSON *row, lx_error *err);

void lx_prediction_log_close(lx_prediction_log *log);

#endif
