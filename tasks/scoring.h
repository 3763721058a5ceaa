/* scoring.h: a task's scorer applied to its items and predictions, as JSON.
 *
 * The link between tasks/ (items with references) and scorers/ (pure metrics): it pairs each
 * prediction with its item's references, calls the scorer, and returns the aggregate (the metric
 * names the reference scripts print) and one row per item. `lynxeval score` and `lynxeval run`
 * both score through here, so a run's numbers and a re-score of its files are the same. */
#ifndef LX_SCORING_H
#define LX_SCORING_H

#include <cJSON.h>
#include <stdbool.h>

#include "scorers/vqa_accuracy.h"
#include "tasks/items.h"
#include "text/caption_tokenizer.h"

typedef enum lx_scorer_kind {
  LX_SCORER_OPEN_VQA,   /* Open-VQA matcher: correct/total per class */
  LX_SCORER_VQA,        /* VQA accuracy per answer / question type */
  LX_SCORER_CAPTION,    /* BLEU-1..4, ROUGE-L, CIDEr-D */
  LX_SCORER_MME,        /* acc, acc+, score per subtask (category), category totals */
  LX_SCORER_NONE,       /* open-ended answers: human ratings or an LLM judge score them */
  LX_SCORER_POPE,       /* POPE yes/no: accuracy, precision, recall, F1, yes-ratio per split */
  LX_SCORER_SCIENCE_QA, /* ScienceQA option letters: accuracy per subject, context, grade */
  LX_SCORER_SEED_BENCH, /* SEED-Bench option letters: accuracy per evaluation dimension */
  LX_SCORER_TEXTVQA,    /* TextVQA accuracy (EvalAI answer processing, soft VQA score) */
  LX_SCORER_GQA,        /* GQA exact match: accuracy, binary/open, per structural/semantic type */
  LX_SCORER_VIZWIZ,     /* VizWiz-VQA accuracy per answer type (the VizWiz API's evaluation) */
  LX_SCORER_MMBENCH,    /* MMBench circular accuracy per ability (OpenCompass eval_mmbench.py) */
  LX_SCORER_VIDEO_QA,   /* MSVD-QA / MSRVTT-QA exact match per question kind (lynxeval's) */
  LX_SCORER_MM_VET,     /* MM-Vet's grades, from its judge (runs/judging): each question's mean
                         * score over the runs, per capability integration; read by report and
                         * compare, never computed from answers */
} lx_scorer_kind;

const char *lx_scorer_name(lx_scorer_kind kind);
/* The kind named by lx_scorer_name; false if none. */
bool lx_scorer_parse(const char *name, lx_scorer_kind *kind);

/* What a scorer's per-item rows (scores.jsonl) hold, for statistics and reports. */
typedef struct lx_scorer_rows {
  const char *value_key;    /* the per-item score: "correct" (true/false), "accuracy" in [0, 1],
                             * "CIDEr"; NULL when the scorer has none */
  const char *category_key; /* the row's category ("class", "subtask", "split"), or NULL */
  bool binary;              /* the score is correct or not (counts and McNemar's test apply) */
  bool fraction;            /* the score is in [0, 1] and reported in percent */
} lx_scorer_rows;

const lx_scorer_rows *lx_scorer_rows_of(lx_scorer_kind kind);

typedef struct lx_scoring_options {
  lx_vqa_mode vqa_mode;                   /* LX_SCORER_VQA */
  lx_caption_tokenizer caption_tokenizer; /* LX_SCORER_CAPTION; 0 is ptb-3.4.1, pycocoevalcap's */
  /* LX_SCORER_VIZWIZ: the answers are an upload file's, scored as they are; otherwise (a run's
   * answers) each first goes through the EvalAI answer processor, as LLaVA's conversion uploads
   * it */
  bool answers_uploaded;
} lx_scoring_options;

/* Scores preds against items (at[i] is the item prediction i answers, from
 * lx_predictions_match). *aggregate is a new JSON object, *per_item a new JSON array of one
 * object per prediction (in prediction order); the caller deletes both. */
int lx_score_predictions(lx_scorer_kind kind, const lx_scoring_options *opt, const lx_items *items,
                         const lx_predictions *preds, const size_t *at, cJSON **aggregate,
                         cJSON **per_item, lx_error *err);

/* The number users look at first, from an aggregate lx_score_predictions made ("CIDEr 0.81 ...",
 * "F1 85.90 (mean of 3 splits) ..."), into buf[n]. */
void lx_score_headline(lx_scorer_kind kind, const cJSON *agg, char *buf, size_t n);

/* Caption scoring follows pycocoevalcap's COCOEvalCap: the scored images in the annotations'
 * order, all references tokenized in one call and all results in another (the tokenizer's
 * output for a caption can depend on its neighbours), then BLEU, ROUGE-L and CIDEr-D in that
 * order. Per-item rows still come in prediction order.
 *
 * The external-scorer hook for caption metrics lynxeval does not compute (METEOR 1.5 and SPICE
 * 1.0 are Java programs with large data files). Writes {"gts": {id: [references]}, "res": {id:
 * [caption]}}, tokenized by opt->caption_tokenizer (what pycocoevalcap's scorers take), to a
 * temporary file, runs `command FILE` through /bin/sh, and reads a JSON object of numbers from
 * its standard output into *metrics. Fails naming the command if it exits non-zero or prints
 * anything else. */
int lx_score_captions_external(const char *command, const lx_scoring_options *opt,
                               const lx_items *items, const lx_predictions *preds, const size_t *at,
                               cJSON **metrics, lx_error *err);

#endif
