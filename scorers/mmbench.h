/* mmbench.h: MMBench's answer extraction and circular evaluation, as its official evaluation
 * script computes them (OpenCompass tools/eval_mmbench.py, the script MMBench's authors published
 * with the benchmark).
 *
 * A prediction is mapped to a letter by rules first (can_infer):
 *   1. the option rule: the answer split on whitespace; if exactly one of A-E is a whole token,
 *      that letter, unless "A" is a token and there are more than three (A may be an article):
 *      then, and when no single letter stands alone, the first of these forms that exactly one
 *      letter of A-E takes as a whole token: "X." "X," "X:" "X)" "X)." "(X)" "(X)." ":X" ":X,"
 *      ":X." ":X)" ":X).";
 *   2. the text rule: otherwise, the one option (of the row's non-empty A-D) whose text, lower
 *      case, occurs in the lower-cased answer, if exactly one does.
 * What no rule maps goes to an LLM judge in the script (gpt-3.5-turbo-0613, three tries, then a
 * random letter); lynxeval leaves such questions undecided and reports them apart. An answer
 * holding "Failed to obtain answer via API" maps to no option by the first rule.
 *
 * Circular evaluation: a question counts as right only when every copy of it (the release's rows
 * whose index is the question's plus a multiple of 1,000,000, its choices rotated) maps to its
 * own answer; one copy mapped by the rules to a wrong letter makes it wrong whatever the others
 * say. */
#ifndef LX_MMBENCH_H
#define LX_MMBENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/* A circular copy's index is its question's plus k times this. */
#define LX_MMBENCH_COPY_STRIDE 1000000LL

typedef enum lx_mmbench_rule {
  LX_MMBENCH_NONE,   /* no rule maps the answer: the judge's */
  LX_MMBENCH_OPTION, /* a letter standing as a token, alone or in one of the forms */
  LX_MMBENCH_TEXT,   /* the text of exactly one option occurs in the answer */
} lx_mmbench_rule;

const char *lx_mmbench_rule_name(lx_mmbench_rule rule);

/* Whether pandas reads the text as a missing value (its default spellings: "", "NA", "N/A",
 * "None", "nan", "NaN", "null", "#N/A", ...). */
bool lx_mmbench_pandas_missing(const char *s);
/* A prediction as the evaluation reads it after LLaVA's spreadsheet round trip: "nan" for a
 * missing spelling, else the text itself. */
const char *lx_mmbench_as_read(const char *prediction);

/* The letter ('A'..'E') the rules map answer to, or 0; choices[0..4) are the texts of options
 * A-D, NULL where the row has none. *rule says which rule mapped it. */
char lx_mmbench_infer(const char *answer, const char *const choices[4], lx_mmbench_rule *rule);

/* ---- circular evaluation ----------------------------------------------------------------------
 */

/* One row of a run: a question's copy. */
typedef struct lx_mmbench_row {
  long long index;        /* the release's index */
  char answer;            /* its right letter */
  const char *choices[4]; /* the texts of options A-D, NULL where the row has none */
  const char *prediction; /* as the run answered it (read with lx_mmbench_as_read); NULL: none */
} lx_mmbench_row;

typedef struct lx_mmbench_verdicts {
  char *letter;          /* [rows] the letter the rules read from the answer, 0 for none */
  lx_mmbench_rule *rule; /* [rows] which rule read it */
  size_t *question;      /* [rows] the row's question, or (size_t)-1: unanswered, or its question
                          * (index below the stride) was not answered */
  size_t n_questions;    /* the answered rows whose index is below the stride, by index */
  size_t *main_row;      /* [n_questions] that row */
  size_t *copies;        /* [n_questions] its answered copies, itself included */
  signed char *verdict;  /* [n_questions] 1 right (every copy read as its answer), 0 wrong (a copy
                          * read as another letter), -1 undecided (a copy no rule reads, none
                          * wrong: the script asks its judge) */
} lx_mmbench_verdicts;

/* eval_mmbench.py's circular evaluation of rows[0..n): each answered row read by the rules, the
 * rows grouped into questions by index modulo the stride, each question's verdict. */
void lx_mmbench_circular(const lx_mmbench_row *rows, size_t n, lx_mmbench_verdicts *out);
void lx_mmbench_verdicts_free(lx_mmbench_verdicts *v);

/* ---- the judge's prompt -------------------------------------------------------------------------
 * The script asks its judge with a template of its own (build_prompt's `tmpl`), which lynxeval
 * does not carry: it reads it from the user's copy of eval_mmbench.py. */

/* The template: the adjacent string literals of `tmpl = (...)` in build_prompt of the script's
 * source src[0..n), decoded as Python decodes them. Fails (returning the reason in *why) when the
 * source has no such assignment or the template does not hold exactly three "{}". */
int lx_mmbench_judge_template(const char *src, size_t n, lx_strbuf *out, const char **why);

/* tmpl.format(question, options, prediction) as build_prompt makes it: options is
 * "There are several options: \n" and a line "X. text" for each option up to the first missing
 * one; prediction as the evaluation reads it (lx_mmbench_as_read). Appends to out. */
void lx_mmbench_judge_prompt(const char *tmpl, const char *question, const char *const choices[4],
                             const char *prediction, lx_strbuf *out);

#endif
