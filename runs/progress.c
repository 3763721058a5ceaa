#include "runs/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "common/clock.h"

#define PROGRESS_LINE_SECONDS 10.0 /* plain-line mode: one line per this many seconds */
#define PROGRESS_TTY_SECONDS  0.2  /* terminal: redraw at most this often */
#define BAR_WIDTH             28

static void format_duration(double s, char *buf, size_t n) {
  if (s < 0 || s != s) {
    snprintf(buf, n, "?");
  } else if (s < 60) {
    snprintf(buf, n, "%.0fs", s);
  } else if (s < 3600) {
    snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
  } else {
    snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
  }
}

static void print(lx_progress *p, bool final) {
  double now = lx_seconds(), elapsed = now - p->start_s;
  size_t new_items = p->done - p->done_at_start;
  double rate = elapsed > 0 ? (double)new_items / elapsed : 0;
  char eta[32];
  format_duration(rate > 0 ? (double)(p->total - p->done) / rate : -1, eta, sizeof eta);
  if (p->tty) {
    int fill = p->total ? (int)((double)BAR_WIDTH * (double)p->done / (double)p->total) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < fill ? '#' : '-';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu  %.2f items/s  %s left   ", p->label, bar, p->done, p->total,
            rate, final ? "0s" : eta);
    if (final) fputc('\n', stderr);
  } else {
    fprintf(stderr, "%s: %zu/%zu items, %.2f items/s, %s left\n", p->label, p->done, p->total, rate,
            final ? "0s" : eta);
  }
  fflush(stderr);
  p->last_print_s = now;
}

void lx_progress_start(lx_progress *p, const char *label, size_t total, size_t done_at_start) {
  p->label = label;
  p->total = total;
  p->done_at_start = p->done = done_at_start;
  p->start_s = p->last_print_s = lx_seconds();
  p->tty = isatty(STDERR_FILENO);
  if (p->tty || done_at_start) print(p, false);
}

void lx_progress_update(lx_progress *p, size_t done) {
  p->done = done;
  double since = lx_seconds() - p->last_print_s;
  if (since >= (p->tty ? PROGRESS_TTY_SECONDS : PROGRESS_LINE_SECONDS)) print(p, false);
}

void lx_progress_finish(lx_progress *p) {
  print(p, true);
}
