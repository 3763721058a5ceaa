/* textvqa.h: TextVQA 0.5.1 (Singh et al., CVPR 2019), the validation questions.
 *
 * The release (textvqa.org): TextVQA_0.5.1_val.json, {"data": [{"question_id", "question",
 * "image_id", "answers" (ten strings), ...}], ...}; images train_images/<image_id>.jpg (the
 * train_val_images archive). Optionally the release's Rosetta OCR file
 * (TextVQA_Rosetta_OCR_v0.2_val.json, {"data": [{"image_id", "ocr_tokens": [...]}, ...]}): then
 * each question carries its image's tokens on a second line, "Reference OCR token: t1, t2, ...",
 * the layout of LLaVA-1.5's TextVQA question file (whose lines eval_textvqa.py parses). */
#ifndef LX_TASK_TEXTVQA_H
#define LX_TASK_TEXTVQA_H

#include "tasks/items.h"

/* Reads the questions: id = question_id, media = "train_images/<image_id>.jpg", question (with
 * the OCR line when ocr_path is not NULL), refs = the ten answers, subcategory = image_id, in file
 * order. Refuses a missing key, answers that are not ten strings, and (with OCR) an image the OCR
 * file does not cover, naming file and line. */
int lx_textvqa_load(const char *path, const char *ocr_path, lx_items *items, lx_error *err);

/* Reads results as LLaVA's eval_textvqa.py does: JSON Lines {"question_id" (the image_id),
 * "prompt", "text"}, each matched to the question with that image_id and the question its prompt
 * holds (lowercased): the first line of a two-line prompt, the question line of a three-line one
 * with "Reference OCR token: ", or what follows "Question: " up to " Short answer:" in one
 * starting "OCR tokens: ". A result it cannot match (the script stops with an error there), and a
 * question answered twice, are refused naming the line. */
int lx_textvqa_results_load(const char *path, const lx_items *items, lx_predictions *preds,
                            lx_error *err);

#endif
