/* mm_vet.h: MM-Vet's grading (github.com/yuweihao/MM-Vet, mm-vet_evaluator.py), which an LLM
 * judge does: for each question, GPT-4 is shown the script's few-shot prompt and one table row,
 * "question | ground truth | prediction | ", and completes the correctness, a number from 0.0 to
 * 1.0, in at most 3 tokens. The prompt is read from the user's copy of the script (lynxeval does
 * not carry it).
 *
 * A reply is read as the script reads it: its text up to the first space, stripped, as Python's
 * float() takes it, within [0, 1] (float() also takes "nan", which passes the script's range check
 * and makes every sum it enters NaN). A reply it cannot read makes the script ask again, with
 * "\nPredict the correctness of the answer (digit): " after the row, the second ask at
 * temperature 0 as the first, then 0.5, 1.0, 1.5 and 2.0; after the sixth ask it gives 0.0 without
 * reading that reply. The whole grading may be repeated (--num_run; the paper's numbers are 5
 * runs): each run's total is reported, their mean per capability and per capability integration,
 * and the standard deviation of the totals, rounded as numpy rounds (x * 10, to even, / 10). */
#ifndef LX_MM_VET_H
#define LX_MM_VET_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

#define LX_MMVET_TRIES      6 /* asks per item and run; the sixth reply is never read */
#define LX_MMVET_MAX_TOKENS 3
#define LX_MMVET_RETRY_LINE "\nPredict the correctness of the answer (digit): "
#define LX_MMVET_DECIMALS   1 /* the script's --decimal_places default */

/* The prompt: the string the script's module-level `prompt = """..."""` assigns. Fails with *why
 * when the file has none. */
int lx_mmvet_judge_template(const char *src, size_t n, lx_strbuf *tmpl, const char **why);

/* The message of one ask (1-based): the prompt, a line break, and "question | answer | prediction
 * | " with " <AND> " and " <OR> " spaced in the answer as the script spaces them; from the second
 * ask on, the retry line after it. Appended to out. */
void lx_mmvet_judge_message(const char *tmpl, const char *question, const char *answer,
                            const char *prediction, int ask, lx_strbuf *out);

/* The temperature of ask 1..LX_MMVET_TRIES. */
double lx_mmvet_temperature(int ask);

/* A reply read as the script reads it; false where it would ask again. */
bool lx_mmvet_parse_score(const char *reply, double *score);

/* A column of a table: a capability ("ocr") or an integration of capabilities ("ocr_math"). */
typedef struct lx_mmvet_column {
  char *name;
  size_t items;
  double mean;    /* the mean over runs of the run's percentage, as numpy computes it */
  double rounded; /* what the script reports */
} lx_mmvet_column;

typedef struct lx_mmvet_tables {
  int n_runs;
  /* per capability, most items first (ties: first seen); then per integration likewise, named by
   * its capabilities joined with "_" in the order the first item that has it lists them (the
   * script joins a Python set, whose order changes with PYTHONHASHSEED) */
  lx_mmvet_column *caps, *sets;
  size_t n_caps, n_sets;
  lx_mmvet_column total;
  double std, std_rounded;     /* of the runs' totals (numpy's, over n) */
  double *runs, *runs_rounded; /* each run's total percentage */
  char **item_set;             /* [items] the name of each item's integration column */
  size_t n_items;
} lx_mmvet_tables;

/* The script's tables. capabilities[i]: item i's capabilities, comma-separated ("ocr,math");
 * scores[i * n_runs + r]: item i's score in run r, items in the order the script meets them. */
void lx_mmvet_tables_of(size_t n_items, const char *const *capabilities, const double *scores,
                        int n_runs, lx_mmvet_tables *out);
void lx_mmvet_tables_free(lx_mmvet_tables *t);

#endif
