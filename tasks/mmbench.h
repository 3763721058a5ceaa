/* mmbench.h: MMBench (Liu et al., 2023), single-choice questions over 20 abilities, English and
 * Chinese, the dev split.
 *
 * The release is one TSV per split and language (mmbench_dev_en_20231003.tsv,
 * mmbench_dev_cn_20231003.tsv, mmbench_dev_20230712.tsv), read as pandas.read_table reads it (tab
 * separated; a field starting with '"' quoted, '""' a quote inside it; the empty field and pandas'
 * other missing-value spellings such as "NA", "None", "nan" missing). Columns: index, question,
 * hint, A, B, C, D, answer, category, l2-category, split, image (base64), source, comment. A
 * question's circular copies are rows of their own, its index plus k * 1,000,000, its choices
 * rotated. */
#ifndef LX_TASK_MMBENCH_H
#define LX_TASK_MMBENCH_H

#include "tasks/items.h"

/* The refs of an MMBench item: [0] the answer letter, [1..4] the texts of options A-D ("" where
 * the row has none). */
#define LX_MMBENCH_REFS 5

/* Reads the TSV: one item per row, copies included, each question's rows together (the questions
 * in the order the TSV first holds them, a question's rows by index): id = index, question = the
 * hint, the question
 * and the options "A. text" (up to the first missing one) on lines of their own, as LLaVA-1.5's
 * model_vqa_mmbench.py asks it; refs as above; category = category, subcategory = l2-category.
 * With media_name (the TSV's path inside the data directory) each item's image is the row's
 * base64 field in place (media_offset, media_length); NULL: no media (scoring only). Refuses,
 * naming file and line: a missing column, an index that is not an integer or occurs twice, a
 * missing question, an answer that is not the letter of one of the row's options, bad base64
 * in the image field, a row with more fields than the header, a quoted field never closed. */
int lx_mmbench_load(const char *path, const char *media_name, lx_items *items, lx_error *err);

/* The smallest count of first items, at least n, that ends with a whole question (all its rows:
 * items as lx_mmbench_load orders them). */
size_t lx_mmbench_whole_questions(const lx_items *items, size_t n);

/* Reads LLaVA's answer file (JSON Lines {"question_id" (the index), "text", ...}) as its
 * convert_mmbench_for_submission.py does: the last answer given for an index is its prediction;
 * a row without one, or whose answer is one of pandas' missing-value spellings ("", "None",
 * "NA", ...), is predicted "nan" (the missing cell the spreadsheet's round trip reads back).
 * *replaced counts answers overwritten by a later one for the same index. An index that is not
 * a row of the TSV is refused naming the line. */
int lx_mmbench_answers_load(const char *path, const lx_items *items, lx_predictions *preds,
                            size_t *replaced, lx_error *err);

#endif
