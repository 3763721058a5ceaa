/* vizwiz.h: VizWiz-VQA accuracy as the VizWiz API's evaluation (vqaEvaluation/vqaEval.py, Qing Li's
 * adaptation of VQA's script, which the VizWiz evaluation server runs) computes it.
 *
 * The prediction: newlines and tabs become spaces, stripped (Python's rules), then VQA's
 * punctuation rule (vqa_accuracy.h lx_vqa_punctuation) and digit/article rule with VizWiz's copy
 * of the contraction table, whose expansions mostly use the typographic apostrophe (U+2019:
 * "dont" -> "don’t"; "weve" -> "we've" and a few others keep the ASCII one). The ten references
 * are compared as they are in the annotations: not stripped, not normalized, whatever they hold.
 * Accuracy = mean over references i of min(1, #{j != i : ref_j == pred} / 3), in [0, 1].
 *
 * What LLaVA-1.5 reports is that score of its uploaded answers, which its
 * scripts/convert_vizwiz_for_submission.py first passes through the EvalAI answer processor
 * (textvqa.h lx_evalai_process): lx_vizwiz_upload_answer is that step. */
#ifndef LX_VIZWIZ_H
#define LX_VIZWIZ_H

#include <stddef.h>

#include "common/strbuf.h"

/* The answer as LLaVA's conversion uploads it (the EvalAI answer processor), appended to out. */
void lx_vizwiz_upload_answer(const char *answer, lx_strbuf *out);

/* The prediction as the evaluation compares it with the references, appended to out. */
void lx_vizwiz_normalize(const char *pred, lx_strbuf *out);

/* Accuracy in [0, 1] of an uploaded answer against refs[0..n_refs) (n_refs >= 1). */
double lx_vizwiz_accuracy(const char *pred, const char *const *refs, size_t n_refs);

#endif
