/* prediction_log.h: a run's predictions file, JSON Lines, written so that a crash loses nothing.
 *
 * Each prediction is one line, appended with a single write() and made durable with fsync()
 * before the next item starts. A process killed mid-write leaves at most one torn last line;
 * opening the log again drops it (the item is simply predicted again) and keeps every complete
 * line. The writer holds an exclusive lock on the file while it is open, so a second process
 * that would append to it is refused. A complete line that is not a prediction, or an id that
 * occurs twice, is an error: the file was edited or belongs to something else, and lynxeval will
 * not guess. */
#ifndef LX_PREDICTION_LOG_H
#define LX_PREDICTION_LOG_H

#include <cJSON.h>
#include <stddef.h>

#include "common/error.h"
#include "tasks/items.h"

typedef struct lx_prediction_log {
  char *path;
  int fd;
  size_t appended; /* rows appended since it was opened */
} lx_prediction_log;

/* Opens (creating if needed) the log at path and reads what it holds into *done (the "id" and
 * the text under text_key of every complete line, in file order: "answer" for predictions,
 * "verdict" for a judge's replies). *dropped_bytes tells how much of a torn tail was cut off
 * (0 normally). */
int lx_prediction_log_open(const char *path, const char *text_key, lx_prediction_log *log,
                           lx_predictions *done, size_t *dropped_bytes, lx_error *err);

/* One line of a log (text[0..n), the file's line `line`) parsed: the row (the caller deletes it)
 * with *id and *answer pointing at its "id" and text_key strings; NULL, naming the file and line,
 * when it is not a prediction. */
cJSON *lx_prediction_row_parse(const char *path, int line, const char *text, size_t n,
                               const char *text_key, const char **id, const char **answer,
                               lx_error *err);

/* Reads the complete lines of a log another process may be writing (a shard's), without
 * changing it: a torn or half-written last line is left alone. A file that does not exist (any
 * more) holds nothing. */
int lx_prediction_log_read(const char *path, const char *text_key, lx_predictions *done,
                           lx_error *err);

/* Opens path for appending (creating it) and takes an exclusive lock on it (flock, non-blocking),
 * so that two processes never write one log; *fd holds the lock until it is closed. Fails with
 * "<path>: " LX_LOG_BUSY when another process holds it. */
#define LX_LOG_BUSY "another lynxeval process is writing this file right now"
int lx_log_lock(const char *path, int *fd, lx_error *err);

/* Appends one row (a JSON object with at least "id" and the text key) durably. */
int lx_prediction_log_append(lx_prediction_log *log, const cJSON *row, lx_error *err);

/* Appends one line given as text (n bytes, no newline; a row another process printed) durably. */
int lx_prediction_log_append_line(lx_prediction_log *log, const char *line, size_t n,
                                  lx_error *err);

void lx_prediction_log_close(lx_prediction_log *log);

#endif
