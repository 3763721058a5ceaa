#include "scorers/mmbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"
#include "scorers/py_source.h"

/* The letters the option rule looks for: five, as the script calls it (num_choice=5). */
static const char LETTERS[] = "ABCDE";

/* The forms after a lone letter, (prefix, suffix), in the script's order. */
static const char *const FORMS[][2] = {
    {"", "."},   {"", ","}, {"", ":"},  {"", ")"},  {"", ")."}, {"(", ")"},
    {"(", ")."}, {":", ""}, {":", ","}, {":", "."}, {":", ")"}, {":", ")."},
};

/* pandas' default missing-value spellings (STR_NA_VALUES) */
static const char *const NA_VALUES[] = {
    "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A",  "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null"};

bool lx_mmbench_pandas_missing(const char *s) {
  for (size_t i = 0; i < sizeof NA_VALUES / sizeof NA_VALUES[0]; i++)
    if (!strcmp(s, NA_VALUES[i])) return true;
  return false;
}

const char *lx_mmbench_as_read(const char *prediction) {
  return lx_mmbench_pandas_missing(prediction) ? "nan" : prediction;
}

const char *lx_mmbench_rule_name(lx_mmbench_rule rule) {
  switch (rule) {
    case LX_MMBENCH_OPTION:
      return "option";
    case LX_MMBENCH_TEXT:
      return "text";
    case LX_MMBENCH_NONE:
      break;
  }
  return "none";
}

static bool has_token(const lx_span *tok, size_t n, const char *s) {
  size_t len = strlen(s);
  for (size_t i = 0; i < n; i++)
    if (tok[i].n == len && memcmp(tok[i].p, s, len) == 0) return true;
  return false;
}

/* How many letters take the form prefix + letter + suffix as a whole token; *which is the first. */
static int count_form(const lx_span *tok, size_t n, const char *prefix, const char *suffix,
                      char *which) {
  int count = 0;
  *which = 0;
  for (const char *c = LETTERS; *c; c++) {
    char form[8];
    size_t k = 0;
    for (const char *p = prefix; *p; p++) form[k++] = *p;
    form[k++] = *c;
    for (const char *p = suffix; *p; p++) form[k++] = *p;
    form[k] = '\0';
    if (has_token(tok, n, form)) {
      if (!count) *which = *c;
      count++;
    }
  }
  return count;
}

/* can_infer_option */
static char infer_option(const char *answer) {
  if (strstr(answer, "Failed to obtain answer via API")) return 0;
  lx_span *tok;
  size_t n = lx_py_split(answer, strlen(answer), &tok);
  char which, found = 0;
  if (count_form(tok, n, "", "", &which) == 1) {
    /* the script's loop breaks at once when "A" is a token among more than three */
    if (!(has_token(tok, n, "A") && n > 3)) found = which;
  }
  for (size_t f = 0; !found && f < sizeof FORMS / sizeof FORMS[0]; f++)
    if (count_form(tok, n, FORMS[f][0], FORMS[f][1], &which) == 1) found = which;
  free(tok);
  return found;
}

/* can_infer_text */
static char infer_text(const char *answer, const char *const choices[4]) {
  lx_strbuf low = {0};
  lx_py_lower(answer, strlen(answer), &low);
  int count = 0;
  char found = 0;
  for (int k = 0; k < 4; k++) {
    if (!choices[k]) continue;
    lx_strbuf c = {0};
    lx_py_lower(choices[k], strlen(choices[k]), &c);
    if (strstr(lx_strbuf_str(&low), lx_strbuf_str(&c))) {
      if (!count) found = (char)('A' + k);
      count++;
    }
    lx_strbuf_free(&c);
  }
  lx_strbuf_free(&low);
  return count == 1 ? found : 0;
}

char lx_mmbench_infer(const char *answer, const char *const choices[4], lx_mmbench_rule *rule) {
  char c = infer_option(answer);
  if (c) {
    *rule = LX_MMBENCH_OPTION;
    return c;
  }
  c = infer_text(answer, choices);
  *rule = c ? LX_MMBENCH_TEXT : LX_MMBENCH_NONE;
  return c;
}

/* ---- the judge's prompt ------------------------------------------------------------------- */

int lx_mmbench_judge_template(const char *src, size_t n, lx_strbuf *out, const char **why) {
  const char *def = lx_pysrc_find(src, n, 0, "def build_prompt(");
  const char *tmpl = def ? lx_pysrc_find(src, n, (size_t)(def - src), "tmpl = (") : NULL;
  if (!tmpl) {
    *why = "no \"tmpl = (\" in a build_prompt function (is it MMBench's eval_mmbench.py?)";
    return -1;
  }
  /* the script calls tmpl.format(...): its plain strings are the template */
  if (!lx_pysrc_literals(src, n, (size_t)(tmpl - src) + strlen("tmpl = ("), ")", true, out, why))
    return -1;
  int positional, named;
  if (!lx_pysrc_fields(lx_strbuf_str(out), &positional, &named)) {
    *why = "the template has a brace that is not \"{}\", \"{{\" or \"}}\"";
    return -1;
  }
  if (positional != 3 || named != 0) {
    *why = "the template does not hold three \"{}\" (question, options, answer)";
    return -1;
  }
  return 0;
}

void lx_mmbench_judge_prompt(const char *tmpl, const char *question, const char *const choices[4],
                             const char *prediction, lx_strbuf *out) {
  lx_strbuf options = {0};
  lx_strbuf_puts(&options, "There are several options: \n");
  for (int k = 0; k < 4 && choices[k]; k++)
    lx_strbuf_printf(&options, "%c. %s\n", 'A' + k, choices[k]);
  const char *args[3] = {question, lx_strbuf_str(&options), lx_mmbench_as_read(prediction)};
  lx_pysrc_format(tmpl, args, 3, NULL, NULL, 0, out);
  lx_strbuf_free(&options);
}

/* ---- circular evaluation ----------------------------------------------------------------------
 */

static int by_index(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

void lx_mmbench_circular(const lx_mmbench_row *rows, size_t n, lx_mmbench_verdicts *out) {
  memset(out, 0, sizeof *out);
  out->letter = lx_xcalloc(n + 1, 1);
  out->rule = lx_xcalloc(n + 1, sizeof *out->rule);
  out->question = lx_xcalloc(n + 1, sizeof *out->question);
  out->main_row = lx_xcalloc(n + 1, sizeof *out->main_row);
  out->copies = lx_xcalloc(n + 1, sizeof *out->copies);
  out->verdict = lx_xcalloc(n + 1, 1);
  long long *key = lx_xcalloc(n + 1, 2 * sizeof *key); /* (index, row) pairs of answered rows */
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    out->question[k] = (size_t)-1;
    if (!rows[k].prediction) continue;
    key[2 * m] = rows[k].index;
    key[2 * m + 1] = (long long)k;
    m++;
  }
  qsort(key, m, 2 * sizeof *key, by_index);
  /* the groups (index modulo the stride); a group's question is its row below the stride */
  lx_strmap group = {0};
  size_t *group_of = lx_xcalloc(m + 1, sizeof *group_of),
         *question_of = lx_xcalloc(m + 1, sizeof *question_of);
  for (size_t j = 0; j < m; j++) {
    char g[32];
    snprintf(g, sizeof g, "%lld", key[2 * j] % LX_MMBENCH_COPY_STRIDE);
    group_of[j] = lx_strmap_intern(&group, g);
  }
  for (size_t g = 0; g < group.n; g++) question_of[g] = (size_t)-1;
  for (size_t j = 0; j < m; j++) {
    if (key[2 * j] >= LX_MMBENCH_COPY_STRIDE) continue;
    question_of[group_of[j]] = out->n_questions;
    out->main_row[out->n_questions++] = (size_t)key[2 * j + 1];
  }
  bool *wrong = lx_xcalloc(out->n_questions + 1, sizeof *wrong),
       *unmapped = lx_xcalloc(out->n_questions + 1, sizeof *unmapped);
  for (size_t j = 0; j < m; j++) {
    size_t k = (size_t)key[2 * j + 1], q = question_of[group_of[j]];
    const lx_mmbench_row *r = &rows[k];
    out->letter[k] = lx_mmbench_infer(lx_mmbench_as_read(r->prediction), r->choices, &out->rule[k]);
    out->question[k] = q;
    if (q == (size_t)-1) continue;
    out->copies[q]++;
    if (!out->letter[k])
      unmapped[q] = true;
    else if (out->letter[k] != r->answer)
      wrong[q] = true;
  }
  for (size_t q = 0; q < out->n_questions; q++)
    out->verdict[q] = wrong[q] ? 0 : unmapped[q] ? -1 : 1;
  free(wrong);
  free(unmapped);
  free(group_of);
  free(question_of);
  lx_strmap_free(&group);
  free(key);
}

void lx_mmbench_verdicts_free(lx_mmbench_verdicts *v) {
  free(v->letter);
  free(v->rule);
  free(v->question);
  free(v->main_row);
  free(v->copies);
  free(v->verdict);
  memset(v, 0, sizeof *v);
}
