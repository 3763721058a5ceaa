/* lynxeval score: score existing predictions with the reference scorers, one JSON object out.
 *
 *   score caption   COCO-format captions: BLEU-1..4, ROUGE-L, CIDEr-D (pycocoevalcap)
 *   score vqa       VQAv2 files: VQA accuracy, overall and per answer / question type
 *   score mme       an MME results directory: acc, acc+, score per subtask, category totals
 *   score open-vqa  Open-VQA annotations + results: correct/total per class
 *
 * Reading the files is the task adapters' job (tasks/), scoring the scorers' (scorers/); this
 * file only wires them and prints. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "scorers/bleu.h"
#include "scorers/cider.h"
#include "scorers/mme.h"
#include "scorers/open_vqa_match.h"
#include "scorers/ptb_approx.h"
#include "scorers/rouge.h"
#include "scorers/vqa_accuracy.h"
#include "tasks/coco_caption.h"
#include "tasks/mme.h"
#include "tasks/open_vqa.h"
#include "tasks/vqav2.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Prints the JSON object (compact, one line) and frees it. */
static void print_json(cJSON *o) {
  char *s = cJSON_PrintUnformatted(o);
  printf("%s\n", s);
  free(s);
  cJSON_Delete(o);
}

/* Writes per-item rows (a JSON array's items, one per line) atomically to path. */
static int write_per_item(const char *path, const cJSON *rows, lx_error *err) {
  lx_strbuf b = {0};
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    char *s = cJSON_PrintUnformatted(r);
    lx_strbuf_puts(&b, s);
    lx_strbuf_putc(&b, '\n');
    free(s);
  }
  int rc = lx_write_file_atomic(path, lx_strbuf_str(&b), b.len, err);
  lx_strbuf_free(&b);
  return rc;
}

static int fail(const char *cmd, const lx_error *err) {
  cli_error(cmd, "%s", err->msg);
  return CLI_FAIL;
}

/* ---- caption ---------------------------------------------------------------------------------- */

static const cli_command cmd_score_caption;

static int run_caption(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  bool tokenized = false;
  cli_opt opts[] = {
      {"--annotations", CLI_STRING, &ann_path, "FILE", "COCO caption annotations (images, annotations)", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE", "results: [{\"image_id\", \"caption\"}]", 0, 0, 0},
      {"--tokenized", CLI_FLAG, &tokenized, NULL,
       "captions are already PTB-tokenized (exact pycocoevalcap scores)", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-image scores (JSON Lines)", 0, 0, 0},
  };
  const char *name = cmd_score_caption.name;
  int rc = cli_parse(&cmd_score_caption, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(name, "--annotations and --results are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t *at = NULL;
  rc = lx_coco_caption_load(ann_path, &items, &err);
  if (!rc) rc = lx_coco_caption_results_load(res_path, &preds, &err);
  if (!rc) rc = lx_predictions_match(&preds, &items, false, &at, &err); /* a subset is scored */
  if (rc) {
    lx_items_free(&items);
    lx_predictions_free(&preds);
    return fail(name, &err);
  }
  /* the scored set: the images in the results, in results order */
  size_t n = preds.n;
  lx_caption_item *ci = lx_xcalloc(n, sizeof *ci);
  lx_strbuf *tok = NULL; /* tokenized copies when the input is raw */
  size_t n_tok = 0;
  if (!tokenized) {
    for (size_t i = 0; i < n; i++) n_tok += 1 + items.v[at[i]].n_refs;
    tok = lx_xcalloc(n_tok, sizeof *tok);
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const lx_item *it = &items.v[at[i]];
    const char **refs = lx_xcalloc(it->n_refs, sizeof *refs);
    const char *hyp = preds.v[i].text;
    if (!tokenized) {
      lx_ptb_approx_tokenize(hyp, &tok[k]);
      hyp = lx_strbuf_str(&tok[k++]);
    }
    for (size_t r = 0; r < it->n_refs; r++) {
      refs[r] = it->refs[r];
      if (!tokenized) {
        lx_ptb_approx_tokenize(it->refs[r], &tok[k]);
        refs[r] = lx_strbuf_str(&tok[k++]);
      }
    }
    ci[i] = (lx_caption_item){hyp, refs, it->n_refs};
  }
  double *bleu_items = lx_xcalloc(4 * n, sizeof(double)), *rouge_items = lx_xcalloc(n, sizeof(double));
  double *cider_items = lx_xcalloc(n, sizeof(double));
  lx_bleu_result bleu;
  lx_bleu(ci, n, &bleu, bleu_items);
  double rouge = lx_rouge_l(ci, n, rouge_items), cider = lx_cider_d(ci, n, cider_items);

  cJSON *o = cJSON_CreateObject();
  const char *bleu_names[4] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
  for (int b = 0; b < 4; b++) cJSON_AddNumberToObject(o, bleu_names[b], bleu.bleu[b]);
  cJSON_AddNumberToObject(o, "ROUGE_L", rouge);
  cJSON_AddNumberToObject(o, "CIDEr", cider);
  cJSON_AddNumberToObject(o, "images", (double)n);
  cJSON_AddNumberToObject(o, "images_in_annotations", (double)items.n);
  cJSON_AddStringToObject(o, "tokenizer",
                          tokenized ? "none (input is pre-tokenized; scores are exact)"
                                    : LX_PTB_APPROX_NAME " (an approximation of PTBTokenizer "
                                                         "3.4.1: scores are close to, not exactly, "
                                                         "pycocoevalcap's)");
  cJSON *nc = cJSON_AddObjectToObject(o, "not_computed");
  cJSON_AddStringToObject(nc, "METEOR", "needs the METEOR 1.5 Java scorer; not approximated");
  cJSON_AddStringToObject(nc, "SPICE", "needs the SPICE 1.0 Java scorer; not approximated");
  if (per_item) {
    cJSON *rows = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
      cJSON *r = cJSON_CreateObject();
      cJSON_AddStringToObject(r, "image_id", preds.v[i].id);
      for (int b = 0; b < 4; b++) cJSON_AddNumberToObject(r, bleu_names[b], bleu_items[4 * i + b]);
      cJSON_AddNumberToObject(r, "ROUGE_L", rouge_items[i]);
      cJSON_AddNumberToObject(r, "CIDEr", cider_items[i]);
      cJSON_AddItemToArray(rows, r);
    }
    rc = write_per_item(per_item, rows, &err);
    cJSON_Delete(rows);
  }
  if (rc) {
    cJSON_Delete(o);
  } else {
    print_json(o);
  }
  for (size_t i = 0; i < n; i++) free((void *)ci[i].refs);
  for (size_t i = 0; i < n_tok; i++) lx_strbuf_free(&tok[i]);
  free(tok);
  free(ci);
  free(bleu_items);
  free(rouge_items);
  free(cider_items);
  free(at);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return rc ? fail(name, &err) : 0;
}

static const cli_command cmd_score_caption = {
    "score caption",
    "BLEU-1..4, ROUGE-L, CIDEr-D of COCO-format captions",
    "score caption --annotations COCO.json --results RESULTS.json [--tokenized] [--per-item FILE]",
    "Exactly pycocoevalcap's Bleu(4), Rouge and Cider on tokenized captions. Without --tokenized\n"
    "the captions go through lynxeval's approximation of the Stanford PTB tokenizer first, and\n"
    "the output says so. The scored images are those in the results (a subset is allowed, as in\n"
    "pycocoevalcap; CIDEr-D's document frequencies then come from that subset).",
    run_caption,
};

/* ---- vqa -------------------------------------------------------------------------------------- */

static const cli_command cmd_score_vqa;

/* Sums per category in first-appearance order: names[k], sum[k], count[k]. */
typedef struct category_sums {
  const char **names;
  double *sum;
  size_t *count;
  size_t n, cap;
} category_sums;

static void category_add(category_sums *c, const char *name, double v) {
  size_t k = 0;
  while (k < c->n && strcmp(c->names[k], name) != 0) k++;
  if (k == c->n) {
    if (c->n == c->cap) {
      c->cap = c->cap ? 2 * c->cap : 16;
      c->names = lx_xrealloc_array(c->names, c->cap, sizeof *c->names);
      c->sum = lx_xrealloc_array(c->sum, c->cap, sizeof *c->sum);
      c->count = lx_xrealloc_array(c->count, c->cap, sizeof *c->count);
    }
    c->names[k] = name;
    c->sum[k] = 0;
    c->count[k] = 0;
    c->n++;
  }
  c->sum[k] += v;
  c->count[k]++;
}

static void category_free(category_sums *c) {
  free(c->names);
  free(c->sum);
  free(c->count);
}

/* The script's round(x, 2): correctly rounded to two decimals (printf rounds the exact binary
 * value, ties to even, as Python's round does). */
static double round2(double x) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.2f", x);
  return strtod(buf, NULL);
}

static cJSON *categories_json(const category_sums *c, bool rounded) {
  cJSON *o = cJSON_CreateObject();
  for (size_t k = 0; k < c->n; k++) {
    double v = 100.0 * c->sum[k] / (double)c->count[k];
    cJSON_AddNumberToObject(o, c->names[k], rounded ? round2(v) : v);
  }
  return o;
}

static int run_vqa(int argc, char **argv) {
  const char *q_path = NULL, *a_path = NULL, *res_path = NULL, *mode_name = "official-2017",
             *per_item = NULL;
  cli_opt opts[] = {
      {"--questions", CLI_STRING, &q_path, "FILE", "v2_OpenEnded_mscoco_*_questions.json", 0, 0, 0},
      {"--annotations", CLI_STRING, &a_path, "FILE", "v2_mscoco_*_annotations.json", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE", "results: [{\"question_id\", \"answer\"}]", 0, 0, 0},
      {"--normalize", CLI_STRING, &mode_name, "MODE",
       "official-2017 (default), official-2021 or always", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question accuracy (JSON Lines)", 0, 0, 0},
  };
  const char *name = cmd_score_vqa.name;
  int rc = cli_parse(&cmd_score_vqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  lx_vqa_mode mode;
  if (!q_path || !a_path || !res_path) {
    cli_error(name, "--questions, --annotations and --results are required");
    return CLI_USAGE;
  }
  if (!lx_vqa_mode_parse(mode_name, &mode)) {
    cli_error(name, "--normalize: '%s' is not one of official-2017, official-2021, always", mode_name);
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t *at = NULL;
  rc = lx_vqav2_load(q_path, a_path, &items, &err);
  if (!rc) rc = lx_vqav2_results_load(res_path, &preds, &err);
  if (!rc) rc = lx_predictions_match(&preds, &items, true, &at, &err); /* as the script demands */
  if (rc) {
    lx_items_free(&items);
    lx_predictions_free(&preds);
    return fail(name, &err);
  }
  /* the script's order: the annotation file's questions */
  size_t *pred_of = lx_xcalloc(items.n, sizeof *pred_of);
  for (size_t i = 0; i < preds.n; i++) pred_of[at[i]] = i;
  category_sums by_answer = {0}, by_question = {0};
  double sum = 0;
  cJSON *rows = per_item ? cJSON_CreateArray() : NULL;
  for (size_t k = 0; k < items.n; k++) {
    const lx_item *it = &items.v[k];
    double acc = lx_vqa_accuracy(mode, preds.v[pred_of[k]].text, (const char *const *)it->refs, it->n_refs);
    sum += acc;
    category_add(&by_answer, it->category, acc);
    category_add(&by_question, it->subcategory, acc);
    if (rows) {
      cJSON *r = cJSON_CreateObject();
      cJSON_AddStringToObject(r, "question_id", it->id);
      cJSON_AddNumberToObject(r, "accuracy", acc);
      cJSON_AddStringToObject(r, "answer_type", it->category);
      cJSON_AddStringToObject(r, "question_type", it->subcategory);
      cJSON_AddItemToArray(rows, r);
    }
  }
  double overall = 100.0 * sum / (double)items.n;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "normalize", lx_vqa_mode_name(mode));
  cJSON_AddNumberToObject(o, "overall", round2(overall));
  cJSON_AddItemToObject(o, "perAnswerType", categories_json(&by_answer, true));
  cJSON_AddItemToObject(o, "perQuestionType", categories_json(&by_question, true));
  cJSON *u = cJSON_AddObjectToObject(o, "unrounded");
  cJSON_AddNumberToObject(u, "overall", overall);
  cJSON_AddItemToObject(u, "perAnswerType", categories_json(&by_answer, false));
  cJSON_AddItemToObject(u, "perQuestionType", categories_json(&by_question, false));
  cJSON_AddNumberToObject(o, "questions", (double)items.n);
  if (rows) rc = write_per_item(per_item, rows, &err);
  cJSON_Delete(rows);
  if (rc)
    cJSON_Delete(o);
  else
    print_json(o);
  category_free(&by_answer);
  category_free(&by_question);
  free(pred_of);
  free(at);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return rc ? fail(name, &err) : 0;
}

static const cli_command cmd_score_vqa = {
    "score vqa",
    "VQA accuracy of VQAv2-format results",
    "score vqa --questions Q.json --annotations A.json --results RESULTS.json\n"
    "       [--normalize official-2017|official-2021|always] [--per-item FILE]",
    "The official vqaEval.py in two versions: official-2017 (the logic LAVIS runs; the\n"
    "prediction is always normalized) and official-2021 (the script's master; nothing is\n"
    "normalized when the ten answers agree, so \"Red.\" scores 0 against ten \"red\"); always\n"
    "normalizes everything. overall, perAnswerType and perQuestionType are rounded to two\n"
    "decimals as the script reports them; \"unrounded\" has the full values. Every question in\n"
    "the annotations needs exactly one result, as the script requires.",
    run_vqa,
};

/* ---- mme -------------------------------------------------------------------------------------- */

static const cli_command cmd_score_mme;

static int run_mme(int argc, char **argv) {
  const char *dir = NULL;
  cli_opt opts[] = {
      {"--dir", CLI_STRING, &dir, "DIR", "results directory: <subtask>.txt with a response column", 0, 0, 0},
  };
  const char *name = cmd_score_mme.name;
  int rc = cli_parse(&cmd_score_mme, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!dir) {
    cli_error(name, "--dir is required");
    return CLI_USAGE;
  }
  cJSON *o = cJSON_CreateObject(), *subtasks = cJSON_AddObjectToObject(o, "subtasks");
  cJSON *missing = cJSON_CreateArray();
  double totals[2] = {0, 0};
  int present[2] = {0, 0}, found = 0;
  lx_error err;
  for (int s = 0; s < LX_MME_SUBTASKS && rc == LX_OK; s++) {
    char file[64];
    snprintf(file, sizeof file, "%s.txt", lx_mme_subtask_names[s]);
    char *path = lx_path_join(dir, file);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
      cJSON_AddItemToArray(missing, cJSON_CreateString(lx_mme_subtask_names[s]));
      free(path);
      continue;
    }
    fclose(probe);
    lx_mme_label *truth, *pred;
    size_t n;
    rc = lx_mme_results_read(path, &truth, &pred, &n, &err);
    free(path);
    if (rc) break;
    lx_mme_result r;
    lx_mme_score_subtask(truth, pred, n, &r);
    free(truth);
    free(pred);
    cJSON *j = cJSON_AddObjectToObject(subtasks, lx_mme_subtask_names[s]);
    cJSON_AddNumberToObject(j, "score", r.score);
    cJSON_AddNumberToObject(j, "acc", r.acc);
    cJSON_AddNumberToObject(j, "acc_plus", r.acc_plus);
    cJSON_AddNumberToObject(j, "questions", (double)r.questions);
    cJSON_AddNumberToObject(j, "images", (double)r.images);
    cJSON_AddNumberToObject(j, "other_num", (double)r.other);
    cJSON_AddNumberToObject(j, "TP", (double)r.tp);
    cJSON_AddNumberToObject(j, "FN", (double)r.fn);
    cJSON_AddNumberToObject(j, "TN", (double)r.tn);
    cJSON_AddNumberToObject(j, "FP", (double)r.fp);
    cJSON_AddNumberToObject(j, "precision", r.precision);
    cJSON_AddNumberToObject(j, "recall", r.recall);
    int cat = s < LX_MME_PERCEPTION_SUBTASKS ? 0 : 1;
    totals[cat] += r.score;
    present[cat]++;
    found++;
  }
  if (rc == LX_OK && found == 0)
    rc = lx_errorf(&err, "%s: none of the 14 MME result files (existence.txt, ..., code_reasoning.txt)", dir);
  if (rc) {
    cJSON_Delete(o);
    cJSON_Delete(missing);
    return fail(name, &err);
  }
  /* a category total only when all its subtasks are there: a partial sum is not MME's number */
  const char *cat_names[2] = {"Perception", "Cognition"};
  const int cat_size[2] = {LX_MME_PERCEPTION_SUBTASKS, LX_MME_SUBTASKS - LX_MME_PERCEPTION_SUBTASKS};
  for (int c = 0; c < 2; c++) {
    if (present[c] == cat_size[c])
      cJSON_AddNumberToObject(o, cat_names[c], totals[c]);
    else
      cJSON_AddNullToObject(o, cat_names[c]);
  }
  cJSON_AddItemToObject(o, "missing_subtasks", missing);
  print_json(o);
  return 0;
}

static const cli_command cmd_score_mme = {
    "score mme",
    "MME acc, acc+ and score per subtask, perception and cognition totals",
    "score mme --dir DIR",
    "DIR holds the official calculation script's input: <subtask>.txt for each of the 14\n"
    "subtasks, lines \"image<TAB>question<TAB>Yes|No<TAB>response\", an image's two questions on\n"
    "consecutive lines. Missing subtasks are listed; a category total (Perception, max 2000;\n"
    "Cognition, max 800) is null unless all its subtasks are present.",
    run_mme,
};

/* ---- open-vqa --------------------------------------------------------------------------------- */

static const cli_command cmd_score_open_vqa;

static int run_open_vqa(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotations", CLI_STRING, &ann_path, "FILE", "Open_VQA_images.jsonl or Open_VQA_videos.jsonl", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE", "JSON Lines {\"index\", \"text_output\"}", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)", 0, 0, 0},
  };
  const char *name = cmd_score_open_vqa.name;
  int rc = cli_parse(&cmd_score_open_vqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(name, "--annotations and --results are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t *at = NULL;
  rc = lx_open_vqa_load(ann_path, &items, &err);
  if (!rc) rc = lx_open_vqa_results_load(res_path, &preds, &err);
  if (!rc) rc = lx_predictions_match(&preds, &items, true, &at, &err);
  if (rc) {
    lx_items_free(&items);
    lx_predictions_free(&preds);
    return fail(name, &err);
  }
  size_t *pred_of = lx_xcalloc(items.n, sizeof *pred_of);
  for (size_t i = 0; i < preds.n; i++) pred_of[at[i]] = i;
  category_sums by_class = {0}, by_origin = {0};
  size_t rule_count[LX_OVQA_CONTAINS + 1] = {0}, correct = 0;
  cJSON *rows = per_item ? cJSON_CreateArray() : NULL;
  for (size_t k = 0; k < items.n; k++) {
    const lx_item *it = &items.v[k];
    /* the answer list has one reference; with more, any of them counts */
    bool ok = false;
    lx_ovqa_rule rule = LX_OVQA_NONE;
    for (size_t r = 0; r < it->n_refs && !ok; r++)
      ok = lx_open_vqa_match(preds.v[pred_of[k]].text, it->refs[r], &rule);
    correct += ok;
    if (ok) rule_count[rule]++;
    category_add(&by_class, it->category, ok);
    category_add(&by_origin, it->subcategory, ok);
    if (rows) {
      cJSON *r = cJSON_CreateObject();
      cJSON_AddStringToObject(r, "index", it->id);
      cJSON_AddBoolToObject(r, "correct", ok);
      cJSON_AddStringToObject(r, "rule", lx_ovqa_rule_name(rule));
      cJSON_AddStringToObject(r, "class", it->category);
      cJSON_AddItemToArray(rows, r);
    }
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "matcher", LX_OPEN_VQA_MATCHER);
  cJSON_AddNumberToObject(o, "correct", (double)correct);
  cJSON_AddNumberToObject(o, "total", (double)items.n);
  cJSON_AddNumberToObject(o, "accuracy", 100.0 * (double)correct / (double)items.n);
  const category_sums *groups[2] = {&by_class, &by_origin};
  const char *group_names[2] = {"per_class", "per_origin_dataset"};
  for (int g = 0; g < 2; g++) {
    cJSON *j = cJSON_AddObjectToObject(o, group_names[g]);
    for (size_t c = 0; c < groups[g]->n; c++) {
      cJSON *x = cJSON_AddObjectToObject(j, groups[g]->names[c]);
      cJSON_AddNumberToObject(x, "correct", groups[g]->sum[c]);
      cJSON_AddNumberToObject(x, "total", (double)groups[g]->count[c]);
    }
  }
  cJSON *rules = cJSON_AddObjectToObject(o, "correct_by_rule");
  for (int r = LX_OVQA_YES_NO; r <= LX_OVQA_CONTAINS; r++)
    cJSON_AddNumberToObject(rules, lx_ovqa_rule_name((lx_ovqa_rule)r), (double)rule_count[r]);
  if (rows) rc = write_per_item(per_item, rows, &err);
  cJSON_Delete(rows);
  if (rc)
    cJSON_Delete(o);
  else
    print_json(o);
  category_free(&by_class);
  category_free(&by_origin);
  free(pred_of);
  free(at);
  lx_items_free(&items);
  lx_predictions_free(&preds);
  return rc ? fail(name, &err) : 0;
}

static const cli_command cmd_score_open_vqa = {
    "score open-vqa",
    "correct/total per class of Open-VQA results",
    "score open-vqa --annotations FILE.jsonl --results RESULTS.jsonl [--per-item FILE]",
    "Each answer is judged by lynxeval's deterministic matcher (" LX_OPEN_VQA_MATCHER "; every\n"
    "rule is in scorers/open_vqa_match.h): yes/no by the first word, numbers by the numbers\n"
    "given, otherwise same words, an alternative of \"X or Y\", or the reference's words inside\n"
    "the answer. Results use the reference's output rows {\"index\", \"text_output\"}; every\n"
    "question needs exactly one.",
    run_open_vqa,
};

/* ---- dispatch --------------------------------------------------------------------------------- */

static const cli_command *const scorers[] = {&cmd_score_caption, &cmd_score_vqa, &cmd_score_mme,
                                             &cmd_score_open_vqa};

static void usage(FILE *f) {
  fprintf(f, "usage: lynxeval score <benchmark> [options]\n\nbenchmarks:\n");
  for (size_t i = 0; i < sizeof scorers / sizeof scorers[0]; i++)
    fprintf(f, "  %-9s %s\n", scorers[i]->name + strlen("score "), scorers[i]->summary);
  fprintf(f, "\nEach prints one JSON object with the metrics. 'lynxeval score <benchmark> --help'\n"
             "has the options.\n");
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof scorers / sizeof scorers[0]; i++)
    if (strcmp(argv[1], scorers[i]->name + strlen("score ")) == 0) return scorers[i]->run(argc - 1, argv + 1);
  fprintf(stderr, "lynxeval score: unknown benchmark '%s' (caption, vqa, mme, open-vqa)\n", argv[1]);
  return CLI_USAGE;
}

const cli_command cmd_score = {
    "score",
    "score predictions with the reference scorers (caption, vqa, mme, open-vqa)",
    "score <caption|vqa|mme|open-vqa> [options]",
    NULL,
    run,
};
