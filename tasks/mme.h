/* mme.h: the MME benchmark (14 yes/no subtasks, two questions per image).
 *
 * The benchmark as released (MME_Benchmark_release_version/): one folder per subtask; in it
 * either images/ and questions_answers_YN/, or images and .txt files side by side; each .txt is
 * named after its image and holds two lines "question<TAB>Yes|No".
 *
 * Results, as the official calculation script reads them: a directory with one <subtask>.txt per
 * subtask, each line "image<TAB>question<TAB>Yes|No<TAB>response", an image's two questions on
 * consecutive lines. */
#ifndef LX_TASK_MME_H
#define LX_TASK_MME_H

#include "tasks/items.h"

/* Reads the released benchmark under data_dir: items with id "<subtask>/<image>#1" and "#2",
 * media "<subtask>/[images/]<image>", refs = {"Yes" or "No"}, category = subtask, in the order
 * of the subtask list and then of the file names. Subtask folders that do not exist are skipped
 * (the scorer lists them as missing); at least one must. */
int lx_mme_load(const char *data_dir, lx_items *items, lx_error *err);

/* Reads a results directory into items (refs = the answer column, category = subtask) and
 * predictions (the response column), one pair per line. Subtask files that do not exist are
 * skipped (the scorer lists them as missing); at least one must exist. Fails naming the file
 * and line on a line without exactly 4 tab-separated columns, an answer that is not yes/no, an
 * odd number of lines, or a pair of lines naming two different images. */
int lx_mme_results_load(const char *dir, lx_items *items, lx_predictions *preds, lx_error *err);

#endif
