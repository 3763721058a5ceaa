/* lynxeval score: score existing predictions with the reference scorers, one JSON object out.
 *
 *   score caption   COCO-format captions: BLEU-1..4, ROUGE-L, CIDEr-D (pycocoevalcap)
 *   score vqa       VQAv2 files: VQA accuracy, overall and per answer / question type
 *   score mme       an MME results directory: acc, acc+, score per subtask, category totals
 *   score open-vqa  Open-VQA annotations + results: correct/total per class
 *   score pope      POPE split files + LLaVA-style answers: accuracy, precision, recall, F1
 *   score scienceqa ScienceQA problems + LLaVA-style answers: option-letter accuracy
 *   score seed-bench SEED-Bench.json + LLaVA-style answers: exact-letter accuracy per dimension
 *   score textvqa   TextVQA_0.5.1 + LLaVA-style answers: accuracy, EvalAI answer processing
 *   score gqa       GQA questions + LLaVA-style answers or eval.py predictions: exact match
 *   score vizwiz    VizWiz val.json + an upload file: VQA accuracy per answer type
 *   score mmbench   MMBench TSV + LLaVA-style answers: circular accuracy, rule extraction
 *
 * Reading the files is the task adapters' job (tasks/), scoring is tasks/scoring over
 * scorers/; this file only wires them and prints. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "runs/exports.h"
#include "runs/rescore.h"
#include "runs/run_dir.h"
#include "scorers/open_vqa_match.h"
#include "tasks/coco_caption.h"
#include "tasks/gqa.h"
#include "tasks/mmbench.h"
#include "tasks/mme.h"
#include "tasks/open_vqa.h"
#include "tasks/pope.h"
#include "tasks/science_qa.h"
#include "tasks/scoring.h"
#include "tasks/seed_bench.h"
#include "tasks/textvqa.h"
#include "tasks/vizwiz.h"
#include "tasks/vqav2.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Matches, scores, prints the aggregate, writes the per-item rows; frees items and preds. */
static int score_and_print(const char *cmd, int rc, lx_error *err, lx_scorer_kind kind,
                           const lx_scoring_options *opt, lx_items *items, lx_predictions *preds,
                           bool need_all, const char *per_item, const char *external) {
  size_t *at = NULL;
  cJSON *agg = NULL, *rows = NULL;
  if (!rc) rc = lx_predictions_match(preds, items, need_all, &at, err);
  if (!rc) rc = lx_score_predictions(kind, opt, items, preds, at, &agg, &rows, err);
  if (!rc && per_item) rc = lx_json_write_lines_atomic(per_item, rows, err);
  cJSON *metrics = NULL;
  if (!rc && external)
    rc = lx_score_captions_external(external, opt, items, preds, at, &metrics, err);
  if (!rc && external) {
    cJSON *x = cJSON_AddObjectToObject(agg, "external");
    cJSON_AddStringToObject(x, "command", external);
    cJSON_AddItemToObject(x, "metrics", metrics);
  }
  if (!rc) {
    char *s = cJSON_PrintUnformatted(agg);
    printf("%s\n", s);
    free(s);
  } else {
    cli_error(cmd, "%s", err->msg);
  }
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  free(at);
  lx_items_free(items);
  lx_predictions_free(preds);
  return rc ? CLI_FAIL : 0;
}

/* ---- caption ----------------------------------------------------------------------------------
 */

static const cli_command cmd_score_caption;

static int run_caption(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL, *external = NULL,
             *tokenizer = NULL;
  bool tokenized = false;
  cli_opt opts[] = {
      {"--annotations", CLI_STRING, &ann_path, "FILE",
       "COCO caption annotations (images, annotations)", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE", "results: [{\"image_id\", \"caption\"}]", 0, 0,
       0},
      {"--caption-tokenizer", CLI_STRING, &tokenizer, "NAME",
       LX_CAPTION_TOKENIZER_NAMES " (default ptb-3.4.1, pycocoevalcap's own)", 0, 0, 0},
      {"--tokenized", CLI_FLAG, &tokenized, NULL,
       "the captions are tokenized already (the same as --caption-tokenizer none)", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-image scores (JSON Lines)", 0,
       0, 0},
      {"--external-scorer", CLI_STRING, &external, "CMD",
       "also run CMD FILE for METEOR, SPICE, ... (see below)", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_caption, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_caption.name, "--annotations and --results are required");
    return CLI_USAGE;
  }
  lx_scoring_options opt = {.caption_tokenizer = LX_CAPTION_PTB};
  if (tokenizer && !lx_caption_tokenizer_parse(tokenizer, &opt.caption_tokenizer)) {
    cli_error(cmd_score_caption.name, "--caption-tokenizer: '%s' is not one of %s", tokenizer,
              LX_CAPTION_TOKENIZER_NAMES);
    return CLI_USAGE;
  }
  if (tokenized && tokenizer && opt.caption_tokenizer != LX_CAPTION_PRETOKENIZED) {
    cli_error(cmd_score_caption.name,
              "--tokenized says the captions need no tokenizer, but "
              "--caption-tokenizer names one");
    return CLI_USAGE;
  }
  if (tokenized) opt.caption_tokenizer = LX_CAPTION_PRETOKENIZED;
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_coco_caption_load(ann_path, NULL, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--results", NULL, &err);
  if (!rc) rc = lx_coco_caption_results_load(res_path, &preds, &err);
  /* a subset of the images is scored, as in pycocoevalcap */
  return score_and_print(cmd_score_caption.name, rc, &err, LX_SCORER_CAPTION, &opt, &items, &preds,
                         false, per_item, external);
}

static const cli_command cmd_score_caption = {
    "score caption",
    "BLEU-1..4, ROUGE-L, CIDEr-D of COCO-format captions",
    "score caption --annotations COCO.json --results RESULTS.json [--caption-tokenizer NAME]\n"
    "       [--tokenized] [--per-item FILE] [--external-scorer CMD]",
    "Exactly pycocoevalcap's Bleu(4), Rouge and Cider, as its COCOEvalCap runs them: the captions\n"
    "tokenized first by the Stanford PTB tokenizer 3.4.1 as pycocoevalcap runs it (lynxeval's own\n"
    "exact reproduction, ptb-3.4.1: no Java needed), all references in one call and all results\n"
    "in another, the images in the annotations' order. ptb-approx-1 is lynxeval's earlier\n"
    "approximation, for comparison with results made with it; none (or --tokenized) takes the\n"
    "captions as tokenized already. The output names the tokenizer. The scored images are those\n"
    "in the results (a subset is allowed, as in pycocoevalcap; CIDEr-D's document frequencies\n"
    "then come from that subset).\n\n"
    "METEOR and SPICE are not computed (Java programs with large data files). --external-scorer\n"
    "CMD runs `CMD FILE` through /bin/sh, where FILE holds {\"gts\": {id: [references]}, \"res\":\n"
    "{id: [caption]}} tokenized as above (what pycocoevalcap's scorers take), and adds the JSON\n"
    "object of numbers CMD prints under \"external\", with the command, so nothing is mistaken\n"
    "for lynxeval's own.",
    run_caption,
};

/* ---- vqa --------------------------------------------------------------------------------------
 */

static const cli_command cmd_score_vqa;

static int run_vqa(int argc, char **argv) {
  const char *q_path = NULL, *a_path = NULL, *res_path = NULL, *mode_name = "official-2017",
             *per_item = NULL;
  cli_opt opts[] = {
      {"--questions", CLI_STRING, &q_path, "FILE", "v2_OpenEnded_mscoco_*_questions.json", 0, 0, 0},
      {"--annotations", CLI_STRING, &a_path, "FILE", "v2_mscoco_*_annotations.json", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE", "results: [{\"question_id\", \"answer\"}]", 0, 0,
       0},
      {"--normalize", CLI_STRING, &mode_name, "MODE",
       "official-2017 (default), official-2021 or always", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question accuracy (JSON Lines)",
       0, 0, 0},
  };
  const char *name = cmd_score_vqa.name;
  int rc = cli_parse(&cmd_score_vqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  lx_scoring_options opt = {0};
  if (!q_path || !a_path || !res_path) {
    cli_error(name, "--questions, --annotations and --results are required");
    return CLI_USAGE;
  }
  if (!lx_vqa_mode_parse(mode_name, &opt.vqa_mode)) {
    cli_error(name, "--normalize: '%s' is not one of official-2017, official-2021, always",
              mode_name);
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_vqav2_load(q_path, a_path, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--results", NULL, &err);
  if (!rc) rc = lx_vqav2_results_load(res_path, &preds, &err);
  /* every question needs its answer, as the script demands */
  return score_and_print(name, rc, &err, LX_SCORER_VQA, &opt, &items, &preds, true, per_item, NULL);
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

/* ---- mme --------------------------------------------------------------------------------------
 */

static const cli_command cmd_score_mme;

static int run_mme(int argc, char **argv) {
  const char *dir = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--dir", CLI_STRING, &dir, "DIR", "results directory: <subtask>.txt with a response column",
       0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_mme, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!dir) {
    cli_error(cmd_score_mme.name, "--dir is required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_mme_results_load(dir, &items, &preds, &err);
  lx_scoring_options opt = {0};
  return score_and_print(cmd_score_mme.name, rc, &err, LX_SCORER_MME, &opt, &items, &preds, true,
                         per_item, NULL);
}

static const cli_command cmd_score_mme = {
    "score mme",
    "MME acc, acc+ and score per subtask, perception and cognition totals",
    "score mme --dir DIR [--per-item FILE]",
    "DIR holds the official calculation script's input: <subtask>.txt for each of the 14\n"
    "subtasks, lines \"image<TAB>question<TAB>Yes|No<TAB>response\", an image's two questions on\n"
    "consecutive lines. Missing subtasks are listed; a category total (Perception, max 2000;\n"
    "Cognition, max 800) is null unless all its subtasks are present.",
    run_mme,
};

/* ---- open-vqa ---------------------------------------------------------------------------------
 */

static const cli_command cmd_score_open_vqa;

static int run_open_vqa(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotations", CLI_STRING, &ann_path, "FILE",
       "Open_VQA_images.jsonl or Open_VQA_videos.jsonl", 0, 0, 0},
      {"--results", CLI_STRING, &res_path, "FILE",
       "JSON Lines {\"index\", \"text_output\"}, or a run's open-vqa-*/predictions.jsonl", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_open_vqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_open_vqa.name, "--annotations and --results are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_open_vqa_load(ann_path, &items, &err);
  /* a run's own predictions.jsonl is read as results; its other files are not results */
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--results", LX_RUN_PREDICTIONS, &err);
  if (!rc) rc = lx_open_vqa_results_load(res_path, &preds, &err);
  lx_scoring_options opt = {0};
  return score_and_print(cmd_score_open_vqa.name, rc, &err, LX_SCORER_OPEN_VQA, &opt, &items,
                         &preds, true, per_item, NULL);
}

static const cli_command cmd_score_open_vqa = {
    "score open-vqa",
    "correct/total per class of Open-VQA results",
    "score open-vqa --annotations FILE.jsonl --results RESULTS.jsonl [--per-item FILE]",
    "Each answer is judged by lynxeval's deterministic matcher (" LX_OPEN_VQA_MATCHER
    "; every\n"
    "rule is in scorers/open_vqa_match.h): yes/no by the first word, numbers by the numbers\n"
    "given, otherwise same words, an alternative of \"X or Y\", or the reference's words inside\n"
    "the answer. Results use the reference's output rows {\"index\", \"text_output\"}, or a\n"
    "lynxeval run's own predictions.jsonl (its id is the annotation's index); every question\n"
    "needs exactly one.\n"
    "\n"
    "example: lynxeval score open-vqa --annotations datasets/world/test/Open_VQA_images.jsonl\n"
    "         --results lynxeval-runs/world-pt/open-vqa-image/predictions.jsonl",
    run_open_vqa,
};

/* ---- pope -------------------------------------------------------------------------------------
 */

static const cli_command cmd_score_pope;

static int run_pope(int argc, char **argv) {
  const char *ann_dir = NULL, *q_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotation-dir", CLI_STRING, &ann_dir, "DIR",
       "the split files coco_pope_{random,popular,adversarial}.json", 0, 0, 0},
      {"--question-file", CLI_STRING, &q_path, "FILE",
       "JSON Lines {\"question_id\", \"category\"} (llava_pope_test.jsonl)", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE", "JSON Lines {\"question_id\", \"text\"}", 0,
       0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_pope, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_dir || !q_path || !res_path) {
    cli_error(cmd_score_pope.name,
              "--annotation-dir, --question-file and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_pope_llava_results_load(ann_dir, q_path, res_path, &items, &preds, &err);
  lx_scoring_options opt = {0};
  return score_and_print(cmd_score_pope.name, rc, &err, LX_SCORER_POPE, &opt, &items, &preds, false,
                         per_item, NULL);
}

static const cli_command cmd_score_pope = {
    "score pope",
    "POPE accuracy, precision, recall, F1 and yes-ratio per split",
    "score pope --annotation-dir DIR --question-file FILE --result-file FILE [--per-item FILE]",
    "LLaVA's llava/eval/eval_pope.py, with its arguments: every file in DIR is a split\n"
    "(..._pope_<split>.json), the question file gives each question_id its split (\"category\"),\n"
    "and each split's answers, in the result file's order, are paired with the split file's\n"
    "questions in order. An answer is \"no\" when its first sentence (commas removed) has the "
    "word\n"
    "No, not or no, else \"yes\". Per split: TP, FP, TN, FN, accuracy, precision, recall, F1 and\n"
    "yes_ratio, unrounded; null where the script would divide by zero. f1_mean_of_splits is what\n"
    "LLaVA-1.5 reports as POPE. A split with more answers than questions is refused.",
    run_pope,
};

/* ---- scienceqa --------------------------------------------------------------------------------
 */

static const cli_command cmd_score_science_qa;

static int run_science_qa(int argc, char **argv) {
  const char *base = NULL, *res_path = NULL, *split = "test", *per_item = NULL;
  bool all_questions = false;
  cli_opt opts[] = {
      {"--base-dir", CLI_STRING, &base, "DIR", "the folder with problems.json and pid_splits.json",
       0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE", "JSON Lines {\"question_id\", \"text\"}", 0,
       0, 0},
      {"--split", CLI_STRING, &split, "NAME", "the split of pid_splits.json (default test)", 0, 0,
       0},
      {"--all-questions", CLI_FLAG, &all_questions, NULL,
       "score the questions without an image too (the whole of ScienceQA)", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_science_qa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!base || !res_path) {
    cli_error(cmd_score_science_qa.name, "--base-dir and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions all = {0}, preds = {0};
  char *problems = lx_path_join(base, "problems.json"),
       *splits = lx_path_join(base, "pid_splits.json");
  rc = lx_science_qa_load(problems, splits, split, !all_questions, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_predictions_load_jsonl(res_path, "question_id", "text", &all, &err);
  /* the questions without an image are not ScienceQA-IMG's; the script leaves them out of its
   * IMG-Accuracy too */
  if (!rc) lx_predictions_keep_items(&all, &items, &preds);
  lx_predictions_free(&all);
  free(problems);
  free(splits);
  lx_scoring_options opt = {0};
  /* all questions: the script counts an unanswered one wrong in its Accuracy, so every one needs
   * its answer here */
  return score_and_print(cmd_score_science_qa.name, rc, &err, LX_SCORER_SCIENCE_QA, &opt, &items,
                         &preds, all_questions, per_item, NULL);
}

static const cli_command cmd_score_science_qa = {
    "score scienceqa",
    "ScienceQA-IMG option-letter accuracy, by subject, context and grade",
    "score scienceqa --base-dir DIR --result-file FILE [--split test] [--per-item FILE]",
    "LLaVA's llava/eval/eval_science_qa.py, with its arguments, over the questions with an image:\n"
    "an answer names an option when it is a letter A-E, starts with \"X. \", or has \"The answer\n"
    "is X.\" exactly once; anything else, and a letter past the choices, is wrong. accuracy is\n"
    "the script's IMG-Accuracy (the ScienceQA-IMG number); answers_by_rule counts how each answer\n"
    "was read. breakdown is the ScienceQA release's tools/evaluate_acc.py table over the same\n"
    "questions, rounded as it prints it (breakdown_unrounded has the full values; null where it\n"
    "would divide by zero). Answers to questions without an image are ignored, and unanswered\n"
    "questions left out, as the script leaves them out of IMG-Accuracy. With --all-questions\n"
    "every question of the split is scored and needs its answer; accuracy is then the script's\n"
    "Accuracy.",
    run_science_qa,
};

/* ---- seed-bench -------------------------------------------------------------------------------
 */

static const cli_command cmd_score_seed_bench;

static int run_seed_bench(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotation-file", CLI_STRING, &ann_path, "FILE", "SEED-Bench.json", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE", "JSON Lines {\"question_id\", \"text\"}", 0,
       0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_seed_bench, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_seed_bench.name, "--annotation-file and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t not_found = 0;
  rc = lx_seed_bench_load(ann_path, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_seed_bench_results_load(res_path, &items, &preds, &not_found, &err);
  if (!rc && not_found)
    fprintf(stderr,
            "%s: %zu answers answer no image question as the script looks them up (video "
            "questions, or a question_id given as a string where the question's is a number)\n",
            cmd_score_seed_bench.name, not_found);
  lx_scoring_options opt = {0};
  /* an unanswered question counts wrong, as the script counts it */
  return score_and_print(cmd_score_seed_bench.name, rc, &err, LX_SCORER_SEED_BENCH, &opt, &items,
                         &preds, false, per_item, NULL);
}

static const cli_command cmd_score_seed_bench = {
    "score seed-bench",
    "SEED-Bench image accuracy per evaluation dimension",
    "score seed-bench --annotation-file SEED-Bench.json --result-file FILE [--per-item FILE]",
    "LLaVA's scripts/convert_seed_for_submission.py, with its arguments, over the image questions\n"
    "(its \"image accuracy\", LLaVA-1.5's SEED-IMG): an answer is right only when its text is the\n"
    "answer letter alone. accuracy and each dimension's are unrounded; *_rounded as the script\n"
    "prints them. An answer is looked up as the script looks it up: by its question_id's JSON\n"
    "value, so \"101669\" (a string) does not answer question 101669; a later answer replaces an\n"
    "earlier one. Unanswered questions count wrong (unanswered says how many), and answers that\n"
    "answer no image question are counted on stderr.",
    run_seed_bench,
};

/* ---- textvqa ----------------------------------------------------------------------------------
 */

static const cli_command cmd_score_textvqa;

static int run_textvqa(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotation-file", CLI_STRING, &ann_path, "FILE", "TextVQA_0.5.1_val.json", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE",
       "JSON Lines {\"question_id\" (the image_id), \"prompt\", \"text\"}", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question accuracy (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_textvqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_textvqa.name, "--annotation-file and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_textvqa_load(ann_path, NULL, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_textvqa_results_load(res_path, &items, &preds, &err);
  lx_scoring_options opt = {0};
  return score_and_print(cmd_score_textvqa.name, rc, &err, LX_SCORER_TEXTVQA, &opt, &items, &preds,
                         false, per_item, NULL);
}

static const cli_command cmd_score_textvqa = {
    "score textvqa",
    "TextVQA accuracy with the official EvalAI answer processing",
    "score textvqa --annotation-file TextVQA_0.5.1_val.json --result-file FILE [--per-item FILE]",
    "LLaVA's llava/eval/eval_textvqa.py, with its arguments: each result is matched to the\n"
    "question of its image (question_id holds the image_id) that its prompt holds, and scored by\n"
    "MMF's TextVQAAccuracyEvaluator (m4c_evaluator.py): prediction and the ten answers all go\n"
    "through the EvalAI answer processor (lower case, ',' and '?' removed, \"'s\" split off, the\n"
    "VQA punctuation, number, article and contraction rules), then the soft VQA score. accuracy\n"
    "is 100 times the mean over the results; accuracy_rounded as the script prints it. A result\n"
    "the script could not match, or a question answered twice, is refused naming the line.",
    run_textvqa,
};

/* ---- mmbench ----------------------------------------------------------------------------------
 */

static const cli_command cmd_score_mmbench;

static int run_mmbench(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotation-file", CLI_STRING, &ann_path, "FILE",
       "the release's TSV (mmbench_dev_en_20231003.tsv, ...)", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE",
       "LLaVA's answers: JSON Lines {\"question_id\" (the index), \"text\"}", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE",
       "also write each question's verdict (JSON Lines)", 0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_mmbench, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_mmbench.name, "--annotation-file and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  size_t replaced = 0;
  rc = lx_mmbench_load(ann_path, NULL, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_mmbench_answers_load(res_path, &items, &preds, &replaced, &err);
  if (!rc && replaced)
    fprintf(stderr,
            "lynxeval score mmbench: %zu answers replaced by a later one for the same index (the "
            "conversion keeps the last)\n",
            replaced);
  lx_scoring_options opt = {0};
  return score_and_print(cmd_score_mmbench.name, rc, &err, LX_SCORER_MMBENCH, &opt, &items, &preds,
                         true, per_item, NULL);
}

static const cli_command cmd_score_mmbench = {
    "score mmbench",
    "MMBench circular accuracy per ability, the rules of the official evaluation",
    "score mmbench --annotation-file mmbench_dev_en_20231003.tsv --result-file answers.jsonl "
    "[--per-item FILE]",
    "LLaVA-1.5's pipeline with MMBench's own evaluation: convert_mmbench_for_submission.py puts\n"
    "each row's last answer beside it (a row without one reads \"nan\"), then OpenCompass's\n"
    "tools/eval_mmbench.py maps each answer to a letter: a lone letter A-E (not when \"A\" is one\n"
    "of more than three words), else exactly one letter in a form such as \"B.\" \"(C)\" \":D\",\n"
    "else the one option whose text the answer contains. A question (index below 1000000) is\n"
    "right when each of its circular copies (index + k * 1000000) maps to its own answer, wrong\n"
    "when one maps to another letter. Where neither holds the script asks gpt-3.5-turbo; here\n"
    "the question is undecided, counted apart (undecided) and not right in accuracy;\n"
    "accuracy_decided is over the decided questions, accuracy_if_undecided_right the most a\n"
    "judge could make of it. Per l2-category and category, names sorted as the script sorts\n"
    "them. --per-item rows: id, correct, undecided, copies, l2_category, category.",
    run_mmbench,
};

/* ---- vizwiz -----------------------------------------------------------------------------------
 */

static const cli_command cmd_score_vizwiz;

static int run_vizwiz(int argc, char **argv) {
  const char *ann_path = NULL, *res_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--annotation-file", CLI_STRING, &ann_path, "FILE", "the release's val.json", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE",
       "the upload file: a JSON list of {\"image\", \"answer\"}", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question accuracy (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_vizwiz, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!ann_path || !res_path) {
    cli_error(cmd_score_vizwiz.name, "--annotation-file and --result-file are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_vizwiz_load(ann_path, &items, &err);
  if (!rc) rc = lx_export_instead_of_run_file(res_path, "--result-file", NULL, &err);
  if (!rc) rc = lx_predictions_load_json_list(res_path, "image", "answer", &preds, &err);
  lx_scoring_options opt = {.answers_uploaded = true};
  return score_and_print(cmd_score_vizwiz.name, rc, &err, LX_SCORER_VIZWIZ, &opt, &items, &preds,
                         true, per_item, NULL);
}

static const cli_command cmd_score_vizwiz = {
    "score vizwiz",
    "VizWiz-VQA accuracy per answer type, as the VizWiz evaluation server scores uploads",
    "score vizwiz --annotation-file val.json --result-file upload.json [--per-item FILE]",
    "The VizWiz API's vqaEvaluation/vqaEval.py on an upload file (what LLaVA's\n"
    "scripts/convert_vizwiz_for_submission.py writes, and a run's vizwiz/upload.json): each\n"
    "answer stripped, then VQA's punctuation, number and article rules and VizWiz's contraction\n"
    "table (typographic apostrophes); the ten answers of the annotations compared as written.\n"
    "Accuracy = mean over the ten of min(1, matches among the other nine / 3). overall and\n"
    "perAnswerType (other, yes/no, number, unanswerable) are rounded to two decimals as the\n"
    "script reports them; \"unrounded\" has the full values. Every annotated image needs exactly\n"
    "one answer. The unanswerability metrics (average precision, F1) need each answer's\n"
    "answerable probability, which generated answers do not have: not computed.",
    run_vizwiz,
};

/* ---- gqa --------------------------------------------------------------------------------------
 */

static const cli_command cmd_score_gqa;

static int run_gqa(int argc, char **argv) {
  const char *q_path = NULL, *res_path = NULL, *pred_path = NULL, *per_item = NULL;
  cli_opt opts[] = {
      {"--questions", CLI_STRING, &q_path, "FILE", "testdev_balanced_questions.json", 0, 0, 0},
      {"--result-file", CLI_STRING, &res_path, "FILE",
       "LLaVA's answers: JSON Lines {\"question_id\", \"text\"}", 0, 0, 0},
      {"--predictions", CLI_STRING, &pred_path, "FILE",
       "or eval.py's input: [{\"questionId\", \"prediction\"}]", 0, 0, 0},
      {"--per-item", CLI_STRING, &per_item, "FILE", "also write per-question verdicts (JSON Lines)",
       0, 0, 0},
  };
  int rc = cli_parse(&cmd_score_gqa, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!q_path || !res_path == !pred_path) {
    cli_error(cmd_score_gqa.name,
              "--questions and one of --result-file and --predictions are required");
    return CLI_USAGE;
  }
  lx_error err;
  lx_items items = {0};
  lx_predictions preds = {0};
  rc = lx_gqa_load(q_path, &items, &err);
  if (!rc)
    rc = lx_export_instead_of_run_file(res_path ? res_path : pred_path,
                                       res_path ? "--result-file" : "--predictions", NULL, &err);
  if (!rc)
    rc = lx_gqa_results_load(res_path ? res_path : pred_path, pred_path != NULL, &items, &preds,
                             &err);
  lx_scoring_options opt = {0};
  /* eval.py stops when a balanced question has no prediction */
  return score_and_print(cmd_score_gqa.name, rc, &err, LX_SCORER_GQA, &opt, &items, &preds, true,
                         per_item, NULL);
}

static const cli_command cmd_score_gqa = {
    "score gqa",
    "GQA exact-match accuracy, binary and open, per structural and semantic type",
    "score gqa --questions testdev_balanced_questions.json (--result-file FILE | --predictions "
    "FILE)\n"
    "       [--per-item FILE]",
    "LLaVA-1.5's pipeline: scripts/convert_gqa_for_eval.py makes each answer a prediction\n"
    "(trailing periods removed, lowercased) and GQA's eval.py counts a balanced question right\n"
    "when it equals the answer exactly. --result-file takes LLaVA's answer file; --predictions\n"
    "the converted file (converting it again changes nothing). accuracy, binary, open and each\n"
    "type's accuracy are unrounded percentages; every balanced question needs its answer, as\n"
    "eval.py requires. Validity and plausibility need the choices file test-dev lacks; the\n"
    "distribution, steps and consistency metrics are not computed (listed under not_computed).",
    run_gqa,
};

/* ---- a run directory ------------------------------------------------------------------------ */

static const cli_command cmd_score_run;

static int run_rundir(int argc, char **argv) {
  const char *data = NULL, *task = NULL, *mode_name = "official-2017", *tokenizer = NULL;
  cli_opt opts[] = {
      {"--data", CLI_STRING, &data, "DIR", "the data root the run read (as for lynxeval run)", 0, 0,
       0},
      {"--task", CLI_STRING, &task, "TASK", "only this task of the run", 0, 0, 0},
      {"--normalize", CLI_STRING, &mode_name, "MODE",
       "VQA: official-2017 (default), official-2021 or always", 0, 0, 0},
      {"--caption-tokenizer", CLI_STRING, &tokenizer, "NAME",
       "captions: " LX_CAPTION_TOKENIZER_NAMES " (default ptb-3.4.1)", 0, 0, 0},
  };
  const char *name = cmd_score_run.name;
  /* argv[0] is the run directory */
  int rc = cli_parse(&cmd_score_run, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!data) {
    cli_error(name, "--data is required: the data root the run read");
    return CLI_USAGE;
  }
  lx_scoring_options opt = {.caption_tokenizer = LX_CAPTION_PTB};
  if (!lx_vqa_mode_parse(mode_name, &opt.vqa_mode)) {
    cli_error(name, "--normalize: '%s' is not one of official-2017, official-2021, always",
              mode_name);
    return CLI_USAGE;
  }
  if (tokenizer && !lx_caption_tokenizer_parse(tokenizer, &opt.caption_tokenizer)) {
    cli_error(name, "--caption-tokenizer: '%s' is not one of %s", tokenizer,
              LX_CAPTION_TOKENIZER_NAMES);
    return CLI_USAGE;
  }
  lx_error err;
  cJSON *out = NULL;
  if (lx_run_rescore(argv[0], data, task, &opt, &out, &err)) {
    cli_error(name, "%s", err.msg);
    return CLI_FAIL;
  }
  char *text = cJSON_Print(out);
  printf("%s\n", text);
  free(text);
  cJSON_Delete(out);
  return CLI_OK;
}

static const cli_command cmd_score_run = {
    "score",
    "score a finished run again from its predictions",
    "score RUNDIR --data DIR [--task TASK] [--normalize MODE] [--caption-tokenizer NAME]",
    "Scores every task of the run (or --task) from its predictions.jsonl with this lynxeval's\n"
    "scorers, over the items the run scored, against the annotations under --data, which must\n"
    "be the files the run hashed. Prints {task: {dataset, items, aggregate, matches_run}}, where\n"
    "matches_run tells whether the aggregate equals the run's own aggregate.json. The run\n"
    "directory is only read. Tasks that people or a judge score are skipped unless named.",
    run_rundir,
};

/* ---- dispatch ---------------------------------------------------------------------------------
 */

static const cli_command *const scorers[] = {
    &cmd_score_caption, &cmd_score_vqa,        &cmd_score_mme,        &cmd_score_open_vqa,
    &cmd_score_pope,    &cmd_score_science_qa, &cmd_score_seed_bench, &cmd_score_textvqa,
    &cmd_score_gqa,     &cmd_score_vizwiz,     &cmd_score_mmbench};

static void usage(FILE *f) {
  fprintf(f,
          "usage: lynxeval score <benchmark> [options]\n"
          "       lynxeval score RUNDIR --data DIR [options]  (a run scored again; RUNDIR --help)\n"
          "\nbenchmarks:\n");
  for (size_t i = 0; i < sizeof scorers / sizeof scorers[0]; i++)
    fprintf(f, "  %-10s %s\n", scorers[i]->name + strlen("score "), scorers[i]->summary);
  fprintf(f,
          "\nEach prints one JSON object with the metrics. 'lynxeval score <benchmark> --help'\n"
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
    if (strcmp(argv[1], scorers[i]->name + strlen("score ")) == 0)
      return scorers[i]->run(argc - 1, argv + 1);
  struct stat st;
  if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode)) return run_rundir(argc - 1, argv + 1);
  fprintf(stderr,
          "lynxeval score: unknown benchmark '%s' (caption, vqa, mme, open-vqa, pope, scienceqa, "
          "seed-bench, textvqa, gqa, vizwiz, mmbench), and not a run directory\n",
          argv[1]);
  return CLI_USAGE;
}

const cli_command cmd_score = {
    "score",
    "score predictions with the reference scorers (caption, vqa, mme, open-vqa, pope, scienceqa, "
    "seed-bench, textvqa, gqa, vizwiz, mmbench)",
    "score <caption|vqa|mme|open-vqa|pope|scienceqa|seed-bench|textvqa|gqa|vizwiz|mmbench> "
    "[options] | "
    "score RUNDIR --data DIR",
    NULL,
    run,
};
