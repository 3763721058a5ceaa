/* lynxeval compare: run B against run A, with intervals, fitting paired tests and multiplicity
 * adjustment (reports/compare); --fail-on-regression turns it into a CI gate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/jsonutil.h"
#include "reports/compare.h"
#include "reports/stats.h"
#include "runs/manifest.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const NAME = "compare";

static void print_table(const cJSON *result) {
  printf("%-16s %-14s %-9s %10s %10s %9s  %-21s %9s %9s\n", "task", "category", "metric", "A", "B",
         "B - A", "interval", "p", "p (Holm)");
  const cJSON *t, *r;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(result, "tasks")) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
      const cJSON *iv = cJSON_GetObjectItem(r, "interval");
      char interval[64];
      snprintf(interval, sizeof interval, "[%.4g, %.4g]", cJSON_GetArrayItem(iv, 0)->valuedouble,
               cJSON_GetArrayItem(iv, 1)->valuedouble);
      const char *cat = cJSON_GetObjectItem(r, "category")->valuestring;
      printf("%-16s %-14s %-9s %10.4f %10.4f %+9.4f  %-21s %9.3g %9.3g%s\n",
             cJSON_GetObjectItem(r, "task")->valuestring, cat[0] ? cat : "(overall)",
             cJSON_GetObjectItem(r, "metric")->valuestring, lx_json_number(r, "a"),
             lx_json_number(r, "b"), lx_json_number(r, "diff"), interval, lx_json_number(r, "p"),
             lx_json_number(r, "p_holm"),
             cJSON_IsTrue(cJSON_GetObjectItem(r, "regression"))    ? "  REGRESSION"
             : cJSON_IsTrue(cJSON_GetObjectItem(r, "significant")) ? "  improvement"
                                                                   : "");
    }
  }
  printf("\n%g regressions at alpha %g after Holm adjustment (%g resamples, seed %g)\n",
         lx_json_number(result, "regressions"), lx_json_number(result, "alpha"),
         lx_json_number(result, "resamples"), lx_json_number(result, "seed"));
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
       "exit 3 when B is significantly worse anywhere", 0, 0, 0},
      {"--tasks", CLI_STRING, &task_list, "T,...",
       "only these tasks (default: every task both runs scored)", 0, 0, 0},
      {"--resamples", CLI_INT, &resamples, "N",
       "bootstrap and randomization resamples (default 2000)", 100, 10000000, 0},
      {"--seed", CLI_INT, &seed, "S", "seed of the resampling (default 1)", 0, 2147483647L, 0},
      {"--json", CLI_STRING, &json_out, "FILE", "also write every row as JSON", 0, 0, 0},
      {"--allow-different-settings", CLI_FLAG, &allow, NULL,
       "compare runs whose prompts, decoding, ... differ", 0, 0, 0},
  };
  /* two positional run directories first */
  int pos = 0;
  const char *runs[2] = {NULL, NULL};
  while (pos < 2 && argc > 1 + pos && argv[1 + pos][0] != '-') {
    runs[pos] = argv[1 + pos];
    pos++;
  }
  argv[pos] = argv[0];
  int rc = cli_parse(&cmd_compare, argc - pos, argv + pos, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (pos != 2) {
    cli_error(NAME, "give two run directories: lynxeval compare RUN_A RUN_B");
    return CLI_USAGE;
  }
  if (!(alpha > 0 && alpha < 1)) {
    cli_error(NAME, "--alpha must be in (0, 1)");
    return CLI_USAGE;
  }
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
  lx_task_scores *a = lx_xcalloc(n_names + 1, sizeof *a), *b = lx_xcalloc(n_names + 1, sizeof *b);
  size_t loaded = 0;
  for (size_t k = 0; rc == LX_OK && k < n_names; k++) {
    rc = lx_task_scores_load(runs[0], names[k], &a[k], &err);
    if (rc == LX_OK) {
      rc = lx_task_scores_load(runs[1], names[k], &b[k], &err);
      if (rc) lx_task_scores_free(&a[k]);
    }
    if (rc == LX_OK) loaded++;
    if (rc == LX_OK) rc = lx_compare_check(&a[k], &b[k], allow, &err);
  }
  cJSON *result = NULL;
  if (rc == LX_OK) {
    lx_compare_options opt = {alpha, (size_t)resamples, (uint64_t)seed, allow};
    result = lx_compare_runs(a, b, n_names, &opt);
    print_table(result);
    if (json_out) rc = lx_json_write_atomic(json_out, result, &err);
  }
  if (rc) cli_error(NAME, "%s", err.msg);
  int status = rc ? CLI_FAIL : 0;
  if (!rc && fail_on_regression && lx_json_number(result, "regressions") > 0) status = CLI_GATE;
  cJSON_Delete(result);
  for (size_t k = 0; k < loaded; k++) {
    lx_task_scores_free(&a[k]);
    lx_task_scores_free(&b[k]);
  }
  for (size_t k = 0; k < n_names; k++) free(names[k]);
  free(names);
  free(a);
  free(b);
  return status;
}

const cli_command cmd_compare = {
    "compare",
    "is run B better or worse than run A? differences, intervals, paired tests, a CI gate",
    "compare RUN_A RUN_B [--alpha 0.05] [--fail-on-regression] [--tasks T,...] [--json FILE]",
    "Pairs the items of each task both runs scored and tests B against A: exact McNemar for\n"
    "correct/incorrect items (Open-VQA, MME), paired t (and Wilcoxon) for per-item scores (VQA\n"
    "accuracy, ROUGE-L), approximate randomization (and the paired bootstrap) for corpus metrics\n"
    "(BLEU-4, CIDEr-D). Each difference gets a paired-bootstrap interval. p-values are Holm-\n"
    "adjusted across the tasks' overall rows and, separately, across each task's categories\n"
    "(Benjamini-Hochberg is reported too). The runs must hold the same items and settings except\n"
    "the model (the message says what differs). With --fail-on-regression the exit status is 3\n"
    "when any row is a significant drop, 0 otherwise: a quality gate for CI (1 is bad input, 2 a\n"
    "usage error, so a broken invocation is never mistaken for a regression).",
    run,
};
