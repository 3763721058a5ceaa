#include "reports/report.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "lynxeval_commit.h" /* generated at build time: LYNXEVAL_COMMIT */
#include "reports/answer_stats.h"
#include "reports/compare.h"
#include "reports/report_model.h"
#include "reports/run_data.h"
#include "reports/uncertainty.h"
#include "runs/run_dir.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif

/* ---- the model
 * ----------------------------------------------------------------------------------- */

static const char *base_name(const char *path) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  const char *p = path + n;
  while (p > path && p[-1] != '/') p--;
  return p;
}

/* The run's model and the precision it ran at (from one task's fingerprint: a run directory holds
 * one model, and its tasks share the numerics). */
static void describe_run(cJSON *run, const lx_task_scores *t) {
  const cJSON *fp = t->fingerprint;
  const cJSON *model = cJSON_GetObjectItem(fp, "model");
  const cJSON *sha = cJSON_GetObjectItem(model, "safetensors_sha256");
  char short_sha[13] = "";
  if (cJSON_IsString(sha)) snprintf(short_sha, sizeof short_sha, "%.12s", sha->valuestring);
  cJSON_AddStringToObject(run, "model_sha256", short_sha);
  /* the model's family and variant, from its config.json (recorded in the fingerprint) */
  const cJSON *config = cJSON_GetObjectItem(model, "config");
  const cJSON *family = cJSON_GetObjectItem(config, "family"),
              *variant = cJSON_GetObjectItem(config, "variant");
  lx_strbuf fam = {0}; /* "lynx prefix", "llava-1.5" (a variant named after its family alone) */
  const char *f = cJSON_IsString(family) ? family->valuestring : "lynx";
  const char *v = cJSON_IsString(variant) ? variant->valuestring : "";
  if (strncmp(v, f, strlen(f)) != 0) lx_strbuf_puts(&fam, f);
  if (*v) lx_strbuf_printf(&fam, "%s%s", fam.len ? " " : "", v);
  cJSON_AddStringToObject(run, "family", lx_strbuf_str(&fam));
  lx_strbuf_free(&fam);
  /* decoding and prompt template: per task (describe_task_settings), as tasks may differ */
  const char *precision = lx_json_string(cJSON_GetObjectItem(fp, "numerics"), "precision");
  cJSON_AddStringToObject(run, "precision", *precision ? precision : "?");
}

/* Adds task to the list of tasks sharing `text` in by_text ({text: "task, task"}). */
static void group_by_text(cJSON *by_text, const char *text, const char *task) {
  cJSON *tasks = cJSON_GetObjectItem(by_text, text);
  if (!tasks) {
    cJSON_AddStringToObject(by_text, text, task);
    return;
  }
  lx_strbuf joined = {0};
  lx_strbuf_printf(&joined, "%s, %s", tasks->valuestring, task);
  cJSON_SetValuestring(tasks, lx_strbuf_str(&joined));
  lx_strbuf_free(&joined);
}

/* One task's decoding and prompt template, grouped in the run's "decoding_by_task" and
 * "template_by_task" ({description: "task, task"}). */
static void describe_task_settings(cJSON *run, const char *task, const cJSON *fp) {
  const cJSON *dec = cJSON_GetObjectItem(fp, "decoding");
  const char *strategy = lx_json_string(dec, "strategy");
  double beams = lx_rm_num(dec, "num_beams"), max_new = lx_rm_num(dec, "max_new_tokens");
  lx_strbuf how = {0}; /* "greedy, at most 24 new tokens", "beam (5 beams), ..." */
  lx_strbuf_puts(&how, *strategy ? strategy : "?");
  if (strstr(strategy, "beam") && beams > 1) lx_strbuf_printf(&how, " (%g beams)", beams);
  if (max_new > 0) lx_strbuf_printf(&how, ", at most %g new tokens", max_new);
  cJSON *by = cJSON_GetObjectItem(run, "decoding_by_task");
  if (!by) by = cJSON_AddObjectToObject(run, "decoding_by_task");
  group_by_text(by, lx_strbuf_str(&how), task);
  lx_strbuf_free(&how);
  const char *tmpl = lx_json_string(cJSON_GetObjectItem(fp, "prompt_template"), "name");
  by = cJSON_GetObjectItem(run, "template_by_task");
  if (!by) by = cJSON_AddObjectToObject(run, "template_by_task");
  group_by_text(by, *tmpl ? tmpl : "?", task);
}

/* "greedy, at most 24 new tokens" when every task shares it, else "A (task, task); B (task)". */
static void summarize_by_task(cJSON *run, const char *by_key, const char *key) {
  const cJSON *by = cJSON_GetObjectItem(run, by_key), *x;
  lx_strbuf text = {0};
  int n = cJSON_GetArraySize(by);
  cJSON_ArrayForEach(x, by) {
    lx_strbuf_printf(&text, "%s%s", text.len ? "; " : "", x->string);
    if (n > 1) lx_strbuf_printf(&text, " (%s)", x->valuestring);
  }
  cJSON_AddStringToObject(run, key, text.len ? lx_strbuf_str(&text) : "?");
  lx_strbuf_free(&text);
}

/* Which lynxeval made the run and when, from its manifest's sessions: "made_by" (each distinct
 * "version (commit)", comma-separated), "started" (the first session), "finished" (the last). */
static void provenance(cJSON *run, const char *run_dir) {
  cJSON *manifest = NULL;
  lx_error ignored;
  lx_strbuf made_by = {0};
  const char *started = "", *finished = "";
  if (lx_run_read_json(run_dir, NULL, LX_RUN_MANIFEST, &manifest, &ignored) == LX_OK) {
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(manifest, "sessions")) {
      char who[160];
      snprintf(who, sizeof who, "%s (%s)", lx_json_string(s, "lynxeval_version"),
               lx_json_string(s, "lynxeval_commit"));
      if (!strstr(lx_strbuf_str(&made_by), who))
        lx_strbuf_printf(&made_by, "%s%s", made_by.len ? ", " : "", who);
      if (!*started) started = lx_json_string(s, "started");
      if (*lx_json_string(s, "finished")) finished = lx_json_string(s, "finished");
    }
  }
  cJSON_AddStringToObject(run, "made_by", made_by.len ? lx_strbuf_str(&made_by) : "?");
  cJSON_AddStringToObject(run, "started", started);
  cJSON_AddStringToObject(run, "finished", finished);
  lx_strbuf_free(&made_by);
  cJSON_Delete(manifest);
}

/* The report's own date: now, or SOURCE_DATE_EPOCH's when set (reproducible reports). */
static void report_date(char *buf, size_t n) {
  const char *epoch = getenv("SOURCE_DATE_EPOCH");
  char *end = NULL;
  long long t = epoch ? strtoll(epoch, &end, 10) : 0;
  time_t when = epoch && end != epoch && *end == '\0' && t >= 0 ? (time_t)t : time(NULL);
  struct tm tm;
  gmtime_r(&when, &tm);
  strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Each run's label: the last part of its directory, or the whole path where two runs share it. */
static void label_runs(cJSON *runs_json) {
  const cJSON *run, *other;
  cJSON_ArrayForEach(run, runs_json) {
    const char *name = lx_json_string(run, "name");
    bool shared = false;
    cJSON_ArrayForEach(other, runs_json) shared |=
        other != run && !strcmp(lx_json_string(other, "name"), name);
    cJSON_AddStringToObject((cJSON *)run, "label", shared ? lx_json_string(run, "dir") : name);
  }
}

/* How the run was executed, from its manifest's sessions and merges: {"sessions", "launcher"
 * ("single", "shard", "mpi" or "mixed"), "shard_counts" [N...], "hosts", "items_answered",
 * "busy_max_over_mean" (over shard sessions or MPI ranks), "merge_seconds", "text"}. NULL without a
 * manifest. None of it changes an answer (tests/runs/test_shards.py). */
static cJSON *execution(const char *run_dir) {
  cJSON *manifest = NULL;
  lx_error ignored;
  if (lx_run_read_json(run_dir, NULL, LX_RUN_MANIFEST, &manifest, &ignored) != LX_OK) return NULL;
  const cJSON *sessions = cJSON_GetObjectItem(manifest, "sessions"), *s;
  cJSON *e = cJSON_CreateObject(), *counts = cJSON_CreateArray(), *hosts = cJSON_CreateArray();
  int n = 0, single = 0, shard = 0, mpi = 0, n_busy = 0;
  double items = 0, busy_sum = 0, busy_max = 0, world = 0, mpi_merge = 0;
  cJSON_ArrayForEach(s, sessions) {
    n++;
    const char *launcher = lx_json_string(s, "launcher");
    bool is_shard = strcmp(launcher, "shard") == 0, is_mpi = strcmp(launcher, "mpi") == 0;
    shard += is_shard;
    mpi += is_mpi;
    single += !is_shard && !is_mpi;
    if (is_mpi && lx_rm_num(s, "world_size") > world) world = lx_rm_num(s, "world_size");
    /* an MPI job's ranks are its busy processes */
    if (lx_rm_num(s, "merge_seconds") > 0) mpi_merge += lx_rm_num(s, "merge_seconds");
    const cJSON *rk;
    cJSON_ArrayForEach(rk, cJSON_GetObjectItem(s, "ranks")) {
      const char *rh = lx_json_string(rk, "host");
      bool known = false;
      const cJSON *h;
      cJSON_ArrayForEach(h, hosts) known |= strcmp(h->valuestring, rh) == 0;
      if (!known && *rh) cJSON_AddItemToArray(hosts, cJSON_CreateString(rh));
      double b = lx_rm_num(rk, "busy_seconds");
      busy_sum += b;
      busy_max = b > busy_max ? b : busy_max;
      n_busy++;
    }
    const char *host = lx_json_string(cJSON_GetObjectItem(s, "machine"), "hostname");
    bool seen = false;
    const cJSON *x;
    cJSON_ArrayForEach(x, hosts) seen |= strcmp(x->valuestring, host) == 0;
    if (!seen && *host) cJSON_AddItemToArray(hosts, cJSON_CreateString(host));
    const char *name = lx_json_string(s, "shard"), *slash = strchr(name, '/');
    if (is_shard && slash) {
      double count = atof(slash + 1);
      seen = false;
      cJSON_ArrayForEach(x, counts) seen |= x->valuedouble == count;
      if (!seen) cJSON_AddItemToArray(counts, cJSON_CreateNumber(count));
    }
    items += lx_rm_num(s, "items_answered") > 0 ? lx_rm_num(s, "items_answered") : 0;
    if (is_shard && lx_rm_num(s, "busy_seconds") > 0) {
      double b = lx_rm_num(s, "busy_seconds");
      busy_sum += b;
      busy_max = b > busy_max ? b : busy_max;
      n_busy++;
    }
  }
  double merge = mpi_merge; /* rank 0's fold, and the merges of shards */
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItem(manifest, "merges")) merge += lx_rm_num(m, "seconds");
  cJSON_AddNumberToObject(e, "sessions", n);
  cJSON_AddStringToObject(e, "launcher",
                          (shard > 0) + (mpi > 0) + (single > 0) > 1 ? "mixed"
                          : shard                                    ? "shard"
                          : mpi                                      ? "mpi"
                                                                     : "single");
  cJSON_AddItemToObject(e, "shard_counts", counts);
  cJSON_AddNumberToObject(e, "hosts", cJSON_GetArraySize(hosts));
  cJSON_AddNumberToObject(e, "items_answered", items);
  lx_strbuf text = {0};
  if (shard) {
    lx_strbuf_printf(&text, "%d shard session%s (", shard, shard == 1 ? "" : "s");
    const cJSON *c;
    int k = 0;
    cJSON_ArrayForEach(c, counts)
        lx_strbuf_printf(&text, "%sof %g", k++ ? ", " : "", c->valuedouble);
    lx_strbuf_printf(&text, ")%s", single ? " and single-process sessions" : "");
  } else if (mpi) {
    lx_strbuf_printf(&text, "an MPI job of %g ranks (dynamic dispatch)", world);
    if (mpi > 1 || single)
      lx_strbuf_printf(&text, " and %d other session%s", n - 1, n == 2 ? "" : "s");
  } else {
    lx_strbuf_printf(&text, "%d single-process session%s", n, n == 1 ? "" : "s");
  }
  lx_strbuf_printf(&text, " on %d host%s, %.0f items answered", cJSON_GetArraySize(hosts),
                   cJSON_GetArraySize(hosts) == 1 ? "" : "s", items);
  if (n_busy > 1) {
    double ratio = busy_max / (busy_sum / n_busy);
    cJSON_AddNumberToObject(e, "busy_max_over_mean", ratio);
    lx_strbuf_printf(&text, ", busy max/mean %.2f", ratio);
  }
  if (cJSON_GetArraySize(cJSON_GetObjectItem(manifest, "merges")) > 0 || mpi_merge > 0) {
    cJSON_AddNumberToObject(e, "merge_seconds", merge);
    lx_strbuf_printf(&text, ", merge %.2f s", merge);
  }
  cJSON_AddStringToObject(e, "text", lx_strbuf_str(&text));
  lx_strbuf_free(&text);
  cJSON_Delete(hosts);
  cJSON_Delete(manifest);
  return e;
}

/* The run of `runs` that a human-ratings report's model entry names (its "run" is the run
 * directory as given to human export), or -1. */
static int rated_run(char *const *runs, size_t n, const char *dir) {
  char a[PATH_MAX], b[PATH_MAX];
  bool known = realpath(dir, a) != NULL;
  for (size_t r = 0; r < n; r++)
    if (!strcmp(runs[r], dir) || (known && realpath(runs[r], b) && !strcmp(a, b))) return (int)r;
  return -1;
}

/* The human ratings of `lynxeval human import` (path: its report) as the report model holds them:
 * {"file", "task", "protocol", "raters", "units", "runs": [the run's entry or null, per run]}. */
static int human_ratings(const char *path, char *const *runs, size_t n, cJSON **out,
                         lx_error *err) {
  cJSON *rep = NULL;
  if (lx_json_read_file(path, LX_RUN_MAX_JSON_BYTES, &rep, NULL, err)) return LX_ERR;
  const cJSON *models = cJSON_GetObjectItem(rep, "models");
  const char *protocol = lx_json_string(rep, "protocol");
  if (!cJSON_IsObject(models) || (strcmp(protocol, "grade") && strcmp(protocol, "pairwise"))) {
    cJSON_Delete(rep);
    return lx_errorf(err,
                     "%s: not a report of lynxeval human import (it needs \"protocol\" and "
                     "\"models\"; human import --out writes one)",
                     path);
  }
  cJSON *h = cJSON_CreateObject(), *per_run = cJSON_CreateArray();
  cJSON_AddStringToObject(h, "file", path);
  cJSON_AddStringToObject(h, "task", lx_json_string(rep, "task"));
  cJSON_AddStringToObject(h, "protocol", protocol);
  cJSON_AddNumberToObject(h, "raters", lx_rm_num(rep, "raters"));
  cJSON_AddNumberToObject(h, "units", lx_rm_num(rep, "units"));
  for (size_t r = 0; r < n; r++) cJSON_AddItemToArray(per_run, cJSON_CreateNull());
  const cJSON *m;
  int matched = 0;
  cJSON_ArrayForEach(m, models) {
    int r = rated_run(runs, n, m->string);
    if (r < 0) continue;
    cJSON_ReplaceItemInArray(per_run, r, cJSON_Duplicate(m, 1));
    matched++;
  }
  cJSON_AddItemToObject(h, "runs", per_run);
  cJSON_Delete(rep);
  if (matched == 0) {
    cJSON_Delete(h);
    return lx_errorf(
        err, "%s: rates none of the runs given (it rates the runs human export was given)", path);
  }
  *out = h;
  return LX_OK;
}

int lx_report_build(char *const *runs, size_t n, const lx_report_options *opt, cJSON **model,
                    lx_error *err) {
  cJSON *m = cJSON_CreateObject(), *runs_json = cJSON_AddArrayToObject(m, "runs");
  cJSON *task_names = cJSON_AddArrayToObject(m, "tasks");
  cJSON_AddNumberToObject(m, "alpha", opt->alpha);
  cJSON_AddNumberToObject(m, "resamples", (double)opt->resamples);
  cJSON_AddNumberToObject(m, "seed", (double)opt->seed);
  char date[40];
  report_date(date, sizeof date);
  cJSON_AddStringToObject(m, "generated", date);
  cJSON_AddStringToObject(m, "lynxeval_version", LYNXEVAL_VERSION);
  cJSON_AddStringToObject(m, "lynxeval_commit", LYNXEVAL_COMMIT);
  cJSON *answer_names = cJSON_AddArrayToObject(m, "answer_tasks");
  lx_task_scores **scores = lx_xcalloc(n, sizeof *scores);
  char ***names = lx_xcalloc(n, sizeof *names);
  size_t *n_names = lx_xcalloc(n, sizeof *n_names), *loaded = lx_xcalloc(n, sizeof *loaded);
  int rc = LX_OK;
  for (size_t r = 0; r < n && rc == LX_OK; r++) {
    rc = lx_run_task_names(runs[r], &names[r], &n_names[r], err);
    if (rc) break;
    scores[r] = lx_xcalloc(n_names[r], sizeof **scores);
    cJSON *run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, "dir", runs[r]);
    cJSON_AddStringToObject(run, "name", base_name(runs[r]));
    provenance(run, runs[r]);
    cJSON *exec = execution(runs[r]);
    if (exec) cJSON_AddItemToObject(run, "execution", exec);
    cJSON *tasks = cJSON_AddObjectToObject(run, "tasks");
    for (size_t k = 0; k < n_names[r] && rc == LX_OK; k++) {
      rc = lx_task_scores_load(runs[r], names[r][k], &scores[r][k], err);
      if (rc) break;
      loaded[r]++;
      if (k == 0) describe_run(run, &scores[r][k]);
      if (!strchr(names[r][k], '@'))
        describe_task_settings(run, names[r][k], scores[r][k].fingerprint);
      cJSON *tj = cJSON_AddObjectToObject(tasks, names[r][k]);
      cJSON_AddStringToObject(tj, "scorer", lx_scorer_name(scores[r][k].scorer));
      cJSON_AddItemToObject(tj, "aggregate", cJSON_Duplicate(scores[r][k].aggregate, 1));
      lx_uncertainty_options uo = {opt->alpha, opt->resamples, opt->seed};
      cJSON_AddItemToObject(tj, "uncertainty", lx_task_uncertainty(&scores[r][k], &uo));
      bool listed = false;
      const cJSON *x;
      cJSON_ArrayForEach(x, task_names) listed |= !strcmp(x->valuestring, names[r][k]);
      if (!listed) cJSON_AddItemToArray(task_names, cJSON_CreateString(names[r][k]));
    }
    /* the tasks people or a judge score: what their answers look like */
    char **open_names = NULL;
    size_t n_open = 0;
    if (rc == LX_OK) rc = lx_answer_task_names(runs[r], &open_names, &n_open, err);
    cJSON *answers = cJSON_AddObjectToObject(run, "answers");
    for (size_t k = 0; k < n_open; k++) {
      cJSON *fp = NULL;
      lx_error ignored;
      if (lx_run_read_json(runs[r], open_names[k], LX_RUN_FINGERPRINT, &fp, &ignored) == LX_OK)
        describe_task_settings(run, open_names[k], fp);
      cJSON_Delete(fp);
      cJSON *st = NULL;
      if (rc == LX_OK) rc = lx_answer_stats(runs[r], open_names[k], &st, err);
      if (st) cJSON_AddItemToObject(answers, open_names[k], st);
      bool listed = false;
      const cJSON *x;
      cJSON_ArrayForEach(x, answer_names) listed |= !strcmp(x->valuestring, open_names[k]);
      if (!listed) cJSON_AddItemToArray(answer_names, cJSON_CreateString(open_names[k]));
      free(open_names[k]);
    }
    free(open_names);
    summarize_by_task(run, "decoding_by_task", "decoding_text");
    summarize_by_task(run, "template_by_task", "prompt_template_text");
    cJSON_AddItemToArray(runs_json, run);
  }
  label_runs(runs_json);
  cJSON *human = cJSON_AddArrayToObject(m, "human");
  for (size_t k = 0; k < opt->n_human && rc == LX_OK; k++) {
    cJSON *h = NULL;
    rc = human_ratings(opt->human[k], runs, n, &h, err);
    if (rc == LX_OK) cJSON_AddItemToArray(human, h);
  }
  /* every later run against the first, on the tasks both hold and may be compared */
  cJSON *comparisons = cJSON_AddArrayToObject(m, "comparisons");
  for (size_t r = 1; r < n && rc == LX_OK; r++) {
    lx_task_scores *a = lx_xcalloc(n_names[0] + 1, sizeof *a),
                   *b = lx_xcalloc(n_names[0] + 1, sizeof *b);
    size_t pairs = 0;
    cJSON *skipped = cJSON_CreateArray();
    for (size_t k = 0; k < n_names[0]; k++) {
      for (size_t j = 0; j < n_names[r]; j++) {
        if (strcmp(names[0][k], names[r][j]) != 0) continue;
        lx_error why;
        if (lx_compare_check(&scores[0][k], &scores[r][j], false, &why) == LX_OK) {
          a[pairs] = scores[0][k];
          b[pairs] = scores[r][j];
          pairs++;
        } else {
          cJSON_AddItemToArray(skipped, cJSON_CreateString(why.msg));
        }
      }
    }
    cJSON *cmp = cJSON_CreateObject();
    cJSON_AddNumberToObject(cmp, "a", 0);
    cJSON_AddNumberToObject(cmp, "b", (double)r);
    if (pairs) {
      lx_compare_options co = {opt->alpha, opt->resamples, opt->seed, false};
      cJSON_AddItemToObject(cmp, "result", lx_compare_runs(a, b, pairs, &co));
    }
    cJSON_AddItemToObject(cmp, "not_compared", skipped);
    cJSON_AddItemToArray(comparisons, cmp);
    free(a); /* shallow copies: the scores are freed below */
    free(b);
  }
  for (size_t r = 0; r < n; r++) {
    for (size_t k = 0; k < loaded[r]; k++) lx_task_scores_free(&scores[r][k]);
    free(scores[r]);
    for (size_t k = 0; names[r] && k < n_names[r]; k++) free(names[r][k]);
    free(names[r]);
  }
  free(scores);
  free(names);
  free(n_names);
  free(loaded);
  if (rc) {
    cJSON_Delete(m);
    return rc;
  }
  *model = m;
  return LX_OK;
}

/* ---- lookups in the model (report_model.h) ----------------------------------------------------
 */

const cJSON *lx_rm_task(const cJSON *run, const char *task) {
  return cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tasks"), task);
}

/* The uncertainty row of (category, metric) in a run's task, or NULL. */
const cJSON *lx_rm_row(const cJSON *task, const char *category, const char *metric) {
  const cJSON *r;
  cJSON_ArrayForEach(r, cJSON_GetObjectItem(task, "uncertainty")) {
    if (!strcmp(cJSON_GetObjectItem(r, "category")->valuestring, category) &&
        !strcmp(cJSON_GetObjectItem(r, "metric")->valuestring, metric))
      return r;
  }
  return NULL;
}

double lx_rm_num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* "176/302 58.3% [52.6, 64.0]", "150.0 [120.0, 175.0]" (MME scores) or "0.4478 [0.4301, 0.4620]"
 * (caption metrics): one precision per kind of number, the unit on the value. */
void lx_rm_cell(lx_strbuf *b, const cJSON *r, bool counts, bool percent) {
  if (!r) {
    lx_strbuf_puts(b, "-");
    return;
  }
  const cJSON *iv = cJSON_GetObjectItem(r, "interval");
  const char *metric = cJSON_GetObjectItem(r, "metric")->valuestring;
  bool one_decimal =
      !strcmp(metric, "accuracy") || !strcmp(metric, "score") || !strcmp(metric, "F1");
  if (counts && cJSON_GetObjectItem(r, "correct"))
    lx_strbuf_printf(b, "%.0f/%.0f ", lx_rm_num(r, "correct"), lx_rm_num(r, "n"));
  lx_strbuf_printf(b, one_decimal ? "%.1f%s [%.1f, %.1f]" : "%.4f%s [%.4f, %.4f]",
                   lx_rm_num(r, "value"), percent ? "%" : "",
                   cJSON_GetArrayItem(iv, 0)->valuedouble, cJSON_GetArrayItem(iv, 1)->valuedouble);
}

/* A difference B - A and its interval, at the precision of its metric: "+2.50 [-1.25, 6.00]". */
void lx_rm_difference(lx_strbuf *b, const char *metric, double diff, double lo, double hi) {
  bool corpus = !strcmp(metric, "Bleu_4") || !strcmp(metric, "CIDEr") || !strcmp(metric, "ROUGE_L");
  lx_strbuf_printf(b, corpus ? "%+.4f [%.4f, %.4f]" : "%+.2f [%.2f, %.2f]", diff, lo, hi);
}

/* The categories of a task across runs, in order of first appearance, for one metric. */
cJSON *lx_rm_categories(const cJSON *model, const char *task, const char *metric) {
  cJSON *names = cJSON_CreateArray();
  const cJSON *run, *r;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(lx_rm_task(run, task), "uncertainty")) {
      const char *c = cJSON_GetObjectItem(r, "category")->valuestring;
      if (!c[0] || strcmp(cJSON_GetObjectItem(r, "metric")->valuestring, metric) != 0) continue;
      bool seen = false;
      const cJSON *x;
      cJSON_ArrayForEach(x, names) seen |= !strcmp(x->valuestring, c);
      if (!seen) cJSON_AddItemToArray(names, cJSON_CreateString(c));
    }
  }
  return names;
}

/* The metrics a task reports, overall. */
const char *const *lx_rm_metrics(const char *scorer, int *n) {
  static const char *const caption[] = {"Bleu_4", "CIDEr", "ROUGE_L"}, *const acc[] = {"accuracy"};
  if (!strcmp(scorer, "caption")) {
    *n = 3;
    return caption;
  }
  *n = 1;
  return acc;
}

/* ---- Markdown
 * ------------------------------------------------------------------------------------ */

static void md_table_head(lx_strbuf *b, const cJSON *model, const char *first) {
  const cJSON *run;
  lx_strbuf_printf(b, "| %s |", first);
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs"))
      lx_strbuf_printf(b, " %s |", lx_json_string(run, "label"));
  lx_strbuf_puts(b, "\n|---|");
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) lx_strbuf_puts(b, "---|");
  lx_strbuf_puts(b, "\n");
}

static void md_row(lx_strbuf *b, const cJSON *model, const char *task, const char *label,
                   const char *category, const char *metric, bool counts, bool percent) {
  const cJSON *run;
  lx_strbuf_printf(b, "| %s |", label);
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    lx_strbuf_puts(b, " ");
    lx_rm_cell(b, lx_rm_row(lx_rm_task(run, task), category, metric), counts, percent);
    lx_strbuf_puts(b, " |");
  }
  lx_strbuf_puts(b, "\n");
}

static const char *run_label(const cJSON *model, double index) {
  return lx_json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(model, "runs"), (int)index),
                        "label");
}

static void md_differences(lx_strbuf *b, const cJSON *model) {
  const cJSON *c, *t, *r, *why;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(model, "comparisons")) {
    lx_strbuf_printf(b, "\n## %s - %s\n\n", run_label(model, lx_rm_num(c, "b")),
                     run_label(model, lx_rm_num(c, "a")));
    const cJSON *res = cJSON_GetObjectItem(c, "result");
    if (res) {
      lx_strbuf_puts(b,
                     "Differences in points of the metric (percentage points for accuracies), "
                     "with their interval.\n\n"
                     "| task | category | metric | difference [interval] | test | p | p (Holm) |\n"
                     "|---|---|---|---|---|---|---|\n");
      cJSON_ArrayForEach(t, cJSON_GetObjectItem(res, "tasks")) {
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
          const cJSON *iv = cJSON_GetObjectItem(r, "interval");
          const char *cat = cJSON_GetObjectItem(r, "category")->valuestring;
          const char *metric = cJSON_GetObjectItem(r, "metric")->valuestring;
          lx_strbuf_printf(b, "| %s | %s | %s | ", cJSON_GetObjectItem(r, "task")->valuestring,
                           cat[0] ? cat : "overall", metric);
          lx_rm_difference(b, metric, lx_rm_num(r, "diff"), cJSON_GetArrayItem(iv, 0)->valuedouble,
                           cJSON_GetArrayItem(iv, 1)->valuedouble);
          lx_strbuf_printf(b, " | %s | %.3g | %.3g%s |\n",
                           cJSON_GetObjectItem(r, "test")->valuestring, lx_rm_num(r, "p"),
                           lx_rm_num(r, "p_holm"),
                           cJSON_IsTrue(cJSON_GetObjectItem(r, "regression")) ? " **drop**" : "");
        }
      }
    }
    cJSON_ArrayForEach(why, cJSON_GetObjectItem(c, "not_compared"))
        lx_strbuf_printf(b, "\nNot compared: %s\n", why->valuestring);
  }
}

/* The report's header: when and by what it was made, then one row per run. */
static void md_header(lx_strbuf *b, const cJSON *model) {
  lx_strbuf_printf(b,
                   "# lynxeval report\n\nMade %s by lynxeval %s (commit %s) from run "
                   "directories only.\n\n## Runs\n\n"
                   "| run | model | model sha256 | decoding | prompt template | precision | "
                   "made by lynxeval | finished |\n|---|---|---|---|---|---|---|---|\n",
                   lx_json_string(model, "generated"), lx_json_string(model, "lynxeval_version"),
                   lx_json_string(model, "lynxeval_commit"));
  const cJSON *run;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    const char *finished = lx_json_string(run, "finished");
    lx_strbuf_printf(b, "| %s | %s | %s... | %s | %s | %s | %s | %.10s |\n",
                     lx_json_string(run, "label"),
                     *lx_json_string(run, "family") ? lx_json_string(run, "family") : "?",
                     lx_json_string(run, "model_sha256"), lx_json_string(run, "decoding_text"),
                     lx_json_string(run, "prompt_template_text"), lx_json_string(run, "precision"),
                     lx_json_string(run, "made_by"), *finished ? finished : "-");
  }
  bool listed = false;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    const cJSON *e = cJSON_GetObjectItem(run, "execution");
    if (!e) continue;
    lx_strbuf_printf(b, "%s- **%s** ran as %s\n", listed ? "" : "\n", lx_json_string(run, "label"),
                     lx_json_string(e, "text"));
    listed = true;
  }
  if (listed)
    lx_strbuf_puts(
        b,
        "\nHow a run was split among processes does not change its answers (blocks of "
        "--batch items, not items, are shared; tested for 1 to 4 shards and MPI ranks).\n");
}

/* A run's answer statistics of an open-ended task (answer_stats.h), or NULL. */
static const cJSON *answers_of(const cJSON *run, const char *task) {
  return cJSON_GetObjectItem(cJSON_GetObjectItem(run, "answers"), task);
}

/* A task people or a judge score: what its answers look like, and the judges' numbers. */
static void md_answers(lx_strbuf *b, const cJSON *model, const char *task) {
  lx_strbuf_printf(b,
                   "\n## %s\n\nOpen-ended answers: people (lynxeval human) or an LLM judge "
                   "(lynxeval judge) score them; their answers are in the gallery.\n\n",
                   task);
  md_table_head(b, model, "statistic");
  static const struct {
    const char *label, *key;
  } rows[] = {{"answers", "answers"},
              {"words per answer, mean", "words_mean"},
              {"words per answer, median", "words_median"},
              {"empty answers", "empty"},
              {"cut off at the token limit", "at_token_limit"}};
  const cJSON *run;
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    lx_strbuf_printf(b, "| %s |", rows[k].label);
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
      const cJSON *st = answers_of(run, task);
      double v = lx_rm_num(st, rows[k].key);
      if (!st)
        lx_strbuf_puts(b, " - |");
      else if (!strcmp(rows[k].key, "at_token_limit"))
        lx_strbuf_printf(b, " %g (of %g new tokens) |", v, lx_rm_num(st, "max_new_tokens"));
      else
        lx_strbuf_printf(b, strcmp(rows[k].key, "words_mean") ? " %g |" : " %.1f |", v);
    }
    lx_strbuf_puts(b, "\n");
  }
  /* every number a judge's aggregate holds, one row each */
  cJSON *seen = cJSON_CreateObject();
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    const cJSON *judges = cJSON_GetObjectItem(answers_of(run, task), "judges");
    const cJSON *j, *v;
    cJSON_ArrayForEach(j, judges) {
      cJSON_ArrayForEach(v, j) {
        char key[400];
        snprintf(key, sizeof key, "judge %s: %s", j->string, v->string);
        if (cJSON_GetObjectItem(seen, key)) continue;
        cJSON_AddTrueToObject(seen, key);
        lx_strbuf_printf(b, "| %s |", key);
        const cJSON *other;
        cJSON_ArrayForEach(other, cJSON_GetObjectItem(model, "runs")) {
          const cJSON *theirs = cJSON_GetObjectItem(
              cJSON_GetObjectItem(answers_of(other, task), "judges"), j->string);
          const cJSON *x = cJSON_GetObjectItem(theirs, v->string);
          if (cJSON_IsNumber(x))
            lx_strbuf_printf(b, " %.4g |", x->valuedouble);
          else
            lx_strbuf_puts(b, " - |");
        }
        lx_strbuf_puts(b, "\n");
      }
    }
  }
  cJSON_Delete(seen);
}

/* People's ratings of a task's answers (`human import`), one column per run they rated. */
static void md_human(lx_strbuf *b, const cJSON *model, const cJSON *h) {
  bool grade = !strcmp(lx_json_string(h, "protocol"), "grade");
  lx_strbuf_printf(b, "\n## %s: human ratings (%s)\n\n%g raters, %g %s each (%s).\n\n",
                   lx_json_string(h, "task"), grade ? "grades" : "pairwise preferences",
                   lx_rm_num(h, "raters"), lx_rm_num(h, "units"),
                   grade ? "answers" : "pairs of answers", lx_json_string(h, "file"));
  md_table_head(b, model, "rating");
  static const char *const GRADE_ROWS[][2] = {{"mean grade (A = 4 ... D = 1)", "mean_grade"},
                                              {"A: correct and satisfying", "A"},
                                              {"B: acceptable, minor flaws", "B"},
                                              {"C: significant errors", "C"},
                                              {"D: irrelevant or invalid", "D"}};
  static const char *const PAIR_ROWS[][2] = {
      {"Elo [95% interval]", "elo"}, {"wins", "wins"}, {"losses", "losses"}, {"ties", "ties"}};
  size_t n_rows = grade ? 5 : 4;
  for (size_t k = 0; k < n_rows; k++) {
    const char *label = grade ? GRADE_ROWS[k][0] : PAIR_ROWS[k][0],
               *key = grade ? GRADE_ROWS[k][1] : PAIR_ROWS[k][1];
    lx_strbuf_printf(b, "| %s |", label);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(h, "runs")) {
      const cJSON *from = grade && k > 0 ? cJSON_GetObjectItem(entry, "grades") : entry;
      double v = lx_rm_num(from, key);
      const cJSON *iv = cJSON_GetObjectItem(entry, "elo_interval");
      if (cJSON_IsNull(entry) || isnan(v))
        lx_strbuf_puts(b, " - |");
      else if (!strcmp(key, "mean_grade"))
        lx_strbuf_printf(b, " %.2f |", v);
      else if (!strcmp(key, "elo") && cJSON_GetArraySize(iv) == 2)
        lx_strbuf_printf(b, " %.0f [%.0f, %.0f] |", v, cJSON_GetArrayItem(iv, 0)->valuedouble,
                         cJSON_GetArrayItem(iv, 1)->valuedouble);
      else
        lx_strbuf_printf(b, " %.0f |", v);
    }
    lx_strbuf_puts(b, "\n");
  }
}

void lx_report_markdown(const cJSON *model, lx_strbuf *b) {
  const cJSON *run, *t;
  md_header(b, model);
  lx_strbuf_printf(
      b,
      "\nIntervals at %.0f%%: accuracies use the cluster-robust standard error (questions "
      "sharing an image or video); BLEU-4, CIDEr-D and MME scores use %g bootstrap "
      "resamples (seed %g).\n",
      100 * (1 - lx_rm_num(model, "alpha")), lx_rm_num(model, "resamples"),
      lx_rm_num(model, "seed"));
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(model, "tasks")) {
    const char *task = t->valuestring, *scorer = "";
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
      const cJSON *tj = lx_rm_task(run, task);
      if (tj) scorer = cJSON_GetObjectItem(tj, "scorer")->valuestring;
    }
    lx_strbuf_printf(b, "\n## %s\n\n", task);
    int nm;
    const char *const *metrics = lx_rm_metrics(scorer, &nm);
    if (!strcmp(scorer, "caption")) {
      md_table_head(b, model, "metric");
      for (int k = 0; k < nm; k++) md_row(b, model, task, metrics[k], "", metrics[k], false, false);
      continue;
    }
    lx_scorer_kind kind;
    bool counts = lx_scorer_parse(scorer, &kind) && lx_scorer_rows_of(kind)->binary;
    const char *metric = !strcmp(scorer, "mme") ? "score" : "accuracy";
    bool mm_vet = !strcmp(scorer, "mm-vet"); /* mean grades x 100, not a share of questions */
    bool percent = !strcmp(metric, "accuracy") && !mm_vet;
    md_table_head(b, model, !strcmp(scorer, "mme") ? "subtask (score, 0-200)" : "category");
    cJSON *cats = lx_rm_categories(model, task, metric);
    const cJSON *c;
    cJSON_ArrayForEach(c, cats)
        md_row(b, model, task, c->valuestring, c->valuestring, metric, counts, percent);
    cJSON_Delete(cats);
    md_row(b, model, task, mm_vet ? "**total (mean score x 100)**" : "**overall accuracy**", "",
           "accuracy", counts, !mm_vet);
    if (!strcmp(scorer, "pope")) { /* F1 per split and their mean, LLaVA-1.5's POPE number */
      cJSON *splits = lx_rm_categories(model, task, "F1");
      cJSON_ArrayForEach(c, splits) {
        char label[160];
        snprintf(label, sizeof label, "F1, %s", c->valuestring);
        md_row(b, model, task, label, c->valuestring, "F1", false, true);
      }
      cJSON_Delete(splits);
      md_row(b, model, task, "**F1, mean of the splits**", "", "F1", false, true);
    }
    if (!strcmp(scorer, "mmbench")) { /* what the rules could not settle, never counted right */
      lx_strbuf_puts(b, "| **undecided by the rules (counted wrong; a judge settles them)** |");
      cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
        const cJSON *agg = cJSON_GetObjectItem(lx_rm_task(run, task), "aggregate");
        if (agg)
          lx_strbuf_printf(b, " %g of %g; at most %.1f |", lx_rm_num(agg, "undecided"),
                           lx_rm_num(agg, "questions"),
                           lx_rm_num(agg, "accuracy_if_undecided_right"));
        else
          lx_strbuf_puts(b, " |");
      }
      lx_strbuf_puts(b, "\n");
    }
    if (!strcmp(scorer, "mm-vet")) { /* the script's capability table (a question counts in each
                                      * of its capabilities), as it rounds it */
      const cJSON *caps = NULL, *cap;
      cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
        const cJSON *agg = cJSON_GetObjectItem(lx_rm_task(run, task), "aggregate");
        if (!caps && agg) caps = cJSON_GetObjectItem(agg, "per_capability");
      }
      cJSON_ArrayForEach(cap, caps) {
        lx_strbuf_printf(b, "| capability %s (the script's table) |", cap->string);
        cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
          const cJSON *agg = cJSON_GetObjectItem(lx_rm_task(run, task), "aggregate");
          const cJSON *entry =
              cJSON_GetObjectItem(cJSON_GetObjectItem(agg, "per_capability"), cap->string);
          if (entry)
            lx_strbuf_printf(b, " %.1f |", lx_rm_num(entry, "score"));
          else
            lx_strbuf_puts(b, " |");
        }
        lx_strbuf_puts(b, "\n");
      }
    }
    if (!strcmp(scorer, "mme")) {
      lx_strbuf_puts(b, "| **Perception / Cognition** |");
      cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
        const cJSON *agg = cJSON_GetObjectItem(lx_rm_task(run, task), "aggregate");
        const cJSON *p = cJSON_GetObjectItem(agg, "Perception"),
                    *q = cJSON_GetObjectItem(agg, "Cognition");
        if (cJSON_IsNumber(p) && cJSON_IsNumber(q))
          lx_strbuf_printf(b, " %.2f / %.2f |", p->valuedouble, q->valuedouble);
        else
          lx_strbuf_puts(b, " incomplete |");
      }
      lx_strbuf_puts(b, "\n");
    }
  }
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(model, "answer_tasks"))
      md_answers(b, model, t->valuestring);
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(model, "human")) md_human(b, model, t);
  md_differences(b, model);
}
