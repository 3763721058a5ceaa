/* science_qa.h: ScienceQA multiple choice, answers read as LLaVA's llava/eval/eval_science_qa.py
 * reads them (the script the LLaVA-1.5 ScienceQA-IMG number comes from).
 *
 * The options are the letters A-E. An answer names option:
 *   1. the answer is exactly one letter A-E;                            LX_SQA_LETTER
 *   2. else it starts with a letter A-E followed by ". ";               LX_SQA_LETTER_DOT
 *   3. else the pattern "The answer is ([A-Z])." (re.findall: non-overlapping, the final '.' any
 *      character but a newline) matches exactly once: its letter;       LX_SQA_THE_ANSWER_IS
 *   4. else nothing ("FAILED"):                                         LX_SQA_FAILED.
 * The letter's index counts when it is below the number of choices; a later letter, and a failed
 * reading, are wrong answers (the script's get_pred_idx returns -1; the random guess it once made
 * is unreachable code in the version scored against). */
#ifndef LX_SCIENCE_QA_H
#define LX_SCIENCE_QA_H

typedef enum lx_sqa_rule {
  LX_SQA_LETTER,
  LX_SQA_LETTER_DOT,
  LX_SQA_THE_ANSWER_IS,
  LX_SQA_FAILED,
} lx_sqa_rule;

const char *lx_sqa_rule_name(lx_sqa_rule rule);

/* The letter an answer names ('A'..'Z', or 0 when it names none) and the rule that read it. */
char lx_sqa_parse_letter(const char *answer, lx_sqa_rule *rule);

/* The option index the letter names among n_choices, or -1 (no letter, or past the choices). */
int lx_sqa_choice_index(char letter, int n_choices);

#endif
