/* lynxeval report: runs side by side, with uncertainty and differences, as Markdown, HTML (with
 * SVG charts) or JSON (the report model). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "reports/gallery.h"
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
  const char *out = NULL, *data = NULL, *human = NULL;
  double alpha = 0.05;
  long resamples = LX_DEFAULT_RESAMPLES, seed = 1, gallery_items = LX_GALLERY_ITEMS_PER_TASK;
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  cli_opt opts[] = {
      {"--out", CLI_STRING, &out, "FILE", "FILE.md, FILE.html or FILE.json", 0, 0, 0},
      {"--data", CLI_STRING, &data, "DIR",
       "HTML: where the runs' images and videos are (default: the data directory each run "
       "recorded)",
       0, 0, 0},
      {"--human", CLI_STRING, &human, "FILE[,FILE...]",
       "reports of lynxeval human import (--out) to show beside the runs they rated", 0, 0, 0},
      {"--gallery-items", CLI_INT, &gallery_items, "N",
       "HTML: items shown per task in the answers gallery (default 240; 0: no gallery)", 0, 1000000,
       0},
      {"--alpha", CLI_DOUBLE, &alpha, "A",
       "1 - the intervals' level, and the tests' (default 0.05)", 0, 1, 0},
      {"--resamples", CLI_INT, &resamples, "N", "bootstrap resamples (default 2000)", 100, 10000000,
       0},
      {"--seed", CLI_INT, &seed, "S",
       "seed of the resampling and of the gallery's sample (default 1)", 0, 2147483647L, 0},
      CLI_MEDIA_LIMIT_OPTS(lim),
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
  /* --human a.json,b.json */
  char *human_list = human ? lx_xstrdup(human) : NULL, *human_files[MAX_RUNS], *save = NULL;
  size_t n_human = 0;
  for (char *f = human_list ? strtok_r(human_list, ",", &save) : NULL; f;
       f = strtok_r(NULL, ",", &save)) {
    if (n_human == MAX_RUNS) {
      cli_error(NAME, "--human: at most %d files", MAX_RUNS);
      free(human_list);
      return CLI_USAGE;
    }
    human_files[n_human++] = f;
  }
  lx_report_options opt = {alpha, (size_t)resamples, (uint64_t)seed, human_files, n_human};
  rc = lx_report_build(runs, (size_t)n, &opt, &model, &err);
  if (rc == LX_OK) {
    if (json) {
      rc = lx_json_write_atomic(out, model, &err);
    } else if (md) {
      lx_strbuf b = {0};
      lx_report_markdown(model, &b);
      rc = lx_write_file_atomic(out, lx_strbuf_str(&b), b.len, &err);
      lx_strbuf_free(&b);
    } else {
      /* the gallery links the runs' files from where the report goes */
      char *dir = lx_xstrdup(out), *slash = strrchr(dir, '/');
      if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
      else
        strcpy(dir, ".");
      lx_gallery_options go = LX_GALLERY_DEFAULTS;
      go.items_per_task = (size_t)gallery_items;
      go.data_dir = data;
      go.report_dir = dir;
      go.seed = (uint64_t)seed;
      go.media_limits = &lim;
      cJSON *gallery = NULL;
      if (gallery_items > 0) rc = lx_gallery_build(model, &go, &gallery, &err);
      lx_strbuf b = {0};
      if (rc == LX_OK) {
        lx_report_html(model, gallery, &b);
        rc = lx_write_file_atomic(out, lx_strbuf_str(&b), b.len, &err);
      }
      lx_strbuf_free(&b);
      cJSON_Delete(gallery);
      free(dir);
    }
  }
  cJSON_Delete(model);
  free(human_list);
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
    "report RUN... --out FILE.{md,html,json} [--alpha 0.05] [--resamples N] [--seed S]\n"
    "       [--data DIR] [--gallery-items N] [--human FILE,...]",
    "A header (when and by which lynxeval the report was made; per run its model, digest,\n"
    "decoding, prompt template, precision, and the lynxeval that made it), then per task: the\n"
    "paper-style table (correct/total per category, the overall with its interval), VQA accuracy\n"
    "per answer type, BLEU-4/CIDEr-D/ROUGE-L with bootstrap intervals, MME subtask scores with\n"
    "Perception and Cognition totals; for open-ended tasks (OwlEval, LLaVA-Bench, MM-Vet) what\n"
    "their answers look like and any judge's numbers; people's ratings given with --human (grade\n"
    "counts and mean grades, or Bradley-Terry Elo with intervals); with several runs, each later\n"
    "run against the first (as lynxeval compare). Runs are named by their directories.\n"
    "\n"
    "HTML adds SVG charts (per-category bars with intervals, the MME radar, the paired\n"
    "differences) and the answers themselves: per task a page of items at a time with the image\n"
    "or the video frames, the question, the references and every run's answer and verdict,\n"
    "filtered by category, verdict (where the runs disagree, wrong in some run, right in all) or\n"
    "text. Beyond --gallery-items items a task shows the disagreements first, then a seeded\n"
    "sample, and links each run's full predictions.jsonl and scores.jsonl. One self-contained\n"
    "file that opens offline. JSON is the report model itself. Reads run directories only.\n"
    "\n"
    "example: lynxeval report lynxeval-runs/world-pt lynxeval-runs/world-ca --out report.html",
    run,
};
