/* progress.h: progress of a long run on stderr: a bar redrawn in place on a terminal, plain
 * lines (at most one per PROGRESS_LINE_SECONDS) when stderr is a file or a pipe. */
#ifndef LX_PROGRESS_H
#define LX_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lx_progress {
  const char *label;
  size_t total, done_at_start, done;
  double start_s, last_print_s;
  bool tty;
} lx_progress;

/* done_at_start: items already predicted by an earlier session (they do not count for items/s). */
void lx_progress_start(lx_progress *p, const char *label, size_t total, size_t done_at_start);
void lx_progress_update(lx_progress *p, size_t done);
/* Prints the final state and a newline. */
void lx_progress_finish(lx_progress *p);

#endif
