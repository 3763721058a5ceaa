/* gqa.h: GQA (Hudson and Manning, CVPR 2019), the balanced test-dev questions.
 *
 * The release (gqadataset.org, questions1.2.zip): testdev_balanced_questions.json, an object of
 * questions by id, each {"imageId", "question", "answer", "isBalanced", "types": {"structural",
 * "semantic", ...}, "groups": {"global", ...}, "semantic": [{"operation", "argument", ...}], ...};
 * images images/<imageId>.jpg (images.zip). LLaVA-1.5 asks the question
 * with its short-answer line. */
#ifndef LX_TASK_GQA_H
#define LX_TASK_GQA_H

#include "tasks/items.h"

/* Reads the balanced questions (isBalanced true), in file order: id = question id, media =
 * "images/<imageId>.jpg", refs = {answer}, category = structural type, subcategory = semantic
 * type, answer_group = the global group, steps = its program's reasoning steps as eval.py counts
 * them. Refuses a missing key, a non-boolean isBalanced, a program that is not a list of
 * {"operation", "argument"} strings and groups without a "global" name or null (what eval.py
 * reads of each balanced question), naming file and line. */
int lx_gqa_load(const char *path, lx_items *items, lx_error *err);

/* Reads answers: LLaVA's answer file (JSON Lines {"question_id", "text"}), or with predictions_json
 * the converted file eval.py reads ([{"questionId", "prediction"}]); a later answer to a question
 * replaces an earlier one, as the scripts' dicts do, and answers to other questions are ignored. */
int lx_gqa_results_load(const char *path, bool predictions_json, const lx_items *items,
                        lx_predictions *preds, lx_error *err);

#endif
