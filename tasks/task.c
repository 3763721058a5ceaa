#include "tasks/task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "tasks/coco_caption.h"
#include "tasks/gqa.h"
#include "tasks/llava_bench.h"
#include "tasks/mm_vet.h"
#include "tasks/mmbench.h"
#include "tasks/mme.h"
#include "tasks/open_vqa.h"
#include "tasks/owleval.h"
#include "tasks/pope.h"
#include "tasks/science_qa.h"
#include "tasks/seed_bench.h"
#include "tasks/textvqa.h"
#include "tasks/video_qa.h"
#include "tasks/vizwiz.h"
#include "tasks/vqav2.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Prompt templates. The model's own conversation comes first (Lynx's is the reference's
 * "User: {question}\nBot:", LLaVA's its vicuna_v1 chat); the others are the usual variants,
 * since prompt wording moves scores (the paper's "diverse prompts" finding). */
static const lx_task_template QA_TEMPLATES[] = {
    {"model", NULL},
    {"lynx", "User: {question}\nBot:"},
    {"short-answer", "User: {question} Answer the question using a single word or phrase.\nBot:"},
    {"vicuna",
     "A chat between a curious human and an artificial intelligence assistant. The assistant "
     "gives helpful, detailed, and polite answers to the human's questions. USER: {question} "
     "ASSISTANT:"},
    {"plain", "{question}"},
};
static const lx_task_template CAPTION_TEMPLATES[] = {
    {"model", NULL},
    {"lynx", "User: {question}\nBot:"},
    {"one-sentence", "User: {question} Answer in one sentence.\nBot:"},
    {"plain", "{question}"},
};

static char *data_path(const char *data_dir, const lx_dataset *ds, int k) {
  return lx_path_join(data_dir, ds->files[k].path);
}

static int load_open_vqa(const char *data_dir, const lx_dataset *ds, lx_items *items,
                         lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_open_vqa_load(p, items, err);
  free(p);
  return rc;
}

static int load_vqav2(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  if (ds->n_files < 2)
    return lx_errorf(err, "datasets.txt: [%s] needs the questions and annotations files", ds->name);
  char *q = data_path(data_dir, ds, 0), *a = data_path(data_dir, ds, 1);
  int rc = lx_vqav2_load(q, a, items, err);
  free(q);
  free(a);
  return rc;
}

static int load_coco(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_coco_caption_load(p, ds->media_root, items, err);
  free(p);
  return rc;
}

static int load_mme(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  (void)ds;
  return lx_mme_load(data_dir, items, err);
}

static int load_owleval(const char *data_dir, const lx_dataset *ds, lx_items *items,
                        lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_owleval_load(p, ds->media_root, items, err);
  free(p);
  return rc;
}

static int load_llava_bench(const char *data_dir, const lx_dataset *ds, lx_items *items,
                            lx_error *err) {
  if (ds->n_files < 3)
    return lx_errorf(err, "datasets.txt: [%s] needs questions, answers and context files",
                     ds->name);
  char *q = data_path(data_dir, ds, 0), *a = data_path(data_dir, ds, 1),
       *c = data_path(data_dir, ds, 2);
  int rc = lx_llava_bench_load(q, a, c, ds->media_root, items, err);
  free(q);
  free(a);
  free(c);
  return rc;
}

/* POPE: every split file of the entry, in the registry's order. */
static int load_pope(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  int rc = LX_OK;
  for (int k = 0; rc == LX_OK && k < ds->n_files; k++) {
    char *p = data_path(data_dir, ds, k);
    rc = lx_pope_load(p, ds->media_root, items, err);
    free(p);
  }
  return rc ? rc : lx_items_index(items, "question", err);
}

/* ScienceQA: problems.json and pid_splits.json, the test split. */
static int load_science_qa(const char *data_dir, const lx_dataset *ds, lx_items *items,
                           lx_error *err) {
  if (ds->n_files < 2)
    return lx_errorf(err, "datasets.txt: [%s] needs problems.json and pid_splits.json", ds->name);
  char *problems = data_path(data_dir, ds, 0), *splits = data_path(data_dir, ds, 1);
  int rc = lx_science_qa_load(problems, splits, "test", true, items, err);
  free(problems);
  free(splits);
  return rc;
}

static int load_seed_bench(const char *data_dir, const lx_dataset *ds, lx_items *items,
                           lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_seed_bench_load(p, items, err);
  free(p);
  return rc;
}

/* TextVQA: the questions, and with a second file the release's OCR tokens. */
static int load_textvqa(const char *data_dir, const lx_dataset *ds, lx_items *items,
                        lx_error *err) {
  char *q = data_path(data_dir, ds, 0), *ocr = ds->n_files > 1 ? data_path(data_dir, ds, 1) : NULL;
  int rc = lx_textvqa_load(q, ocr, items, err);
  free(q);
  free(ocr);
  return rc;
}

static int load_gqa(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_gqa_load(p, items, err);
  free(p);
  return rc;
}

static int load_vizwiz(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_vizwiz_load(p, items, err);
  free(p);
  return rc;
}

/* MM-Vet: mm-vet.json, and with a second file the subset it names (bard_set.json). */
static int load_mm_vet(const char *data_dir, const lx_dataset *ds, lx_items *items, lx_error *err) {
  char *p = data_path(data_dir, ds, 0),
       *subset = ds->n_files > 1 ? data_path(data_dir, ds, 1) : NULL;
  int rc = lx_mm_vet_load(p, items, err);
  if (rc == LX_OK && subset) rc = lx_mm_vet_keep_subset(subset, items, err);
  free(p);
  free(subset);
  return rc;
}

/* MSVD-QA: the questions and youtube_mapping.txt; MSRVTT-QA: the questions alone. */
static int load_video_qa(const char *data_dir, const lx_dataset *ds, lx_items *items,
                         lx_error *err) {
  char *qa = data_path(data_dir, ds, 0), *map = ds->n_files > 1 ? data_path(data_dir, ds, 1) : NULL;
  int rc = lx_video_qa_load(qa, map, ds->media_root, items, err);
  free(qa);
  free(map);
  return rc;
}

/* MMBench: the TSV, its images in place (base64 fields of the file). */
static int load_mmbench(const char *data_dir, const lx_dataset *ds, lx_items *items,
                        lx_error *err) {
  char *p = data_path(data_dir, ds, 0);
  int rc = lx_mmbench_load(p, ds->files[0].path, items, err);
  free(p);
  return rc;
}

/* LLaVA-1.5's evaluation asks multiple-choice questions for the option's letter
 * (model_vqa_science.py --single-pred-prompt, and its MMBench and SEED files). */
static const lx_family_answer_line OPTION_LETTER[] = {
    {"llava", "\nAnswer with the option's letter from the given choices directly."},
};

static const lx_task OPEN_VQA_IMAGE = {"open-vqa-image",
                                       2,
                                       "open-vqa-image",
                                       "Open-VQA image questions, correct/total per class",
                                       LX_SCORER_OPEN_VQA,
                                       QA_TEMPLATES,
                                       COUNT(QA_TEMPLATES),
                                       NULL,
                                       NULL,
                                       0,
                                       0,
                                       load_open_vqa,
                                       false,
                                       NULL,
                                       0};
static const lx_task OPEN_VQA_VIDEO = {"open-vqa-video",
                                       2,
                                       "open-vqa-video",
                                       "Open-VQA video questions, correct/total per class",
                                       LX_SCORER_OPEN_VQA,
                                       QA_TEMPLATES,
                                       COUNT(QA_TEMPLATES),
                                       NULL,
                                       NULL,
                                       0,
                                       0,
                                       load_open_vqa,
                                       false,
                                       NULL,
                                       0};
/* Short answers: beam search, few tokens, as VQA evaluations of Lynx-era models decode. */
static const lx_task VQAV2 = {"vqav2",
                              2,
                              "vqav2-val",
                              "VQAv2, VQA accuracy (official-2017 normalization)",
                              LX_SCORER_VQA,
                              QA_TEMPLATES,
                              COUNT(QA_TEMPLATES),
                              NULL,
                              "beam",
                              5,
                              10,
                              load_vqav2,
                              true,
                              NULL,
                              0};
static const lx_task COCO_CAPTION = {"coco-caption",
                                     2,
                                     "coco-karpathy-test",
                                     "COCO-format captioning, BLEU / ROUGE-L / CIDEr-D",
                                     LX_SCORER_CAPTION,
                                     CAPTION_TEMPLATES,
                                     COUNT(CAPTION_TEMPLATES),
                                     "Write a short caption for the image.",
                                     "beam",
                                     5,
                                     30,
                                     load_coco,
                                     false,
                                     NULL,
                                     0};
static const lx_task MME = {"mme",
                            2,
                            "mme",
                            "MME yes/no subtasks, acc / acc+ / score",
                            LX_SCORER_MME,
                            QA_TEMPLATES,
                            COUNT(QA_TEMPLATES),
                            NULL,
                            "greedy",
                            0,
                            8,
                            load_mme,
                            true,
                            NULL,
                            0};
static const lx_task OWLEVAL = {"owleval",
                                2,
                                "owleval",
                                "OwlEval open-ended instructions, for human rating",
                                LX_SCORER_NONE,
                                QA_TEMPLATES,
                                COUNT(QA_TEMPLATES),
                                NULL,
                                NULL,
                                0,
                                256,
                                load_owleval,
                                false,
                                NULL,
                                0};
static const lx_task LLAVA_BENCH = {"llava-bench",
                                    2,
                                    "llava-bench-in-the-wild",
                                    "LLaVA-Bench (In-the-Wild), for an LLM judge",
                                    LX_SCORER_NONE,
                                    QA_TEMPLATES,
                                    COUNT(QA_TEMPLATES),
                                    NULL,
                                    NULL,
                                    0,
                                    256,
                                    load_llava_bench,
                                    false,
                                    NULL,
                                    0};

/* Yes/no about objects, greedy and short, as LLaVA's pope.sh runs it (temperature 0); short
 * answer: LLaVA's "Answer the question using a single word or phrase." line, InstructBLIP's
 * short-answer template. */
static const lx_task POPE = {
    "pope",
    1,
    "pope-coco",
    "POPE object hallucination: accuracy, precision, recall, F1, yes-ratio "
    "per split",
    LX_SCORER_POPE,
    QA_TEMPLATES,
    COUNT(QA_TEMPLATES),
    NULL,
    "greedy",
    0,
    8,
    load_pope,
    true,
    NULL,
    0};
/* Multiple choice read back as a letter; greedy, as LLaVA's sqa.sh (temperature 0). */
static const lx_task SCIENCE_QA_IMG = {"scienceqa-img",
                                       1,
                                       "scienceqa-img-test",
                                       "ScienceQA questions with an image, option-letter accuracy "
                                       "by subject, context and grade",
                                       LX_SCORER_SCIENCE_QA,
                                       QA_TEMPLATES,
                                       COUNT(QA_TEMPLATES),
                                       NULL,
                                       "greedy",
                                       0,
                                       16,
                                       load_science_qa,
                                       false,
                                       OPTION_LETTER,
                                       COUNT(OPTION_LETTER)};

/* Multiple choice over the image dimensions, greedy (LLaVA's seed.sh: temperature 0). */
static const lx_task SEED_BENCH_IMG = {"seed-bench-img",
                                       1,
                                       "seed-bench-img",
                                       "SEED-Bench image questions, exact-letter accuracy per "
                                       "evaluation dimension",
                                       LX_SCORER_SEED_BENCH,
                                       QA_TEMPLATES,
                                       COUNT(QA_TEMPLATES),
                                       NULL,
                                       "greedy",
                                       0,
                                       16,
                                       load_seed_bench,
                                       false,
                                       OPTION_LETTER,
                                       COUNT(OPTION_LETTER)};

/* Short answers read by the EvalAI processor; greedy, as LLaVA's textvqa.sh (temperature 0). */
static const lx_task TEXTVQA = {"textvqa",
                                1,
                                "textvqa-val",
                                "TextVQA, accuracy with the official EvalAI answer processing",
                                LX_SCORER_TEXTVQA,
                                QA_TEMPLATES,
                                COUNT(QA_TEMPLATES),
                                NULL,
                                "greedy",
                                0,
                                10,
                                load_textvqa,
                                true,
                                NULL,
                                0};

/* One word or phrase, exact match; greedy, as LLaVA's gqa.sh (temperature 0). */
static const lx_task GQA = {"gqa",
                            1,
                            "gqa-testdev-balanced",
                            "GQA test-dev balanced, exact-match accuracy per question type",
                            LX_SCORER_GQA,
                            QA_TEMPLATES,
                            COUNT(QA_TEMPLATES),
                            NULL,
                            "greedy",
                            0,
                            10,
                            load_gqa,
                            true,
                            NULL,
                            0};

/* LLaVA-1.5 asks VizWiz questions with its own two lines (the question file llava_test.jsonl that
 * scripts/v1_5/eval/vizwiz.sh reads): unanswerable questions get a word to answer with. */
static const lx_family_answer_line UNANSWERABLE_OR_SHORT[] = {
    {"llava",
     "\nWhen the provided information is insufficient, respond with 'Unanswerable'."
     "\nAnswer the question using a single word or phrase."},
};

/* Short answers, greedy, as LLaVA's vizwiz.sh (temperature 0). */
static const lx_task VIZWIZ = {"vizwiz",
                               1,
                               "vizwiz-val",
                               "VizWiz-VQA, VQA accuracy with 'unanswerable', per answer type",
                               LX_SCORER_VIZWIZ,
                               QA_TEMPLATES,
                               COUNT(QA_TEMPLATES),
                               NULL,
                               "greedy",
                               0,
                               10,
                               load_vizwiz,
                               true,
                               UNANSWERABLE_OR_SHORT,
                               COUNT(UNANSWERABLE_OR_SHORT)};

/* model_vqa_mmbench.py --single-pred-prompt --lang cn */
static const lx_family_answer_line OPTION_LETTER_CN[] = {
    {"llava", "\n请直接回答选项字母。"},
};

/* Multiple choice, every circular copy asked; greedy, as LLaVA's mmbench.sh (temperature 0). */
static const lx_task MMBENCH = {"mmbench",
                                1,
                                "mmbench-dev-en",
                                "MMBench dev (English), circular accuracy per ability",
                                LX_SCORER_MMBENCH,
                                QA_TEMPLATES,
                                COUNT(QA_TEMPLATES),
                                NULL,
                                "greedy",
                                0,
                                16,
                                load_mmbench,
                                false,
                                OPTION_LETTER,
                                COUNT(OPTION_LETTER)};
/* The Chinese questions, LLaVA's Chinese letter line (mmbench_cn.sh). */
static const lx_task MMBENCH_CN = {"mmbench-cn",
                                   1,
                                   "mmbench-dev-cn",
                                   "MMBench-CN dev (Chinese), circular accuracy per ability",
                                   LX_SCORER_MMBENCH,
                                   QA_TEMPLATES,
                                   COUNT(QA_TEMPLATES),
                                   NULL,
                                   "greedy",
                                   0,
                                   16,
                                   load_mmbench,
                                   false,
                                   OPTION_LETTER_CN,
                                   COUNT(OPTION_LETTER_CN)};

/* One-word answers about short videos, greedy and short. */
static const lx_task MSVD_QA = {"msvd-qa",
                                1,
                                "msvd-qa-test",
                                "MSVD-QA test, exact-match accuracy per question kind",
                                LX_SCORER_VIDEO_QA,
                                QA_TEMPLATES,
                                COUNT(QA_TEMPLATES),
                                NULL,
                                "greedy",
                                0,
                                10,
                                load_video_qa,
                                true,
                                NULL,
                                0};
static const lx_task MSRVTT_QA = {"msrvtt-qa",
                                  1,
                                  "msrvtt-qa-test",
                                  "MSRVTT-QA test, exact-match accuracy per question kind",
                                  LX_SCORER_VIDEO_QA,
                                  QA_TEMPLATES,
                                  COUNT(QA_TEMPLATES),
                                  NULL,
                                  "greedy",
                                  0,
                                  10,
                                  load_video_qa,
                                  true,
                                  NULL,
                                  0};

/* Open-ended answers for MM-Vet's GPT-4 grader: the question as it is, greedy, up to 1024 tokens,
 * as LLaVA-1.5's mmvet.sh asks it (model_vqa.py, temperature 0). */
static const lx_task MM_VET = {"mm-vet",
                               1,
                               "mm-vet",
                               "MM-Vet, graded by an LLM judge, per capability and integration",
                               LX_SCORER_NONE,
                               QA_TEMPLATES,
                               COUNT(QA_TEMPLATES),
                               NULL,
                               "greedy",
                               0,
                               1024,
                               load_mm_vet,
                               false,
                               NULL,
                               0};

const lx_task *const lx_tasks[] = {
    &OPEN_VQA_IMAGE, &OPEN_VQA_VIDEO, &VQAV2,          &COCO_CAPTION,   &MME,       &OWLEVAL,
    &LLAVA_BENCH,    &POPE,           &SCIENCE_QA_IMG, &SEED_BENCH_IMG, &TEXTVQA,   &GQA,
    &VIZWIZ,         &MMBENCH,        &MMBENCH_CN,     &MSVD_QA,        &MSRVTT_QA, &MM_VET};
const int lx_n_tasks = COUNT(lx_tasks);

const lx_task *lx_task_find(const char *name) {
  for (int i = 0; i < lx_n_tasks; i++)
    if (!strcmp(lx_tasks[i]->name, name)) return lx_tasks[i];
  return NULL;
}

/* The world's answers are short and certain: greedy, as its models were trained to answer, and
 * 24 tokens, which the longest world caption fits in. */
static const lx_suite WORLD = {
    "world",
    "open-vqa-image:world-open-vqa-image,open-vqa-video:world-open-vqa-"
    "video,coco-caption:world-captions,mme:world-mme,owleval:world-owleval,pope:world-pope,"
    "gqa:world-gqa,textvqa:world-textvqa,vizwiz:world-vizwiz,mmbench:world-mmbench,msvd-qa:world-"
    "msvd-qa,scienceqa-img:world-scienceqa,seed-bench-img:world-seed-bench,mm-"
    "vet:world-mm-vet",
    "greedy", 24};

const lx_suite *lx_suite_find(const char *name) {
  return !strcmp(name, WORLD.name) ? &WORLD : NULL;
}

const char *lx_task_answer_line(const lx_task *t, const char *family) {
  for (int i = 0; family && i < t->n_answer_lines; i++)
    if (!strcmp(t->answer_lines[i].family, family)) return t->answer_lines[i].line;
  return NULL;
}

const lx_task_template *lx_task_template_find(const lx_task *t, const char *name) {
  if (!name) return &t->templates[0];
  for (int i = 0; i < t->n_templates; i++)
    if (!strcmp(t->templates[i].name, name)) return &t->templates[i];
  return NULL;
}

int lx_task_load(const lx_task *t, const lx_registry *reg, const char *dataset,
                 const char *data_dir, lx_items *items, lx_error *err) {
  const char *name = dataset ? dataset : t->dataset;
  const lx_dataset *ds = lx_registry_find(reg, name);
  if (!ds) return lx_errorf(err, "no dataset '%s' in datasets.txt (see lynxeval datasets)", name);
  if (strcmp(ds->task, t->name) != 0)
    return lx_errorf(err, "dataset '%s' is for task %s, not %s", name, ds->task, t->name);
  for (int k = 0; k < ds->n_files; k++) {
    char *p = data_path(data_dir, ds, k);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    if (!ok)
      return lx_errorf(err,
                       "%s: %s is missing (dataset %s; 'lynxeval datasets check %s --data %s' "
                       "lists what is needed)",
                       data_dir, ds->files[k].path, name, name, data_dir);
  }
  int rc = t->load(data_dir, ds, items, err);
  for (size_t i = 0; rc == LX_OK && t->instruction && i < items->n; i++) {
    free(items->v[i].question);
    items->v[i].question = lx_xstrdup(t->instruction);
  }
  return rc;
}
