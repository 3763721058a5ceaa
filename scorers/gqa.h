/* gqa.h: GQA exact-match accuracy as LLaVA-1.5's pipeline computes it: LLaVA's
 * scripts/convert_gqa_for_eval.py makes each answer a prediction (trailing periods removed, then
 * lowercased, Python's rules), and GQA's eval.py (v1.2, with the testdev changes LLaVA's guide
 * links) counts a balanced question right when the prediction equals the answer exactly.
 * Accuracy is over the balanced questions, also split into binary (structural type other than
 * "query") and open ("query") questions, per structural and semantic type, and per number of
 * words in the question (Python's split()). */
#ifndef LX_GQA_H
#define LX_GQA_H

#include <stdbool.h>

#include "common/strbuf.h"

/* The prediction convert_gqa_for_eval.py makes of an answer: rstrip('.'), then lower(). */
void lx_gqa_prediction(const char *answer, lx_strbuf *out);

/* Whether the answer, so converted, is the gold answer. */
bool lx_gqa_correct(const char *answer, const char *gold);

#endif
