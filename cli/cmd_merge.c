/* lynxeval merge: folds a sharded run's logs into predictions.jsonl and scores it (runs/merge.h);
 * with --check, only says what is there and what is missing. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/run_results.h"
#include "runs/merge.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const NAME = "merge";

static void print_note(void *ctx, const char *message) {
  (void)ctx;
  fprintf(stderr, "lynxeval merge: %s\n", message);
}

static void print_task(void *ctx, const char *task, size_t items, const char *headline) {
  (void)ctx;
  printf("%-16s %6zu items  %s\n", task, items, headline);
  fflush(stdout);
}

static int merge(int argc, char **argv) {
  bool check = false;
  cli_opt opts[] = {
      {"--check", CLI_FLAG, &check, NULL,
       "only say whether every item is answered, and by which shards the missing ones are; "
       "write nothing (exit 0 complete, 1 missing items)",
       0, 0, 0},
  };
  const char *run_dir = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  if (run_dir) {
    argv[1] = argv[0];
    argv++;
    argc--;
  }
  int rc = cli_parse(&cmd_merge, argc, argv, opts, N_OPTS(opts));
  if (rc) return rc == CLI_HELP_SHOWN ? 0 : rc;
  if (!run_dir) {
    cli_error(NAME,
              "missing RUNDIR, the --out directory of the shards (see lynxeval merge --help)");
    return CLI_USAGE;
  }
  lx_error err;
  lx_merge_result r;
  lx_run_events ev = {print_note, print_task, NULL};
  rc = lx_run_merge(run_dir, check, &ev, &r, &err);
  if (rc == LX_OK && r.shards == 0) {
    cli_error(NAME, "%s", lx_strbuf_str(&r.summary));
    lx_merge_result_free(&r);
    return CLI_FAIL;
  }
  if (rc == LX_OK && !r.complete) {
    fprintf(stderr, "lynxeval merge: %s is not complete (%zu shard records read):\n%s\n", run_dir,
            r.shards, lx_strbuf_str(&r.summary));
    lx_merge_result_free(&r);
    return CLI_FAIL;
  }
  if (rc == LX_OK && check) {
    printf(
        "%s: every item is answered (%zu shard records, %zu identical duplicate rows); "
        "lynxeval merge %s folds and scores it\n",
        run_dir, r.shards, r.duplicates, run_dir);
  } else if (rc == LX_OK) {
    fprintf(stderr, "lynxeval merge: %s\n", lx_strbuf_str(&r.summary));
    rc = cli_write_results(run_dir, false, &err);
  }
  lx_merge_result_free(&r);
  if (rc) {
    cli_error(NAME, "%s", err.msg);
    return CLI_FAIL;
  }
  return CLI_OK;
}

const cli_command cmd_merge = {
    "merge",
    "fold a sharded run's logs into item order and score it (the last shard does it by itself)",
    "merge RUNDIR [--check]",
    "A run made with --shard I/N keeps each shard's answers in RUNDIR/<task>/shards/I-of-N.jsonl\n"
    "and its session in RUNDIR/shards/I-of-N.json. Once every item is answered, merge writes\n"
    "RUNDIR/<task>/predictions.jsonl in item order (byte for byte what one process writes),\n"
    "scores it, writes the exports and results.json, and folds the sessions into manifest.json;\n"
    "the last shard to finish does this itself, so merge is for checking, and for finishing by\n"
    "hand after a shard was rerun elsewhere. Running it again changes nothing.\n\n"
    "An item answered by two shards is kept once when both rows are identical (counted), and\n"
    "refused when they differ, naming both files and lines. When items are missing, merge lists\n"
    "them by task and by the shard that owns them, and exits 1 without writing: rerun those\n"
    "shards (or the command once without --shard), then merge again.",
    merge,
};
