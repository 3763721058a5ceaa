#include "tasks/scoring.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fault.h"
#include "common/names.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"
#include "scorers/bleu.h"
#include "scorers/cider.h"
#include "scorers/gqa.h"
#include "scorers/mmbench.h"
#include "scorers/mme.h"
#include "scorers/open_vqa_match.h"
#include "scorers/pope.h"
#include "scorers/rouge.h"
#include "scorers/science_qa.h"
#include "scorers/seed_bench.h"
#include "scorers/textvqa.h"
#include "scorers/video_qa.h"
#include "scorers/vizwiz.h"

/* in lx_scorer_kind's order */
static const char *const scorer_names[] = {
    "open-vqa", "vqa", "caption", "mme",     "none",     "pope",   "science-qa", "seed-bench",
    "textvqa",  "gqa", "vizwiz",  "mmbench", "video-qa", "mm-vet", NULL};

/* in lx_scorer_kind's order */
static const lx_scorer_rows scorer_rows[] = {
    {"correct", "class", true, true},
    {"accuracy", "answer_type", false, true},
    {"CIDEr", NULL, false, false},
    {"correct", "subtask", true, true},
    {NULL, NULL, false, false},
    {"correct", "split", true, true},
    {"correct", "subject", true, true},
    {"correct", "dimension", true, true},
    {"accuracy", NULL, false, true},
    {"correct", "structural", true, true},
    {"accuracy", "answer_type", false, true},
    {"correct", "l2_category", true, true},
    {"correct", "question_type", true, true},
    {"score", "integration", false, true},
};

const lx_scorer_rows *lx_scorer_rows_of(lx_scorer_kind kind) {
  return &scorer_rows[kind];
}

const char *lx_scorer_name(lx_scorer_kind kind) {
  return lx_name_at(scorer_names, (int)kind);
}

bool lx_scorer_parse(const char *name, lx_scorer_kind *kind) {
  int i = lx_name_index(scorer_names, name);
  if (i < 0) return false;
  *kind = (lx_scorer_kind)i;
  return true;
}

/* Sums per category in first-appearance order. */
typedef struct category_sums {
  lx_strmap names; /* category -> k, in first-appearance order */
  double *sum;     /* [n] */
  size_t *count;   /* [n] */
  size_t n, cap;
} category_sums;

static void category_add(category_sums *c, const char *name, double v) {
  size_t k = lx_strmap_intern(&c->names, name ? name : "");
  if (k == c->n) { /* a new category */
    if (c->n == c->cap) {
      c->cap = c->cap ? 2 * c->cap : 16;
      c->sum = lx_xrealloc_array(c->sum, c->cap, sizeof *c->sum);
      c->count = lx_xrealloc_array(c->count, c->cap, sizeof *c->count);
    }
    c->sum[k] = 0;
    c->count[k] = 0;
    c->n++;
  }
  c->sum[k] += v;
  c->count[k]++;
}

static void category_free(category_sums *c) {
  lx_strmap_free(&c->names);
  free(c->sum);
  free(c->count);
}

/* The VQA script's round(x, 2): printf rounds the exact binary value to nearest, ties to even,
 * as Python's round does. */
static double round2(double x) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.2f", x);
  return strtod(buf, NULL);
}

static cJSON *percent_by_category(const category_sums *c, bool rounded) {
  cJSON *o = cJSON_CreateObject();
  for (size_t k = 0; k < c->n; k++) {
    double v = 100.0 * c->sum[k] / (double)c->count[k];
    cJSON_AddNumberToObject(o, c->names.keys[k], rounded ? round2(v) : v);
  }
  return o;
}

static cJSON *counts_by_category(const category_sums *c) {
  cJSON *o = cJSON_CreateObject();
  for (size_t k = 0; k < c->n; k++) {
    cJSON *x = cJSON_AddObjectToObject(o, c->names.keys[k]);
    cJSON_AddNumberToObject(x, "correct", c->sum[k]);
    cJSON_AddNumberToObject(x, "total", (double)c->count[k]);
  }
  return o;
}

/* pred_of[k] = the prediction for item k, or SIZE_MAX when there is none. */
static size_t *invert(const lx_items *items, const lx_predictions *preds, const size_t *at) {
  size_t *pred_of = lx_xcalloc(items->n ? items->n : 1, sizeof *pred_of);
  for (size_t k = 0; k < items->n; k++) pred_of[k] = (size_t)-1;
  for (size_t i = 0; i < preds->n; i++) pred_of[at[i]] = i;
  return pred_of;
}

static int score_open_vqa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                          cJSON *agg, cJSON *rows) {
  category_sums by_class = {0}, by_origin = {0};
  size_t rule_count[LX_OVQA_CONTAINS + 1] = {0}, correct = 0;
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    bool ok = false; /* one reference in Open-VQA; with more, any of them counts */
    lx_ovqa_rule rule = LX_OVQA_NONE;
    for (size_t r = 0; r < it->n_refs && !ok; r++)
      ok = lx_open_vqa_match(preds->v[i].text, it->refs[r], &rule);
    correct += ok;
    if (ok) rule_count[rule]++;
    category_add(&by_class, it->category, ok);
    category_add(&by_origin, it->subcategory, ok);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok);
    cJSON_AddStringToObject(r, "rule", lx_ovqa_rule_name(rule));
    cJSON_AddStringToObject(r, "class", it->category ? it->category : "");
    cJSON_AddItemToArray(rows, r);
  }
  cJSON_AddStringToObject(agg, "matcher", LX_OPEN_VQA_MATCHER);
  cJSON_AddNumberToObject(agg, "correct", (double)correct);
  cJSON_AddNumberToObject(agg, "total", (double)preds->n);
  cJSON_AddNumberToObject(agg, "accuracy",
                          preds->n ? 100.0 * (double)correct / (double)preds->n : 0);
  cJSON_AddItemToObject(agg, "per_class", counts_by_category(&by_class));
  cJSON_AddItemToObject(agg, "per_origin_dataset", counts_by_category(&by_origin));
  cJSON *rules = cJSON_AddObjectToObject(agg, "correct_by_rule");
  for (int r = LX_OVQA_YES_NO; r <= LX_OVQA_CONTAINS; r++)
    cJSON_AddNumberToObject(rules, lx_ovqa_rule_name((lx_ovqa_rule)r), (double)rule_count[r]);
  category_free(&by_class);
  category_free(&by_origin);
  return LX_OK;
}

static int score_vqa(lx_vqa_mode mode, const lx_items *items, const lx_predictions *preds,
                     const size_t *at, cJSON *agg, cJSON *rows) {
  /* the script's order: the annotations' questions */
  size_t *pred_of = invert(items, preds, at);
  category_sums by_answer = {0}, by_question = {0};
  double sum = 0;
  size_t n = 0;
  double *acc_of = lx_xcalloc(items->n ? items->n : 1, sizeof *acc_of);
  for (size_t k = 0; k < items->n; k++) {
    if (pred_of[k] == (size_t)-1) continue;
    const lx_item *it = &items->v[k];
    double acc =
        lx_vqa_accuracy(mode, preds->v[pred_of[k]].text, (const char *const *)it->refs, it->n_refs);
    acc_of[k] = acc;
    sum += acc;
    n++;
    category_add(&by_answer, it->category, acc);
    category_add(&by_question, it->subcategory, acc);
  }
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddNumberToObject(r, "accuracy", acc_of[at[i]]);
    cJSON_AddStringToObject(r, "answer_type", it->category ? it->category : "");
    cJSON_AddStringToObject(r, "question_type", it->subcategory ? it->subcategory : "");
    cJSON_AddItemToArray(rows, r);
  }
  double overall = n ? 100.0 * sum / (double)n : 0;
  cJSON_AddStringToObject(agg, "normalize", lx_vqa_mode_name(mode));
  cJSON_AddNumberToObject(agg, "overall", round2(overall));
  cJSON_AddItemToObject(agg, "perAnswerType", percent_by_category(&by_answer, true));
  cJSON_AddItemToObject(agg, "perQuestionType", percent_by_category(&by_question, true));
  cJSON *u = cJSON_AddObjectToObject(agg, "unrounded");
  cJSON_AddNumberToObject(u, "overall", overall);
  cJSON_AddItemToObject(u, "perAnswerType", percent_by_category(&by_answer, false));
  cJSON_AddItemToObject(u, "perQuestionType", percent_by_category(&by_question, false));
  cJSON_AddNumberToObject(agg, "questions", (double)n);
  category_free(&by_answer);
  category_free(&by_question);
  free(acc_of);
  free(pred_of);
  return LX_OK;
}

/* The captions of the scored items as pycocoevalcap's COCOEvalCap takes them: the items in the
 * annotations' order, all references tokenized in one call and all results in another. */
typedef struct caption_set {
  size_t n;          /* scored items */
  size_t *item;      /* [n] index into items, ascending */
  size_t *pred;      /* [n] the prediction for it */
  size_t *ref_start; /* [n + 1] item j's references are refs.line[ref_start[j] ..] */
  lx_ptb_lines hyps; /* [n] */
  lx_ptb_lines refs;
} caption_set;

static void caption_set_build(lx_caption_tokenizer t, const lx_items *items,
                              const lx_predictions *preds, const size_t *at, caption_set *cs) {
  size_t *pred_of = invert(items, preds, at);
  memset(cs, 0, sizeof *cs);
  cs->item = lx_xcalloc(preds->n + 1, sizeof *cs->item);
  cs->pred = lx_xcalloc(preds->n + 1, sizeof *cs->pred);
  cs->ref_start = lx_xcalloc(preds->n + 1, sizeof *cs->ref_start);
  size_t n_refs = 0;
  for (size_t k = 0; k < items->n; k++) {
    if (pred_of[k] == (size_t)-1) continue;
    cs->item[cs->n] = k;
    cs->pred[cs->n] = pred_of[k];
    cs->ref_start[cs->n++] = n_refs;
    n_refs += items->v[k].n_refs;
  }
  cs->ref_start[cs->n] = n_refs;
  const char **hyp = lx_xcalloc(cs->n + 1, sizeof *hyp),
             **ref = lx_xcalloc(n_refs + 1, sizeof *ref);
  for (size_t j = 0; j < cs->n; j++) {
    const lx_item *it = &items->v[cs->item[j]];
    hyp[j] = preds->v[cs->pred[j]].text;
    for (size_t r = 0; r < it->n_refs; r++) ref[cs->ref_start[j] + r] = it->refs[r];
  }
  lx_caption_tokenize(t, ref, n_refs, &cs->refs);
  lx_caption_tokenize(t, hyp, cs->n, &cs->hyps);
  free(hyp);
  free(ref);
  free(pred_of);
}

static void caption_set_free(caption_set *cs) {
  free(cs->item);
  free(cs->pred);
  free(cs->ref_start);
  lx_ptb_lines_free(&cs->hyps);
  lx_ptb_lines_free(&cs->refs);
}

static int score_caption(lx_caption_tokenizer t, const lx_items *items, const lx_predictions *preds,
                         const size_t *at, cJSON *agg, cJSON *rows) {
  caption_set cs;
  caption_set_build(t, items, preds, at, &cs);
  size_t n = cs.n;
  lx_caption_item *ci = lx_xcalloc(n + 1, sizeof *ci);
  for (size_t j = 0; j < n; j++)
    ci[j] = (lx_caption_item){cs.hyps.line[j], (const char *const *)cs.refs.line + cs.ref_start[j],
                              cs.ref_start[j + 1] - cs.ref_start[j]};
  double *bleu_items = lx_xcalloc(4 * n + 1, sizeof(double));
  double *rouge_items = lx_xcalloc(n + 1, sizeof(double)),
         *cider_items = lx_xcalloc(n + 1, sizeof(double));
  lx_bleu_result bleu;
  lx_bleu_counts *counts = lx_xcalloc(n + 1, sizeof *counts);
  lx_bleu(ci, n, &bleu, bleu_items, counts);
  double rouge = lx_rouge_l(ci, n, rouge_items), cider = lx_cider_d(ci, n, cider_items);
  static const char *const bleu_names[4] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
  for (int b = 0; b < 4; b++) cJSON_AddNumberToObject(agg, bleu_names[b], bleu.bleu[b]);
  cJSON_AddNumberToObject(agg, "ROUGE_L", rouge);
  cJSON_AddNumberToObject(agg, "CIDEr", cider);
  cJSON_AddNumberToObject(agg, "images", (double)n);
  cJSON_AddNumberToObject(agg, "images_in_annotations", (double)items->n);
  cJSON_AddStringToObject(agg, "tokenizer", lx_caption_tokenizer_note(t));
  size_t breaks = cs.hyps.line_breaks + cs.refs.line_breaks;
  if (breaks) cJSON_AddNumberToObject(agg, "line_breaks_read_as_spaces", (double)breaks);
  cJSON *nc = cJSON_AddObjectToObject(agg, "not_computed");
  cJSON_AddStringToObject(nc, "METEOR", "needs the METEOR 1.5 Java scorer; not approximated");
  cJSON_AddStringToObject(nc, "SPICE", "needs the SPICE 1.0 Java scorer; not approximated");
  /* rows in prediction order */
  size_t *slot = lx_xcalloc(preds->n + 1, sizeof *slot);
  for (size_t j = 0; j < n; j++) slot[cs.pred[j]] = j;
  for (size_t i = 0; i < preds->n; i++) {
    size_t j = slot[i];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", preds->v[i].id);
    for (int b = 0; b < 4; b++) cJSON_AddNumberToObject(r, bleu_names[b], bleu_items[4 * j + b]);
    cJSON_AddNumberToObject(r, "ROUGE_L", rouge_items[j]);
    cJSON_AddNumberToObject(r, "CIDEr", cider_items[j]);
    /* BLEU's sufficient statistics: corpus BLEU of any resample is their sum */
    cJSON *c = cJSON_AddArrayToObject(r, "bleu_counts");
    for (int g = 0; g < 4; g++) cJSON_AddItemToArray(c, cJSON_CreateNumber(counts[j].matches[g]));
    for (int g = 0; g < 4; g++) cJSON_AddItemToArray(c, cJSON_CreateNumber(counts[j].guesses[g]));
    cJSON_AddItemToArray(c, cJSON_CreateNumber(counts[j].hyp_len));
    cJSON_AddItemToArray(c, cJSON_CreateNumber(counts[j].ref_len));
    cJSON_AddItemToArray(rows, r);
  }
  free(slot);
  caption_set_free(&cs);
  free(ci);
  free(counts);
  free(bleu_items);
  free(rouge_items);
  free(cider_items);
  return LX_OK;
}

static int score_mme(const lx_items *items, const lx_predictions *preds, const size_t *at,
                     cJSON *agg, cJSON *rows, lx_error *err) {
  size_t *pred_of = invert(items, preds, at);
  for (size_t k = 0; k < items->n; k++) {
    const lx_item *it = &items->v[k];
    bool known = false;
    for (int s = 0; s < LX_MME_SUBTASKS; s++)
      known |= it->category && !strcmp(it->category, lx_mme_subtask_names[s]);
    if (!known || it->n_refs != 1) {
      free(pred_of);
      return lx_errorf(err, "%s: not an MME question (subtask '%s')", it->source,
                       it->category ? it->category : "");
    }
  }
  cJSON *subtasks = cJSON_AddObjectToObject(agg, "subtasks"), *missing = cJSON_CreateArray();
  double totals[2] = {0, 0};
  int present[2] = {0, 0};
  lx_mme_label *truth = lx_xcalloc(items->n + 1, sizeof *truth),
               *pred = lx_xcalloc(items->n + 1, sizeof *pred);
  for (int s = 0; s < LX_MME_SUBTASKS; s++) {
    size_t n = 0;
    for (size_t k = 0; k < items->n; k++) {
      const lx_item *it = &items->v[k];
      if (strcmp(it->category, lx_mme_subtask_names[s]) != 0 || pred_of[k] == (size_t)-1) continue;
      truth[n] = lx_mme_parse_response(it->refs[0]);
      pred[n] = lx_mme_parse_response(preds->v[pred_of[k]].text);
      cJSON *r = cJSON_CreateObject();
      cJSON_AddStringToObject(r, "id", it->id);
      cJSON_AddStringToObject(r, "subtask", it->category);
      cJSON_AddBoolToObject(r, "correct", truth[n] == pred[n]);
      cJSON_AddStringToObject(r, "parsed",
                              pred[n] == LX_MME_YES  ? "yes"
                              : pred[n] == LX_MME_NO ? "no"
                                                     : "other");
      cJSON_AddItemToArray(rows, r);
      n++;
    }
    if (n == 0) {
      cJSON_AddItemToArray(missing, cJSON_CreateString(lx_mme_subtask_names[s]));
      continue;
    }
    lx_mme_result m;
    lx_mme_score_subtask(truth, pred, n, &m);
    cJSON *j = cJSON_AddObjectToObject(subtasks, lx_mme_subtask_names[s]);
    cJSON_AddNumberToObject(j, "score", m.score);
    cJSON_AddNumberToObject(j, "acc", m.acc);
    cJSON_AddNumberToObject(j, "acc_plus", m.acc_plus);
    cJSON_AddNumberToObject(j, "questions", (double)m.questions);
    cJSON_AddNumberToObject(j, "images", (double)m.images);
    cJSON_AddNumberToObject(j, "other_num", (double)m.other);
    cJSON_AddNumberToObject(j, "TP", (double)m.tp);
    cJSON_AddNumberToObject(j, "FN", (double)m.fn);
    cJSON_AddNumberToObject(j, "TN", (double)m.tn);
    cJSON_AddNumberToObject(j, "FP", (double)m.fp);
    cJSON_AddNumberToObject(j, "precision", m.precision);
    cJSON_AddNumberToObject(j, "recall", m.recall);
    int cat = s < LX_MME_PERCEPTION_SUBTASKS ? 0 : 1;
    totals[cat] += m.score;
    present[cat]++;
  }
  /* a category total only when all its subtasks are there: a partial sum is not MME's number */
  static const char *const cat_names[2] = {"Perception", "Cognition"};
  const int cat_size[2] = {LX_MME_PERCEPTION_SUBTASKS,
                           LX_MME_SUBTASKS - LX_MME_PERCEPTION_SUBTASKS};
  for (int c = 0; c < 2; c++) {
    if (present[c] == cat_size[c])
      cJSON_AddNumberToObject(agg, cat_names[c], totals[c]);
    else
      cJSON_AddNullToObject(agg, cat_names[c]);
  }
  cJSON_AddItemToObject(agg, "missing_subtasks", missing);
  free(truth);
  free(pred);
  free(pred_of);
  return LX_OK;
}

/* NaN-free JSON for a value the official script would fail on (a zero denominator): null. */
static void add_defined(cJSON *o, const char *key, bool defined, double v) {
  if (defined)
    cJSON_AddNumberToObject(o, key, v);
  else
    cJSON_AddNullToObject(o, key);
}

/* LLaVA's eval_pope.py, once per split file: the split's questions in file order, each with its
 * answer. (The script pairs a split's labels with the answers of that split in the results'
 * order, which is the same pairing only when every question was answered, in order; here the
 * pairing is by id, and unanswered questions are counted, not shifted.) */
static int score_pope(const lx_items *items, const lx_predictions *preds, const size_t *at,
                      cJSON *agg, cJSON *rows) {
  size_t *pred_of = invert(items, preds, at);
  lx_strmap splits = {0};
  for (size_t k = 0; k < items->n; k++) lx_strmap_intern(&splits, items->v[k].category);
  bool *truth = lx_xcalloc(items->n + 1, sizeof *truth), *said = lx_xcalloc(items->n + 1, 1);
  bool *yes_of = lx_xcalloc(items->n + 1, sizeof *yes_of);
  for (size_t i = 0; i < preds->n; i++) yes_of[at[i]] = lx_pope_answer_is_yes(preds->v[i].text);
  cJSON *by_split = cJSON_AddObjectToObject(agg, "splits");
  double f1_sum = 0, acc_sum = 0;
  bool f1_all = true;
  size_t scored_splits = 0, missing = 0;
  for (size_t s = 0; s < splits.n; s++) {
    size_t n = 0, questions = 0;
    for (size_t k = 0; k < items->n; k++) {
      const lx_item *it = &items->v[k];
      if (strcmp(it->category, splits.keys[s]) != 0) continue;
      questions++;
      if (pred_of[k] == (size_t)-1) continue;
      truth[n] = !strcmp(it->refs[0], "yes");
      said[n++] = yes_of[k];
    }
    missing += questions - n;
    if (n == 0) continue;
    lx_pope_result r;
    lx_pope_score(truth, said, n, &r);
    cJSON *j = cJSON_AddObjectToObject(by_split, splits.keys[s]);
    cJSON_AddNumberToObject(j, "accuracy", r.accuracy);
    add_defined(j, "precision", r.precision_defined, r.precision);
    add_defined(j, "recall", r.recall_defined, r.recall);
    add_defined(j, "f1", r.f1_defined, r.f1);
    cJSON_AddNumberToObject(j, "yes_ratio", r.yes_ratio);
    cJSON_AddNumberToObject(j, "TP", (double)r.tp);
    cJSON_AddNumberToObject(j, "FP", (double)r.fp);
    cJSON_AddNumberToObject(j, "TN", (double)r.tn);
    cJSON_AddNumberToObject(j, "FN", (double)r.fn);
    cJSON_AddNumberToObject(j, "questions", (double)questions);
    cJSON_AddNumberToObject(j, "answered", (double)n);
    f1_all &= r.f1_defined;
    f1_sum += r.f1;
    acc_sum += r.accuracy;
    scored_splits++;
  }
  /* LLaVA-1.5 reports POPE as the F1 averaged over the three splits */
  add_defined(agg, "f1_mean_of_splits", scored_splits && f1_all,
              scored_splits ? f1_sum / (double)scored_splits : 0);
  add_defined(agg, "accuracy_mean_of_splits", scored_splits > 0,
              scored_splits ? acc_sum / (double)scored_splits : 0);
  cJSON_AddNumberToObject(agg, "unanswered", (double)missing);
  cJSON_AddStringToObject(agg, "extraction",
                          "LLaVA eval_pope.py: first sentence, commas removed, \"no\" if a "
                          "space-separated word is No, not or no, else \"yes\"");
  size_t correct = 0;
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    bool ok = yes_of[at[i]] == !strcmp(it->refs[0], "yes");
    correct += ok;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok);
    cJSON_AddStringToObject(r, "parsed", yes_of[at[i]] ? "yes" : "no");
    cJSON_AddStringToObject(r, "split", it->category);
    cJSON_AddItemToArray(rows, r);
  }
  cJSON_AddNumberToObject(agg, "accuracy",
                          preds->n ? 100.0 * (double)correct / (double)preds->n : 0);
  lx_strmap_free(&splits);
  free(truth);
  free(said);
  free(yes_of);
  free(pred_of);
  return LX_OK;
}

/* ScienceQA's breakdowns as its tools/evaluate_acc.py names them, over the scored questions:
 * key, the item field it tests (0 subject, 1 grade, 2 context) and the values that count. */
typedef struct sqa_group {
  const char *key;
  int field;
  const char *const *values; /* NULL-terminated; for the context: "text", "image", "none" */
} sqa_group;

static const char *const
    NATURAL[] = {"natural science", NULL},
    *const SOCIAL[] = {"social science", NULL}, *const LANGUAGE[] = {"language science", NULL},
    *const HAS_TEXT[] = {"text", NULL}, *const HAS_IMAGE[] = {"image", NULL},
    *const NO_CONTEXT[] = {"none", NULL}, *const GRADE_1_6[] = {"grade1", "grade2", "grade3",
                                                                "grade4", "grade5", "grade6",
                                                                NULL},
    *const GRADE_7_12[] = {"grade7", "grade8", "grade9", "grade10", "grade11", "grade12", NULL};
static const sqa_group SQA_GROUPS[] = {
    {"acc_natural", 0, NATURAL},     {"acc_social", 0, SOCIAL},
    {"acc_language", 0, LANGUAGE},   {"acc_has_text", 2, HAS_TEXT},
    {"acc_has_image", 2, HAS_IMAGE}, {"acc_no_context", 2, NO_CONTEXT},
    {"acc_grade_1_6", 1, GRADE_1_6}, {"acc_grade_7_12", 1, GRADE_7_12},
};

static bool sqa_in_group(const lx_item *it, const sqa_group *g) {
  for (const char *const *v = g->values; *v; v++) {
    bool hit;
    switch (g->field) {
      case 0:
        hit = !strcmp(it->category, *v);
        break;
      case 1:
        hit = !strcmp(it->subcategory, *v);
        break;
      default: { /* evaluate_acc.py: the hint is the text context, the image the other */
        bool text = it->context && it->context[0], image = it->media != NULL;
        hit = !strcmp(*v, "text") ? text : !strcmp(*v, "image") ? image : !text && !image;
        break;
      }
    }
    if (hit) return true;
  }
  return false;
}

/* LLaVA's eval_science_qa.py reads the letters; the accuracy it prints for the questions with an
 * image ("IMG-Accuracy") is the one LLaVA-1.5 reports as ScienceQA-IMG. */
static int score_science_qa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                            cJSON *agg, cJSON *rows, lx_error *err) {
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    if (it->n_refs < 3 || strlen(it->refs[0]) != 1 || !it->category || !it->subcategory)
      return lx_errorf(err, "%s: not a ScienceQA question (needs its letter and choices)",
                       it->source);
  }
  size_t correct = 0, by_rule[LX_SQA_FAILED + 1] = {0}, past_choices = 0;
  bool *ok = lx_xcalloc(preds->n + 1, sizeof *ok);
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    lx_sqa_rule rule;
    char letter = lx_sqa_parse_letter(preds->v[i].text, &rule);
    int n_choices = (int)it->n_refs - 1, index = lx_sqa_choice_index(letter, n_choices);
    by_rule[rule]++;
    past_choices += letter && index < 0;
    ok[i] = index >= 0 && 'A' + index == it->refs[0][0];
    correct += ok[i];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok[i]);
    char parsed[2] = {letter, 0};
    cJSON_AddStringToObject(r, "parsed", letter ? parsed : "FAILED");
    cJSON_AddStringToObject(r, "rule", lx_sqa_rule_name(rule));
    cJSON_AddStringToObject(r, "subject", it->category);
    cJSON_AddItemToArray(rows, r);
  }
  /* the scripts' expressions: correct / total * 100 */
  double acc = preds->n ? (double)correct / (double)preds->n * 100 : 0;
  cJSON_AddNumberToObject(agg, "accuracy", acc);
  cJSON_AddNumberToObject(agg, "accuracy_rounded", round2(acc));
  cJSON_AddNumberToObject(agg, "correct", (double)correct);
  cJSON_AddNumberToObject(agg, "total", (double)preds->n);
  cJSON *rules = cJSON_AddObjectToObject(agg, "answers_by_rule");
  for (int r = 0; r <= LX_SQA_FAILED; r++)
    cJSON_AddNumberToObject(rules, lx_sqa_rule_name((lx_sqa_rule)r), (double)by_rule[r]);
  cJSON_AddNumberToObject(agg, "letter_past_the_choices", (double)past_choices);
  /* evaluate_acc.py's table, rounded as it prints it ("{:.2f}"), and unrounded */
  cJSON *table = cJSON_AddObjectToObject(agg, "breakdown"),
        *full = cJSON_AddObjectToObject(agg, "breakdown_unrounded");
  for (size_t g = 0; g < sizeof SQA_GROUPS / sizeof SQA_GROUPS[0]; g++) {
    size_t n = 0, c = 0;
    for (size_t i = 0; i < preds->n; i++) {
      if (!sqa_in_group(&items->v[at[i]], &SQA_GROUPS[g])) continue;
      n++;
      c += ok[i];
    }
    double v = n ? (double)c / (double)n * 100 : 0;
    add_defined(table, SQA_GROUPS[g].key, n > 0, round2(v));
    add_defined(full, SQA_GROUPS[g].key, n > 0, v);
  }
  add_defined(table, "acc_average", preds->n > 0, round2(acc));
  add_defined(full, "acc_average", preds->n > 0, acc);
  free(ok);
  return LX_OK;
}

/* MMF's TextVQAAccuracyEvaluator over the predictions, summed in their order as it sums them. */
static int score_textvqa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                         cJSON *agg, cJSON *rows, lx_error *err) {
  double sum = 0;
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    if (it->n_refs != LX_TEXTVQA_ANSWERS)
      return lx_errorf(err, "%s: TextVQA needs ten reference answers per question, not %zu",
                       it->source, it->n_refs);
  }
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    double acc = lx_textvqa_accuracy(preds->v[i].text, (const char *const *)it->refs, it->n_refs);
    sum += acc;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddNumberToObject(r, "accuracy", acc);
    cJSON_AddItemToArray(rows, r);
  }
  double acc = preds->n ? 100. * (sum / (double)preds->n) : 0; /* the script: 100. * mean */
  cJSON_AddNumberToObject(agg, "accuracy", acc);
  cJSON_AddNumberToObject(agg, "accuracy_rounded", round2(acc));
  cJSON_AddNumberToObject(agg, "questions", (double)preds->n);
  cJSON_AddStringToObject(agg, "answer_processing",
                          "EvalAI (MMF TextVQAAccuracyEvaluator, LLaVA m4c_evaluator.py)");
  return LX_OK;
}

/* The VizWiz API's VQAEval.evaluate over the annotated images, in the annotations' order: overall
 * and per answer type, rounded to two decimals as it reports them, and unrounded. */
static int score_vizwiz(bool uploaded, const lx_items *items, const lx_predictions *preds,
                        const size_t *at, cJSON *agg, cJSON *rows) {
  size_t *pred_of = invert(items, preds, at);
  category_sums by_answer = {0};
  double sum = 0, *acc_of = lx_xcalloc(items->n + 1, sizeof *acc_of);
  char **upload_of = lx_xcalloc(items->n + 1, sizeof *upload_of);
  size_t n = 0, said_unanswerable = 0;
  for (size_t k = 0; k < items->n; k++) {
    if (pred_of[k] == (size_t)-1) continue;
    const lx_item *it = &items->v[k];
    lx_strbuf up = {0};
    if (uploaded)
      lx_strbuf_puts(&up, preds->v[pred_of[k]].text);
    else
      lx_vizwiz_upload_answer(preds->v[pred_of[k]].text, &up);
    upload_of[k] = lx_xstrdup(lx_strbuf_str(&up));
    lx_strbuf_free(&up);
    lx_strbuf seen = {0};
    lx_vizwiz_normalize(upload_of[k], &seen);
    said_unanswerable += strcmp(lx_strbuf_str(&seen), "unanswerable") == 0;
    lx_strbuf_free(&seen);
    acc_of[k] = lx_vizwiz_accuracy(upload_of[k], (const char *const *)it->refs, it->n_refs);
    sum += acc_of[k];
    n++;
    category_add(&by_answer, it->category, acc_of[k]);
  }
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddNumberToObject(r, "accuracy", acc_of[at[i]]);
    cJSON_AddStringToObject(r, "answer_type", it->category ? it->category : "");
    cJSON_AddStringToObject(r, "uploaded", upload_of[at[i]]);
    cJSON_AddItemToArray(rows, r);
  }
  double overall = n ? 100.0 * sum / (double)n : 0;
  cJSON_AddNumberToObject(agg, "overall", round2(overall));
  cJSON_AddItemToObject(agg, "perAnswerType", percent_by_category(&by_answer, true));
  cJSON *u = cJSON_AddObjectToObject(agg, "unrounded");
  cJSON_AddNumberToObject(u, "overall", overall);
  cJSON_AddItemToObject(u, "perAnswerType", percent_by_category(&by_answer, false));
  cJSON_AddNumberToObject(agg, "questions", (double)n);
  cJSON_AddNumberToObject(agg, "answered_unanswerable", (double)said_unanswerable);
  cJSON_AddStringToObject(agg, "answer_processing",
                          uploaded ? "the answers as uploaded, then the VizWiz API's vqaEval.py"
                                   : "EvalAI answer processor (LLaVA's "
                                     "convert_vizwiz_for_submission.py), then the VizWiz API's "
                                     "vqaEval.py");
  for (size_t k = 0; k < items->n; k++) free(upload_of[k]);
  free(upload_of);
  free(acc_of);
  free(pred_of);
  category_free(&by_answer);
  return LX_OK;
}

/* eval.py's avg(l) * 100 over a group's 0/1 scores: float(sum) / len * 100, 0 when empty. */
static void add_group_accuracy(cJSON *o, const char *key, size_t correct, size_t n) {
  cJSON *g = cJSON_AddObjectToObject(o, key);
  cJSON_AddNumberToObject(g, "accuracy", n ? (double)correct / (double)n * 100 : 0);
  cJSON_AddNumberToObject(g, "questions", (double)n);
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int by_number(const void *a, const void *b) {
  long x = atol(*(const char *const *)a), y = atol(*(const char *const *)b);
  return (x > y) - (x < y);
}

/* Accuracy per value of a per-item key (structural, semantic type, words), keys sorted as the
 * script prints them (text; numbers numerically). */
static void gqa_breakdown(cJSON *agg, const char *name, const char *const *key, const bool *ok,
                          size_t n, bool numeric) {
  lx_strmap groups = {0};
  size_t *correct = lx_xcalloc(n + 1, sizeof *correct), *count = lx_xcalloc(n + 1, sizeof *count);
  for (size_t i = 0; i < n; i++) {
    size_t g = lx_strmap_intern(&groups, key[i]);
    correct[g] += ok[i];
    count[g]++;
  }
  const char **sorted = lx_xcalloc(groups.n + 1, sizeof *sorted);
  for (size_t g = 0; g < groups.n; g++) sorted[g] = groups.keys[g];
  qsort(sorted, groups.n, sizeof *sorted, numeric ? by_number : by_text);
  cJSON *o = cJSON_AddObjectToObject(agg, name);
  for (size_t j = 0; j < groups.n; j++) {
    size_t g = lx_strmap_find(&groups, sorted[j]);
    add_group_accuracy(o, sorted[j], correct[g], count[g]);
  }
  free(sorted);
  free(correct);
  free(count);
  lx_strmap_free(&groups);
}

/* Prediction positions ordered by their items' positions (qsort has no context argument). */
static const size_t *gqa_order_at;
static int by_item(const void *a, const void *b) {
  size_t x = gqa_order_at[*(const size_t *)a], y = gqa_order_at[*(const size_t *)b];
  return (x > y) - (x < y);
}

/* LLaVA's convert_gqa_for_eval.py and GQA's eval.py, over the balanced questions answered. */
static int score_gqa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                     cJSON *agg, cJSON *rows, lx_error *err) {
  size_t n = preds->n;
  for (size_t i = 0; i < n; i++) {
    const lx_item *it = &items->v[at[i]];
    if (it->n_refs != 1 || !it->category || !it->subcategory || !it->question)
      return lx_errorf(err, "%s: not a GQA question", it->source);
  }
  bool *ok = lx_xcalloc(n + 1, sizeof *ok);
  const char **structural = lx_xcalloc(n + 1, sizeof *structural),
             **semantic = lx_xcalloc(n + 1, sizeof *semantic);
  char **words = lx_xcalloc(n + 1, sizeof *words), **steps = lx_xcalloc(n + 1, sizeof *steps),
       **predicted = lx_xcalloc(n + 1, sizeof *predicted); /* convert_gqa_for_eval.py's */
  size_t correct = 0, binary = 0, binary_ok = 0;
  for (size_t i = 0; i < n; i++) {
    const lx_item *it = &items->v[at[i]];
    ok[i] = lx_gqa_correct(preds->v[i].text, it->refs[0]);
    char num_steps[24];
    snprintf(num_steps, sizeof num_steps, "%d", it->steps);
    steps[i] = lx_xstrdup(num_steps);
    correct += ok[i];
    structural[i] = it->category;
    semantic[i] = it->subcategory;
    lx_span *w;
    size_t nw = lx_py_split(it->question, strlen(it->question), &w);
    free(w);
    char num[24];
    snprintf(num, sizeof num, "%zu", nw);
    words[i] = lx_xstrdup(num);
    bool is_binary = strcmp(it->category, "query") != 0; /* "open" questions are queries */
    binary += is_binary;
    binary_ok += is_binary && ok[i];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok[i]);
    lx_strbuf p = {0};
    lx_gqa_prediction(preds->v[i].text, &p);
    predicted[i] = lx_xstrdup(lx_strbuf_str(&p));
    cJSON_AddStringToObject(r, "prediction", predicted[i]);
    lx_strbuf_free(&p);
    cJSON_AddStringToObject(r, "structural", it->category);
    cJSON_AddItemToArray(rows, r);
  }
  size_t open = n - binary, open_ok = correct - binary_ok;
  cJSON_AddNumberToObject(agg, "accuracy", n ? (double)correct / (double)n * 100 : 0);
  cJSON_AddNumberToObject(agg, "binary", binary ? (double)binary_ok / (double)binary * 100 : 0);
  cJSON_AddNumberToObject(agg, "open", open ? (double)open_ok / (double)open * 100 : 0);
  cJSON_AddNumberToObject(agg, "questions", (double)n);
  gqa_breakdown(agg, "accuracyPerStructuralType", structural, ok, n, false);
  gqa_breakdown(agg, "accuracyPerSemanticType", semantic, ok, n, false);
  gqa_breakdown(agg, "accuracyPerLength", (const char *const *)words, ok, n, true);
  gqa_breakdown(agg, "accuracyPerSteps", (const char *const *)steps, ok, n, true);
  /* the distribution over the questions in the file's order, as eval.py meets them */
  size_t *order = lx_xcalloc(n + 1, sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  gqa_order_at = at;
  qsort(order, n, sizeof *order, by_item);
  const char **group = lx_xcalloc(n + 1, sizeof *group), **gold = lx_xcalloc(n + 1, sizeof *gold),
             **said = lx_xcalloc(n + 1, sizeof *said);
  for (size_t j = 0; j < n; j++) {
    const lx_item *it = &items->v[at[order[j]]];
    group[j] = it->answer_group;
    gold[j] = it->refs[0];
    said[j] = predicted[order[j]];
  }
  double distribution = lx_gqa_distribution(n, group, gold, said);
  cJSON *nc = cJSON_AddObjectToObject(agg, "not_computed");
  if (isnan(distribution))
    cJSON_AddStringToObject(nc, "distribution", "no question has a global group");
  else
    cJSON_AddNumberToObject(agg, "distribution", distribution);
  cJSON_AddStringToObject(nc, "validity, plausibility",
                          "need the choices file, which test-dev does not have (eval.py prints 0)");
  cJSON_AddStringToObject(nc, "consistency",
                          "needs answers to the entailed questions of all_questions, which "
                          "LLaVA-1.5 does not ask (eval.py skips it without --consistency)");
  free(said);
  free(group);
  free(gold);
  free(order);
  cJSON_AddStringToObject(agg, "prediction",
                          "convert_gqa_for_eval.py: trailing periods removed, then lowercased");
  for (size_t i = 0; i < n; i++) {
    free(words[i]);
    free(steps[i]);
    free(predicted[i]);
  }
  free(words);
  free(steps);
  free(predicted);
  free(structural);
  free(semantic);
  free(ok);
  return LX_OK;
}

/* Exact match per question, by the question's kind (its first word). */
static int score_video_qa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                          cJSON *agg, cJSON *rows) {
  category_sums by_kind = {0};
  size_t correct = 0;
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    bool ok = it->n_refs > 0 && lx_video_qa_exact_match(preds->v[i].text, it->refs[0]);
    correct += ok;
    category_add(&by_kind, it->category, ok);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok);
    cJSON_AddStringToObject(r, "question_type", it->category ? it->category : "");
    cJSON_AddItemToArray(rows, r);
  }
  cJSON_AddStringToObject(agg, "match", LX_VIDEO_QA_MATCH);
  cJSON_AddNumberToObject(agg, "correct", (double)correct);
  cJSON_AddNumberToObject(agg, "total", (double)preds->n);
  cJSON_AddNumberToObject(agg, "accuracy",
                          preds->n ? 100.0 * (double)correct / (double)preds->n : 0);
  cJSON_AddItemToObject(agg, "per_question_type", counts_by_category(&by_kind));
  cJSON_AddStringToObject(agg, "judge",
                          "the Video-ChatGPT protocol (an LLM judge's yes/no and 0-5 score): "
                          "lynxeval judge --task msvd-qa|msrvtt-qa --template-from "
                          "evaluate_activitynet_qa.py");
  category_free(&by_kind);
  return LX_OK;
}

/* Counts of a group of MMBench questions. */
typedef struct mmb_counts {
  size_t correct, wrong, undecided;
} mmb_counts;

static void mmb_add(cJSON *o, const mmb_counts *c) {
  size_t decided = c->correct + c->wrong, all = decided + c->undecided;
  /* undecided questions count as not right, as the rules leave them; the bounds say how far a
   * judge could move the number */
  cJSON_AddNumberToObject(o, "accuracy", all ? 100.0 * (double)c->correct / (double)all : 0);
  cJSON_AddNumberToObject(o, "accuracy_decided",
                          decided ? 100.0 * (double)c->correct / (double)decided : 0);
  cJSON_AddNumberToObject(o, "accuracy_if_undecided_right",
                          all ? 100.0 * (double)(c->correct + c->undecided) / (double)all : 0);
  cJSON_AddNumberToObject(o, "correct", (double)c->correct);
  cJSON_AddNumberToObject(o, "wrong", (double)c->wrong);
  cJSON_AddNumberToObject(o, "undecided", (double)c->undecided);
  cJSON_AddNumberToObject(o, "questions", (double)all);
}

/* Per value of a per-question key (category, l2-category), names sorted as the script sorts
 * them. */
static void mmb_breakdown(cJSON *agg, const char *name, const char *const *key,
                          const signed char *verdict, size_t n) {
  lx_strmap groups = {0};
  mmb_counts *c = lx_xcalloc(n + 1, sizeof *c);
  for (size_t q = 0; q < n; q++) {
    size_t g = lx_strmap_intern(&groups, key[q]);
    if (verdict[q] > 0)
      c[g].correct++;
    else if (verdict[q] == 0)
      c[g].wrong++;
    else
      c[g].undecided++;
  }
  const char **sorted = lx_xcalloc(groups.n + 1, sizeof *sorted);
  for (size_t g = 0; g < groups.n; g++) sorted[g] = groups.keys[g];
  qsort(sorted, groups.n, sizeof *sorted, by_text);
  cJSON *o = cJSON_AddObjectToObject(agg, name);
  for (size_t j = 0; j < groups.n; j++)
    mmb_add(cJSON_AddObjectToObject(o, sorted[j]), &c[lx_strmap_find(&groups, sorted[j])]);
  free(sorted);
  free(c);
  lx_strmap_free(&groups);
}

/* OpenCompass's eval_mmbench.py over the questions (index below 1,000,000) whose rows were
 * answered: each of its copies (rows with the same index modulo 1,000,000) mapped to a letter by
 * the rules; one mapped to a wrong letter makes the question wrong, all mapped right make it
 * right; otherwise the script asks its LLM judge, and here the question is undecided: its row
 * says so, and it is not right in the accuracy (the aggregate gives the bounds). */
static int score_mmbench(const lx_items *items, const lx_predictions *preds, const size_t *at,
                         cJSON *agg, cJSON *rows, lx_error *err) {
  size_t n = items->n;
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &items->v[k];
    if (it->n_refs != 5 || !it->category || !it->subcategory)
      return lx_errorf(err, "%s: not an MMBench row", it->source);
  }
  size_t *pred_of = invert(items, preds, at);
  lx_mmbench_row *in = lx_xcalloc(n + 1, sizeof *in);
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &items->v[k];
    in[k].index = atoll(it->id);
    in[k].answer = it->refs[0][0];
    for (int o = 0; o < 4; o++) in[k].choices[o] = it->refs[1 + o][0] ? it->refs[1 + o] : NULL;
    in[k].prediction = pred_of[k] == (size_t)-1 ? NULL : preds->v[pred_of[k]].text;
  }
  lx_mmbench_verdicts v;
  lx_mmbench_circular(in, n, &v);
  size_t by_rule[3] = {0}, copies = 0;
  for (size_t k = 0; k < n; k++)
    if (v.question[k] != (size_t)-1) {
      by_rule[v.rule[k]]++;
      copies++;
    }
  mmb_counts all = {0};
  const char **cat = lx_xcalloc(v.n_questions + 1, sizeof *cat),
             **l2 = lx_xcalloc(v.n_questions + 1, sizeof *l2);
  for (size_t q = 0; q < v.n_questions; q++) {
    const lx_item *main = &items->v[v.main_row[q]];
    cat[q] = main->category;
    l2[q] = main->subcategory;
    if (v.verdict[q] > 0)
      all.correct++;
    else if (v.verdict[q] == 0)
      all.wrong++;
    else
      all.undecided++;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", main->id);
    cJSON_AddBoolToObject(r, "correct", v.verdict[q] > 0);
    cJSON_AddBoolToObject(r, "undecided", v.verdict[q] < 0);
    cJSON_AddNumberToObject(r, "copies", (double)v.copies[q]);
    cJSON_AddStringToObject(r, "l2_category", main->subcategory);
    cJSON_AddStringToObject(r, "category", main->category);
    cJSON_AddItemToArray(rows, r);
  }
  mmb_add(agg, &all);
  cJSON_AddNumberToObject(agg, "copies", (double)copies);
  cJSON *rules = cJSON_AddObjectToObject(agg, "copies_by_rule");
  for (int r = LX_MMBENCH_OPTION; r <= LX_MMBENCH_TEXT; r++)
    cJSON_AddNumberToObject(rules, lx_mmbench_rule_name((lx_mmbench_rule)r), (double)by_rule[r]);
  cJSON_AddNumberToObject(rules, "none", (double)by_rule[LX_MMBENCH_NONE]);
  mmb_breakdown(agg, "l2-category", l2, v.verdict, v.n_questions);
  mmb_breakdown(agg, "category", cat, v.verdict, v.n_questions);
  cJSON_AddStringToObject(agg, "evaluation",
                          "circular: right only when every copy maps to its answer by the rules; "
                          "undecided (a copy no rule maps, none mapped wrong: the official script "
                          "asks its LLM judge) counts as not right in accuracy");
  free(cat);
  free(l2);
  lx_mmbench_verdicts_free(&v);
  free(in);
  free(pred_of);
  return LX_OK;
}

/* The dimension ids (subcategory) of the items, numerically ascending: the order the script
 * prints them in. */
static int by_dimension_id(const void *a, const void *b) {
  long x = atol(*(const char *const *)a), y = atol(*(const char *const *)b);
  return (x > y) - (x < y);
}

/* LLaVA's convert_seed_for_submission.py: exact letters, accuracy per dimension and overall,
 * over every question (an unanswered one is wrong, as the script counts it). */
static int score_seed_bench(const lx_items *items, const lx_predictions *preds, const size_t *at,
                            cJSON *agg, cJSON *rows, lx_error *err) {
  for (size_t k = 0; k < items->n; k++) {
    const lx_item *it = &items->v[k];
    if (it->n_refs != 1 || !it->category || !it->subcategory)
      return lx_errorf(err, "%s: not a SEED-Bench question", it->source);
  }
  size_t *pred_of = invert(items, preds, at);
  bool *ok = lx_xcalloc(items->n + 1, sizeof *ok);
  size_t correct = 0, unanswered = 0;
  lx_strmap dims = {0}; /* dimension id -> k */
  size_t *dim_correct = lx_xcalloc(items->n + 1, sizeof *dim_correct),
         *dim_total = lx_xcalloc(items->n + 1, sizeof *dim_total);
  const char **names = lx_xcalloc(items->n + 1, sizeof *names);
  for (size_t k = 0; k < items->n; k++) {
    const lx_item *it = &items->v[k];
    size_t d = lx_strmap_intern(&dims, it->subcategory);
    names[d] = it->category;
    dim_total[d]++;
    if (pred_of[k] == (size_t)-1) {
      unanswered++;
      continue;
    }
    ok[k] = lx_seed_answer_correct(preds->v[pred_of[k]].text, it->refs[0]);
    dim_correct[d] += ok[k];
    correct += ok[k];
  }
  for (size_t i = 0; i < preds->n; i++) {
    const lx_item *it = &items->v[at[i]];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddBoolToObject(r, "correct", ok[at[i]]);
    cJSON_AddStringToObject(r, "dimension", it->category);
    cJSON_AddItemToArray(rows, r);
  }
  /* the script's expressions: correct / count * 100 */
  double acc = items->n ? (double)correct / (double)items->n * 100 : 0;
  cJSON_AddNumberToObject(agg, "accuracy", acc);
  cJSON_AddNumberToObject(agg, "accuracy_rounded", round2(acc));
  cJSON_AddNumberToObject(agg, "correct", (double)correct);
  cJSON_AddNumberToObject(agg, "total", (double)items->n);
  cJSON_AddNumberToObject(agg, "unanswered", (double)unanswered);
  const char **ids = lx_xcalloc(dims.n + 1, sizeof *ids);
  for (size_t d = 0; d < dims.n; d++) ids[d] = dims.keys[d];
  qsort(ids, dims.n, sizeof *ids, by_dimension_id);
  cJSON *per = cJSON_AddObjectToObject(agg, "dimensions");
  for (size_t j = 0; j < dims.n; j++) {
    size_t d = lx_strmap_find(&dims, ids[j]);
    cJSON *o = cJSON_AddObjectToObject(per, names[d]);
    double a_d = (double)dim_correct[d] / (double)dim_total[d] * 100;
    cJSON_AddNumberToObject(o, "question_type_id", atof(ids[j]));
    cJSON_AddNumberToObject(o, "accuracy", a_d);
    cJSON_AddNumberToObject(o, "accuracy_rounded", round2(a_d));
    cJSON_AddNumberToObject(o, "correct", (double)dim_correct[d]);
    cJSON_AddNumberToObject(o, "questions", (double)dim_total[d]);
  }
  cJSON_AddStringToObject(agg, "rule", "exact text: the answer must be the letter alone");
  free(ids);
  free(names);
  free(dim_correct);
  free(dim_total);
  free(ok);
  free(pred_of);
  lx_strmap_free(&dims);
  return LX_OK;
}

int lx_score_predictions(lx_scorer_kind kind, const lx_scoring_options *opt, const lx_items *items,
                         const lx_predictions *preds, const size_t *at, cJSON **aggregate,
                         cJSON **per_item, lx_error *err) {
  cJSON *agg = cJSON_CreateObject(), *rows = cJSON_CreateArray();
  int rc = LX_OK;
  switch (kind) {
    case LX_SCORER_OPEN_VQA:
      rc = score_open_vqa(items, preds, at, agg, rows);
      break;
    case LX_SCORER_VQA:
      rc = score_vqa(opt->vqa_mode, items, preds, at, agg, rows);
      break;
    case LX_SCORER_CAPTION:
      rc = score_caption(opt->caption_tokenizer, items, preds, at, agg, rows);
      break;
    case LX_SCORER_MME:
      rc = score_mme(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_POPE:
      rc = score_pope(items, preds, at, agg, rows);
      break;
    case LX_SCORER_SCIENCE_QA:
      rc = score_science_qa(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_SEED_BENCH:
      rc = score_seed_bench(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_TEXTVQA:
      rc = score_textvqa(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_GQA:
      rc = score_gqa(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_VIZWIZ:
      rc = score_vizwiz(opt->answers_uploaded, items, preds, at, agg, rows);
      break;
    case LX_SCORER_MMBENCH:
      rc = score_mmbench(items, preds, at, agg, rows, err);
      break;
    case LX_SCORER_VIDEO_QA:
      rc = score_video_qa(items, preds, at, agg, rows);
      break;
    case LX_SCORER_MM_VET:
      rc = lx_errorf(err,
                     "MM-Vet is graded by its judge (lynxeval judge --task mm-vet), not from "
                     "the answers alone");
      break;
    case LX_SCORER_NONE:
      cJSON_AddStringToObject(agg, "note",
                              "open-ended answers: score them with human ratings or an LLM judge");
      cJSON_AddNumberToObject(agg, "answers", (double)preds->n);
      break;
  }
  if (rc) {
    cJSON_Delete(agg);
    cJSON_Delete(rows);
    return rc;
  }
  *aggregate = agg;
  *per_item = rows;
  return LX_OK;
}

void lx_score_headline(lx_scorer_kind kind, const cJSON *agg, char *buf, size_t n) {
  switch (kind) {
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
    case LX_SCORER_POPE: {
      const cJSON *f1 = cJSON_GetObjectItem(agg, "f1_mean_of_splits");
      int k = cJSON_GetArraySize(cJSON_GetObjectItem(agg, "splits"));
      if (cJSON_IsNumber(f1))
        snprintf(buf, n, "F1 %.2f (mean of %d split%s), accuracy %.2f%%", 100 * f1->valuedouble, k,
                 k == 1 ? "" : "s", cJSON_GetObjectItem(agg, "accuracy")->valuedouble);
      else
        snprintf(buf, n, "F1 undefined (no yes answers or labels), accuracy %.2f%%",
                 cJSON_GetObjectItem(agg, "accuracy")->valuedouble);
      break;
    }
    case LX_SCORER_SCIENCE_QA:
      snprintf(
          buf, n, "%g/%g correct (%.2f%%), %g answers naming no option",
          cJSON_GetObjectItem(agg, "correct")->valuedouble,
          cJSON_GetObjectItem(agg, "total")->valuedouble,
          cJSON_GetObjectItem(agg, "accuracy")->valuedouble,
          cJSON_GetObjectItem(cJSON_GetObjectItem(agg, "answers_by_rule"), "failed")->valuedouble);
      break;
    case LX_SCORER_GQA:
      snprintf(buf, n, "GQA accuracy %.2f%% (binary %.2f%%, open %.2f%%)",
               cJSON_GetObjectItem(agg, "accuracy")->valuedouble,
               cJSON_GetObjectItem(agg, "binary")->valuedouble,
               cJSON_GetObjectItem(agg, "open")->valuedouble);
      break;
    case LX_SCORER_MMBENCH: {
      double und = cJSON_GetObjectItem(agg, "undecided")->valuedouble;
      if (und > 0)
        snprintf(buf, n,
                 "MMBench circular accuracy %.2f%% (%g questions; %g undecided, counted wrong: a "
                 "judge could make it %.2f%%)",
                 cJSON_GetObjectItem(agg, "accuracy")->valuedouble,
                 cJSON_GetObjectItem(agg, "questions")->valuedouble, und,
                 cJSON_GetObjectItem(agg, "accuracy_if_undecided_right")->valuedouble);
      else
        snprintf(buf, n, "MMBench circular accuracy %.2f%% (%g questions)",
                 cJSON_GetObjectItem(agg, "accuracy")->valuedouble,
                 cJSON_GetObjectItem(agg, "questions")->valuedouble);
      break;
    }
    case LX_SCORER_VIDEO_QA:
      snprintf(buf, n, "%g/%g exact match (%.2f%%)",
               cJSON_GetObjectItem(agg, "correct")->valuedouble,
               cJSON_GetObjectItem(agg, "total")->valuedouble,
               cJSON_GetObjectItem(agg, "accuracy")->valuedouble);
      break;
    case LX_SCORER_VIZWIZ:
      snprintf(buf, n, "VizWiz accuracy %.2f (%g questions, %g answered unanswerable)",
               cJSON_GetObjectItem(agg, "overall")->valuedouble,
               cJSON_GetObjectItem(agg, "questions")->valuedouble,
               cJSON_GetObjectItem(agg, "answered_unanswerable")->valuedouble);
      break;
    case LX_SCORER_TEXTVQA:
      snprintf(buf, n, "TextVQA accuracy %.2f (%g questions)",
               cJSON_GetObjectItem(agg, "accuracy")->valuedouble,
               cJSON_GetObjectItem(agg, "questions")->valuedouble);
      break;
    case LX_SCORER_SEED_BENCH:
      snprintf(buf, n, "%g/%g correct (%.2f%%)", cJSON_GetObjectItem(agg, "correct")->valuedouble,
               cJSON_GetObjectItem(agg, "total")->valuedouble,
               cJSON_GetObjectItem(agg, "accuracy")->valuedouble);
      break;
    case LX_SCORER_NONE:
      snprintf(buf, n, "%g answers for human or LLM-judge rating",
               cJSON_GetObjectItem(agg, "answers")->valuedouble);
      break;
    case LX_SCORER_MM_VET:
      snprintf(buf, n, "MM-Vet total %.1f (%g questions, %g runs)",
               cJSON_GetObjectItem(agg, "total")->valuedouble,
               cJSON_GetObjectItem(agg, "questions")->valuedouble,
               cJSON_GetObjectItem(agg, "runs")->valuedouble);
      break;
  }
}

#define EXTERNAL_OUTPUT_MAX_BYTES (1u << 20)

int lx_score_captions_external(const char *command, const lx_scoring_options *opt,
                               const lx_items *items, const lx_predictions *preds, const size_t *at,
                               cJSON **metrics, lx_error *err) {
  caption_set cs;
  caption_set_build(opt->caption_tokenizer, items, preds, at, &cs);
  cJSON *doc = cJSON_CreateObject(), *gts = cJSON_AddObjectToObject(doc, "gts");
  cJSON *res = cJSON_AddObjectToObject(doc, "res");
  for (size_t j = 0; j < cs.n; j++) {
    const char *id = items->v[cs.item[j]].id;
    cJSON *refs = cJSON_AddArrayToObject(gts, id), *hyp = cJSON_AddArrayToObject(res, id);
    for (size_t r = cs.ref_start[j]; r < cs.ref_start[j + 1]; r++)
      cJSON_AddItemToArray(refs, cJSON_CreateString(cs.refs.line[r]));
    cJSON_AddItemToArray(hyp, cJSON_CreateString(cs.hyps.line[j]));
  }
  caption_set_free(&cs);
  char *text = cJSON_PrintUnformatted(doc);
  cJSON_Delete(doc);
  const char *tmpdir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/lynxeval-captions-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  int fd = mkstemp(path);
  int rc = LX_OK;
  if (fd < 0) {
    rc = lx_errorf(err, "%s: cannot create a temporary file: %s", path, strerror(errno));
  } else {
    size_t len = strlen(text), off = 0;
    while (off < len) {
      ssize_t w = lx_sys_write(fd, text + off, len - off);
      if (w <= 0) break;
      off += (size_t)w;
    }
    close(fd);
    if (off < len) rc = lx_errorf(err, "%s: write failed", path);
  }
  free(text);
  lx_strbuf out = {0};
  if (rc == LX_OK) {
    /* the path is ours (mkstemp: letters and digits), so single quotes are safe around it */
    lx_strbuf cmd = {0};
    lx_strbuf_puts(&cmd, command);
    lx_strbuf_puts(&cmd, " '");
    lx_strbuf_puts(&cmd, path);
    lx_strbuf_puts(&cmd, "'");
    FILE *p = popen(lx_strbuf_str(&cmd), "r");
    if (!p) {
      rc = lx_errorf(err, "external scorer '%s': cannot start: %s", command, strerror(errno));
    } else {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0 && out.len < EXTERNAL_OUTPUT_MAX_BYTES)
        lx_strbuf_append(&out, buf, n);
      int status = pclose(p);
      if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = lx_errorf(err, "external scorer '%s' failed (exit status %d)", command,
                       status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    lx_strbuf_free(&cmd);
    unlink(path);
  }
  cJSON *m = rc == LX_OK ? cJSON_Parse(lx_strbuf_str(&out)) : NULL;
  if (rc == LX_OK && !cJSON_IsObject(m)) {
    rc = lx_errorf(err, "external scorer '%s' printed no JSON object of metrics: %.200s", command,
                   lx_strbuf_str(&out));
  }
  const cJSON *v;
  if (rc == LX_OK) {
    cJSON_ArrayForEach(v, m) {
      if (!cJSON_IsNumber(v)) {
        rc =
            lx_errorf(err, "external scorer '%s': metric '%s' is not a number", command, v->string);
        break;
      }
    }
  }
  lx_strbuf_free(&out);
  if (rc) {
    cJSON_Delete(m);
    return rc;
  }
  *metrics = m;
  return LX_OK;
}
