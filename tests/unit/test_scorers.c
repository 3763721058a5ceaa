/* The scorers against the reference scorers' own outputs (tests/scorers/vectors, made by
 * make_vectors.py running pycocoevalcap, both vqaEval.py versions, MME's calculation.py, LLaVA's
 * eval_pope.py and eval_science_qa.py), to 1e-9, plus hand-checked cases for the rules the oracles
 * cannot speak for (the "always" VQA mode, the Open-VQA matcher, the approximate PTB tokenizer).
 * Needs LX_SCORERS_DIR. */
#include <cJSON.h>
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scorers/bleu.h"
#include "scorers/cider.h"
#include "scorers/llm_judge.h"
#include "scorers/mmbench.h"
#include "scorers/mme.h"
#include "scorers/open_vqa_match.h"
#include "scorers/pope.h"
#include "scorers/rouge.h"
#include "scorers/science_qa.h"
#include "scorers/textvqa.h"
#include "scorers/video_qa.h"
#include "scorers/vizwiz.h"
#include "scorers/vqa_accuracy.h"
#include "tasks/mmbench.h"
#include "testutil.h"
#include "text/ptb_approx.h"

#define TOLERANCE 1e-9

static const char *data_dir;
static cJSON *captions, *vqa, *pope, *science_qa, *textvqa, *vizwiz, *vizwiz_val, *mmbench;
static double worst; /* largest difference seen, printed at the end */

static void expect_close(double got, double want, const char *what, size_t i) {
  double d = fabs(got - want);
  if (d > worst) worst = d;
  ck_assert_msg(d <= TOLERANCE, "%s [%zu]: %.17g, reference %.17g", what, i, got, want);
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(o, key);
  ck_assert_msg(cJSON_IsNumber(v), "missing number '%s'", key);
  return v->valuedouble;
}

/* Items of a corpus as lx_caption_item views into the JSON. */
static lx_caption_item *corpus_items(const cJSON *items, size_t *n) {
  *n = (size_t)cJSON_GetArraySize(items);
  lx_caption_item *out = calloc(*n ? *n : 1, sizeof *out);
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, items) {
    const cJSON *refs = cJSON_GetObjectItem(it, "refs");
    size_t nr = (size_t)cJSON_GetArraySize(refs);
    const char **r = calloc(nr, sizeof *r);
    for (size_t k = 0; k < nr; k++) r[k] = cJSON_GetArrayItem(refs, (int)k)->valuestring;
    out[i++] = (lx_caption_item){cJSON_GetObjectItem(it, "hyp")->valuestring, r, nr};
  }
  return out;
}

START_TEST(caption_metrics_match_pycocoevalcap) {
  const cJSON *corpus;
  int corpora = 0;
  cJSON_ArrayForEach(corpus, cJSON_GetObjectItem(captions, "corpora")) {
    size_t n;
    lx_caption_item *items = corpus_items(cJSON_GetObjectItem(corpus, "items"), &n);
    const cJSON *exp = cJSON_GetObjectItem(corpus, "expected");
    const cJSON *per = cJSON_GetObjectItem(exp, "per_item");
    double *bleu_items = calloc(4 * n, sizeof(double)), *rouge_items = calloc(n, sizeof(double));
    double *cider_items = calloc(n, sizeof(double));
    lx_bleu_result bleu;
    lx_bleu_counts *counts = calloc(n ? n : 1, sizeof *counts), total = {{0}, {0}, 0, 0};
    lx_bleu(items, n, &bleu, bleu_items, counts);
    for (size_t i = 0; i < n; i++) lx_bleu_counts_add(&total, &counts[i]);
    double from_counts[4];
    lx_bleu_from_counts(&total, from_counts);
    for (int k = 0; k < 4; k++)
      ck_assert(from_counts[k] == bleu.bleu[k]); /* same sums, same order */
    free(counts);
    double rouge = lx_rouge_l(items, n, rouge_items), cider = lx_cider_d(items, n, cider_items);
    const char *names[4] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"};
    for (int k = 0; k < 4; k++) expect_close(bleu.bleu[k], num(exp, names[k]), names[k], 0);
    expect_close(rouge, num(exp, "ROUGE_L"), "ROUGE_L", 0);
    expect_close(cider, num(exp, "CIDEr"), "CIDEr", 0);
    for (size_t i = 0; i < n; i++) {
      const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(per, "Bleu"), (int)i);
      for (int k = 0; k < 4; k++)
        expect_close(bleu_items[4 * i + k], cJSON_GetArrayItem(b, k)->valuedouble, names[k], i);
      expect_close(rouge_items[i],
                   cJSON_GetArrayItem(cJSON_GetObjectItem(per, "ROUGE_L"), (int)i)->valuedouble,
                   "ROUGE_L item", i);
      expect_close(cider_items[i],
                   cJSON_GetArrayItem(cJSON_GetObjectItem(per, "CIDEr"), (int)i)->valuedouble,
                   "CIDEr item", i);
    }
    printf("  corpus %-7s %4zu items: Bleu_4 %.6f ROUGE_L %.6f CIDEr %.6f\n", corpus->string, n,
           bleu.bleu[3], rouge, cider);
    for (size_t i = 0; i < n; i++) free((void *)items[i].refs);
    free(items);
    free(bleu_items);
    free(rouge_items);
    free(cider_items);
    corpora++;
  }
  ck_assert_int_eq(corpora, 4);
}
END_TEST

START_TEST(vqa_accuracy_matches_both_scripts) {
  const char *modes[2] = {"official-2017", "official-2021"};
  for (int m = 0; m < 2; m++) {
    lx_vqa_mode mode;
    ck_assert(lx_vqa_mode_parse(modes[m], &mode));
    const cJSON *per = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(vqa, "expected"), modes[m]), "per_question");
    const cJSON *c;
    size_t n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(vqa, "cases")) {
      const cJSON *refs = cJSON_GetObjectItem(c, "refs");
      const char *r[16];
      int nr = cJSON_GetArraySize(refs);
      for (int k = 0; k < nr; k++) r[k] = cJSON_GetArrayItem(refs, k)->valuestring;
      char key[32];
      snprintf(key, sizeof key, "%d", (int)num(c, "question_id"));
      double got =
          lx_vqa_accuracy(mode, cJSON_GetObjectItem(c, "pred")->valuestring, r, (size_t)nr);
      expect_close(got, num(per, key), modes[m], n);
      n++;
    }
    printf("  %s: %zu questions\n", modes[m], n);
  }
}
END_TEST

START_TEST(vqa_always_mode_and_rules) {
  const char *red[10] = {"red", "red", "red", "red", "red", "red", "red", "red", "red", "red"};
  ck_assert(lx_vqa_accuracy(LX_VQA_OFFICIAL_2017, "Red.", red, 10) == 1.0);
  ck_assert(lx_vqa_accuracy(LX_VQA_OFFICIAL_2021, "Red.", red, 10) == 0.0);
  ck_assert(lx_vqa_accuracy(LX_VQA_ALWAYS, "Red.", red, 10) == 1.0);
  const char *mixed[10] = {"Two", "2", "two.", "2", "3", "3", "3", "3", "3", "3"};
  /* always: every reference normalized to "2" or "3"; pred "two" -> "2" matches 4 */
  ck_assert(lx_vqa_accuracy(LX_VQA_ALWAYS, "two", mixed, 10) == 1.0);
  /* 2017: references get punctuation only ("Two", "2", "two", "2"): "2" matches 2 of them */
  ck_assert(fabs(lx_vqa_accuracy(LX_VQA_OFFICIAL_2017, "two", mixed, 10) - 0.6) < 1e-15);
  lx_strbuf b = {0};
  lx_vqa_punctuation("a, b", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "a b");
  lx_strbuf_clear(&b);
  lx_vqa_punctuation("1,000 dollars?", &b); /* digit,digit: every punctuation deleted */
  ck_assert_str_eq(lx_strbuf_str(&b), "1000 dollars");
  lx_strbuf_clear(&b);
  lx_vqa_punctuation("x-ray", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "x ray");
  lx_strbuf_clear(&b);
  lx_vqa_punctuation("3.5 vs 3. end.", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "3.5 vs 3 end");
  lx_strbuf_clear(&b);
  lx_vqa_digits_articles("The Two DOGS dont", &b);
  ck_assert_str_eq(lx_strbuf_str(&b), "2 dogs don't");
  lx_strbuf_free(&b);
  lx_vqa_mode mode;
  ck_assert(!lx_vqa_mode_parse("official", &mode));
}
END_TEST

START_TEST(mme_response_rules) {
  struct {
    const char *response;
    lx_mme_label label;
  } cases[] = {
      {"Yes", LX_MME_YES},
      {"no", LX_MME_NO},
      {"Yes, it is.", LX_MME_YES},
      {"No.", LX_MME_NO},
      {"nope", LX_MME_NO},
      {"not sure", LX_MME_NO},
      {"I think yes", LX_MME_OTHER},
      {"", LX_MME_OTHER},
      {"noyes", LX_MME_NO},
      {"yesno", LX_MME_YES},
      {"YES\n", LX_MME_YES},
      {"\xc3\x9d"
       "es yes",
       LX_MME_OTHER},
      {"Nö", LX_MME_OTHER},
      {"n o", LX_MME_OTHER},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ck_assert_msg(lx_mme_parse_response(cases[i].response) == cases[i].label, "'%s'",
                  cases[i].response);
  lx_mme_label truth[6] = {LX_MME_YES, LX_MME_NO, LX_MME_YES, LX_MME_NO, LX_MME_NO, LX_MME_YES};
  lx_mme_label pred[6] = {LX_MME_YES, LX_MME_NO, LX_MME_YES, LX_MME_OTHER, LX_MME_YES, LX_MME_YES};
  lx_mme_result r;
  lx_mme_score_subtask(truth, pred, 6, &r);
  ck_assert_uint_eq(r.correct, 4);
  ck_assert_uint_eq(r.images_both_correct, 1);
  ck_assert_uint_eq(r.other, 1);
  expect_close(r.score, 100.0 * 4 / 6 + 100.0 / 3, "score", 0);
  ck_assert_uint_eq(r.tp, 3);
  ck_assert_uint_eq(r.fp, 1);
}
END_TEST

START_TEST(open_vqa_matcher_rules) {
  struct {
    const char *pred, *ref;
    bool ok;
    lx_ovqa_rule rule;
  } cases[] = {
      {"platform", "platform or tunnel", true, LX_OVQA_ALTERNATIVE},
      {"it is a tunnel.", "platform or tunnel", true, LX_OVQA_ALTERNATIVE},
      {"a bridge", "platform or tunnel", false, LX_OVQA_NONE},
      {"Yes, the dog is driving.", "yes", true, LX_OVQA_YES_NO},
      {"no", "yes", false, LX_OVQA_YES_NO},
      {"I think yes", "yes", false, LX_OVQA_YES_NO},
      {"one", "1", true, LX_OVQA_NUMBER},
      {"There is 1 tusk.", "1", true, LX_OVQA_NUMBER},
      {"1 or 2", "1", false, LX_OVQA_NUMBER},
      {"none", "1", false, LX_OVQA_NUMBER},
      {"Elephants.", "elephants", true, LX_OVQA_EXACT},
      {"elephant", "elephants", true, LX_OVQA_EXACT},
      {"The horse is white", "white", true, LX_OVQA_CONTAINS},
      {"fresh berries for sale", "fresh berries", true, LX_OVQA_CONTAINS},
      {"berries fresh", "fresh berries", false, LX_OVQA_NONE},
      {"", "white", false, LX_OVQA_NONE},
      {"bus", "bu", false, LX_OVQA_NONE},
      {"Don't know", "dont know", true, LX_OVQA_EXACT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lx_ovqa_rule rule;
    bool ok = lx_open_vqa_match(cases[i].pred, cases[i].ref, &rule);
    ck_assert_msg(ok == cases[i].ok && rule == cases[i].rule, "'%s' vs '%s': %d by %s",
                  cases[i].pred, cases[i].ref, ok, lx_ovqa_rule_name(rule));
  }
}
END_TEST

START_TEST(ptb_approx_rules) {
  struct {
    const char *in, *out;
  } cases[] = {
      {"A man's dog, running.", "a man 's dog running"},
      {"They don't like it!", "they do n't like it"},
      {"(a) \"quoted\" word", "a quoted word"},
      {"well-known U.S. city...", "well-known u.s. city"},
      {"3.5 apples and 1,000 pears", "3.5 apples and 1,000 pears"},
      {"wait -- what?", "wait what"},
      {"line\nbreak", "line break"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lx_strbuf b = {0};
    lx_ptb_approx_tokenize(cases[i].in, &b);
    ck_assert_msg(strcmp(lx_strbuf_str(&b), cases[i].out) == 0, "'%s' -> '%s', want '%s'",
                  cases[i].in, lx_strbuf_str(&b), cases[i].out);
    lx_strbuf_free(&b);
  }
}
END_TEST

START_TEST(judge_verdict_rules) {
  double v[2];
  ck_assert(lx_judge_parse(LX_JUDGE_CORRECTNESS, "Correct.\nThe answer matches.", v) && v[0] == 1);
  ck_assert(lx_judge_parse(LX_JUDGE_CORRECTNESS, "  incorrect", v) && v[0] == 0);
  ck_assert(!lx_judge_parse(LX_JUDGE_CORRECTNESS, "correctly answered", v));
  ck_assert(!lx_judge_parse(LX_JUDGE_CORRECTNESS, "The answer is correct", v));
  ck_assert(!lx_judge_parse(LX_JUDGE_CORRECTNESS, "", v));
  ck_assert(lx_judge_parse(LX_JUDGE_PAIR_SCORES, "8 6\nreasons", v) && v[0] == 8 && v[1] == 6);
  ck_assert(lx_judge_parse(LX_JUDGE_PAIR_SCORES, "7.5, 9", v) && v[0] == 7.5 && v[1] == 9);
  ck_assert(!lx_judge_parse(LX_JUDGE_PAIR_SCORES, "11 5", v));
  ck_assert(!lx_judge_parse(LX_JUDGE_PAIR_SCORES, "8/10 6/10", v));
  ck_assert(!lx_judge_parse(LX_JUDGE_PAIR_SCORES, "8", v));
  ck_assert(!lx_judge_parse(LX_JUDGE_PAIR_SCORES, "8 6 4", v));
  lx_strbuf sys = {0}, user = {0};
  lx_judge_input in = {"What color?", "red", "It is red.", NULL};
  lx_judge_prompt(LX_JUDGE_CORRECTNESS, &in, &sys, &user);
  ck_assert(strstr(lx_strbuf_str(&user), "Reference answer: red") != NULL);
  ck_assert(strstr(lx_strbuf_str(&user), "Candidate answer: It is red.") != NULL);
  lx_strbuf_free(&sys);
  lx_strbuf_free(&user);
}
END_TEST

/* eval_pope.py rewrote each answer to "yes" or "no"; the reading here must agree on every one. */
START_TEST(pope_reading_matches_eval_pope) {
  const cJSON *a;
  size_t n = 0;
  cJSON_ArrayForEach(a, cJSON_GetObjectItem(pope, "answers")) {
    const char *text = cJSON_GetObjectItem(a, "text")->valuestring;
    bool want = !strcmp(cJSON_GetObjectItem(a, "read")->valuestring, "yes");
    ck_assert_msg(lx_pope_answer_is_yes(text) == want, "answer %s '%s': script read %s", a->string,
                  text, want ? "yes" : "no");
    n++;
  }
  ck_assert_uint_gt(n, 150);
}
END_TEST

/* What the script cannot say (it divides by zero there), and the arithmetic on a known case. */
START_TEST(pope_metrics_and_undefined_cases) {
  bool truth[6] = {true, true, true, false, false, false};
  bool said[6] = {true, false, true, true, false, false};
  lx_pope_result r;
  lx_pope_score(truth, said, 6, &r);
  ck_assert_uint_eq(r.tp, 2);
  ck_assert_uint_eq(r.fp, 1);
  ck_assert_uint_eq(r.tn, 2);
  ck_assert_uint_eq(r.fn, 1);
  expect_close(r.accuracy, 4.0 / 6, "accuracy", 0);
  expect_close(r.precision, 2.0 / 3, "precision", 0);
  expect_close(r.f1, 2.0 / 3, "f1", 0);
  expect_close(r.yes_ratio, 0.5, "yes_ratio", 0);
  bool none[3] = {false, false, false};
  lx_pope_score(truth, none, 3, &r); /* never "yes": precision is 0/0 */
  ck_assert(!r.precision_defined && r.recall_defined && !r.f1_defined);
  lx_pope_score(none, truth, 3, &r); /* no "yes" label: recall is 0/0 */
  ck_assert(r.precision_defined && !r.recall_defined && !r.f1_defined);
  expect_close(lx_pope_f1_percent(2, 1, 1), 100.0 * 2 / 3, "f1 percent", 0);
  ck_assert(lx_pope_f1_percent(0, 0, 3) == 0 && lx_pope_f1_percent(0, 2, 0) == 0);
  ck_assert(!lx_pope_answer_is_yes("There is no cat.") && lx_pope_answer_is_yes("None.") &&
            lx_pope_answer_is_yes("") && !lx_pope_answer_is_yes("Yes, not, maybe"));
}
END_TEST

/* eval_science_qa.py's reading of every answer in its vectors: the letter it parsed ("FAILED"
 * when none). */
START_TEST(science_qa_reading_matches_eval_science_qa) {
  const cJSON *a;
  size_t n = 0, rules[LX_SQA_FAILED + 1] = {0};
  cJSON_ArrayForEach(a,
                     cJSON_GetObjectItem(cJSON_GetObjectItem(science_qa, "expected"), "per_item")) {
    const char *text = cJSON_GetObjectItem(a, "text")->valuestring;
    const char *want = cJSON_GetObjectItem(a, "parsed")->valuestring;
    lx_sqa_rule rule;
    char letter = lx_sqa_parse_letter(text, &rule), got[2] = {letter, 0};
    ck_assert_msg(!strcmp(letter ? got : "FAILED", want), "answer %s '%s': script read %s, here %s",
                  a->string, text, want, letter ? got : "FAILED");
    rules[rule]++;
    n++;
  }
  ck_assert_uint_gt(n, 200);
  for (int r = 0; r <= LX_SQA_FAILED; r++)
    ck_assert_msg(rules[r] > 0, "no vector read by rule %s", lx_sqa_rule_name((lx_sqa_rule)r));
  ck_assert_int_eq(lx_sqa_choice_index('C', 3), 2);
  ck_assert_int_eq(lx_sqa_choice_index('D', 3), -1);
  ck_assert_int_eq(lx_sqa_choice_index('F', 5), -1);
  ck_assert_int_eq(lx_sqa_choice_index(0, 5), -1);
}
END_TEST

/* The EvalAI answer processor (m4c_evaluator.py) on every answer of the TextVQA vectors. */
START_TEST(evalai_processor_matches_m4c) {
  const cJSON *a;
  size_t n = 0;
  cJSON_ArrayForEach(a, cJSON_GetObjectItem(textvqa, "processed")) {
    lx_strbuf got = {0};
    lx_evalai_process(a->string, &got);
    ck_assert_msg(!strcmp(lx_strbuf_str(&got), a->valuestring), "'%s': m4c '%s', here '%s'",
                  a->string, a->valuestring, lx_strbuf_str(&got));
    lx_strbuf_free(&got);
    n++;
  }
  ck_assert_uint_gt(n, 60);
  const char *refs[10] = {"stop", "Stop", "stop sign", "STOP.", "stop",
                          "stop", "sign", "x",         "y",     "z"};
  expect_close(lx_textvqa_accuracy("stop", refs, 10), (6 * 1.0 + 4 * 1.0) / 10, "textvqa", 0);
  expect_close(lx_textvqa_accuracy("sign", refs, 10), (9 * (1.0 / 3) + 0) / 10, "textvqa", 1);
}
END_TEST

/* The VizWiz API's vqaEval.py: what it compares each uploaded answer as, and each image's score,
 * for LLaVA's converted upload and for the answers as they are; and LLaVA's conversion of every
 * answer (the EvalAI processor) into the upload. */
START_TEST(vizwiz_matches_vqaeval) {
  const char *uploads[] = {"llava", "raw"};
  size_t n = 0;
  for (int u = 0; u < 2; u++) {
    const cJSON *v = cJSON_GetObjectItem(vizwiz, uploads[u]);
    const cJSON *compared = cJSON_GetObjectItem(v, "compared");
    const cJSON *per_image = cJSON_GetObjectItem(v, "per_image");
    const cJSON *uploaded = cJSON_GetObjectItem(v, "uploaded");
    const cJSON *q;
    cJSON_ArrayForEach(q, vizwiz_val) {
      const char *image = cJSON_GetObjectItem(q, "image")->valuestring;
      const char *answer = cJSON_GetObjectItem(uploaded, image)->valuestring;
      lx_strbuf got = {0};
      lx_vizwiz_normalize(answer, &got);
      const char *want = cJSON_GetObjectItem(compared, image)->valuestring;
      ck_assert_msg(!strcmp(lx_strbuf_str(&got), want), "%s '%s': vqaEval '%s', here '%s'", image,
                    answer, want, lx_strbuf_str(&got));
      lx_strbuf_free(&got);
      const cJSON *answers = cJSON_GetObjectItem(q, "answers");
      const char *refs[16];
      size_t nr = 0;
      const cJSON *a;
      cJSON_ArrayForEach(a, answers) refs[nr++] = cJSON_GetObjectItem(a, "answer")->valuestring;
      expect_close(lx_vizwiz_accuracy(answer, refs, nr), num(per_image, image), image, n++);
    }
  }
  ck_assert_uint_eq(n, 480);
}
END_TEST

/* eval_mmbench.py's prefetch_answer on every row of the MMBench vectors (the TSV read as pandas
 * reads it, each row's prediction as LLaVA's conversion and the spreadsheet leave it). */
START_TEST(mmbench_rules_match_eval_mmbench) {
  char tsv[4096], answers[4096];
  snprintf(tsv, sizeof tsv, "%s/vectors/mmbench/mmbench_dev_en_20231003.tsv", data_dir);
  snprintf(answers, sizeof answers, "%s/vectors/mmbench/answers/llava.jsonl", data_dir);
  lx_items items = {0};
  lx_predictions preds = {0};
  lx_error err;
  size_t replaced = 0;
  ck_assert_msg(lx_mmbench_load(tsv, NULL, &items, &err) == 0, "%s", err.msg);
  ck_assert_msg(lx_mmbench_answers_load(answers, &items, &preds, &replaced, &err) == 0, "%s",
                err.msg);
  ck_assert_uint_eq(replaced, 1);
  const cJSON *prefetch = cJSON_GetObjectItem(mmbench, "prefetch");
  const cJSON *predictions = cJSON_GetObjectItem(mmbench, "predictions");
  ck_assert_uint_eq(items.n, (size_t)cJSON_GetArraySize(prefetch));
  size_t by_rule[3] = {0};
  for (size_t k = 0; k < items.n; k++) {
    const lx_item *it = &items.v[k];
    const char *want_pred = cJSON_GetObjectItem(predictions, it->id)->valuestring;
    ck_assert_msg(!strcmp(preds.v[k].text, want_pred), "row %s: prediction '%s', the script's '%s'",
                  it->id, preds.v[k].text, want_pred);
    const char *choices[4];
    for (int o = 0; o < 4; o++) choices[o] = it->refs[1 + o][0] ? it->refs[1 + o] : NULL;
    lx_mmbench_rule rule;
    char got = lx_mmbench_infer(preds.v[k].text, choices, &rule);
    const cJSON *want = cJSON_GetObjectItem(prefetch, it->id);
    char w = cJSON_IsString(want) ? want->valuestring[0] : 0;
    ck_assert_msg(got == w, "row %s '%s': the script reads %c, here %c", it->id, preds.v[k].text,
                  w ? w : '-', got ? got : '-');
    by_rule[rule]++;
  }
  ck_assert(by_rule[LX_MMBENCH_OPTION] > 100 && by_rule[LX_MMBENCH_TEXT] > 10 &&
            by_rule[LX_MMBENCH_NONE] > 50);
  lx_items_free(&items);
  lx_predictions_free(&preds);
}
END_TEST

/* Video QA's exact match, lynxeval's own rule (no official script to compare with): checked by
 * hand on each of its parts. */
START_TEST(video_qa_exact_match_rules) {
  ck_assert(lx_video_qa_exact_match("man", "man"));
  ck_assert(lx_video_qa_exact_match("Man.", "man"));     /* case, one final period */
  ck_assert(lx_video_qa_exact_match("  MAN \n", "man")); /* Python's strip */
  ck_assert(lx_video_qa_exact_match("man . ", "man"));   /* stripped again after the period */
  ck_assert(lx_video_qa_exact_match("man", " Man"));   /* the reference lowered and stripped too */
  ck_assert(!lx_video_qa_exact_match("man..", "man")); /* one period only */
  ck_assert(!lx_video_qa_exact_match("a man", "man"));
  ck_assert(!lx_video_qa_exact_match("men", "man"));
  ck_assert(!lx_video_qa_exact_match("man walking", "man"));
  ck_assert(!lx_video_qa_exact_match("", "man"));
  ck_assert(
      lx_video_qa_exact_match("\xc3\x89"
                              "COLE",
                              "\xc3\xa9"
                              "cole")); /* Unicode lower */
  ck_assert(
      lx_video_qa_exact_match("\xe3\x80\x80"
                              "man"
                              "\xe3\x80\x80",
                              "man")); /* U+3000 */
  /* Video-ChatGPT's replies the script could not read (it would ask again), and ones it reads */
  int yes;
  long score;
  ck_assert(!lx_video_qa_parse_verdict("{'pred': 'yes'}", &yes, &score));         /* no score */
  ck_assert(!lx_video_qa_parse_verdict("{'pred': 5, 'score': 1}", &yes, &score)); /* pred.lower() */
  ck_assert(!lx_video_qa_parse_verdict("{'pred': 'no', 'score': '4.8'}", &yes, &score)); /* int() */
  ck_assert(!lx_video_qa_parse_verdict("pred: yes, score: 4", &yes, &score));
  ck_assert(!lx_video_qa_parse_verdict("{'pred': 'yes', 'score': 4} and more", &yes, &score));
  ck_assert(
      !lx_video_qa_parse_verdict("{'pred': 'yes', 'score': 5e20}", &yes, &score)); /* our bound */
  ck_assert(lx_video_qa_parse_verdict("{'pred': 'Not sure', 'score': 2.9}", &yes, &score));
  ck_assert(yes == 0 && score == 2); /* "no" inside "not"; int() truncates */
  ck_assert(lx_video_qa_parse_verdict("{\"score\": \"3\", \"pred\": \"meh\"}", &yes, &score));
  ck_assert(yes == -1 && score == 3);
}
END_TEST

int main(void) {
  data_dir = getenv("LX_SCORERS_DIR");
  if (!data_dir) {
    fprintf(stderr, "test_scorers: set LX_SCORERS_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  captions = tu_load_json(data_dir, "vectors/captions.json");
  vqa = tu_load_json(data_dir, "vectors/vqa.json");
  pope = tu_load_json(data_dir, "vectors/pope.json");
  science_qa = tu_load_json(data_dir, "vectors/science_qa.json");
  textvqa = tu_load_json(data_dir, "vectors/textvqa.json");
  vizwiz = tu_load_json(data_dir, "vectors/vizwiz.json");
  vizwiz_val = tu_load_json(data_dir, "vectors/vizwiz/val.json");
  mmbench = tu_load_json(data_dir, "vectors/mmbench.json");
  if (!captions || !vqa || !pope || !science_qa || !textvqa || !vizwiz || !vizwiz_val || !mmbench)
    return EXIT_FAILURE;
  Suite *s = suite_create("scorers");
  TCase *tc = tcase_create("scorers");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, caption_metrics_match_pycocoevalcap);
  tcase_add_test(tc, vqa_accuracy_matches_both_scripts);
  tcase_add_test(tc, vqa_always_mode_and_rules);
  tcase_add_test(tc, mme_response_rules);
  tcase_add_test(tc, open_vqa_matcher_rules);
  tcase_add_test(tc, ptb_approx_rules);
  tcase_add_test(tc, judge_verdict_rules);
  tcase_add_test(tc, pope_reading_matches_eval_pope);
  tcase_add_test(tc, pope_metrics_and_undefined_cases);
  tcase_add_test(tc, science_qa_reading_matches_eval_science_qa);
  tcase_add_test(tc, evalai_processor_matches_m4c);
  tcase_add_test(tc, vizwiz_matches_vqaeval);
  tcase_add_test(tc, mmbench_rules_match_eval_mmbench);
  tcase_add_test(tc, video_qa_exact_match_rules);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1);
  printf("largest difference from the references: %.3g\n", worst);
  cJSON_Delete(captions);
  cJSON_Delete(vqa);
  cJSON_Delete(pope);
  cJSON_Delete(science_qa);
  cJSON_Delete(textvqa);
  cJSON_Delete(vizwiz);
  cJSON_Delete(vizwiz_val);
  cJSON_Delete(mmbench);
  return status;
}
