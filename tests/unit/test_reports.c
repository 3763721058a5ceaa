/* reports/ on hand-made run directories, against closed forms: the comparison's checks (the
 * same items, the same settings) and its exact McNemar row, the accuracy interval, and the
 * human-evaluation package's base64 (RFC 4648's vectors) and PNG encoder (decoded back by
 * media/). */
#include <cJSON.h>
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "media/image.h"
#include "reports/compare.h"
#include "reports/png_write.h"
#include "reports/run_data.h"
#include "reports/uncertainty.h"
#include "runs/run_dir.h"
#include "testutil.h"

static char *dir;
static void setup(void) {
  dir = tu_tempdir();
}
static void teardown(void) {
  tu_rmtree(dir);
}

/* Writes ROOT/<run>/<task>/<name>. */
static void put(const char *run, const char *task, const char *name, const char *text) {
  char *r = lx_path_join(dir, run), *d = lx_path_join(r, task);
  lx_error err;
  ck_assert(lx_make_dirs(d, &err) == LX_OK);
  free(tu_write(d, name, text, strlen(text)));
  free(d);
  free(r);
}

/* An Open-VQA run: items "1".."n" on images x.png (odd ids) and y.png (even ids), correct as
 * the string says ('1' or '0' per item), decoded as `decoding` says. */
static void open_vqa_run(const char *run, const char *correct, const char *decoding) {
  const char *task = "open-vqa-image";
  char fp[256];
  snprintf(fp, sizeof fp,
           "{\"task\": {\"name\": \"open-vqa-image\", \"scorer\": \"open-vqa\"}, \"model\": "
           "{\"dir\": \"%s\"}, \"decoding\": {\"strategy\": \"%s\"}}",
           run, decoding);
  put(run, task, LX_RUN_FINGERPRINT, fp);
  put(run, task, LX_RUN_AGGREGATE, "{}");
  lx_strbuf preds = {0}, scores = {0};
  for (size_t i = 0; correct[i]; i++) {
    lx_strbuf_printf(&preds, "{\"id\": \"%zu\", \"answer\": \"a\", \"media\": \"images/%s.png\"}\n",
                     i + 1, i % 2 ? "y" : "x");
    lx_strbuf_printf(&scores, "{\"id\": \"%zu\", \"correct\": %s, \"class\": \"Color\"}\n", i + 1,
                     correct[i] == '1' ? "true" : "false");
  }
  put(run, task, LX_RUN_PREDICTIONS, lx_strbuf_str(&preds));
  put(run, task, LX_RUN_SCORES, lx_strbuf_str(&scores));
  lx_strbuf_free(&preds);
  lx_strbuf_free(&scores);
}

static void load(const char *run, lx_task_scores *t) {
  char *r = lx_path_join(dir, run);
  lx_error err;
  ck_assert_msg(lx_task_scores_load(r, "open-vqa-image", t, &err) == LX_OK, "%s", err.msg);
  free(r);
}

/* The task's overall accuracy row of a comparison or an uncertainty report. */
static const cJSON *overall_row(const cJSON *rows) {
  const cJSON *row;
  cJSON_ArrayForEach(row, rows) {
    const cJSON *cat = cJSON_GetObjectItem(row, "category");
    if (cJSON_IsString(cat) && cat->valuestring[0] == '\0') return row;
  }
  ck_abort_msg("no overall row");
  return NULL;
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItem(o, key);
  ck_assert_msg(cJSON_IsNumber(v), "no number '%s'", key);
  return v->valuedouble;
}

START_TEST(compare_refuses_different_items_and_settings) {
  open_vqa_run("a", "1100", "greedy");
  open_vqa_run("b", "110", "greedy");
  open_vqa_run("c", "1111", "beam");
  lx_task_scores a, b, c;
  load("a", &a), load("b", &b), load("c", &c);
  lx_error err;
  ck_assert_int_eq(lx_compare_check(&a, &b, false, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "1 only in A (first: 4), 0 only in B") != NULL, "%s", err.msg);
  ck_assert_int_eq(lx_compare_check(&a, &c, false, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "decoding") != NULL && strstr(err.msg, "beam") != NULL, "%s",
                err.msg);
  ck_assert_msg(lx_compare_check(&a, &c, true, &err) == LX_OK, "%s", err.msg);
  lx_task_scores_free(&a), lx_task_scores_free(&b), lx_task_scores_free(&c);
}
END_TEST

/* A answers items 1 and 2, B all four: B alone is right twice and A alone never, so the exact
 * McNemar test gives p = 2 * P(Binomial(2, 1/2) <= 0) = 0.5 and the difference is +50 points. */
START_TEST(compare_row_is_the_exact_mcnemar_test) {
  open_vqa_run("a", "1100", "greedy");
  open_vqa_run("b", "1111", "greedy");
  lx_task_scores a, b;
  load("a", &a), load("b", &b);
  lx_compare_options opt = {0.05, 200, 7, false};
  cJSON *r = lx_compare_runs(&a, &b, 1, &opt);
  const cJSON *task = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "tasks"), 0);
  const cJSON *row = overall_row(cJSON_GetObjectItem(task, "rows"));
  ck_assert_str_eq(cJSON_GetObjectItem(row, "test")->valuestring, "exact McNemar");
  ck_assert_double_eq(num(row, "only_a_correct"), 0);
  ck_assert_double_eq(num(row, "only_b_correct"), 2);
  ck_assert_double_eq_tol(num(row, "p"), 0.5, 1e-12);
  ck_assert_double_eq_tol(num(row, "b") - num(row, "a"), num(row, "diff"), 1e-12);
  ck_assert_msg(num(row, "diff") > 0, "B is the better run: diff %g", num(row, "diff"));
  cJSON_Delete(r);
  lx_task_scores_free(&a), lx_task_scores_free(&b);
}
END_TEST

/* Three runs of ten items: A none right, B all, C none. B against A and C against B have ten
 * discordant pairs each, p = 2 / 2^10; C against A none, p = 1. Holm over the three pairs'
 * overall rows: 3p and max(3p, 2p) = 3p, then 1; the same for the Color rows, adjusted across
 * the pairs. C against B is the one regression. */
START_TEST(compare_pairwise_adjusts_over_every_pair) {
  open_vqa_run("p0", "0000000000", "greedy");
  open_vqa_run("p1", "1111111111", "greedy");
  open_vqa_run("p2", "0000000000", "greedy");
  lx_task_scores t[3];
  load("p0", &t[0]), load("p1", &t[1]), load("p2", &t[2]);
  lx_task_scores *const runs[3] = {&t[0], &t[1], &t[2]};
  lx_compare_options opt = {0.05, 200, 7, false};
  cJSON *r = lx_compare_pairwise(runs, 3, 1, &opt);
  const cJSON *pairs = cJSON_GetObjectItem(r, "pairs");
  ck_assert_int_eq(cJSON_GetArraySize(pairs), 3);
  const double p = 2.0 / 1024, want_holm[3] = {3 * p, 1, 3 * p};
  const int want_a[3] = {0, 0, 1}, want_b[3] = {1, 2, 2};
  for (int k = 0; k < 3; k++) {
    const cJSON *pair = cJSON_GetArrayItem(pairs, k);
    ck_assert_double_eq(num(pair, "a"), want_a[k]);
    ck_assert_double_eq(num(pair, "b"), want_b[k]);
    const cJSON *rows =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(pair, "tasks"), 0), "rows");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 2); /* overall, Color */
    for (int j = 0; j < 2; j++)
      ck_assert_double_eq_tol(num(cJSON_GetArrayItem(rows, j), "p_holm"), want_holm[k], 1e-12);
  }
  ck_assert_double_eq(num(r, "regressions"), 2); /* C against B: overall and Color */
  cJSON_Delete(r);
  for (int k = 0; k < 3; k++) lx_task_scores_free(&t[k]);
}
END_TEST

/* Accuracy with its interval: all correct gives [100, 100]; three of four gives 75 with an
 * interval symmetric about it (a normal interval on the clustered standard error). */
START_TEST(accuracy_interval_closed_forms) {
  open_vqa_run("all", "1111", "greedy");
  open_vqa_run("three", "1101", "greedy");
  lx_task_scores all, three;
  load("all", &all), load("three", &three);
  lx_uncertainty_options opt = {0.05, 200, 1};
  cJSON *u = lx_task_uncertainty(&all, &opt);
  const cJSON *row = overall_row(u);
  const cJSON *iv = cJSON_GetObjectItem(row, "interval");
  ck_assert_double_eq(num(row, "value"), 100);
  ck_assert_double_eq(cJSON_GetArrayItem(iv, 0)->valuedouble, 100);
  ck_assert_double_eq(cJSON_GetArrayItem(iv, 1)->valuedouble, 100);
  cJSON_Delete(u);
  u = lx_task_uncertainty(&three, &opt);
  row = overall_row(u);
  iv = cJSON_GetObjectItem(row, "interval");
  const double lo = cJSON_GetArrayItem(iv, 0)->valuedouble,
               hi = cJSON_GetArrayItem(iv, 1)->valuedouble;
  ck_assert_double_eq(num(row, "value"), 75);
  ck_assert_double_eq(num(row, "correct"), 3);
  const double half = 1.959963984540054 * num(row, "clustered_se");
  ck_assert_double_eq_tol(lo, fmax(0, 75 - half), 1e-9);
  ck_assert_double_eq_tol(hi, fmin(100, 75 + half), 1e-9);
  cJSON_Delete(u);
  lx_task_scores_free(&all), lx_task_scores_free(&three);
}
END_TEST

/* A mean of shares (VQA accuracy in [0, 1], not right-or-wrong) keeps its interval within
 * [0, 100] too: three answers at 1 and one at 0.1, each on its own image, make a normal interval
 * reaching past 100. */
START_TEST(share_interval_stays_within_0_and_100) {
  char *ids[4] = {"1", "2", "3", "4"}, *cats[4] = {"other", "other", "other", "other"};
  size_t clusters[4] = {0, 1, 2, 3};
  double values[4] = {1, 1, 1, 0.1};
  lx_task_scores t = {0};
  t.scorer = LX_SCORER_VQA;
  t.n = 4;
  t.id = ids;
  t.category = cats;
  t.cluster = clusters;
  t.n_clusters = 4;
  t.value = values;
  lx_uncertainty_options opt = {0.05, 200, 1};
  cJSON *u = lx_task_uncertainty(&t, &opt);
  const cJSON *row = overall_row(u), *iv = cJSON_GetObjectItem(row, "interval");
  const double half = 1.959963984540054 * num(row, "clustered_se");
  ck_assert_double_eq_tol(num(row, "value"), 77.5, 1e-9);
  ck_assert(77.5 + half > 100); /* the case this test is about */
  ck_assert_double_eq(cJSON_GetArrayItem(iv, 1)->valuedouble, 100);
  ck_assert_double_eq_tol(cJSON_GetArrayItem(iv, 0)->valuedouble, 77.5 - half, 1e-9);
  cJSON_Delete(u);
}
END_TEST

START_TEST(base64_rfc4648_vectors) {
  const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    lx_strbuf out = {0};
    lx_base64_encode(in[i], strlen(in[i]), &out);
    ck_assert_str_eq(lx_strbuf_str(&out), want[i]);
    lx_strbuf_free(&out);
  }
}
END_TEST

/* An odd-sized image with every channel value encoded and read back pixel for pixel. */
START_TEST(png_round_trip) {
  enum { W = 37, H = 11 };
  uint8_t rgb[H * W * 3];
  for (int i = 0; i < H * W * 3; i++) rgb[i] = (uint8_t)(i * 7 + i / 3);
  lx_strbuf png = {0};
  lx_error err;
  ck_assert_msg(lx_png_encode_rgb(rgb, W, H, &png, &err) == LX_OK, "%s", err.msg);
  lx_image img;
  ck_assert_msg(lx_image_decode(png.p, png.len, "x.png", NULL, &img, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(img.width, W);
  ck_assert_int_eq(img.height, H);
  ck_assert_int_eq(memcmp(img.rgb, rgb, sizeof rgb), 0);
  lx_image_free(&img);
  lx_strbuf_free(&png);
}
END_TEST

int main(void) {
  Suite *s = suite_create("reports");
  TCase *tc = tcase_create("reports");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, compare_refuses_different_items_and_settings);
  tcase_add_test(tc, compare_row_is_the_exact_mcnemar_test);
  tcase_add_test(tc, compare_pairwise_adjusts_over_every_pair);
  tcase_add_test(tc, accuracy_interval_closed_forms);
  tcase_add_test(tc, share_interval_stays_within_0_and_100);
  tcase_add_test(tc, base64_rfc4648_vectors);
  tcase_add_test(tc, png_round_trip);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 0);
}
