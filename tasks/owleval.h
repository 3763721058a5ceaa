/* owleval.h: OwlEval (mPLUG-Owl's open-ended instruction set, 82 questions on 50 images).
 *
 * questions.jsonl, one per line: {"image": "1.jpg", "question_id": ..., "question": "...",
 * "ability": "..."}; images under cases/. No automatic score: people rate the answers A-D. */
#ifndef LX_OWLEVAL_H
#define LX_OWLEVAL_H

#include "tasks/items.h"

/* Items: id = question_id, media = media_root + image, category = ability (may be absent). */
int lx_owleval_load(const char *questions_path, const char *media_root, lx_items *items,
                    lx_error *err);

#endif
