/* pope.h: POPE (object hallucination, yes/no questions), scored as LLaVA's llava/eval/eval_pope.py
 * scores it, the script the LLaVA-1.5 numbers come from.
 *
 * An answer is read as "no" or "yes": its text up to the first '.' is kept, commas are removed,
 * it is split on single spaces (Python's split(' '): "a  b" has an empty word between), and it is
 * "no" if one of the words is exactly "No", "not" or "no", else "yes" (an empty or evasive answer
 * is "yes"). "yes" is the positive class:
 *   accuracy  = (TP + TN) / n         precision = TP / (TP + FP)   recall = TP / (TP + FN)
 *   F1        = 2 precision recall / (precision + recall)          yes_ratio = answered yes / n
 * The script raises ZeroDivisionError where a denominator is 0; here the value is undefined
 * (lx_pope_result.*_defined false) and the caller reports it as such. */
#ifndef LX_POPE_H
#define LX_POPE_H

#include <stdbool.h>
#include <stddef.h>

/* true: the answer reads as "yes". */
bool lx_pope_answer_is_yes(const char *answer);

typedef struct lx_pope_result {
  size_t n, tp, fp, tn, fn, yes;
  double accuracy, precision, recall, f1, yes_ratio;
  bool precision_defined, recall_defined, f1_defined; /* accuracy and yes_ratio: n > 0 */
} lx_pope_result;

/* Scores n questions: truth_yes[i] is the label ("yes" true), pred_yes[i] the answer as read. */
void lx_pope_score(const bool *truth_yes, const bool *pred_yes, size_t n, lx_pope_result *out);

/* F1 in percent from a split's counts, 0 where it is undefined: what resampling statistics use
 * (a resample with no "yes" answer or label counts as F1 0). */
double lx_pope_f1_percent(double tp, double fp, double fn);

#endif
