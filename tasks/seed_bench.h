/* seed_bench.h: SEED-Bench (Li et al., 2023), its image questions (evaluation dimensions 1-9).
 *
 * The release (huggingface.co/datasets/AILab-CVC/SEED-Bench): SEED-Bench.json, {"questions":
 * [{"question_id", "question", "choice_a" .. "choice_d", "answer" ("A".."D"), "data_id" (the
 * image's file name under SEED-Bench-image/), "data_type" ("image" or "video"),
 * "question_type_id"}], "question_type": {dimension name: id}}. The question asked is LLaVA-1.5's
 * multiple-choice layout (its docs/Evaluation.md): the question, then "A. <choice_a>" .. "D.
 * <choice_d>" on their own lines; LLaVA's answer line is the task table's. */
#ifndef LX_TASK_SEED_BENCH_H
#define LX_TASK_SEED_BENCH_H

#include "tasks/items.h"

/* Reads the questions whose data_type is "image": id = question_id, media =
 * "SEED-Bench-image/<data_id>", refs = {answer}, category = the dimension's name, subcategory =
 * its id as text, in file order. Refuses a missing key, an answer other than A-D, a
 * question_type_id the file's "question_type" does not name, naming file and line. */
int lx_seed_bench_load(const char *path, lx_items *items, lx_error *err);

/* Reads LLaVA's answer file (JSON Lines {"question_id", "text"}) for items as the script looks
 * answers up: by question_id as its JSON value, a question's id taken as an integer when it is
 * one (so an answer whose question_id is the string "101669" is not found for question 101669,
 * and that question counts as unanswered), a later answer to a question replacing an earlier one.
 * Answers found go to preds (ids as the items'); *not_found counts the others. */
int lx_seed_bench_results_load(const char *path, const lx_items *items, lx_predictions *preds,
                               size_t *not_found, lx_error *err);

#endif
