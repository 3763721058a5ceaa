/* llm_judge.h: what an LLM judge is asked, and how its reply becomes a score (lynxeval's own
 * wording; the templates are versioned and every verdict records which one it answered).
 *
 *   open-vqa-correct-1   Open-VQA: the question, the reference answer and the model's answer;
 *                        the judge replies "correct" or "incorrect" on its first line.
 *   eval_mmbench.py      MMBench: the official script's own prompt, read from the user's copy
 *                        (lynxeval does not carry it), asked of the copies no rule can map.
 *   evaluate_activitynet_qa.py  MSVD-QA, MSRVTT-QA: Video-ChatGPT's two messages, likewise.
 *   mm-vet_evaluator.py  MM-Vet: the grading prompt of MM-Vet's script, likewise.
 *   llava-bench-pair-1   LLaVA-Bench: the image's caption, the question, the reference (GPT-4)
 *                        answer as assistant 1 and the model's as assistant 2; the judge replies
 *                        with two scores from 1 to 10 on its first line, then its reasons. The
 *                        benchmark's number is mean(assistant 2) / mean(assistant 1) x 100.
 *
 * A reply that does not follow the format is "unparseable": it is counted and reported, never
 * averaged in as a score. */
#ifndef LX_LLM_JUDGE_H
#define LX_LLM_JUDGE_H

#include <stdbool.h>

#include "common/strbuf.h"

typedef enum lx_judge_kind {
  LX_JUDGE_CORRECTNESS, /* one verdict: 1 correct, 0 incorrect */
  LX_JUDGE_PAIR_SCORES, /* two scores in [1, 10]: reference, model */
  LX_JUDGE_MMBENCH,     /* MMBench's own judge: its prompt (read from the user's eval_mmbench.py),
                         * a reply read for a letter by its rules (mmbench.h) */
  LX_JUDGE_VIDEO_QA,    /* Video-ChatGPT's: its two messages (read from the user's
                         * evaluate_activitynet_qa.py), a reply read as its dict (video_qa.h) */
  LX_JUDGE_MM_VET,      /* MM-Vet's grader: its prompt (read from the user's mm-vet_evaluator.py),
                         * a reply read as a 0-1 score, asked again as the script asks (mm_vet.h) */
} lx_judge_kind;

typedef struct lx_judge_input {
  const char *question, *reference, *answer;
  const char *context; /* LX_JUDGE_PAIR_SCORES: the image's caption ("" if none) */
} lx_judge_input;

const char *lx_judge_template_name(lx_judge_kind kind);

/* The system and user messages for one item (appended to the two buffers); nothing for the
 * kinds whose prompts are their scripts' (mmbench.h, video_qa.h, mm_vet.h). */
void lx_judge_prompt(lx_judge_kind kind, const lx_judge_input *in, lx_strbuf *system,
                     lx_strbuf *user);

/* Parses a reply. CORRECTNESS: scores[0] = 1 or 0. PAIR_SCORES: scores[0] (reference) and
 * scores[1] (model), each in [1, 10]. Returns false for an unparseable reply (and for
 * LX_JUDGE_MMBENCH, whose replies are read with the row's options: lx_mmbench_infer). */
bool lx_judge_parse(lx_judge_kind kind, const char *reply, double scores[2]);

#endif
