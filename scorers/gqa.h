/* gqa.h: GQA exact-match accuracy as LLaVA-1.5's pipeline computes it: LLaVA's
 * scripts/convert_gqa_for_eval.py makes each answer a prediction (trailing periods removed, then
 * lowercased, Python's rules), and GQA's eval.py (v1.2, with the testdev changes LLaVA's guide
 * links) counts a balanced question right when the prediction equals the answer exactly.
 * Accuracy is over the balanced questions, also split into binary (structural type other than
 * "query") and open ("query") questions, per structural and semantic type, and per number of
 * words in the question (Python's split()) and per number of reasoning steps of its program.
 * Distribution: how far the predicted answers' distribution is from the gold one, per global
 * group (a chi-square statistic averaged over the groups, weighted by their questions, / 100;
 * lower is better). */
#ifndef LX_GQA_H
#define LX_GQA_H

#include <stdbool.h>

#include "common/strbuf.h"

/* The prediction convert_gqa_for_eval.py makes of an answer: rstrip('.'), then lower(). */
void lx_gqa_prediction(const char *answer, lx_strbuf *out);

/* Whether the answer, so converted, is the gold answer. */
bool lx_gqa_correct(const char *answer, const char *gold);

/* eval.py's distribution score over questions i in 0..n) in the order it meets them: group[i]
 * the question's global group (NULL: counted in none), gold[i] its answer, predicted[i] the
 * converted prediction. For each group, in the order first met, the sum over its gold answers (in
 * the order first met) of (predicted count - gold count)^2 / gold count; averaged weighted by the
 * group's questions; / 100. NAN when no question has a group (the script divides by zero). */
double lx_gqa_distribution(size_t n, const char *const *group, const char *const *gold,
                           const char *const *predicted);

#endif
