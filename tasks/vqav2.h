/* vqav2.h: VQAv2 in its official files.
 *
 * Questions: v2_OpenEnded_mscoco_<subtype>_questions.json, {"data_subtype": "val2014",
 * "questions": [{"question_id", "image_id", "question"}]}. Annotations:
 * v2_mscoco_<subtype>_annotations.json, {"annotations": [{"question_id", "image_id",
 * "question_type", "answer_type", "answers": [{"answer", ...} x 10]}]}. Images live at
 * <subtype>/COCO_<subtype>_<image_id as 12 digits>.jpg under the data directory. Results:
 * [{"question_id", "answer"}]. */
#ifndef LX_VQAV2_H
#define LX_VQAV2_H

#include "tasks/items.h"

/* Items: id = question_id, references = the answers, category = answer_type, subcategory =
 * question_type. Every annotation needs its question and the other way round. */
int lx_vqav2_load(const char *questions_path, const char *annotations_path, lx_items *items,
                  lx_error *err);
int lx_vqav2_results_load(const char *path, lx_predictions *preds, lx_error *err);

#endif
