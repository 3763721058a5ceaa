/* lynxeval human: blinded human-evaluation packages out, ratings in (reports/human). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/jsonutil.h"
#include "reports/human.h"
#include "runs/manifest.h"

#define N_OPTS(a)      ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_POSITIONAL 64

static const char *const NAME = "human";

/* Leading words that are not options: argv[1..] up to the first "--". */
static int positional(int argc, char **argv, char **out) {
  int n = 0;
  while (1 + n < argc && argv[1 + n][0] != '-' && n < MAX_POSITIONAL) {
    out[n] = argv[1 + n];
    n++;
  }
  return n;
}

static int run(int argc, char **argv) {
  const char *out = NULL, *task = NULL, *data = NULL, *protocol = "grade", *key = NULL;
  long raters = 2, seed = 1, limit = 0;
  lx_media_limits limits = LX_MEDIA_LIMITS_DEFAULT;
  cli_opt opts[] = {
      {"--out", CLI_STRING, &out, "PATH", "export: the package directory; import: the report JSON",
       0, 0, 0},
      {"--task", CLI_STRING, &task, "TASK", "export: the task whose answers are rated", 0, 0, 0},
      {"--data", CLI_STRING, &data, "DIR",
       "export: the dataset root the runs used (for the images)", 0, 0, 0},
      {"--protocol", CLI_STRING, &protocol, "NAME", "export: grade (A/B/C/D, default) or pairwise",
       0, 0, 0},
      {"--raters", CLI_INT, &raters, "N", "export: annotation pages to write (default 2)", 1, 1000,
       0},
      {"--limit", CLI_INT, &limit, "N", "export: a random sample of N items (default: all)", 1,
       1L << 40, 0},
      {"--seed", CLI_INT, &seed, "S", "the shuffles and the bootstrap (default 1)", 0, 2147483647L,
       0},
      {"--key", CLI_STRING, &key, "FILE", "import: the key (default: <package>.key.json)", 0, 0, 0},
      CLI_MEDIA_LIMIT_OPTS(limits),
  };
  char *words[MAX_POSITIONAL];
  int n = positional(argc, argv, words);
  argv[n] = argv[0];
  int rc = cli_parse(&cmd_human, argc - n, argv + n, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  lx_error err;
  if (n >= 1 && !strcmp(words[0], "export")) {
    if (n < 2 || !out || !task || !data) {
      cli_error(NAME, "export needs RUN... --task TASK --data DIR --out DIR");
      return CLI_USAGE;
    }
    lx_human_export_options opt = {LX_HUMAN_GRADE, task,           data,   (int)raters,
                                   (size_t)limit,  (uint64_t)seed, &limits};
    if (!strcmp(protocol, "pairwise"))
      opt.protocol = LX_HUMAN_PAIRWISE;
    else if (strcmp(protocol, "grade") != 0) {
      cli_error(NAME, "--protocol: '%s' is not grade or pairwise", protocol);
      return CLI_USAGE;
    }
    rc = lx_human_export(words + 1, (size_t)(n - 1), out, &opt, &err);
  } else if (n >= 1 && !strcmp(words[0], "import")) {
    if (n < 3) {
      cli_error(NAME, "import needs the package directory and at least one ratings file");
      return CLI_USAGE;
    }
    cJSON *report = NULL;
    rc = lx_human_import(words[1], key, words + 2, (size_t)(n - 2), (uint64_t)seed, &report, &err);
    if (rc == LX_OK) {
      char *s = cJSON_Print(report);
      printf("%s\n", s);
      free(s);
      if (out) rc = lx_json_write_atomic(out, report, &err);
    }
    cJSON_Delete(report);
  } else {
    cli_error(NAME, "give export or import (see lynxeval human --help)");
    return CLI_USAGE;
  }
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  return 0;
}

const cli_command cmd_human = {
    "human",
    "blinded human-evaluation packages out, ratings in: grades, agreement, Bradley-Terry",
    "human export RUN... --task TASK --data DIR --out PACKAGE [--protocol grade|pairwise]\n"
    "       [--raters N] [--limit N] [--seed S]\n"
    "       human import PACKAGE RATINGS... [--key FILE] [--out REPORT.json]",
    "export samples and shuffles the items the runs answered, hides the models behind codes,\n"
    "and writes PACKAGE/ with one self-contained annotation page per rater (it works offline and\n"
    "saves ratings-<rater>.json), a Label Studio import (labelstudio.json + "
    "labelstudio-config.xml),\n"
    "items.csv and the images; the key that names the models goes to PACKAGE.key.json, beside the\n"
    "package: keep it from the raters. Protocols: grade (OwlEval's A correct and satisfying, B\n"
    "acceptable with minor flaws, C significant errors, D irrelevant or invalid) and pairwise\n"
    "(left better, right better, tie for every pair of models). A package is written once: "
    "PACKAGE\n"
    "must not exist (or be empty); it is built beside it and moved into place when complete, so a\n"
    "failed export leaves nothing behind.\n\n"
    "import checks every ratings file first (format, package, rater, each unit rated once) and\n"
    "refuses all of them, naming the file and the problem, if one is bad or incomplete. It then\n"
    "reports grade distributions and mean grades per model, Cohen's kappa per pair of raters\n"
    "(linear weights for grades), Fleiss' kappa, Krippendorff's alpha (ordinal for grades), and "
    "for\n"
    "pairwise ratings wins, losses, ties and Bradley-Terry strengths on the Elo scale with\n"
    "bootstrap intervals.",
    run,
};
