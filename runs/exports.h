/* exports.h: a run's predictions in each benchmark's own results format, so the reference
 * scripts (and `lynxeval score`) can read them:
 *   open-vqa-*     results.jsonl   {"index", "text_output"} (the Lynx reference's output rows)
 *   vqav2          results.json    [{"question_id", "answer"}]
 *   coco-caption   results.json    [{"image_id", "caption"}]
 *   mme            results/        <subtask>.txt: image, question, Yes/No, response (tabs and
 *                                  newlines in a response become spaces: the format has no
 *                                  escapes)
 *   owleval, llava-bench  answers.jsonl  {"question_id", "text"}
 *   pope           answers.jsonl   {"question_id", "text"} and questions.jsonl {"question_id",
 *                                  "image", "text", "category"}: LLaVA's eval_pope.py's result
 *                                  and question files (ids number the run's questions)
 *   scienceqa-img  answers.jsonl   {"question_id" (the problem id), "prompt", "text"}, as LLaVA's
 *                                  eval_science_qa.py reads them
 *   seed-bench-img answers.jsonl   {"question_id", "text"}, as LLaVA's
 *                                  convert_seed_for_submission.py reads them
 *   textvqa        answers.jsonl   {"question_id" (the image_id), "prompt" (the question, its OCR
 *                                  line, LLaVA's short-answer line), "text"}, as LLaVA's
 *                                  eval_textvqa.py reads them
 *   gqa            answers.jsonl   {"question_id" (a string, as GQA's ids are), "text"}: LLaVA's
 *                                  answer file, for convert_gqa_for_eval.py and eval.py
 *   msvd-qa, msrvtt-qa  videochatgpt_preds.json  [{"video_name", "Q", "A", "pred"}], the input of
 *                                  Video-ChatGPT's evaluate_activitynet_qa.py (its LLM judge)
 *   mm-vet         results.json    {id: answer}, the results file MM-Vet's mm-vet_evaluator.py
 *                                  grades (as LLaVA's convert_mmvet_for_eval.py writes it)
 *   vizwiz         upload.json     [{"image", "answer"}], each answer through the EvalAI answer
 *                                  processor: what LLaVA's convert_vizwiz_for_submission.py
 *                                  uploads to the evaluation server
 * Ids that are integers in the annotations are written as integers. */
#ifndef LX_EXPORTS_H
#define LX_EXPORTS_H

#include "tasks/task.h"

/* The export's name in the task directory (the table above; "results/" for MME's folder). */
const char *lx_export_name(const lx_task *task);

/* Fails, with a message saying what to give instead, if `path` (given to a scorer's flag, such as
 * "--results") is one of a run's own files (RUNDIR/<task>/predictions.jsonl, scores.jsonl,
 * aggregate.json or fingerprint.json) other than `reads` (a run file the scorer reads itself, or
 * NULL): the run's export in the benchmark's own format is the file a scorer takes, and
 * `lynxeval score RUNDIR` scores a run again. */
int lx_export_instead_of_run_file(const char *path, const char *flag, const char *reads,
                                  lx_error *err);

/* Writes the export into task_dir (atomically, file by file); at[i] is the item of preds[i]. */
int lx_export_results(const lx_task *task, const lx_items *items, const lx_predictions *preds,
                      const size_t *at, const char *task_dir, lx_error *err);

#endif
