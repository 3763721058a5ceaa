/* textvqa.h: TextVQA accuracy as its official evaluator computes it: MMF's TextVQAAccuracyEvaluator
 * with the EvalAI answer processor (the copy in LLaVA's llava/eval/m4c_evaluator.py, which
 * LLaVA's eval_textvqa.py runs).
 *
 * Every answer, the prediction and each of the ten references alike, is processed:
 *   1. lowercased; every "," and "?" deleted; "'s" becomes " 's"; stripped (Python's rules);
 *   2. newlines and tabs become spaces; stripped;
 *   3. the VQA punctuation rule (vqa_accuracy.h lx_vqa_punctuation: with the commas gone, only the
 *      "next to a space" test decides between deleting and spacing), then at most 32 periods not
 *      followed by a digit deleted;
 *   4. the VQA digit/article/contraction rule (lx_vqa_digits_articles), the same tables.
 * Unlike VQAv2's script, nothing depends on whether the references agree, and ',' and '?' go
 * before the punctuation rule sees them.
 * Accuracy = mean over references i of min(1, #{j != i : ref_j == pred} / 3), in [0, 1]; the
 * evaluator requires exactly ten references. */
#ifndef LX_TEXTVQA_H
#define LX_TEXTVQA_H

#include <stddef.h>

#include "common/strbuf.h"

#define LX_TEXTVQA_ANSWERS 10

/* The EvalAI answer processor's output for an answer (UTF-8), appended to out. */
void lx_evalai_process(const char *answer, lx_strbuf *out);

/* Accuracy in [0, 1] of pred against refs[0..n_refs). */
double lx_textvqa_accuracy(const char *pred, const char *const *refs, size_t n_refs);

#endif
