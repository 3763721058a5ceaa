/* lynxeval run: parses the flags into a run request and hands it to runs/run.h, which checks
 * everything, then predicts, scores and writes the run directory; prints what it reports. With
 * no task and no --model/--data/--out: the embedded default (the world with the shipped PT
 * model), which takes the other flags too. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/home.h"
#include "cli/run_command.h"
#include "cli/run_results.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "runs/run.h"

#define N_OPTS(a)     ((int)(sizeof(a) / sizeof((a)[0])))
#define DEFAULT_BATCH 4
#define DEFAULT_RUN_DIR \
  "lynxeval-runs/world-pt" /* the embedded default's, under the current directory */

static const char *const NAME = "run";

static void print_note(void *ctx, const char *message) {
  (void)ctx;
  fprintf(stderr, "lynxeval run: %s\n", message);
}

static void print_task(void *ctx, const char *task, size_t items, const char *headline) {
  (void)ctx;
  printf("%-16s %6zu items  %s\n", task, items, headline);
  fflush(stdout);
}

int cli_run(int argc, char **argv, cli_run_mode *mode) {
  lx_run_request r = {.limit = 0,
                      .batch = DEFAULT_BATCH,
                      .beams = -1,
                      .max_new = -1,
                      .seed = 0,
                      .media = LX_MEDIA_LIMITS_DEFAULT};
  cli_opt opts[] = {
      {"--model", CLI_STRING, &r.model_dir, "DIR", "model directory", 0, 0, 0},
      {"--data", CLI_STRING, &r.data_dir, "DIR",
       "the dataset's root (with several tasks: DIR/<dataset> if it exists)", 0, 0, 0},
      {"--out", CLI_STRING, &r.out_dir, "RUNDIR",
       "run directory (created; an existing one is resumed)", 0, 0, 0},
      {"--limit", CLI_INT, &r.limit, "N", "only the first N items of each task", 1, 1L << 40, 0},
      {"--dataset", CLI_STRING, &r.dataset, "NAME",
       "another registry entry for the task (flickr30k-test, ...)", 0, 0, 0},
      {"--prompt-template", CLI_STRING, &r.template_name, "NAME",
       "one of the task's templates (default: model, the model's own conversation)", 0, 0, 0},
      {"--decode", CLI_STRING, &r.decode, "NAME",
       "greedy, beam, beam-sample or sample (default: the suite's, the task's, else the model's)",
       0, 0, 0},
      {"--beams", CLI_INT, &r.beams, "N", "beams for beam and beam-sample", 1, 256, 0},
      {"--max-new-tokens", CLI_INT, &r.max_new, "N", "most tokens per answer", 1, 65536, 0},
      {"--seed", CLI_INT, &r.seed, "S", "seed of the random draws (each item gets its own from it)",
       0, 2147483647L, 0},
      {"--frame-rule", CLI_STRING, &r.frame_rule, "RULE",
       "video frames: segment-start, segment-middle, reference-random", 0, 0, 0},
      {"--normalize", CLI_STRING, &r.normalize, "MODE",
       "VQA scoring: official-2017 (default), official-2021, always", 0, 0, 0},
      {"--batch", CLI_INT, &r.batch, "N", "items decoded together (default 4)", 1, 256, 0},
      {"--threads", CLI_INT, &r.threads, "N",
       "worker threads (default: $LYNXEVAL_THREADS or the cores this process may use)", 0, 4096, 0},
      {"--precision", CLI_STRING, &r.precision, "f32|bf16", CLI_PRECISION_HELP, 0, 0, 0},
      {"--rehash", CLI_FLAG, &r.rehash, NULL,
       "hash the model and annotation files again instead of trusting the hash cache, and say "
       "if it was wrong",
       0, 0, 0},
      {"--shard", CLI_STRING, &r.shard, "I/N|auto",
       "answer only shard I of N (from 0) of the run's blocks; auto: the rank and size mpirun, "
       "mpiexec or srun set",
       0, 0, 0},
      CLI_MEDIA_LIMIT_OPTS(r.media),
      /* lynxeval-mpi's only (it stays last: run parses without it) */
      {"--block-timeout", CLI_DOUBLE, mode ? &mode->block_timeout : NULL, "SECONDS",
       "end the job when a rank holds one block longer (default: the larger of 600 and 20 times "
       "the median block)",
       1, 2592000, 0},
  };
  const int n_opts = N_OPTS(opts) - (mode ? 0 : 1);
  /* the manifest records the command as given */
  lx_strbuf command = {0};
  lx_strbuf_puts(&command, "run");
  for (int i = 1; i < argc; i++) {
    lx_strbuf_putc(&command, ' ');
    lx_strbuf_puts(&command, argv[i]);
  }
  /* the first word, if it is not an option, is the task list */
  char **args = lx_xcalloc((size_t)argc + 1, sizeof *args);
  int n_args = 0;
  args[n_args++] = argv[0];
  for (int i = 1; i < argc; i++)
    if (i != 1 || argv[1][0] == '-') args[n_args++] = argv[i];
  r.tasks = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  int rc = cli_parse(&cmd_run, n_args, args, opts, n_opts);
  free(args);
  if (rc) {
    lx_strbuf_free(&command);
    return rc == CLI_HELP_SHOWN ? 0 : rc;
  }
  /* no task and no model, data or run directory: the embedded default */
  bool embedded = !r.tasks && !r.model_dir && !r.data_dir && !r.out_dir;
  char *home = NULL, *home_model = NULL, *home_data = NULL;
  if (embedded) {
    home = lx_home_dir();
    if (!home) {
      cli_error(NAME,
                "the shipped world and checkpoints were not found beside the binary; set "
                "LYNXEVAL_HOME to the folder holding datasets/world and checkpoints");
      lx_strbuf_free(&command);
      return CLI_FAIL;
    }
    home_model = lx_path_join(home, "checkpoints/lynx-world-pt");
    home_data = lx_path_join(home, "datasets/world/test");
    r.tasks = "world";
    r.model_dir = home_model;
    r.data_dir = home_data;
    r.out_dir = DEFAULT_RUN_DIR;
  }
  if (!r.tasks || !r.model_dir || !r.data_dir || !r.out_dir) {
    lx_strbuf missing = {0};
    const char *names[] = {"TASK[,TASK...]", "--model DIR", "--data DIR", "--out RUNDIR"};
    const bool absent[] = {!r.tasks, !r.model_dir, !r.data_dir, !r.out_dir};
    for (int i = 0; i < 4; i++)
      if (absent[i]) lx_strbuf_printf(&missing, "%s%s", missing.len ? ", " : "", names[i]);
    cli_error(NAME, "missing %s (see %s run --help; with none of them, the embedded default)",
              lx_strbuf_str(&missing), cli_program);
    lx_strbuf_free(&missing);
    lx_strbuf_free(&command);
    return CLI_USAGE;
  }
  r.command = lx_strbuf_str(&command);
  r.dispatched = mode && mode->dispatched;
  lx_error err;
  lx_run_plan *plan = NULL;
  int usage = 0;
  rc = lx_run_prepare(&r, &plan, &usage, &err);
  lx_run_events ev = {print_note, print_task, NULL};
  bool scored = false;
  if (rc == LX_OK)
    rc = mode ? mode->execute(plan, &ev, &scored, mode->ctx, &err)
              : lx_run_execute(plan, &ev, &scored, &err);
  if (rc == LX_OK && scored) rc = cli_write_results(r.out_dir, embedded, &err);
  bool say = rc && err.msg[0] && !(usage && mode && mode->quiet_usage);
  if (say && mode && mode->who)
    cli_error(NAME, "%s: %s", mode->who, err.msg);
  else if (say)
    cli_error(NAME, "%s", err.msg);
  lx_run_plan_free(plan);
  lx_strbuf_free(&command);
  free(home);
  free(home_model);
  free(home_data);
  return rc ? (usage ? CLI_USAGE : CLI_FAIL) : 0;
}

static int run(int argc, char **argv) {
  return cli_run(argc, argv, NULL);
}

const cli_command cmd_run = {
    "run",
    "run benchmarks end to end: predict (resumably), score, write a run directory",
    "run [--limit N] [more]  (the embedded default: every world task, the shipped PT model)\n"
    "       run TASK[:DATASET][,...] --model DIR --data DIR --out RUNDIR [--limit N] [--decode "
    "NAME]\n"
    "       [--prompt-template NAME] [--seed S] [--frame-rule RULE] [--batch N] [more]",
    "With no task and no --model, --data or --out, lynxeval runs every task of the embedded world\n"
    "(its test split and the trained tiny PT model, found beside the binary) into\n"
    "./lynxeval-runs/world-pt, prints the paper-style tables and writes report.html there; the\n"
    "other flags (--limit, --threads, --batch, ...) apply to it as to any run.\n\n"
    "Before anything is written, every name and flag is checked, the model is loaded and every\n"
    "task's annotation files are read, and every image and video the run will decode is looked\n"
    "for: a mistake there leaves no run directory behind. (They are decoded as their items come:\n"
    "one that does not decode stops the run there, keeping what was predicted.)\n\n"
    "Tasks: open-vqa-image, open-vqa-video, vqav2, coco-caption, mme, owleval, llava-bench; each\n"
    "reads its default dataset, or the one after a colon (coco-caption:flickr30k-test); the\n"
    "suite world stands for every world task. 'lynxeval datasets' lists the datasets.\n\n"
    "Every prediction is appended to RUNDIR/<task>/predictions.jsonl and fsynced before the next\n"
    "batch, so a run killed at any point loses at most the batch being decoded: run the same\n"
    "command again and it resumes, predicting only what is missing, with answers identical to an\n"
    "uninterrupted run. Resuming requires the same model files, config, prompt template,\n"
    "decoding, frame rule, seed, task version, --batch and thread count (they are in\n"
    "RUNDIR/<task>/fingerprint.json; batch and threads change the last bits of the arithmetic);\n"
    "files of 16 MiB and more are hashed once and remembered by path, size, modification time\n"
    "and inode in ~/.cache/lynxeval/sha256.tsv ($LYNXEVAL_CACHE_DIR, $XDG_CACHE_HOME), so a\n"
    "resumed session or a shard does not read a large model again; --rehash reads them anyway;\n"
    "anything else is refused with the first difference. --limit may change: a later run with a\n"
    "larger limit (or none) keeps what is there and adds the rest.\n\n"
    "Decoding: the model's config (for Lynx the reference's beam sampling) unless the task sets\n"
    "its own (vqav2: beam 5, 10 tokens; coco-caption: beam 5, 30 tokens; mme: greedy, 8 tokens;\n"
    "owleval, llava-bench: 256 tokens), the suite its own (world: greedy, 24 tokens) or a flag\n"
    "overrides it.\n\n"
    "Sharing a run among processes (Slurm arrays, srun, mpirun): --shard I/N answers only the\n"
    "blocks (--batch consecutive items, numbered across the run's tasks) whose number is I mod\n"
    "N, into RUNDIR/<task>/shards/I-of-N.jsonl; --shard auto reads I and N from mpirun's,\n"
    "mpiexec's or srun's variables and says which. The last shard to finish folds every log into\n"
    "predictions.jsonl in item order and scores, so the files equal one process's byte for byte;\n"
    "lynxeval merge RUNDIR does the same by hand and --check says what is missing. A plain run\n"
    "started several times by a launcher is refused. Every shard needs the same flags, --threads\n"
    "included; resuming works with any shard count, or with none (docs/scale-out.md).\n\n"
    "Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise); the summary, one\n"
    "line per task, to stdout.",
    run,
};
