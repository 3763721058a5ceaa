/* lynxeval run: benchmarks end to end. For each task: read its files, predict every item with the
 * model (durably, resumably), score the predictions, and leave everything in the run directory:
 *
 *   RUNDIR/manifest.json              version, machine, command, sessions, per-task results
 *   RUNDIR/<task>/fingerprint.json    what the predictions depend on (checked on resume)
 *   RUNDIR/<task>/predictions.jsonl   one line per item, appended and fsynced as it is made
 *   RUNDIR/<task>/scores.jsonl        per-item scores
 *   RUNDIR/<task>/aggregate.json      the benchmark's numbers
 *   RUNDIR/<task>/results.json[l] | results/ | answers.jsonl
 *                                     the predictions in the benchmark's own results format */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/home.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "media/video.h"
#include "model/generate.h"
#include "model/lynx.h"
#include "model/threads.h"
#include "reports/report.h"
#include "runs/exports.h"
#include "runs/manifest.h"
#include "runs/prediction_log.h"
#include "runs/progress.h"
#include "runs/runner.h"
#include "tasks/task.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif

#define N_OPTS(a)     ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_TASKS     16
#define DEFAULT_BATCH 4
#define DEFAULT_RUN_DIR \
  "lynxeval-runs/world-pt"         /* the embedded default's, under the current directory */
#define EMBEDDED_MAX_NEW_TOKENS 24 /* the longest world caption fits */

static const char *const NAME = "run";

typedef struct run_flags {
  const char *model_dir, *data_dir, *out_dir, *decode, *template_name, *frame_rule, *dataset,
      *normalize, *precision;
  long limit, batch, beams, max_new, seed, threads;
} run_flags;

/* The task's decoding: the model's defaults, the task's overrides, then the user's flags. */
static int decoding_for(const lx_model *m, const lx_task *t, const run_flags *f,
                        lx_decode_params *p, lx_error *err) {
  if (lx_decode_params_from_config(&m->cfg.decoding, p, err)) return LX_ERR;
  if (t->decode && lx_decode_strategy_parse(t->decode, &p->strategy))
    return lx_errorf(err, "task %s: bad decoding", t->name);
  if (t->num_beams) p->num_beams = t->num_beams;
  if (t->max_new_tokens) p->max_new_tokens = t->max_new_tokens;
  if (f->decode && lx_decode_strategy_parse(f->decode, &p->strategy))
    return lx_errorf(err, "--decode: \"%s\" is not greedy, beam, beam-sample or sample", f->decode);
  if (f->beams >= 0) p->num_beams = (int)f->beams;
  if (f->max_new >= 0) p->max_new_tokens = (int)f->max_new;
  if ((p->strategy == LX_DECODE_BEAM || p->strategy == LX_DECODE_BEAM_SAMPLE) && p->num_beams < 1)
    p->num_beams = 1;
  return lx_decode_params_check(p, err);
}

/* The number users look at first. */
static void headline(const lx_task *t, const cJSON *agg, char *buf, size_t n) {
  switch (t->scorer) {
    case LX_SCORER_OPEN_VQA:
      snprintf(buf, n, "%g/%g correct (%.2f%%)", cJSON_GetObjectItem(agg, "correct")->valuedouble,
               cJSON_GetObjectItem(agg, "total")->valuedouble,
               cJSON_GetObjectItem(agg, "accuracy")->valuedouble);
      break;
    case LX_SCORER_VQA:
      snprintf(buf, n, "VQA accuracy %.2f (%s)", cJSON_GetObjectItem(agg, "overall")->valuedouble,
               cJSON_GetObjectItem(agg, "normalize")->valuestring);
      break;
    case LX_SCORER_CAPTION:
      snprintf(buf, n, "CIDEr %.4f  Bleu_4 %.4f  ROUGE_L %.4f",
               cJSON_GetObjectItem(agg, "CIDEr")->valuedouble,
               cJSON_GetObjectItem(agg, "Bleu_4")->valuedouble,
               cJSON_GetObjectItem(agg, "ROUGE_L")->valuedouble);
      break;
    case LX_SCORER_MME: {
      const cJSON *pe = cJSON_GetObjectItem(agg, "Perception");
      const cJSON *co = cJSON_GetObjectItem(agg, "Cognition");
      if (cJSON_IsNumber(pe) && cJSON_IsNumber(co)) {
        snprintf(buf, n, "Perception %.2f, Cognition %.2f", pe->valuedouble, co->valuedouble);
        break;
      }
      /* a subset of MME (the world's six subtasks): the totals are not defined, the subtasks are */
      int k = 0;
      double sum = 0;
      const cJSON *st;
      cJSON_ArrayForEach(st, cJSON_GetObjectItem(agg, "subtasks")) {
        const cJSON *score = cJSON_GetObjectItem(st, "score");
        if (cJSON_IsNumber(score)) k++, sum += score->valuedouble;
      }
      snprintf(buf, n,
               "%d subtasks, scores summing to %.2f (no totals: Perception needs its 10 "
               "subtasks, Cognition its 4)",
               k, sum);
      break;
    }
    case LX_SCORER_NONE:
      snprintf(buf, n, "%g answers for human or LLM-judge rating",
               cJSON_GetObjectItem(agg, "answers")->valuedouble);
      break;
  }
}

/* Whether the annotation files hashed into the fingerprint are the registered ones; a file
 * without a registered digest counts as matching. Says so on stderr when they are not. */
static bool annotations_match_registry(const lx_dataset *ds, const cJSON *fingerprint) {
  bool all = true;
  const cJSON *f;
  cJSON_ArrayForEach(f,
                     cJSON_GetObjectItem(cJSON_GetObjectItem(fingerprint, "task"), "annotations")) {
    const char *path = cJSON_GetObjectItem(f, "path")->valuestring;
    const char *sha = cJSON_GetObjectItem(f, "sha256")->valuestring;
    for (int k = 0; k < ds->n_files; k++) {
      if (strcmp(ds->files[k].path, path) != 0 || !ds->files[k].sha256[0]) continue;
      if (strcmp(ds->files[k].sha256, sha) != 0) {
        fprintf(stderr,
                "lynxeval run: warning: %s is not the published %s (sha256 %.12s..., "
                "registered %.12s...); the manifest records it\n",
                path, ds->name, sha, ds->files[k].sha256);
        all = false;
      }
    }
  }
  return all;
}

/* After the embedded default: the paper-style tables on stdout, the HTML report in the run. */
static int report_embedded(const char *out_dir, lx_error *err) {
  char *dirs[1] = {(char *)out_dir};
  lx_report_options opt = {0.05, 1000, 1};
  cJSON *model = NULL;
  int rc = lx_report_build(dirs, 1, &opt, &model, err);
  lx_strbuf md = {0}, html = {0};
  char *html_path = lx_path_join(out_dir, "report.html");
  if (rc == LX_OK) {
    lx_report_markdown(model, &md);
    lx_report_html(model, &html);
    rc = lx_write_file_atomic(html_path, lx_strbuf_str(&html), html.len, err);
  }
  if (rc == LX_OK) {
    printf("\n%s\nRun directory: %s\nReport: %s (opens offline)\n", lx_strbuf_str(&md), out_dir,
           html_path);
  }
  lx_strbuf_free(&md);
  lx_strbuf_free(&html);
  free(html_path);
  cJSON_Delete(model);
  return rc;
}

/* Runs one task into RUNDIR/<task>; adds its entry to tasks_json. */
static int run_task(const lx_model *model, const lx_registry *reg, const lx_task *t,
                    const char *dataset, const run_flags *f, cJSON *tasks_json, lx_error *err) {
  const lx_task_template *tmpl = lx_task_template_find(t, f->template_name);
  const char *dataset_name = dataset ? dataset : f->dataset ? f->dataset : t->dataset;
  const lx_dataset *ds = lx_registry_find(reg, dataset_name);
  if (!ds)
    return lx_errorf(err, "no dataset '%s' in datasets.txt (see lynxeval datasets)", dataset_name);
  lx_decode_params p;
  if (decoding_for(model, t, f, &p, err)) return LX_ERR;
  const char *rule = f->frame_rule ? f->frame_rule : model->cfg.preprocess.frame_rule;
  char *data_dir = lx_dataset_root(f->data_dir, ds);
  char *task_dir = lx_path_join(f->out_dir, t->name);
  cJSON *fingerprint = NULL, *agg = NULL, *rows = NULL;
  lx_items items = {0};
  lx_predictions done = {0}, kept = {0};
  lx_prediction_log log = {.fd = -1};
  size_t *at = NULL, dropped = 0;
  double t0 = lx_now_seconds();
  lx_run_settings s = {t,    ds,   data_dir,          f->model_dir,  &p,
                       tmpl, rule, (uint64_t)f->seed, (int)f->batch, lx_threads_count()};
  int rc = lx_task_load(t, reg, ds->name, data_dir, &items, err);
  if (rc == LX_OK) rc = lx_run_fingerprint(&s, &fingerprint, err);
  if (rc == LX_OK) rc = lx_make_dirs(task_dir, err);
  if (rc == LX_OK) rc = lx_run_claim(task_dir, fingerprint, err);
  bool matches_registry = rc == LX_OK && annotations_match_registry(ds, fingerprint);
  size_t n = items.n;
  if (f->limit > 0 && (size_t)f->limit < n) {
    n = (size_t)f->limit;
    if (t->scorer == LX_SCORER_MME && n % 2) n++; /* whole images: questions come in pairs */
  }
  char *log_path = lx_path_join(task_dir, "predictions.jsonl");
  if (rc == LX_OK) rc = lx_prediction_log_open(log_path, "answer", &log, &done, &dropped, err);
  if (rc == LX_OK && dropped)
    fprintf(stderr,
            "lynxeval run: %s: cut a torn last line (%zu bytes) left by an interrupted run; "
            "that item is predicted again\n",
            log_path, dropped);
  /* every logged prediction must belong to this task's items */
  size_t done_in_range = 0;
  for (size_t i = 0; rc == LX_OK && i < done.n; i++) {
    long k = lx_items_find(&items, done.v[i].id);
    if (k < 0)
      rc = lx_errorf(err, "%s: id %s is not an item of %s", done.v[i].source, done.v[i].id,
                     ds->name);
    else if ((size_t)k < n)
      done_in_range++;
  }
  lx_progress progress;
  if (rc == LX_OK) {
    if (done_in_range)
      fprintf(stderr, "lynxeval run: %s: resuming, %zu of %zu items already predicted\n", t->name,
              done_in_range, n);
    lx_progress_start(&progress, t->name, n, done_in_range);
    lx_runner_options ro = {t, tmpl, &p, data_dir, rule, (uint64_t)f->seed, (int)f->batch};
    rc = lx_run_items(model, &items, n, &done, &ro, &log, &progress, err);
    lx_progress_finish(&progress);
  }
  lx_prediction_log_close(&log);
  /* score what the log holds for the first n items */
  lx_predictions_free(&done);
  if (rc == LX_OK) rc = lx_prediction_log_open(log_path, "answer", &log, &done, &dropped, err);
  lx_prediction_log_close(&log);
  for (size_t i = 0; rc == LX_OK && i < done.n; i++) {
    long k = lx_items_find(&items, done.v[i].id);
    if (k >= 0 && (size_t)k < n)
      lx_predictions_push(&kept, done.v[i].id, done.v[i].text, done.v[i].source);
  }
  size_t in_dataset = items.n;
  lx_items_truncate(&items, n); /* the first n items are this run's */
  if (rc == LX_OK) rc = lx_predictions_match(&kept, &items, true, &at, err);
  lx_scoring_options so = {.vqa_mode = LX_VQA_OFFICIAL_2017};
  if (rc == LX_OK && f->normalize && !lx_vqa_mode_parse(f->normalize, &so.vqa_mode))
    rc = lx_errorf(err, "--normalize: '%s' is not one of official-2017, official-2021, always",
                   f->normalize);
  if (rc == LX_OK) rc = lx_score_predictions(t->scorer, &so, &items, &kept, at, &agg, &rows, err);
  char *scores_path = lx_path_join(task_dir, "scores.jsonl"),
       *agg_path = lx_path_join(task_dir, "aggregate.json");
  if (rc == LX_OK) rc = lx_json_write_lines_atomic(scores_path, rows, err);
  if (rc == LX_OK) rc = lx_json_write_atomic(agg_path, agg, err);
  if (rc == LX_OK) rc = lx_export_results(t, &items, &kept, at, task_dir, err);
  if (rc == LX_OK) {
    char line[256];
    headline(t, agg, line, sizeof line);
    printf("%-16s %6zu items  %s\n", t->name, n, line);
    cJSON *tj = cJSON_CreateObject();
    cJSON_AddStringToObject(tj, "dataset", ds->name);
    cJSON_AddNumberToObject(tj, "items", (double)n);
    cJSON_AddNumberToObject(tj, "items_in_dataset", (double)in_dataset);
    cJSON_AddBoolToObject(tj, "annotations_match_registry", matches_registry);
    cJSON_AddNumberToObject(tj, "seconds_this_session", lx_now_seconds() - t0);
    cJSON_AddItemToObject(tj, "fingerprint", cJSON_Duplicate(fingerprint, 1));
    cJSON_AddItemToObject(tj, "aggregate", cJSON_Duplicate(agg, 1));
    cJSON_DeleteItemFromObject(tasks_json, t->name);
    cJSON_AddItemToObject(tasks_json, t->name, tj);
  }
  free(scores_path);
  free(agg_path);
  free(log_path);
  free(at);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  cJSON_Delete(fingerprint);
  lx_items_free(&items);
  lx_predictions_free(&done);
  lx_predictions_free(&kept);
  free(task_dir);
  free(data_dir);
  return rc;
}

static int run(int argc, char **argv) {
  run_flags f = {.precision = NULL,
                 .limit = 0,
                 .batch = DEFAULT_BATCH,
                 .beams = -1,
                 .max_new = -1,
                 .seed = 0,
                 .threads = 0};
  cli_opt opts[] = {
      {"--model", CLI_STRING, &f.model_dir, "DIR", "model directory", 0, 0, 0},
      {"--data", CLI_STRING, &f.data_dir, "DIR",
       "the dataset's root (with several tasks: DIR/<dataset> if it exists)", 0, 0, 0},
      {"--out", CLI_STRING, &f.out_dir, "RUNDIR",
       "run directory (created; an existing one is resumed)", 0, 0, 0},
      {"--limit", CLI_INT, &f.limit, "N", "only the first N items of each task", 1, 1L << 40, 0},
      {"--dataset", CLI_STRING, &f.dataset, "NAME",
       "another registry entry for the task (flickr30k-test, ...)", 0, 0, 0},
      {"--prompt-template", CLI_STRING, &f.template_name, "NAME",
       "one of the task's templates (default: lynx)", 0, 0, 0},
      {"--decode", CLI_STRING, &f.decode, "NAME",
       "greedy, beam, beam-sample or sample (default: the task's, else the model's)", 0, 0, 0},
      {"--beams", CLI_INT, &f.beams, "N", "beams for beam and beam-sample", 1, 256, 0},
      {"--max-new-tokens", CLI_INT, &f.max_new, "N", "most tokens per answer", 1, 65536, 0},
      {"--seed", CLI_INT, &f.seed, "S", "seed of the random draws (each item gets its own from it)",
       0, 2147483647L, 0},
      {"--frame-rule", CLI_STRING, &f.frame_rule, "RULE",
       "video frames: segment-start, segment-middle, reference-random", 0, 0, 0},
      {"--normalize", CLI_STRING, &f.normalize, "MODE",
       "VQA scoring: official-2017 (default), official-2021, always", 0, 0, 0},
      {"--batch", CLI_INT, &f.batch, "N", "items decoded together (default 4)", 1, 256, 0},
      {"--threads", CLI_INT, &f.threads, "N", "worker threads (default: all cores)", 0, 4096, 0},
      {"--precision", CLI_STRING, &f.precision, "f32|bf16", CLI_PRECISION_HELP, 0, 0, 0},
  };
  /* the first word is the task list */
  const char *task_list = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  int shift = task_list ? 1 : 0;
  argv[shift] = argv[0];
  int rc = cli_parse(&cmd_run, argc - shift, argv + shift, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  /* no arguments at all: the embedded default, the world with the shipped PT model */
  bool embedded = argc == 1;
  char *home = NULL, *home_model = NULL, *home_data = NULL;
  if (embedded) {
    home = lx_home_dir();
    if (!home) {
      cli_error(NAME,
                "the shipped world and checkpoints were not found beside the binary; set "
                "LYNXEVAL_HOME to the folder holding datasets/world and checkpoints");
      return CLI_FAIL;
    }
    home_model = lx_path_join(home, "checkpoints/lynx-world-pt");
    home_data = lx_path_join(home, "datasets/world/test");
    task_list = "world";
    f.model_dir = home_model;
    f.data_dir = home_data;
    f.out_dir = DEFAULT_RUN_DIR;
    f.decode = "greedy"; /* the world's answers are short and certain: greedy, as trained */
    f.max_new = EMBEDDED_MAX_NEW_TOKENS;
  }
  if (!task_list || !f.model_dir || !f.data_dir || !f.out_dir) {
    cli_error(NAME, "give TASK[,TASK...], --model, --data and --out (see lynxeval run --help)");
    return CLI_USAGE;
  }
  /* check every name before any work: "task", "task:dataset", or a suite of those */
  const lx_task *tasks[MAX_TASKS];
  char *datasets[MAX_TASKS];
  int n_tasks = 0;
  const char *suite = lx_suite_find(task_list);
  char *list = lx_xstrdup(suite ? suite : task_list), *save = NULL;
  for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(name, ':');
    if (colon) *colon = '\0';
    const lx_task *t = lx_task_find(name);
    if (!t) {
      cli_error(NAME,
                "unknown task '%s'; tasks: open-vqa-image, open-vqa-video, vqav2, coco-caption, "
                "mme, owleval, llava-bench (or the suite world)",
                name);
      free(list);
      return CLI_USAGE;
    }
    if (f.template_name && !lx_task_template_find(t, f.template_name)) {
      lx_strbuf names = {0};
      for (int k = 0; k < t->n_templates; k++) {
        if (k) lx_strbuf_puts(&names, ", ");
        lx_strbuf_puts(&names, t->templates[k].name);
      }
      cli_error(NAME, "task %s has no prompt template '%s' (it has %s)", name, f.template_name,
                lx_strbuf_str(&names));
      lx_strbuf_free(&names);
      free(list);
      return CLI_USAGE;
    }
    if (n_tasks == MAX_TASKS) {
      cli_error(NAME, "at most %d tasks per run", MAX_TASKS);
      free(list);
      return CLI_USAGE;
    }
    datasets[n_tasks] = colon ? lx_xstrdup(colon + 1) : NULL;
    tasks[n_tasks++] = t;
  }
  free(list);
  if (f.frame_rule) {
    lx_frame_rule r;
    if (lx_frame_rule_parse(f.frame_rule, &r)) {
      cli_error(NAME, "--frame-rule: '%s' is not segment-start, segment-middle or reference-random",
                f.frame_rule);
      return CLI_USAGE;
    }
  }
  if (f.dataset && n_tasks > 1) {
    cli_error(NAME, "--dataset applies to one task at a time");
    return CLI_USAGE;
  }
  cli_apply_threads(f.threads);
  if (cli_apply_precision(NAME, f.precision)) return CLI_USAGE;
  lx_error err;
  lx_registry reg = {0};
  lx_model *model = NULL;
  cJSON *manifest = NULL;
  rc = lx_registry_builtin(&reg, &err);
  if (rc == LX_OK) rc = lx_make_dirs(f.out_dir, &err);
  if (rc == LX_OK) rc = lx_manifest_read(f.out_dir, &manifest, &err);
  if (rc == LX_OK) rc = lx_model_load(f.model_dir, &model, &err);
  cJSON *session = NULL;
  if (rc == LX_OK) {
    char now[32];
    lx_utc_now(now);
    if (!cJSON_GetObjectItem(manifest, "format"))
      cJSON_AddStringToObject(manifest, "format", "lynxeval-run-1");
    cJSON *sessions = cJSON_GetObjectItem(manifest, "sessions");
    if (!cJSON_IsArray(sessions)) {
      cJSON_DeleteItemFromObject(manifest, "sessions");
      sessions = cJSON_AddArrayToObject(manifest, "sessions");
    }
    session = cJSON_CreateObject();
    cJSON_AddStringToObject(session, "lynxeval_version", LYNXEVAL_VERSION);
    lx_strbuf cmd = {0};
    for (int i = 0; i < argc; i++) {
      if (i) lx_strbuf_putc(&cmd, ' ');
      lx_strbuf_puts(&cmd, i == shift ? "run" : argv[i]);
    }
    cJSON_AddStringToObject(session, "command", lx_strbuf_str(&cmd));
    lx_strbuf_free(&cmd);
    cJSON_AddItemToObject(session, "machine", lx_machine_info());
    cJSON_AddStringToObject(session, "started", now);
    cJSON_AddNullToObject(session, "finished");
    cJSON_AddItemToArray(sessions, session);
    if (!cJSON_IsObject(cJSON_GetObjectItem(manifest, "tasks"))) {
      cJSON_DeleteItemFromObject(manifest, "tasks");
      cJSON_AddObjectToObject(manifest, "tasks");
    }
    rc = lx_manifest_write(f.out_dir, manifest, &err);
  }
  for (int i = 0; rc == LX_OK && i < n_tasks; i++) {
    rc = run_task(model, &reg, tasks[i], datasets[i], &f, cJSON_GetObjectItem(manifest, "tasks"),
                  &err);
    if (rc == LX_OK) rc = lx_manifest_write(f.out_dir, manifest, &err);
  }
  if (rc == LX_OK) {
    char now[32];
    lx_utc_now(now);
    cJSON_ReplaceItemInObject(session, "finished", cJSON_CreateString(now));
    rc = lx_manifest_write(f.out_dir, manifest, &err);
  }
  if (rc == LX_OK && embedded) rc = report_embedded(f.out_dir, &err);
  if (rc) cli_error(NAME, "%s", err.msg);
  cJSON_Delete(manifest);
  lx_model_free(model);
  lx_registry_free(&reg);
  for (int i = 0; i < n_tasks; i++) free(datasets[i]);
  free(home);
  free(home_model);
  free(home_data);
  return rc ? CLI_FAIL : 0;
}

const cli_command cmd_run = {
    "run",
    "run benchmarks end to end: predict (resumably), score, write a run directory",
    "run                (the embedded default: every world task with the shipped PT model)\n"
    "       run TASK[:DATASET][,...] --model DIR --data DIR --out RUNDIR [--limit N] [--decode "
    "NAME]\n"
    "       [--prompt-template NAME] [--seed S] [--frame-rule RULE] [--batch N] [more]",
    "With no arguments, lynxeval runs every task of the embedded world (its test split and the\n"
    "trained tiny PT model, found beside the binary) into ./lynxeval-runs/world-pt, prints the\n"
    "paper-style tables and writes report.html there.\n\n"
    "Tasks: open-vqa-image, open-vqa-video, vqav2, coco-caption, mme, owleval, llava-bench; each\n"
    "reads its default dataset, or the one after a colon (coco-caption:flickr30k-test); the\n"
    "suite world stands for every world task. 'lynxeval datasets' lists the datasets.\n\n"
    "Every prediction is appended to RUNDIR/<task>/predictions.jsonl and fsynced before the next\n"
    "batch, so a run killed at any point loses at most the batch being decoded: run the same\n"
    "command again and it resumes, predicting only what is missing, with answers identical to an\n"
    "uninterrupted run. Resuming requires the same model files, config, prompt template,\n"
    "decoding, frame rule, seed, task version, --batch and thread count (they are in\n"
    "RUNDIR/<task>/fingerprint.json; batch and threads change the last bits of the arithmetic);\n"
    "anything else is refused with the first difference. --limit may change: a later run with a\n"
    "larger limit (or none) keeps what is there and adds the rest.\n\n"
    "Decoding: the model's config (for Lynx the reference's beam sampling) unless the task sets\n"
    "its own (vqav2: beam 5, 10 tokens; coco-caption: beam 5, 30 tokens; mme: greedy, 8 tokens;\n"
    "owleval, llava-bench: 256 tokens) or a flag overrides it.\n\n"
    "Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise); the summary, one\n"
    "line per task, to stdout.",
    run,
};
