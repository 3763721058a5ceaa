/* pope.h: POPE (Li et al., EMNLP 2023), yes/no questions about objects in COCO val2014 images.
 *
 * The release (github.com/AoiDragon/POPE, output/coco/) is one JSON Lines file per split,
 * coco_pope_<split>.json for the splits random, popular and adversarial (the way negatives were
 * drawn), each line {"question_id", "image" (a val2014 file name), "text" (the question), "label"
 * ("yes" or "no")}. Question ids repeat across splits. */
#ifndef LX_TASK_POPE_H
#define LX_TASK_POPE_H

#include "tasks/items.h"

/* The split a file holds, from its name as LLaVA's eval_pope.py derives it
 * ("..._pope_<split>.json", any folder), or NULL when the name is not one of a split. */
const char *lx_pope_split_of(const char *path);

/* Appends one split file's questions: id "<split>/<question_id>", media = media_root + image,
 * refs = {label}, category = split, in file order. Refuses a file whose name names no split, a
 * label other than "yes"/"no", and a missing key, naming file and line. */
int lx_pope_load(const char *path, const char *media_root, lx_items *items, lx_error *err);

/* Reads results as LLaVA's eval_pope.py takes them: annotation_dir holds the split files (every
 * file in it must be one, as the script asserts; folders are passed over), question_file is JSON
 * Lines {"question_id", "category" (the split), ...} (LLaVA's llava_pope_test.jsonl), results is
 * JSON Lines
 * {"question_id", "text"}. The script pairs a split's answers, in the results' order, with the
 * split file's questions in file order; so does this, giving each answer the id of its question.
 * Refused: a split with more answers than questions (the script would score answers against no
 * label), an answer whose question_id the question file lacks. Items are the split files' questions
 * (splits in file-name order). */
int lx_pope_llava_results_load(const char *annotation_dir, const char *question_file,
                               const char *results, lx_items *items, lx_predictions *preds,
                               lx_error *err);

#endif
