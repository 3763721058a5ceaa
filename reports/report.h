/* report.h: several runs side by side, as JSON, Markdown or self-contained HTML.
 *
 * The report model (JSON) holds, per run, its label, model digest and settings, and per task the
 * aggregate and every aggregate's uncertainty (reports/uncertainty); and, when there are several
 * runs, each later run compared with the first (reports/compare) where their items and settings
 * allow it; and the human ratings given (`human import`'s reports), per rated run. The writers
 * render that model and nothing else: Markdown  the paper-style tables: correct/total per category
 * with the overall interval; VQA, caption and MME tables; the differences HTML      the same tables
 * and inline SVG charts (per-category bars with intervals, the MME radar, the paired differences),
 * and the gallery of the answers themselves (its only script); no external file: it opens offline
 */
#ifndef LX_REPORT_H
#define LX_REPORT_H

#include <cJSON.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"

typedef struct lx_report_options {
  double alpha;
  size_t resamples;
  uint64_t seed;
  /* `lynxeval human import` reports to show beside the runs they rated (may be NULL) */
  char *const *human;
  size_t n_human;
} lx_report_options;

/* Builds the report model of runs[0..n). */
int lx_report_build(char *const *runs, size_t n, const lx_report_options *opt, cJSON **model,
                    lx_error *err);

void lx_report_markdown(const cJSON *model, lx_strbuf *out);
/* gallery (reports/gallery.h) may be NULL: no answers section. */
void lx_report_html(const cJSON *model, const cJSON *gallery, lx_strbuf *out);

#endif
