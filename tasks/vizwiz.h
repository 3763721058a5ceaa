/* vizwiz.h: VizWiz-VQA (Gurari et al., CVPR 2018), questions blind people asked about photos they
 * took, the validation split.
 *
 * The release (vizwiz.org, Annotations.zip and val.zip): val.json, a JSON list of {"image"
 * ("VizWiz_val_00000000.jpg"), "question", "answers" (ten {"answer", "answer_confidence"}),
 * "answer_type" ("other", "yes/no", "number" or "unanswerable"), "answerable" (0 or 1)}; the
 * images in val/ beside it. The split is the file's name: train.json's images are in train/. */
#ifndef LX_TASK_VIZWIZ_H
#define LX_TASK_VIZWIZ_H

#include "tasks/items.h"

/* Reads the questions: id = the image's file name (the evaluation keys questions by image),
 * media = "<split>/<image>", question, refs = the answers' texts as written, category =
 * answer_type, in file order. Refuses a missing key, an empty answer list, an answer type
 * outside the four, an image name that is not a plain file name, and an image asked about twice,
 * naming file and line. */
int lx_vizwiz_load(const char *path, lx_items *items, lx_error *err);

#endif
