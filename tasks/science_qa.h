/* science_qa.h: ScienceQA (Lu et al., NeurIPS 2022), the questions with an image ("ScienceQA-IMG").
 *
 * The release (github.com/lupantech/ScienceQA, data/scienceqa/): problems.json, an object of
 * problems by id, each {"question", "choices" (2-5 strings), "answer" (the right choice's index),
 * "hint" (the text context, "" if none), "image" (a file name, or null), "subject", "grade",
 * ...}; pid_splits.json, {"train": [ids], "val": [...], "test": [...], ...}; the images under
 * images/<split>/<id>/<image>.
 *
 * The question each item asks is the one LLaVA-1.5's evaluation file asks (lmms-eval's
 * reproduction of it; LLaVA's repository does not hold the file): "Context: <hint>\n" when there
 * is a hint, the question, then one line per choice, "A. <choice>", "B. <choice>", ... The family's
 * answer line ("Answer with the option's letter ...") is the task table's (tasks/task.c). */
#ifndef LX_TASK_SCIENCE_QA_H
#define LX_TASK_SCIENCE_QA_H

#include <stdbool.h>

#include "tasks/items.h"

#define LX_SQA_MAX_CHOICES 5 /* A-E, the evaluation's option letters */

/* Reads the problems of `split` (with image_only, those that have an image: ScienceQA-IMG), in
 * pid_splits.json's order: id = problem id, media = "images/<split>/<id>/<image>" (NULL without
 * an image), question as above, refs = {the right letter, then
 * the choices' texts} (so n_refs - 1 is the number of choices), context = the hint, category =
 * subject, subcategory = grade. Refuses an unknown split (listing the known ones), an id without
 * a problem, and a problem with a missing key, an answer out of range or more than 5 choices,
 * naming file and line. */
int lx_science_qa_load(const char *problems_path, const char *splits_path, const char *split,
                       bool image_only, lx_items *items, lx_error *err);

#endif
