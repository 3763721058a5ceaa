/* mm_vet.h: MM-Vet (Yu et al., "MM-Vet: Evaluating Large Multimodal Models for Integrated
 * Capabilities", ICML 2024; github.com/yuweihao/MM-Vet), 218 open-ended questions, each tagged with
 * the capabilities it integrates (rec, ocr, know, gen, spat, math).
 *
 * The release (mm-vet.zip): mm-vet.json, an object of questions by id ("v1_0"), each
 * {"imagename", "capability": [...], "question", "answer"} (an answer may join alternatives with
 * <AND> or <OR>); images images/<imagename>. Graded by an LLM judge (scorers/mm_vet.h). */
#ifndef LX_TASK_MM_VET_H
#define LX_TASK_MM_VET_H

#include "tasks/items.h"

/* Reads the questions in file order: id = the key, media = "images/<imagename>", question,
 * refs = {answer}, category = the capabilities comma-separated as listed ("ocr,math"). Refuses a
 * missing key, an empty capability list, a capability that is not a plain name (letters, digits,
 * '-'; not "total", "std" or "runs", the script's own columns) and an id given twice, naming file
 * and line. */
int lx_mm_vet_load(const char *path, lx_items *items, lx_error *err);

/* Keeps the items of a subset file, the release's bard_set.json (the questions its paper compares
 * Bard on; the script's --use_sub_set): a JSON list of ids or an object keyed by them. The items
 * keep their order. Refuses an id that is not a question, naming the file. */
int lx_mm_vet_keep_subset(const char *path, lx_items *items, lx_error *err);

#endif
