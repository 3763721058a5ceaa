/* lynxeval compare: run B against run A (or every pair of several runs), with intervals, fitting
 * paired tests and multiplicity adjustment (reports/compare); --fail-on-regression turns it into a
 * CI gate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/jsonutil.h"
#include "reports/compare.h"
#include "reports/stats.h"
#include "runs/manifest.h"

#define LX_COMPARE_MAX_RUNS 8

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const NAME = "compare";

static void print_tasks(const cJSON *tasks) {
  printf("%-16s %-14s %-9s %10s %10s %9s  %-23s %9s %9s\n", "task", "category", "metric", "A", "B",
         "B - A", "interval", "p", "p (Holm)");
  const cJSON *t, *r;
  cJSON_ArrayForEach(t, tasks) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
      const cJSON *iv = cJSON_GetObjectItem(r, "interval");
      char interval[64];
      snprintf(interval, sizeof interval, "[%.4f, %.4f]", cJSON_GetArrayItem(iv, 0)->valuedouble,
               cJSON_GetArrayItem(iv, 1)->valuedouble);
      const char *cat = cJSON_GetObjectItem(r, "category")->valuestring;
      printf("%-16s %-14s %-9s %10.4f %10.4f %+9.4f  %-23s %9.3g %9.3g%s\n",
             cJSON_GetObjectItem(r, "task")->valuestring, cat[0] ? cat : "(overall)",
             cJSON_GetObjectItem(r, "metric")->valuestring, lx_json_number(r, "a"),
             lx_json_number(r, "b"), lx_json_number(r, "diff"), interval, lx_json_number(r, "p"),
             lx_json_number(r, "p_holm"),
             cJSON_IsTrue(cJSON_GetObjectItem(r, "regression"))    ? "  REGRESSION"
             : cJSON_IsTrue(cJSON_GetObjectItem(r, "significant")) ? "  improvement"
                                                                   : "");
    }
  }
}

/* One table for two runs; for more, one per pair under its runs' names. */
static void print_result(const cJSON *result, const char *run_a, const char *run_b) {
  const cJSON *pairs = cJSON_GetObjectItem(result, "pairs"), *p;
  if (!pairs) {
    printf("B = %s against A = %s\n\n", run_b, run_a);
    print_tasks(cJSON_GetObjectItem(result, "tasks"));
  } else {
    cJSON_ArrayForEach(p, pairs) {
      printf("\n## B = %s against A = %s\n\n", cJSON_GetObjectItem(p, "run_b")->valuestring,
             cJSON_GetObjectItem(p, "run_a")->valuestring);
      print_tasks(cJSON_GetObjectItem(p, "tasks"));
    }
  }
  printf("\n%g regressions at alpha %g after Holm adjustment%s (%g resamples, seed %g)\n",
         lx_json_number(result, "regressions"), lx_json_number(result, "alpha"),
         pairs ? " over every pair" : "", lx_json_number(result, "resamples"),
         lx_json_number(result, "seed"));
}

static int run(int argc, char **argv) {
  double alpha = 0.05;
  long resamples = LX_DEFAULT_RESAMPLES, seed = 1;
  bool fail_on_regression = false, allow = false;
  const char *json_out = NULL, *task_list = NULL;
  cli_opt opts[] = {
      {"--alpha", CLI_DOUBLE, &alpha, "A", "significance level after adjustment (default 0.05)", 0,
       1, 0},
      {"--fail-on-regression", CLI_FLAG, &fail_on_regression, NULL,
       "exit 3 when B (a later run) is significantly worse anywhere", 0, 0, 0},
      {"--tasks", CLI_STRING, &task_list, "T,...",
       "only these tasks (default: every task both runs scored)", 0, 0, 0},
      {"--resamples", CLI_INT, &resamples, "N",
       "bootstrap and randomization resamples (default 2000)", 100, 10000000, 0},
      {"--seed", CLI_INT, &seed, "S", "seed of the resampling (default 1)", 0, 2147483647L, 0},
      {"--json", CLI_STRING, &json_out, "FILE", "also write every row as JSON", 0, 0, 0},
      {"--allow-different-settings", CLI_FLAG, &allow, NULL,
       "compare runs whose prompts, decoding, ... differ", 0, 0, 0},
  };
  /* the run directories first */
  int pos = 0;
  const char *runs[LX_COMPARE_MAX_RUNS + 1];
  while (argc > 1 + pos && argv[1 + pos][0] != '-') {
    if (pos == LX_COMPARE_MAX_RUNS) {
      cli_error(NAME, "at most %d runs at once", LX_COMPARE_MAX_RUNS);
      return CLI_USAGE;
    }
    runs[pos] = argv[1 + pos];
    pos++;
  }
  argv[pos] = argv[0];
  int rc = cli_parse(&cmd_compare, argc - pos, argv + pos, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (pos < 2) {
    cli_error(NAME, "give two run directories or more: lynxeval compare RUN_A RUN_B [RUN_C ...]");
    return CLI_USAGE;
  }
  if (!(alpha > 0 && alpha < 1)) {
    cli_error(NAME, "--alpha must be in (0, 1)");
    return CLI_USAGE;
  }
  const size_t n_runs = (size_t)pos;
  lx_error err;
  char **names = NULL;
  size_t n_names = 0;
  if (task_list) {
    char *list = lx_xstrdup(task_list), *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      names = lx_xrealloc_array(names, n_names + 1, sizeof *names);
      names[n_names++] = lx_xstrdup(t);
    }
    free(list);
  } else {
    rc = lx_run_task_names(runs[0], &names, &n_names, &err);
  }
  /* scores[i][k]: run i's task k; loaded[i] of them were loaded */
  lx_task_scores *scores[LX_COMPARE_MAX_RUNS];
  size_t loaded[LX_COMPARE_MAX_RUNS] = {0};
  for (size_t i = 0; i < n_runs; i++) scores[i] = lx_xcalloc(n_names + 1, sizeof *scores[i]);
  for (size_t i = 0; rc == LX_OK && i < n_runs; i++)
    for (size_t k = 0; rc == LX_OK && k < n_names; k++) {
      rc = lx_task_scores_load(runs[i], names[k], &scores[i][k], &err);
      if (rc == LX_OK) loaded[i]++;
    }
  for (size_t i = 0; rc == LX_OK && i < n_runs; i++)
    for (size_t j = i + 1; rc == LX_OK && j < n_runs; j++)
      for (size_t k = 0; rc == LX_OK && k < n_names; k++)
        rc = lx_compare_check(&scores[i][k], &scores[j][k], allow, &err);
  cJSON *result = NULL;
  if (rc == LX_OK) {
    lx_compare_options opt = {alpha, (size_t)resamples, (uint64_t)seed, allow};
    result = n_runs == 2 ? lx_compare_runs(scores[0], scores[1], n_names, &opt)
                         : lx_compare_pairwise(scores, n_runs, n_names, &opt);
    print_result(result, runs[0], runs[1]);
    if (json_out) rc = lx_json_write_atomic(json_out, result, &err);
  }
  if (rc) cli_error(NAME, "%s", err.msg);
  int status = rc ? CLI_FAIL : 0;
  if (!rc && fail_on_regression && lx_json_number(result, "regressions") > 0) status = CLI_GATE;
  cJSON_Delete(result);
  for (size_t i = 0; i < n_runs; i++) {
    for (size_t k = 0; k < loaded[i]; k++) lx_task_scores_free(&scores[i][k]);
    free(scores[i]);
  }
  for (size_t k = 0; k < n_names; k++) free(names[k]);
  free(names);
  return status;
}

const cli_command cmd_compare = {
    "compare",
    "is run B better or worse than run A? differences, intervals, paired tests, a CI gate",
    "compare RUN_A RUN_B [RUN_C ...] [--alpha 0.05] [--fail-on-regression] [--tasks T,...] "
    "[--json FILE]",
    "Pairs the items of each task both runs scored and tests B against A: exact McNemar for\n"
    "correct/incorrect items (Open-VQA, MME), paired t (and Wilcoxon) for per-item scores (VQA\n"
    "accuracy, ROUGE-L), approximate randomization (and the paired bootstrap) for corpus metrics\n"
    "(BLEU-4, CIDEr-D). Each difference gets a paired-bootstrap interval. p-values are Holm-\n"
    "adjusted across the tasks' overall rows and, separately, across each task's categories\n"
    "(Benjamini-Hochberg is reported too). The runs must hold the same items and settings except\n"
    "the model (the message says what differs). With --fail-on-regression the exit status is 3\n"
    "when any row is a significant drop, 0 otherwise: a quality gate for CI (1 is bad input, 2 a\n"
    "usage error, so a broken invocation is never mistaken for a regression).\n"
    "\n"
    "With three runs or more (at most 8), every pair is compared, each later run against each\n"
    "earlier one, in a table per pair; Holm's adjustment then runs over the overall rows of every\n"
    "pair and task together (and over each task's categories across all pairs), so that the\n"
    "family-wise error holds for the whole set of pairwise tests. --json writes\n"
    "{\"runs\", \"pairs\": [{\"a\", \"b\", \"run_a\", \"run_b\", \"tasks\"}], \"regressions\"}.",
    run,
};
