/* open_vqa.h: Open-VQA (the Lynx paper's benchmark), image and video.
 *
 * Annotations are JSON Lines, one question per line: dataset, question, answer (a list with one
 * reference), index (unique), image or video (a path under the data directory), origin_dataset,
 * class (Place, Counting, OCR, ... for images; Action(Y/N), Others for videos). Results are JSON
 * Lines in the reference's own output format: {"index": ..., "text_output": "..."}. */
#ifndef LX_OPEN_VQA_H
#define LX_OPEN_VQA_H

#include "tasks/items.h"

/* Reads an annotation file; items get id = index, category = class, subcategory =
 * origin_dataset. */
int lx_open_vqa_load(const char *path, lx_items *items, lx_error *err);
/* Reads a results file (index as a number or a string). */
int lx_open_vqa_results_load(const char *path, lx_predictions *preds, lx_error *err);

#endif
