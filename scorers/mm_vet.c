#include "scorers/mm_vet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strmap.h"
#include "common/unicode.h"
#include "scorers/py_source.h"

int lx_mmvet_judge_template(const char *src, size_t n, lx_strbuf *tmpl, const char **why) {
  if (!lx_pysrc_assigned_string(src, n, "prompt", tmpl, why)) {
    if (!strcmp(*why, "no module-level assignment of the prompt"))
      *why = "no module-level `prompt = \"\"\"...\"\"\"` (is it MM-Vet's mm-vet_evaluator.py?)";
    return -1;
  }
  return 0;
}

/* s.replace(from, to), appended to out. */
static void replace_all(const char *s, const char *from, const char *to, lx_strbuf *out) {
  size_t m = strlen(from);
  for (const char *hit; (hit = strstr(s, from)) != NULL; s = hit + m) {
    lx_strbuf_append(out, s, (size_t)(hit - s));
    lx_strbuf_puts(out, to);
  }
  lx_strbuf_puts(out, s);
}

void lx_mmvet_judge_message(const char *tmpl, const char *question, const char *answer,
                            const char *prediction, int ask, lx_strbuf *out) {
  lx_strbuf spaced_and = {0};
  replace_all(answer, "<AND>", " <AND> ", &spaced_and);
  lx_strbuf_puts(out, tmpl);
  lx_strbuf_putc(out, '\n');
  lx_strbuf_puts(out, question);
  lx_strbuf_puts(out, " | ");
  replace_all(lx_strbuf_str(&spaced_and), "<OR>", " <OR> ", out);
  lx_strbuf_puts(out, " | ");
  lx_strbuf_puts(out, prediction);
  lx_strbuf_puts(out, " | ");
  if (ask > 1) lx_strbuf_puts(out, LX_MMVET_RETRY_LINE);
  lx_strbuf_free(&spaced_and);
}

double lx_mmvet_temperature(int ask) {
  return ask <= 2 ? 0.0 : 0.5 * (ask - 2);
}

bool lx_mmvet_parse_score(const char *reply, double *score) {
  /* content.split(" ")[0].strip(), float(), then `if score > 1.0 or score < 0.0` */
  size_t n = strcspn(reply, " "), b, e;
  lx_py_strip(reply, n, &b, &e);
  double v;
  if (!lx_py_float(reply + b, e - b, &v) || v > 1.0 || v < 0.0) return false;
  *score = v;
  return true;
}

/* ---- numpy's arithmetic ------------------------------------------------------------------- */

/* np.add.reduce of a float64 vector: pairwise, eight partial sums below 128 elements. */
static double np_sum(const double *a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int k = 0; k < 8; k++) r[k] = a[k];
    size_t i;
    for (i = 8; i < n - n % 8; i += 8)
      for (int k = 0; k < 8; k++) r[k] += a[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return np_sum(a, n2) + np_sum(a + n2, n - n2);
}

static double np_mean(const double *a, size_t n) {
  return np_sum(a, n) / (double)n;
}

/* ndarray.std(): the square root of the mean squared deviation (over n). */
static double np_std(const double *a, size_t n) {
  double mean = np_mean(a, n), *d = lx_xcalloc(n + 1, sizeof *d);
  for (size_t i = 0; i < n; i++) d[i] = (a[i] - mean) * (a[i] - mean);
  double v = np_sum(d, n) / (double)n;
  free(d);
  return sqrt(v);
}

/* np.round(x, decimals): x * 10**decimals rounded half to even, divided back. */
static double np_round(double x, int decimals) {
  double f = pow(10.0, decimals);
  return rint(x * f) / f;
}

/* ---- the tables ----------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A column being summed: its name, items, and per run the sum of its items' scores. */
typedef struct acc {
  char *name;
  size_t items, first_seen;
  double *sum;
} acc;

typedef struct columns {
  lx_strmap keys; /* key -> column, numbered in order of first appearance */
  acc *v;
  size_t n;
} columns;

/* The column of `key`, added under `name` when new. */
static size_t column(columns *c, const char *key, const char *name, int n_runs, size_t seen) {
  size_t k = lx_strmap_intern(&c->keys, key);
  if (k == c->n) {
    c->v = lx_xrealloc_array(c->v, c->n + 1, sizeof *c->v);
    c->v[k] = (acc){lx_xstrdup(name), 0, seen, lx_xcalloc((size_t)n_runs, sizeof(double))};
    c->n++;
  }
  return k;
}

/* An item's capabilities as a set: the distinct names in the order listed (*n of them, into
 * names[], pointing into copy), and the set's key (the names sorted, joined by '\n'). */
static size_t capset_of(char *copy, char ***names, lx_strbuf *key) {
  size_t n = 0;
  *names = NULL;
  for (char *p = copy; *p;) {
    size_t l = strcspn(p, ",");
    bool more = p[l] == ',';
    p[l] = '\0';
    bool seen = !l;
    for (size_t k = 0; k < n && !seen; k++) seen = !strcmp((*names)[k], p);
    if (!seen) {
      *names = lx_xrealloc_array(*names, n + 1, sizeof **names);
      (*names)[n++] = p;
    }
    p += l + more;
  }
  char **sorted = lx_xcalloc(n + 1, sizeof *sorted);
  memcpy(sorted, *names, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, by_name);
  for (size_t k = 0; k < n; k++) {
    lx_strbuf_puts(key, sorted[k]);
    lx_strbuf_putc(key, '\n');
  }
  free(sorted);
  return n;
}

/* Most items first, ties in the order first seen (Counter.most_common; np.argsort of the counts,
 * which keeps that order for tables of MM-Vet's size). */
static int by_items(const void *pa, const void *pb) {
  const acc *a = pa, *b = pb;
  if (a->items != b->items) return a->items > b->items ? -1 : 1;
  return a->first_seen < b->first_seen ? -1 : a->first_seen > b->first_seen;
}

/* np.array(sums) / items * 100, its mean, rounded. */
static void finish_column(const acc *c, int n_runs, lx_mmvet_column *out, double *per_run) {
  double *pct = lx_xcalloc((size_t)n_runs, sizeof *pct);
  for (int r = 0; r < n_runs; r++) pct[r] = c->sum[r] / (double)c->items * 100.0;
  out->name = lx_xstrdup(c->name);
  out->items = c->items;
  out->mean = np_mean(pct, (size_t)n_runs);
  out->rounded = np_round(out->mean, LX_MMVET_DECIMALS);
  if (per_run) memcpy(per_run, pct, (size_t)n_runs * sizeof *pct);
  free(pct);
}

static void finish_columns(columns *c, int n_runs, lx_mmvet_column **out) {
  qsort(c->v, c->n, sizeof *c->v, by_items);
  *out = lx_xcalloc(c->n + 1, sizeof **out);
  for (size_t k = 0; k < c->n; k++) {
    finish_column(&c->v[k], n_runs, &(*out)[k], NULL);
    free(c->v[k].name);
    free(c->v[k].sum);
  }
  free(c->v);
  lx_strmap_free(&c->keys);
}

void lx_mmvet_tables_of(size_t n_items, const char *const *capabilities, const double *scores,
                        int n_runs, lx_mmvet_tables *out) {
  memset(out, 0, sizeof *out);
  out->n_runs = n_runs;
  out->n_items = n_items;
  out->item_set = lx_xcalloc(n_items + 1, sizeof *out->item_set);
  columns caps = {0}, sets = {0};
  acc total = {"total", n_items, 0, lx_xcalloc((size_t)n_runs, sizeof(double))};
  for (size_t i = 0; i < n_items; i++) {
    char *copy = lx_xstrdup(capabilities[i]), **names;
    lx_strbuf key = {0}, name = {0};
    size_t n = capset_of(copy, &names, &key);
    for (size_t k = 0; k < n; k++) {
      if (k) lx_strbuf_putc(&name, '_');
      lx_strbuf_puts(&name, names[k]);
    }
    size_t col = column(&sets, lx_strbuf_str(&key), lx_strbuf_str(&name), n_runs, i);
    acc *set = &sets.v[col];
    out->item_set[i] = lx_xstrdup(set->name);
    set->items++;
    /* the scores summed run by run, items in order, as the script's loop adds them */
    for (int r = 0; r < n_runs; r++) set->sum[r] += scores[i * (size_t)n_runs + (size_t)r];
    for (size_t k = 0; k < n; k++) {
      size_t c = column(&caps, names[k], names[k], n_runs, i);
      acc *cap = &caps.v[c];
      cap->items++;
      for (int r = 0; r < n_runs; r++) cap->sum[r] += scores[i * (size_t)n_runs + (size_t)r];
    }
    for (int r = 0; r < n_runs; r++) total.sum[r] += scores[i * (size_t)n_runs + (size_t)r];
    free(names);
    free(copy);
    lx_strbuf_free(&key);
    lx_strbuf_free(&name);
  }
  out->n_caps = caps.n;
  out->n_sets = sets.n;
  finish_columns(&caps, n_runs, &out->caps);
  finish_columns(&sets, n_runs, &out->sets);
  out->runs = lx_xcalloc((size_t)n_runs + 1, sizeof *out->runs);
  out->runs_rounded = lx_xcalloc((size_t)n_runs + 1, sizeof *out->runs_rounded);
  finish_column(&total, n_runs, &out->total, out->runs);
  for (int r = 0; r < n_runs; r++) out->runs_rounded[r] = np_round(out->runs[r], LX_MMVET_DECIMALS);
  out->std = np_std(out->runs, (size_t)n_runs);
  out->std_rounded = np_round(out->std, LX_MMVET_DECIMALS);
  free(total.sum);
}

void lx_mmvet_tables_free(lx_mmvet_tables *t) {
  for (size_t k = 0; k < t->n_caps; k++) free(t->caps[k].name);
  for (size_t k = 0; k < t->n_sets; k++) free(t->sets[k].name);
  free(t->caps);
  free(t->sets);
  free(t->total.name);
  free(t->runs);
  free(t->runs_rounded);
  for (size_t i = 0; i < t->n_items; i++) free(t->item_set[i]);
  free(t->item_set);
  memset(t, 0, sizeof *t);
}
