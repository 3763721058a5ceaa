/* runs/ and the reports' reading of runs, on hand-made run directories: the run directory's
 * reader (runs/run_dir), the prediction log's crash rules (runs/prediction_log), item seeds
 * (runs/runner) and a task's scores read back with their media clusters (reports/run_data). */
#include <cJSON.h>
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "reports/run_data.h"
#include "runs/prediction_log.h"
#include "runs/run_dir.h"
#include "runs/runner.h"
#include "runs/shard.h"
#include "testutil.h"

static char *dir;
static void setup(void) {
  dir = tu_tempdir();
}
static void teardown(void) {
  tu_rmtree(dir);
}

/* Writes RUNDIR/<task>/<name> (task may be NULL). */
static void put(const char *task, const char *name, const char *text) {
  char *d = task ? lx_path_join(dir, task) : lx_xstrdup(dir);
  lx_error err;
  ck_assert(lx_make_dirs(d, &err) == LX_OK);
  free(tu_write(d, name, text, strlen(text)));
  free(d);
}

typedef struct rows {
  int n;
  char ids[8][16];
  int lines[8];
} rows;

static int keep(void *ctx, const cJSON *row, int line, lx_error *err) {
  (void)err;
  rows *r = ctx;
  snprintf(r->ids[r->n], sizeof r->ids[0], "%s", cJSON_GetObjectItem(row, "id")->valuestring);
  r->lines[r->n++] = line;
  return LX_OK;
}

/* ---- run_dir ----------------------------------------------------------------------------------
 */

START_TEST(run_dir_names_its_files) {
  char *p = lx_run_file("/r", "vqav2", LX_RUN_PREDICTIONS);
  ck_assert_str_eq(p, "/r/vqav2/predictions.jsonl");
  free(p);
  p = lx_run_file("/r", NULL, LX_RUN_MANIFEST);
  ck_assert_str_eq(p, "/r/manifest.json");
  free(p);
}
END_TEST

START_TEST(run_dir_reads_predictions_in_order) {
  put("mme", LX_RUN_PREDICTIONS,
      "{\"id\": \"b\", \"answer\": \"x\"}\n{\"id\": \"a\", \"answer\": \"y\"}\n");
  rows r = {0};
  lx_error err;
  ck_assert_msg(lx_run_read_predictions(dir, "mme", keep, &r, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(r.n, 2);
  ck_assert_str_eq(r.ids[0], "b");
  ck_assert_int_eq(r.lines[1], 2);
}
END_TEST

START_TEST(run_dir_refuses_rows_without_id_and_missing_files) {
  put("mme", LX_RUN_PREDICTIONS, "{\"id\": \"b\"}\n{\"answer\": \"y\"}\n");
  rows r = {0};
  lx_error err;
  ck_assert_int_eq(lx_run_read_predictions(dir, "mme", keep, &r, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "mme/predictions.jsonl:2: a row without a string \"id\""), "%s",
                err.msg);
  ck_assert_int_eq(lx_run_read_predictions(dir, "vqav2", keep, &r, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "vqav2/predictions.jsonl: no predictions (has 'lynxeval run "
                       "vqav2' run into"),
                "%s", err.msg);
  ck_assert_int_eq(lx_run_read_scores(dir, "mme", keep, &r, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "mme/scores.jsonl: no scores"), "%s", err.msg);
}
END_TEST

START_TEST(run_dir_lists_tasks_with_a_fingerprint) {
  put("vqav2", LX_RUN_FINGERPRINT, "{}");
  put("coco-caption", LX_RUN_FINGERPRINT, "{}");
  put("half-made", LX_RUN_PREDICTIONS, "");
  put(NULL, LX_RUN_MANIFEST, "{}");
  char **names;
  size_t n;
  lx_error err;
  ck_assert(lx_run_tasks(dir, &names, &n, &err) == LX_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(names[0], "coco-caption");
  ck_assert_str_eq(names[1], "vqav2");
  lx_run_tasks_free(names, n);
  char *none = lx_path_join(dir, "absent");
  ck_assert_int_eq(lx_run_tasks(none, &names, &n, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "absent: not a run directory"), "%s", err.msg);
  free(none);
}
END_TEST

/* ---- prediction_log ---------------------------------------------------------------------------
 */

START_TEST(prediction_log_cuts_a_torn_tail_and_resumes) {
  char *path = lx_path_join(dir, "log.jsonl");
  const char *text = "{\"id\": \"1\", \"answer\": \"a\"}\n{\"id\": \"2\", \"answ";
  free(tu_write(dir, "log.jsonl", text, strlen(text)));
  lx_prediction_log log;
  lx_predictions done = {0};
  size_t dropped = 0;
  lx_error err;
  ck_assert_msg(lx_prediction_log_open(path, "answer", &log, &done, &dropped, &err) == LX_OK, "%s",
                err.msg);
  ck_assert_uint_eq(done.n, 1);
  ck_assert_str_eq(done.v[0].text, "a");
  ck_assert_uint_eq(dropped, strlen("{\"id\": \"2\", \"answ"));
  cJSON *row = cJSON_Parse("{\"id\": \"2\", \"answer\": \"b\"}");
  ck_assert(lx_prediction_log_append(&log, row, &err) == LX_OK);
  cJSON_Delete(row);
  lx_prediction_log_close(&log);
  lx_predictions_free(&done);
  ck_assert(lx_prediction_log_open(path, "answer", &log, &done, &dropped, &err) == LX_OK);
  ck_assert_uint_eq(done.n, 2);
  ck_assert_str_eq(done.v[1].text, "b");
  ck_assert_uint_eq(dropped, 0);
  lx_prediction_log_close(&log);
  lx_predictions_free(&done);
  free(path);
}
END_TEST

START_TEST(prediction_log_refuses_a_repeated_id) {
  const char *text = "{\"id\": \"1\", \"answer\": \"a\"}\n{\"id\": \"1\", \"answer\": \"b\"}\n";
  char *path = tu_write(dir, "log.jsonl", text, strlen(text));
  lx_prediction_log log;
  lx_predictions done = {0};
  size_t dropped;
  lx_error err;
  ck_assert_int_eq(lx_prediction_log_open(path, "answer", &log, &done, &dropped, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "log.jsonl") && strstr(err.msg, "1"), "%s", err.msg);
  lx_predictions_free(&done);
  free(path);
}
END_TEST

/* ---- item seeds -------------------------------------------------------------------------------
 */

/* A second writer of one log is refused while the first holds it, and admitted after. */
START_TEST(prediction_log_admits_one_writer) {
  char *path = lx_path_join(dir, "one-writer.jsonl");
  lx_prediction_log a, b;
  lx_predictions done = {0};
  size_t dropped;
  lx_error err = {0};
  ck_assert_int_eq(lx_prediction_log_open(path, "answer", &a, &done, &dropped, &err), LX_OK);
  ck_assert_int_eq(lx_prediction_log_open(path, "answer", &b, &done, &dropped, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "another lynxeval process is writing this file"));
  ck_assert_ptr_nonnull(strstr(err.msg, "one-writer.jsonl"));
  lx_prediction_log_close(&a);
  ck_assert_int_eq(lx_prediction_log_open(path, "answer", &b, &done, &dropped, &err), LX_OK);
  lx_prediction_log_close(&b);
  lx_predictions_free(&done);
  free(path);
}
END_TEST

/* --shard: I/N and auto from each launcher's variables; block ownership is g mod N. */
START_TEST(shards_parse_and_own_blocks) {
  static const char *const vars[] = {
      "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE",
      "SLURM_PROCID",         "SLURM_STEP_NUM_TASKS"};
  for (int i = 0; i < 6; i++) unsetenv(vars[i]);
  lx_shard s;
  lx_error err = {0};
  ck_assert_int_eq(lx_shard_parse("3/64", &s, &err), LX_OK);
  ck_assert_int_eq(s.index, 3);
  ck_assert_int_eq(s.count, 64);
  ck_assert(lx_shard_owns(&s, 3) && lx_shard_owns(&s, 67) && !lx_shard_owns(&s, 4));
  char name[48];
  lx_shard_name(&s, name, sizeof name);
  ck_assert_str_eq(name, "3-of-64");
  const char *bad[] = {"64/64", "3", "3/", "/4", "a/4", "-1/4", "1/0", "1/+4", "1/4x", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(lx_shard_parse(bad[i], &s, &err), LX_ERR);
    ck_assert_ptr_nonnull(strstr(err.msg, "--shard"));
  }
  ck_assert_int_eq(lx_shard_parse("auto", &s, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "no launcher"));
  /* srun's variables, then MPICH's over them, then Open MPI's over both */
  setenv("SLURM_PROCID", "5", 1);
  setenv("SLURM_STEP_NUM_TASKS", "8", 1);
  ck_assert_int_eq(lx_shard_parse("auto", &s, &err), LX_OK);
  ck_assert(s.index == 5 && s.count == 8 && strstr(s.from, "SLURM_PROCID"));
  setenv("PMI_RANK", "1", 1);
  setenv("PMI_SIZE", "2", 1);
  ck_assert_int_eq(lx_shard_parse("auto", &s, &err), LX_OK);
  ck_assert(s.index == 1 && s.count == 2 && strstr(s.from, "PMI_RANK"));
  setenv("OMPI_COMM_WORLD_RANK", "0", 1);
  setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
  ck_assert_int_eq(lx_shard_parse("auto", &s, &err), LX_OK);
  ck_assert(s.index == 0 && s.count == 3 && strstr(s.from, "OMPI_COMM_WORLD_RANK"));
  setenv("OMPI_COMM_WORLD_RANK", "3", 1); /* a rank past the size: named */
  ck_assert_int_eq(lx_shard_parse("auto", &s, &err), LX_ERR);
  ck_assert_ptr_nonnull(strstr(err.msg, "OMPI_COMM_WORLD_RANK=\"3\""));
  lx_launcher l;
  setenv("OMPI_COMM_WORLD_RANK", "2", 1);
  ck_assert_int_eq(lx_launcher_detect(&l, &err), LX_OK);
  ck_assert(l.name && l.count == 3 && l.rank == 2);
  for (int i = 0; i < 6; i++) unsetenv(vars[i]);
  ck_assert_int_eq(lx_launcher_detect(&l, &err), LX_OK);
  ck_assert_ptr_null(l.name);
}
END_TEST

START_TEST(item_seeds_depend_on_run_task_and_item) {
  uint64_t s = lx_item_seed(7, "mme", "12");
  ck_assert_uint_eq(s, lx_item_seed(7, "mme", "12"));
  ck_assert_uint_ne(s, lx_item_seed(8, "mme", "12"));
  ck_assert_uint_ne(s, lx_item_seed(7, "vqav2", "12"));
  ck_assert_uint_ne(s, lx_item_seed(7, "mme", "13"));
  /* the separator keeps "ab"/"c" and "a"/"bc" apart */
  ck_assert_uint_ne(lx_item_seed(7, "ab", "c"), lx_item_seed(7, "a", "bc"));
}
END_TEST

/* ---- reports/run_data -------------------------------------------------------------------------
 */

/* A prediction id twice is named with both places, file and line. */
START_TEST(task_scores_name_a_repeated_prediction) {
  put("open-vqa-image", LX_RUN_FINGERPRINT, "{\"task\": {\"scorer\": \"open-vqa\"}}");
  put("open-vqa-image", LX_RUN_AGGREGATE, "{}");
  put("open-vqa-image", LX_RUN_PREDICTIONS,
      "{\"id\": \"1\", \"answer\": \"a\", \"media\": \"images/x.png\"}\n"
      "{\"id\": \"1\", \"answer\": \"b\", \"media\": \"images/y.png\"}\n");
  put("open-vqa-image", LX_RUN_SCORES,
      "{\"id\": \"1\", \"correct\": true, \"class\": \"Color\"}\n");
  lx_task_scores t;
  lx_error err;
  ck_assert_int_eq(lx_task_scores_load(dir, "open-vqa-image", &t, &err), LX_ERR);
  ck_assert_msg(
      strstr(err.msg, "open-vqa-image/predictions.jsonl:2: ") == err.msg + strlen(dir) + 1 &&
          strstr(err.msg, "(first at ") && strstr(err.msg, "open-vqa-image/predictions.jsonl:1)"),
      "%s", err.msg);
}
END_TEST

START_TEST(task_scores_join_categories_and_media) {
  put("open-vqa-image", LX_RUN_FINGERPRINT, "{\"task\": {\"scorer\": \"open-vqa\"}}");
  put("open-vqa-image", LX_RUN_AGGREGATE, "{\"correct\": 2, \"total\": 3}");
  put("open-vqa-image", LX_RUN_PREDICTIONS,
      "{\"id\": \"1\", \"answer\": \"a\", \"media\": \"images/x.png\"}\n"
      "{\"id\": \"2\", \"answer\": \"b\", \"media\": \"images/y.png\"}\n"
      "{\"id\": \"3\", \"answer\": \"c\", \"media\": \"images/x.png\"}\n");
  put("open-vqa-image", LX_RUN_SCORES,
      "{\"id\": \"1\", \"correct\": true, \"class\": \"Color\"}\n"
      "{\"id\": \"2\", \"correct\": false, \"class\": \"Counting\"}\n"
      "{\"id\": \"3\", \"correct\": true, \"class\": \"Color\"}\n");
  put("owleval", LX_RUN_FINGERPRINT, "{\"task\": {\"scorer\": \"none\"}}");
  put("owleval", LX_RUN_AGGREGATE, "{}");
  put("owleval", LX_RUN_SCORES, "");
  lx_task_scores t;
  lx_error err;
  ck_assert_msg(lx_task_scores_load(dir, "open-vqa-image", &t, &err) == LX_OK, "%s", err.msg);
  ck_assert_uint_eq(t.n, 3);
  ck_assert(t.value[0] == 1.0 && t.value[1] == 0.0 && t.value[2] == 1.0);
  ck_assert_str_eq(t.category[1], "Counting");
  ck_assert_uint_eq(t.n_clusters, 2); /* items 1 and 3 ask about the same image */
  ck_assert_uint_eq(t.cluster[0], t.cluster[2]);
  ck_assert_uint_ne(t.cluster[0], t.cluster[1]);
  lx_task_scores_free(&t);
  char **names;
  size_t n;
  ck_assert(lx_run_task_names(dir, &names, &n, &err) == LX_OK);
  ck_assert_uint_eq(n, 1); /* owleval is scored by people or a judge */
  ck_assert_str_eq(names[0], "open-vqa-image");
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  ck_assert_int_eq(lx_task_scores_load(dir, "owleval", &t, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "no automatic scores"), "%s", err.msg);
}
END_TEST

START_TEST(task_scores_refuse_rows_of_another_scorer) {
  put("mme", LX_RUN_FINGERPRINT, "{\"task\": {\"scorer\": \"mme\"}}");
  put("mme", LX_RUN_AGGREGATE, "{}");
  put("mme", LX_RUN_PREDICTIONS, "{\"id\": \"1\", \"answer\": \"yes\"}\n");
  put("mme", LX_RUN_SCORES, "{\"id\": \"1\", \"accuracy\": 1.0}\n");
  lx_task_scores t;
  lx_error err;
  ck_assert_int_eq(lx_task_scores_load(dir, "mme", &t, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "mme/scores.jsonl:1: not a mme score row"), "%s", err.msg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runs");
  TCase *t = tcase_create("runs");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, run_dir_names_its_files);
  tcase_add_test(t, run_dir_reads_predictions_in_order);
  tcase_add_test(t, run_dir_refuses_rows_without_id_and_missing_files);
  tcase_add_test(t, run_dir_lists_tasks_with_a_fingerprint);
  tcase_add_test(t, prediction_log_cuts_a_torn_tail_and_resumes);
  tcase_add_test(t, prediction_log_refuses_a_repeated_id);
  tcase_add_test(t, prediction_log_admits_one_writer);
  tcase_add_test(t, shards_parse_and_own_blocks);
  tcase_add_test(t, item_seeds_depend_on_run_task_and_item);
  tcase_add_test(t, task_scores_join_categories_and_media);
  tcase_add_test(t, task_scores_name_a_repeated_prediction);
  tcase_add_test(t, task_scores_refuse_rows_of_another_scorer);
  suite_add_tcase(s, t);
  return tu_run_suite(s, 0);
}
