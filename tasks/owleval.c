#include "tasks/owleval.h"

#include <stdlib.h>
#include <string.h>

int lx_owleval_load(const char *questions_path, const char *media_root, lx_items *items,
                    lx_error *err) {
  int rc = lx_items_load_jsonl_questions(questions_path, "question_id", "question", "ability",
                                         media_root, items, err);
  return rc ? rc : lx_items_index(items, "question_id", err);
}
