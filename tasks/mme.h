/* mme.h: the MME benchmark (14 yes/no subtasks, two questions per image).
 *
 * Results, as the official calculation script reads them: a directory with one <subtask>.txt per
 * subtask, each line "image<TAB>question<TAB>Yes|No<TAB>response", the two questions of an image
 * on consecutive lines. */
#ifndef LX_TASK_MME_H
#define LX_TASK_MME_H

#include <stddef.h>

#include "common/error.h"
#include "scorers/mme.h"

/* Reads one subtask's results file into heap arrays of labels (*truth, *pred, n questions). The
 * response is parsed with lx_mme_parse_response. Fails naming the file and line on a line that
 * does not have exactly 4 tab-separated columns, a truth that is not yes/no, an odd number of
 * lines, or a pair of lines naming two different images. */
int lx_mme_results_read(const char *path, lx_mme_label **truth, lx_mme_label **pred, size_t *n,
                        lx_error *err);

#endif
