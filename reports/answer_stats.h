/* answer_stats.h: what can be said of a task's open-ended answers before anyone rates them
 * (OwlEval, LLaVA-Bench, MM-Vet without its grades): how many, how long, how many empty or cut
 * off at the token limit; and the summary numbers of each judge that scored them. */
#ifndef LX_ANSWER_STATS_H
#define LX_ANSWER_STATS_H

#include <cJSON.h>

#include "common/error.h"

/* {"answers", "words_mean", "words_median", "empty", "max_new_tokens", "at_token_limit",
 *  "judges": {judge: {number keys of its aggregate.json}}} of RUNDIR/<task>. */
int lx_answer_stats(const char *run_dir, const char *task, cJSON **out, lx_error *err);

/* The tasks of a run that only people or a judge score (their fingerprint's scorer is "none"),
 * sorted, heap strings in a heap array (*n may be 0). */
int lx_answer_task_names(const char *run_dir, char ***names, size_t *n, lx_error *err);

#endif
