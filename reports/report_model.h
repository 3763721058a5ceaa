/* report_model.h: lookups in the report model, shared by the Markdown and HTML writers
 * (internal to reports/). */
#ifndef LX_REPORT_MODEL_H
#define LX_REPORT_MODEL_H

#include <cJSON.h>
#include <stdbool.h>

#include "common/strbuf.h"

/* A run's entry for a task, or NULL. */
const cJSON *lx_rm_task(const cJSON *run, const char *task);
/* The uncertainty row of (category, metric) in a run's task, or NULL. */
const cJSON *lx_rm_row(const cJSON *task, const char *category, const char *metric);
/* A number of an object, NAN if absent. */
double lx_rm_num(const cJSON *o, const char *key);
/* A table cell: "176/302 58.3% [52.6, 64.0]" (counts when asked and known, % when asked) or "-". */
void lx_rm_cell(lx_strbuf *b, const cJSON *row, bool counts, bool percent);
/* A difference and its interval at its metric's precision: "+2.50 [-1.25, 6.00]". */
void lx_rm_difference(lx_strbuf *b, const char *metric, double diff, double lo, double hi);
/* The categories of a task across runs for one metric, in order of first appearance. */
cJSON *lx_rm_categories(const cJSON *model, const char *task, const char *metric);
/* The overall metrics of a scorer ("caption": Bleu_4, CIDEr, ROUGE_L; else accuracy). */
const char *const *lx_rm_metrics(const char *scorer, int *n);

#endif
