/* judging.h: the LLM-judge path over a run directory. It reads only the run directory (each
 * prediction row carries its question, references and context), so runs made elsewhere can be
 * judged.
 *
 *   requests   one per prediction: {"id", "template", "prompt_sha256", "messages": [system, user]}
 *   verdicts   RUNDIR/<task>/judge/<judge>/verdicts.jsonl, one durable line per reply:
 *              {"id", "judge", "template", "prompt_sha256", "verdict": the raw reply}
 *   aggregate  RUNDIR/<task>/judge/<judge>/aggregate.json and scores.jsonl; a reply that does not
 *              parse, or a missing one, is counted and listed, never averaged in. */
#ifndef LX_JUDGING_H
#define LX_JUDGING_H

#include <cJSON.h>

#include "common/error.h"
#include "scorers/llm_judge.h"
#include "tasks/items.h"

typedef struct lx_judge_set {
  lx_judge_kind kind;
  char *task;           /* the run's task name */
  cJSON *requests;      /* array, one per prediction asked about */
  lx_items predictions; /* the ones asked about: id, refs[0] = reference, category (for the
                         * per-class split); MMBench: the copies no rule maps, refs as the task's */
  /* LX_JUDGE_MMBENCH: every row of the run (copies included) with its answer, to score again;
   * LX_JUDGE_MM_VET: every question with its answer */
  lx_items rows;
  lx_predictions answers;
  char template_sha256[65]; /* of the template read from the script */
  char *template_text;      /* LX_JUDGE_MM_VET: the script's prompt */
  int runs; /* LX_JUDGE_MM_VET: gradings of the whole set (the script's --num_run) */
} lx_judge_set;

/* Reads RUNDIR/<task> and builds the requests. Fails for a task the judge does not serve.
 * template_from: the file holding the judge's template, for the tasks whose judge prompt is the
 * benchmark's own (mmbench, mmbench-cn: MMBench's eval_mmbench.py; msvd-qa, msrvtt-qa:
 * Video-ChatGPT's evaluate_activitynet_qa.py; mm-vet: MM-Vet's mm-vet_evaluator.py); NULL for the
 * others. runs: how many times MM-Vet's grading is repeated (0: once).
 *
 * MM-Vet's requests are the first asks, id "<question id>#<run>"; a reply its script cannot read
 * is asked again (lx_judge_next_ask) as "<question id>#<run>.<ask>", ask 2 to 6. Each request
 * carries the temperature and max_tokens the script asks with. */
int lx_judge_set_load(const char *run_dir, const char *task, const char *template_from, int runs,
                      lx_judge_set *set, lx_error *err);

/* The request whose id is `id` (one of the requests, or a later ask of one), or NULL. Caller
 * deletes. */
cJSON *lx_judge_request_of(const lx_judge_set *set, const char *id);

/* The request to send after `reply` answered `request`, or NULL when none is (the reply is read,
 * or the asks are used up, or the judge asks only once). */
cJSON *lx_judge_next_ask(const lx_judge_set *set, const cJSON *request, const char *reply);
void lx_judge_set_free(lx_judge_set *set);

/* RUNDIR/<task>/judge/<judge id as a file name>, created. Caller frees. */
int lx_judge_dir(const char *run_dir, const char *task, const char *judge, char **dir,
                 lx_error *err);

/* One verdict row for the log. */
cJSON *lx_judge_verdict_row(const cJSON *request, const char *judge, const char *verdict);

/* Reads a file of verdicts obtained elsewhere: JSON Lines {"id": string or integer, "verdict":
 * string}, into rows (id -> raw verdict, each with its FILE:LINE). Fails naming the line. */
int lx_judge_read_verdicts(const char *path, lx_predictions *rows, lx_error *err);

/* Checks a whole file of imported verdicts (id -> raw reply, each with its FILE:LINE) before any
 * is stored: every id must have a prediction in the run and occur once in the file, and an id
 * the judge's log already holds must carry the same verdict (an import is repeated safely; a
 * verdict is never replaced). *to_add receives the ones the log lacks, in file order. */
int lx_judge_import_check(const lx_judge_set *set, const lx_predictions *imported,
                          const lx_predictions *stored, lx_predictions *to_add, lx_error *err);

/* Scores the verdicts (id -> raw reply) and writes aggregate.json and scores.jsonl into dir;
 * *aggregate (may be NULL) receives a copy of the aggregate. */
int lx_judge_finish(const lx_judge_set *set, const lx_predictions *verdicts, const char *judge,
                    const char *dir, cJSON **aggregate, lx_error *err);

#endif
