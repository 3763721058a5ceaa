/* seed_bench.h: SEED-Bench multiple choice, as LLaVA's scripts/convert_seed_for_submission.py
 * scores it (the script behind LLaVA-1.5's SEED numbers).
 *
 * An answer is right when its text is exactly the answer letter ("A" right for A; "A.", " A",
 * "a" and "(A)" are all wrong: the script compares row['text'] == answer, nothing stripped).
 * Accuracy is per evaluation dimension (question_type_id) and over all questions,
 * correct / questions * 100, an unanswered question counted wrong. */
#ifndef LX_SEED_BENCH_H
#define LX_SEED_BENCH_H

#include <stdbool.h>

bool lx_seed_answer_correct(const char *answer, const char *letter);

#endif
