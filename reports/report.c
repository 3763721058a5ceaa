#include "reports/report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "reports/compare.h"
#include "reports/report_model.h"
#include "reports/run_data.h"
#include "reports/uncertainty.h"
#include "runs/run_dir.h"

/* ---- the model
 * ----------------------------------------------------------------------------------- */

static const char *base_name(const char *path) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  const char *p = path + n;
  while (p > path && p[-1] != '/') p--;
  return p;
}

/* A short description of the settings every task of the run shares. */
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
  const cJSON *dec = cJSON_GetObjectItem(fp, "decoding");
  const cJSON *strategy = cJSON_GetObjectItem(dec, "strategy");
  cJSON_AddStringToObject(run, "decoding", cJSON_IsString(strategy) ? strategy->valuestring : "?");
  const cJSON *tmpl = cJSON_GetObjectItem(cJSON_GetObjectItem(fp, "prompt_template"), "name");
  cJSON_AddStringToObject(run, "prompt_template", cJSON_IsString(tmpl) ? tmpl->valuestring : "?");
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

int lx_report_build(char *const *runs, size_t n, const lx_report_options *opt, cJSON **model,
                    lx_error *err) {
  cJSON *m = cJSON_CreateObject(), *runs_json = cJSON_AddArrayToObject(m, "runs");
  cJSON *task_names = cJSON_AddArrayToObject(m, "tasks");
  cJSON_AddNumberToObject(m, "alpha", opt->alpha);
  cJSON_AddNumberToObject(m, "resamples", (double)opt->resamples);
  cJSON_AddNumberToObject(m, "seed", (double)opt->seed);
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
    char label[8];
    snprintf(label, sizeof label, "%c", (char)('A' + (r < 26 ? r : 25)));
    cJSON_AddStringToObject(run, "label", label);
    cJSON_AddStringToObject(run, "name", base_name(runs[r]));
    cJSON *exec = execution(runs[r]);
    if (exec) cJSON_AddItemToObject(run, "execution", exec);
    cJSON *tasks = cJSON_AddObjectToObject(run, "tasks");
    for (size_t k = 0; k < n_names[r] && rc == LX_OK; k++) {
      rc = lx_task_scores_load(runs[r], names[r][k], &scores[r][k], err);
      if (rc) break;
      loaded[r]++;
      if (k == 0) describe_run(run, &scores[r][k]);
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
    cJSON_AddItemToArray(runs_json, run);
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

/* "176/302 58.3 [52.6, 64.0]" or "0.4478 [0.43, 0.46]" */
void lx_rm_cell(lx_strbuf *b, const cJSON *r, bool counts) {
  if (!r) {
    lx_strbuf_puts(b, "-");
    return;
  }
  const cJSON *iv = cJSON_GetObjectItem(r, "interval");
  bool pct = !strcmp(cJSON_GetObjectItem(r, "metric")->valuestring, "accuracy") ||
             !strcmp(cJSON_GetObjectItem(r, "metric")->valuestring, "score");
  if (counts && cJSON_GetObjectItem(r, "correct"))
    lx_strbuf_printf(b, "%.0f/%.0f ", lx_rm_num(r, "correct"), lx_rm_num(r, "n"));
  lx_strbuf_printf(b, pct ? "%.1f [%.1f, %.1f]" : "%.4f [%.4f, %.4f]", lx_rm_num(r, "value"),
                   cJSON_GetArrayItem(iv, 0)->valuedouble, cJSON_GetArrayItem(iv, 1)->valuedouble);
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
      lx_strbuf_printf(b, " %s |", cJSON_GetObjectItem(run, "label")->valuestring);
  lx_strbuf_puts(b, "\n|---|");
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) lx_strbuf_puts(b, "---|");
  lx_strbuf_puts(b, "\n");
}

static void md_row(lx_strbuf *b, const cJSON *model, const char *task, const char *label,
                   const char *category, const char *metric, bool counts) {
  const cJSON *run;
  lx_strbuf_printf(b, "| %s |", label);
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    lx_strbuf_puts(b, " ");
    lx_rm_cell(b, lx_rm_row(lx_rm_task(run, task), category, metric), counts);
    lx_strbuf_puts(b, " |");
  }
  lx_strbuf_puts(b, "\n");
}

static void md_differences(lx_strbuf *b, const cJSON *model) {
  const cJSON *c, *t, *r, *why;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(model, "comparisons")) {
    const cJSON *runs = cJSON_GetObjectItem(model, "runs");
    const char *la =
        cJSON_GetObjectItem(cJSON_GetArrayItem(runs, (int)lx_rm_num(c, "a")), "label")->valuestring;
    const char *lb =
        cJSON_GetObjectItem(cJSON_GetArrayItem(runs, (int)lx_rm_num(c, "b")), "label")->valuestring;
    lx_strbuf_printf(b, "\n## %s - %s\n\n", lb, la);
    const cJSON *res = cJSON_GetObjectItem(c, "result");
    if (res) {
      lx_strbuf_puts(b,
                     "| task | category | metric | difference | interval | test | p | p (Holm) |\n"
                     "|---|---|---|---|---|---|---|---|\n");
      cJSON_ArrayForEach(t, cJSON_GetObjectItem(res, "tasks")) {
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "rows")) {
          const cJSON *iv = cJSON_GetObjectItem(r, "interval");
          const char *cat = cJSON_GetObjectItem(r, "category")->valuestring;
          lx_strbuf_printf(b, "| %s | %s | %s | %+.4g | [%.4g, %.4g] | %s | %.3g | %.3g%s |\n",
                           cJSON_GetObjectItem(r, "task")->valuestring, cat[0] ? cat : "overall",
                           cJSON_GetObjectItem(r, "metric")->valuestring, lx_rm_num(r, "diff"),
                           cJSON_GetArrayItem(iv, 0)->valuedouble,
                           cJSON_GetArrayItem(iv, 1)->valuedouble,
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

void lx_report_markdown(const cJSON *model, lx_strbuf *b) {
  lx_strbuf_puts(b, "# lynxeval report\n\n");
  const cJSON *run, *t;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) lx_strbuf_printf(
      b, "- **%s**: `%s` (%s, model sha256 %s..., decoding %s, prompt template %s)\n",
      cJSON_GetObjectItem(run, "label")->valuestring, cJSON_GetObjectItem(run, "name")->valuestring,
      lx_json_string(run, "family") ? lx_json_string(run, "family") : "?",
      cJSON_GetObjectItem(run, "model_sha256")->valuestring,
      cJSON_GetObjectItem(run, "decoding")->valuestring,
      cJSON_GetObjectItem(run, "prompt_template")->valuestring);
  bool listed = false;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(model, "runs")) {
    const cJSON *e = cJSON_GetObjectItem(run, "execution");
    if (!e) continue;
    lx_strbuf_printf(b, "%s- **%s** ran as %s\n", listed ? "" : "\n",
                     cJSON_GetObjectItem(run, "label")->valuestring, lx_json_string(e, "text"));
    listed = true;
  }
  if (listed)
    lx_strbuf_puts(
        b,
        "\nHow a run was split among processes does not change its answers (blocks of "
        "--batch items, not items, are shared; tested for 1 to 4 shards and MPI ranks).\n");
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
      for (int k = 0; k < nm; k++) md_row(b, model, task, metrics[k], "", metrics[k], false);
      continue;
    }
    lx_scorer_kind kind;
    bool counts = lx_scorer_parse(scorer, &kind) && lx_scorer_rows_of(kind)->binary;
    const char *metric = !strcmp(scorer, "mme") ? "score" : "accuracy";
    md_table_head(b, model, !strcmp(scorer, "mme") ? "subtask (score)" : "category");
    cJSON *cats = lx_rm_categories(model, task, metric);
    const cJSON *c;
    cJSON_ArrayForEach(c, cats)
        md_row(b, model, task, c->valuestring, c->valuestring, metric, counts);
    cJSON_Delete(cats);
    md_row(b, model, task,
           !strcmp(scorer, "mm-vet") ? "**total (mean score x 100)**" : "**overall accuracy**", "",
           "accuracy", counts);
    if (!strcmp(scorer, "pope")) { /* F1 per split and their mean, LLaVA-1.5's POPE number */
      cJSON *splits = lx_rm_categories(model, task, "F1");
      cJSON_ArrayForEach(c, splits) {
        char label[160];
        snprintf(label, sizeof label, "F1, %s", c->valuestring);
        md_row(b, model, task, label, c->valuestring, "F1", false);
      }
      cJSON_Delete(splits);
      md_row(b, model, task, "**F1, mean of the splits**", "", "F1", false);
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
  md_differences(b, model);
}
