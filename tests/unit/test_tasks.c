/* Task adapters and the registry on small files made here: datasets.txt parsing and its errors,
 * the built-in registry against the task table, the JSON stream (lines of entries, its errors),
 * duplicate ids, media paths that leave the data directory, the MME release layout, OwlEval and
 * LLaVA-Bench. */
#include <cJSON.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "scorers/mme.h"
#include "tasks/llava_bench.h"
#include "tasks/mme.h"
#include "tasks/owleval.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "testutil.h"

static void expect_registry_error(const char *text, const char *needle) {
  lx_registry r;
  lx_error err;
  ck_assert_int_eq(lx_registry_parse(text, strlen(text), "reg.txt", &r, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
}

START_TEST(registry_parses_and_refuses) {
  const char *good =
      "# c\n[a]\ntask = mme\ntitle = T\nfile = x.json sha256:"
      "00f888cd3988d0bba9b1174c2919b6c60358dc6aa066121621e4b31517871b70 bytes:12\n"
      "file = y/\nitems = 3\nmedia = m\nlicense = l\ncitation = c\nnote = n1\nnote = n2\n";
  lx_registry r;
  lx_error err;
  ck_assert_int_eq(lx_registry_parse(good, strlen(good), "reg.txt", &r, &err), LX_OK);
  ck_assert_uint_eq(r.n, 1);
  ck_assert_int_eq(r.v[0].n_files, 2);
  ck_assert_int_eq(r.v[0].files[0].bytes, 12);
  ck_assert_str_eq(r.v[0].files[1].path, "y/");
  ck_assert_int_eq(r.v[0].files[1].bytes, -1);
  ck_assert_int_eq(r.v[0].n_notes, 2);
  lx_registry_free(&r);
  expect_registry_error("task = x\n", "reg.txt:1: a key before the first [entry]");
  expect_registry_error("[a]\nbogus = 1\n", "reg.txt:2: unknown key 'bogus'");
  expect_registry_error("[a]\nfile = x sha256:ABC\n",
                        "reg.txt:2: sha256 must be 64 lowercase hex digits");
  expect_registry_error("[a]\nitems = many\n", "reg.txt:2: items must be a non-negative integer");
  expect_registry_error("[a]\ntask = x\n", "entry [a] needs task, title, file");
  expect_registry_error("[a]\ntitle = x\ntitle = y\n", "reg.txt:3: 'title' given twice");
  expect_registry_error("[a\n", "reg.txt:1: an entry starts with [name]");
}
END_TEST

START_TEST(builtin_registry_matches_the_tasks) {
  lx_registry r;
  lx_error err;
  ck_assert_msg(lx_registry_builtin(&r, &err) == LX_OK, "%s", err.msg);
  for (size_t i = 0; i < r.n; i++)
    ck_assert_msg(lx_task_find(r.v[i].task) != NULL, "[%s] names task %s, which does not exist",
                  r.v[i].name, r.v[i].task);
  for (int t = 0; t < lx_n_tasks; t++) {
    const lx_dataset *d = lx_registry_find(&r, lx_tasks[t]->dataset);
    ck_assert_msg(d && !strcmp(d->task, lx_tasks[t]->name), "task %s: default dataset %s",
                  lx_tasks[t]->name, lx_tasks[t]->dataset);
    ck_assert(lx_task_template_find(lx_tasks[t], NULL) == &lx_tasks[t]->templates[0]);
  }
  lx_registry_free(&r);
}
END_TEST

typedef struct lines_seen {
  int which[8], line[8], column[8], n;
} lines_seen;

static int note_line(void *ctx, int which, const cJSON *e, lx_json_place at, lx_error *err) {
  (void)e;
  (void)err;
  lines_seen *s = ctx;
  ck_assert_int_lt(s->n, 8);
  s->which[s->n] = which;
  s->column[s->n] = at.column;
  s->line[s->n++] = at.line;
  return LX_OK;
}

/* Reads text as a JSON file through the stream; returns the status, err filled on failure. */
static int stream_text(const char *text, bool top_array, lines_seen *seen, cJSON **rest,
                       lx_error *err) {
  char *dir = tu_tempdir();
  char *path = tu_write(dir, "f.json", text, strlen(text));
  static const char *const keys[] = {"a", "items"};
  bool present[2];
  memset(seen, 0, sizeof *seen);
  int rc = top_array
               ? lx_json_read_array(path, 1 << 20, note_line, seen, err)
               : lx_json_read_arrays(path, 1 << 20, keys, 2, present, note_line, seen, rest, err);
  /* messages name the file: report it as "f.json" */
  char *at = strstr(err->msg, path);
  if (rc && at) memmove(at, at + strlen(dir) + 1, strlen(at + strlen(dir) + 1) + 1);
  free(path);
  tu_rmtree(dir);
  return rc;
}

static void expect_stream_error(const char *text, bool top_array, const char *msg) {
  lines_seen seen;
  lx_error err;
  ck_assert_int_eq(stream_text(text, top_array, &seen, NULL, &err), LX_ERR);
  ck_assert_str_eq(err.msg, msg);
}

START_TEST(json_stream_lines_and_ids) {
  const char *text =
      "{\"a\": [1,\n 2],\n \"x\": {\"k\": [\"]\"]},\n \"items\": [\n {\"x\": \"]\"},\n {\"y\": [3, "
      "4]},\n 5]}";
  lines_seen seen;
  lx_error err;
  cJSON *rest = NULL;
  ck_assert_msg(stream_text(text, false, &seen, &rest, &err) == LX_OK, "%s", err.msg);
  ck_assert_int_eq(seen.n, 5);
  /* column 0: the entry starts its line; otherwise its byte column */
  const int which[] = {0, 0, 1, 1, 1}, line[] = {1, 2, 5, 6, 7}, column[] = {8, 0, 0, 0, 0};
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(seen.which[i], which[i]);
    ck_assert_int_eq(seen.line[i], line[i]);
    ck_assert_int_eq(seen.column[i], column[i]);
  }
  ck_assert(cJSON_IsObject(cJSON_GetObjectItem(rest, "x")));
  cJSON_Delete(rest);
  ck_assert_int_eq(stream_text("\xEF\xBB\xBF[\n1,\n\"x\"]\n", true, &seen, NULL, &err), LX_OK);
  ck_assert_int_eq(seen.n, 2);
  ck_assert_int_eq(seen.line[1], 3);
  ck_assert_int_eq(stream_text("[]", true, &seen, NULL, &err), LX_OK);
  ck_assert_int_eq(seen.n, 0);
  expect_stream_error("[1,\n2,]", true, "f.json:2:3: a comma before a closing bracket is not JSON");
  expect_stream_error("[1\n 2]", true, "f.json:2:2: expected ',' or ']'");
  expect_stream_error("[1, {\"a\" 2}]", true, "f.json:1:10: not valid JSON");
  expect_stream_error("[1] x", true, "f.json:1:5: unexpected text after the JSON value");
  expect_stream_error("[1, 2", true, "f.json:1:6: expected ',' or ']'");
  expect_stream_error("", true, "f.json:1:1: not valid JSON (the file is empty)");
  expect_stream_error("{\"items\": 3}", false, "f.json:1:11: \"items\" must be a list");
  expect_stream_error("{\"items\": [],\n\"items\": []}", false,
                      "f.json:2:1: \"items\" occurs twice");
  expect_stream_error("[1]", false, "f.json:1:1: expected a JSON object");
  expect_stream_error("{\"a\": [], 3: 4}", false, "f.json:1:11: expected a key (a string)");
  expect_stream_error("{\"a\" []}", false, "f.json:1:6: expected ':' after the key");
  expect_stream_error("{\"a\": [\"\xC3\"]}", false, "f.json:1:9: not valid UTF-8");
  lx_items items = {0};
  lx_item *a = lx_items_push(&items);
  a->id = lx_xstrdup("7");
  a->source = lx_xstrdup("f:1");
  lx_item *b = lx_items_push(&items);
  b->id = lx_xstrdup("7");
  b->source = lx_xstrdup("f:9");
  ck_assert_int_eq(lx_items_index(&items, "index", &err), LX_ERR);
  ck_assert_str_eq(err.msg, "f:9: index 7 occurs twice (first at f:1)");
  lx_items_free(&items);
  ck_assert_int_eq(lx_check_media_path("a/../../b.jpg", "s", &err), LX_ERR);
  ck_assert_int_eq(lx_check_media_path("/etc/x", "s", &err), LX_ERR);
  ck_assert_int_eq(lx_check_media_path("", "s", &err), LX_ERR);
  ck_assert_int_eq(lx_check_media_path("a/..b/c..jpg", "s", &err), LX_OK);
}
END_TEST

static void put(const char *dir, const char *rel, const char *text) {
  char *p = lx_path_join(dir, rel);
  char *slash = strrchr(p, '/');
  *slash = '\0';
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
  ck_assert_int_eq(system(cmd), 0);
  *slash = '/';
  FILE *f = fopen(p, "wb");
  ck_assert(f != NULL);
  fputs(text, f);
  fclose(f);
  free(p);
}

START_TEST(mme_release_layout) {
  char *dir = tu_tempdir();
  const char *const *subtasks = lx_mme_subtask_names;
  for (int s = 0; s < 14; s++) {
    char rel[256];
    bool split = s == 4; /* posters: images/ + questions_answers_YN/ */
    snprintf(rel, sizeof rel, "%s/%s%s", subtasks[s], split ? "images/" : "", "b.png");
    put(dir, rel, "png");
    snprintf(rel, sizeof rel, "%s/%s%s", subtasks[s], split ? "questions_answers_YN/" : "",
             "b.txt");
    put(dir, rel, "Is it? Please answer yes or no.\tYes\nIs it not?\tNo\n");
    snprintf(rel, sizeof rel, "%s/%s", subtasks[s], split ? "images/a.jpg" : "a.jpg");
    put(dir, rel, "jpg");
    snprintf(rel, sizeof rel, "%s/%s", subtasks[s], split ? "questions_answers_YN/a.txt" : "a.txt");
    put(dir, rel, "Q1\tno\r\nQ2\tYES\r\n");
  }
  lx_items items = {0};
  lx_error err;
  ck_assert_msg(lx_mme_load(dir, &items, &err) == LX_OK, "%s", err.msg);
  ck_assert_uint_eq(items.n, 56);
  ck_assert_str_eq(items.v[0].id, "existence/a#1");
  ck_assert_str_eq(items.v[0].media, "existence/a.jpg");
  ck_assert_str_eq(items.v[0].refs[0], "No");
  ck_assert_str_eq(items.v[1].refs[0], "Yes");
  ck_assert_str_eq(items.v[2].media, "existence/b.png");
  ck_assert_str_eq(items.v[16].media, "posters/images/a.jpg");
  lx_items_free(&items);
  put(dir, "count/c.txt", "one line only\tYes\n");
  put(dir, "count/c.jpg", "x");
  ck_assert_int_eq(lx_mme_load(dir, &items, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "c.txt: 1 questions; MME has two per image"), "%s", err.msg);
  lx_items_free(&items);
  tu_rmtree(dir);
}
END_TEST

START_TEST(owleval_and_llava_bench) {
  char *dir = tu_tempdir();
  put(dir, "questions.jsonl",
      "{\"image\": \"1.jpg\", \"question_id\": 1, \"question\": \"Why?\", \"ability\": \"R\"}\n");
  char *q = lx_path_join(dir, "questions.jsonl");
  lx_items items = {0};
  lx_error err;
  ck_assert_msg(lx_owleval_load(q, "cases/", &items, &err) == LX_OK, "%s", err.msg);
  ck_assert_str_eq(items.v[0].media, "cases/1.jpg");
  ck_assert_str_eq(items.v[0].category, "R");
  lx_items_free(&items);
  put(dir, "questions.jsonl",
      "{\"question_id\": 0, \"image\": \"001.jpg\", \"text\": \"What?\", \"category\": \"conv\"}\n"
      "{\"question_id\": 1, \"image\": \"002.jpg\", \"text\": \"Who?\", \"category\": "
      "\"detail\"}\n");
  put(dir, "answers.jsonl",
      "{\"question_id\": 0, \"text\": \"A cat.\"}\n{\"question_id\": 1, \"text\": \"Ann.\"}\n");
  put(dir, "context.jsonl",
      "{\"image\": \"001.jpg\", \"caption\": \"a cat\"}\n{\"image\": \"002.jpg\", \"caption\": \"a "
      "woman\"}\n");
  char *a = lx_path_join(dir, "answers.jsonl"), *c = lx_path_join(dir, "context.jsonl");
  ck_assert_msg(lx_llava_bench_load(q, a, c, "images/", &items, &err) == LX_OK, "%s", err.msg);
  ck_assert_str_eq(items.v[1].refs[0], "Ann.");
  ck_assert_str_eq(items.v[1].context, "a woman");
  ck_assert_str_eq(items.v[1].media, "images/002.jpg");
  lx_items_free(&items);
  put(dir, "answers.jsonl", "{\"question_id\": 0, \"text\": \"A cat.\"}\n");
  ck_assert_int_eq(lx_llava_bench_load(q, a, c, "images/", &items, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "questions.jsonl:2: question_id 1 has no reference answer"), "%s",
                err.msg);
  lx_items_free(&items);
  free(q);
  free(a);
  free(c);
  tu_rmtree(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tasks");
  TCase *tc = tcase_create("tasks");
  tcase_add_test(tc, registry_parses_and_refuses);
  tcase_add_test(tc, builtin_registry_matches_the_tasks);
  tcase_add_test(tc, json_stream_lines_and_ids);
  tcase_add_test(tc, mme_release_layout);
  tcase_add_test(tc, owleval_and_llava_bench);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 1);
}
