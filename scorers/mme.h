/* mme.h: the MME benchmark's scoring, as its official calculation script (eval_tool/
 * calculation.py) does it.
 *
 * A response is lowercased; it is "yes" or "no" if it is exactly that, else "yes" if "yes" occurs
 * in its first 4 characters, else "no" if "no" does, else "other" (always wrong). Questions come
 * in consecutive pairs, one pair per image, in file order. acc = correct / questions; acc+ =
 * images with both questions correct / images; score = 100 acc + 100 acc+ (max 200). Precision
 * and recall of "yes" are over the non-"other" responses (0 when undefined, as scikit-learn). */
#ifndef LX_MME_H
#define LX_MME_H

#include <stddef.h>

typedef enum lx_mme_label { LX_MME_NO = 0, LX_MME_YES = 1, LX_MME_OTHER = -1 } lx_mme_label;

#define LX_MME_SUBTASKS            14
#define LX_MME_PERCEPTION_SUBTASKS 10 /* the first 10 of lx_mme_subtask_names */

/* existence, count, position, color, posters, celebrity, scene, landmark, artwork, OCR (the
 * perception subtasks, max 2000 together), then commonsense_reasoning, numerical_calculation,
 * text_translation, code_reasoning (cognition, max 800). */
extern const char *const lx_mme_subtask_names[LX_MME_SUBTASKS];

/* The label of a model response (UTF-8). */
lx_mme_label lx_mme_parse_response(const char *response);

typedef struct lx_mme_result {
  size_t questions, images;
  size_t correct, images_both_correct, other;
  size_t tp, fn, tn, fp; /* "yes" is the positive class; "other" responses left out */
  double acc, acc_plus, score, precision, recall;
} lx_mme_result;

/* Scores one subtask: truth[i] is LX_MME_YES or LX_MME_NO, pred[i] any label; n_questions is
 * even (consecutive pairs are one image's questions). */
void lx_mme_score_subtask(const lx_mme_label *truth, const lx_mme_label *pred, size_t n_questions,
                          lx_mme_result *out);

#endif
