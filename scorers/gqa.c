#include "scorers/gqa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strmap.h"
#include "common/unicode.h"

void lx_gqa_prediction(const char *answer, lx_strbuf *out) {
  size_t n = strlen(answer);
  while (n > 0 && answer[n - 1] == '.') n--;
  lx_py_lower(answer, n, out);
}

bool lx_gqa_correct(const char *answer, const char *gold) {
  lx_strbuf p = {0};
  lx_gqa_prediction(answer, &p);
  bool ok = strcmp(lx_strbuf_str(&p), gold) == 0;
  lx_strbuf_free(&p);
  return ok;
}

/* "group\nanswer": a (group, answer) pair as one map key. */
static void pair_key(const char *group, const char *answer, lx_strbuf *out) {
  lx_strbuf_clear(out);
  lx_strbuf_puts(out, group);
  lx_strbuf_putc(out, '\n');
  lx_strbuf_puts(out, answer);
}

double lx_gqa_distribution(size_t n, const char *const *group, const char *const *gold,
                           const char *const *predicted) {
  lx_strmap groups = {0}, gold_pairs = {0}, predicted_pairs = {0};
  size_t *gold_count = lx_xcalloc(2 * n + 1, sizeof *gold_count),
         *predicted_count = lx_xcalloc(2 * n + 1, sizeof *predicted_count),
         *group_of_pair = lx_xcalloc(2 * n + 1, sizeof *group_of_pair);
  lx_strbuf key = {0};
  for (size_t i = 0; i < n; i++) {
    if (!group[i]) continue;
    size_t g = lx_strmap_intern(&groups, group[i]);
    pair_key(group[i], gold[i], &key);
    size_t p = lx_strmap_intern(&gold_pairs, lx_strbuf_str(&key));
    gold_count[p]++;
    group_of_pair[p] = g;
    pair_key(group[i], predicted[i], &key);
    predicted_count[lx_strmap_intern(&predicted_pairs, lx_strbuf_str(&key))]++;
  }
  /* each group's gold answers in the order met: the pairs ordered by group, stably */
  size_t *start = lx_xcalloc(groups.n + 2, sizeof *start),
         *by_group = lx_xcalloc(gold_pairs.n + 1, sizeof *by_group);
  for (size_t p = 0; p < gold_pairs.n; p++) start[group_of_pair[p] + 1]++;
  for (size_t g = 0; g < groups.n; g++) start[g + 1] += start[g];
  size_t *fill = lx_xcalloc(groups.n + 1, sizeof *fill);
  for (size_t p = 0; p < gold_pairs.n; p++)
    by_group[start[group_of_pair[p]] + fill[group_of_pair[p]]++] = p;
  free(fill);
  double sum_score = 0, sum_overall = 0;
  for (size_t g = 0; g < groups.n; g++) {
    double score = 0, overall = 0;
    for (size_t j = start[g]; j < start[g + 1]; j++) {
      size_t p = by_group[j];
      double e = (double)gold_count[p];
      size_t q = lx_strmap_find(&predicted_pairs, gold_pairs.keys[p]);
      double o = q == (size_t)-1 ? 0 : (double)predicted_count[q];
      score += (o - e) * (o - e) / e;
      overall += e;
    }
    sum_score += score * overall;
    sum_overall += overall;
  }
  lx_strbuf_free(&key);
  free(start);
  free(by_group);
  free(gold_count);
  free(predicted_count);
  free(group_of_pair);
  lx_strmap_free(&groups);
  lx_strmap_free(&gold_pairs);
  lx_strmap_free(&predicted_pairs);
  return sum_overall > 0 ? sum_score / sum_overall / 100 : NAN;
}
