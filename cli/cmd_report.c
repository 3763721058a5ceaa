/* lynxeval report: runs side by side, with uncertainty and differences, as Markdown, HTML (with
 * SVG charts) or JSON (the report model). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "reports/report.h"
#include "reports/stats.h"
#include "runs/manifest.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_RUNS  26

static const char *const NAME = "report";

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

static int run(int argc, char **argv) {
  const char *out = NULL;
  double alpha = 0.05;
  long resamples = LX_DEFAULT_RESAMPLES, seed = 1;
  cli_opt opts[] = {
      {"--out", CLI_STRING, &out, "FILE", "FILE.md, FILE.html or FILE.json", 0, 0, 0},
      {"--alpha", CLI_DOUBLE, &alpha, "A",
       "1 - the intervals' level, and the tests' (default 0.05)", 0, 1, 0},
      {"--resamples", CLI_INT, &resamples, "N", "bootstrap resamples (default 2000)", 100, 10000000,
       0},
      {"--seed", CLI_INT, &seed, "S", "seed of the resampling (default 1)", 0, 2147483647L, 0},
  };
  char *runs[MAX_RUNS];
  int n = 0;
  while (1 + n < argc && argv[1 + n][0] != '-') {
    if (n == MAX_RUNS) {
      cli_error(NAME, "at most %d runs", MAX_RUNS);
      return CLI_USAGE;
    }
    runs[n] = argv[1 + n];
    n++;
  }
  argv[n] = argv[0];
  int rc = cli_parse(&cmd_report, argc - n, argv + n, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (n == 0 || !out) {
    cli_error(NAME, "give one or more run directories and --out FILE.{md,html,json}");
    return CLI_USAGE;
  }
  bool md = ends_with(out, ".md"), html = ends_with(out, ".html"), json = ends_with(out, ".json");
  if (!md && !html && !json) {
    cli_error(NAME, "--out: '%s' must end in .md, .html or .json", out);
    return CLI_USAGE;
  }
  lx_error err;
  cJSON *model = NULL;
  lx_report_options opt = {alpha, (size_t)resamples, (uint64_t)seed};
  rc = lx_report_build(runs, (size_t)n, &opt, &model, &err);
  if (rc == LX_OK) {
    if (json) {
      rc = lx_json_write_atomic(out, model, &err);
    } else {
      lx_strbuf b = {0};
      if (md)
        lx_report_markdown(model, &b);
      else
        lx_report_html(model, &b);
      rc = lx_write_file_atomic(out, lx_strbuf_str(&b), b.len, &err);
      lx_strbuf_free(&b);
    }
  }
  cJSON_Delete(model);
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  fprintf(stderr, "lynxeval report: wrote %s\n", out);
  return 0;
}

const cli_command cmd_report = {
    "report",
    "runs side by side with intervals and differences (Markdown, HTML with charts, JSON)",
    "report RUN... --out FILE.{md,html,json} [--alpha 0.05] [--resamples N] [--seed S]",
    "Per task: the paper-style table (correct/total per category, the overall with its interval),\n"
    "VQA accuracy per answer type, BLEU-4/CIDEr-D/ROUGE-L with bootstrap intervals, MME subtask\n"
    "scores with Perception and Cognition totals; with several runs, each later run against the\n"
    "first (as lynxeval compare). HTML adds SVG charts (per-category bars with intervals, the MME\n"
    "radar, the paired differences) in one self-contained file that opens offline. JSON is the\n"
    "report model itself. Reads run directories only.",
    run,
};
