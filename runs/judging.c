#include "runs/judging.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "common/unicode.h"
#include "runs/manifest.h"
#include "runs/prediction_log.h"
#include "runs/run_dir.h"
#include "scorers/mm_vet.h"
#include "scorers/mmbench.h"
#include "scorers/video_qa.h"
#include "tasks/scoring.h"

#define MAX_FINGERPRINT_BYTES (64u << 20)

static int kind_for_task(const char *task, lx_judge_kind *kind, lx_error *err) {
  if (!strcmp(task, "open-vqa-image") || !strcmp(task, "open-vqa-video")) {
    *kind = LX_JUDGE_CORRECTNESS;
  } else if (!strcmp(task, "llava-bench")) {
    *kind = LX_JUDGE_PAIR_SCORES;
  } else if (!strcmp(task, "mmbench") || !strcmp(task, "mmbench-cn")) {
    *kind = LX_JUDGE_MMBENCH;
  } else if (!strcmp(task, "msvd-qa") || !strcmp(task, "msrvtt-qa")) {
    *kind = LX_JUDGE_VIDEO_QA;
  } else if (!strcmp(task, "mm-vet")) {
    *kind = LX_JUDGE_MM_VET;
  } else {
    return lx_errorf(err,
                     "task %s has no judge (the judge serves open-vqa-image, open-vqa-video, "
                     "llava-bench, mmbench, mmbench-cn, msvd-qa, msrvtt-qa and mm-vet)",
                     task);
  }
  return LX_OK;
}

static const char *str_or(const cJSON *o, const char *key, const char *dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : dflt;
}

typedef struct load_ctx {
  const char *path;
  lx_judge_set *set;
  const char *system_tmpl, *user_tmpl; /* LX_JUDGE_VIDEO_QA */
} load_ctx;

static int prediction_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  load_ctx *c = vctx;
  const cJSON *refs = cJSON_GetObjectItemCaseSensitive(row, "references");
  const char *id = str_or(row, "id", NULL), *answer = str_or(row, "answer", NULL);
  const char *question = str_or(row, "question", NULL);
  if (!id || !answer || !question || !cJSON_IsArray(refs) || cJSON_GetArraySize(refs) < 1 ||
      !cJSON_IsString(cJSON_GetArrayItem(refs, 0)))
    return lx_errorf(err,
                     "%s:%d: a prediction without its question and references (made by an "
                     "older lynxeval?)",
                     c->path, line);
  lx_judge_input in = {question, cJSON_GetArrayItem(refs, 0)->valuestring, answer,
                       str_or(row, "context", "")};
  lx_strbuf system = {0}, user = {0};
  if (c->set->kind == LX_JUDGE_VIDEO_QA) { /* Video-ChatGPT's messages, read from its script */
    lx_video_qa_judge_message(c->system_tmpl, question, in.reference, answer, &system);
    lx_video_qa_judge_message(c->user_tmpl, question, in.reference, answer, &user);
  } else {
    lx_judge_prompt(c->set->kind, &in, &system, &user);
  }
  lx_strbuf both = {0};
  lx_strbuf_puts(&both, lx_strbuf_str(&system));
  lx_strbuf_putc(&both, '\0');
  lx_strbuf_puts(&both, lx_strbuf_str(&user));
  char hash[65];
  lx_sha256_hex(lx_strbuf_str(&both), both.len, hash);
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "id", id);
  cJSON_AddStringToObject(req, "template", lx_judge_template_name(c->set->kind));
  if (c->set->template_sha256[0])
    cJSON_AddStringToObject(req, "template_sha256", c->set->template_sha256);
  cJSON_AddStringToObject(req, "prompt_sha256", hash);
  cJSON *messages = cJSON_AddArrayToObject(req, "messages");
  const char *roles[2] = {"system", "user"};
  const lx_strbuf *texts[2] = {&system, &user};
  for (int k = 0; k < 2; k++) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", roles[k]);
    cJSON_AddStringToObject(m, "content", lx_strbuf_str(texts[k]));
    cJSON_AddItemToArray(messages, m);
  }
  cJSON_AddItemToArray(c->set->requests, req);
  lx_item *it = lx_items_push(&c->set->predictions);
  it->id = lx_xstrdup(id);
  lx_item_add_ref(it, in.reference);
  it->category = lx_xstrdup(str_or(row, "category", ""));
  it->source = lx_source_at(c->path, line);
  lx_strbuf_free(&system);
  lx_strbuf_free(&user);
  lx_strbuf_free(&both);
  return LX_OK;
}

/* ---- MMBench: the copies no rule maps, asked with the script's own prompt ------------------- */

#define MAX_TEMPLATE_FILE_BYTES (16u << 20)

/* One row of an MMBench run, kept whole: the judge scores the run again with its letters. */
static int mmbench_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  load_ctx *c = vctx;
  const cJSON *refs = cJSON_GetObjectItemCaseSensitive(row, "references");
  const char *id = str_or(row, "id", NULL), *answer = str_or(row, "answer", NULL);
  bool ok = id && answer && cJSON_IsArray(refs) && cJSON_GetArraySize(refs) == 5 &&
            str_or(row, "context", NULL) && str_or(row, "category", NULL) &&
            str_or(row, "subcategory", NULL);
  for (int k = 0; ok && k < 5; k++) ok = cJSON_IsString(cJSON_GetArrayItem(refs, k));
  if (!ok)
    return lx_errorf(err,
                     "%s:%d: not an MMBench prediction (its question, five references, category "
                     "and l2-category; made by an older lynxeval?)",
                     c->path, line);
  lx_item *it = lx_items_push(&c->set->rows);
  it->id = lx_xstrdup(id);
  for (int k = 0; k < 5; k++) lx_item_add_ref(it, cJSON_GetArrayItem(refs, k)->valuestring);
  it->category = lx_xstrdup(str_or(row, "category", ""));
  it->subcategory = lx_xstrdup(str_or(row, "subcategory", ""));
  it->context = lx_xstrdup(str_or(row, "context", ""));
  it->source = lx_source_at(c->path, line);
  lx_predictions_push(&c->set->answers, id, answer, it->source);
  return LX_OK;
}

/* A request of one user message, as the benchmarks' own judges ask (MMBench's, MM-Vet's): its id,
 * the template and its sha256, the sha256 of the message. */
static cJSON *user_request(const lx_judge_set *set, const char *id, const char *content) {
  char hash[65];
  lx_sha256_hex(content, strlen(content), hash);
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "id", id);
  cJSON_AddStringToObject(req, "template", lx_judge_template_name(set->kind));
  cJSON_AddStringToObject(req, "template_sha256", set->template_sha256);
  cJSON_AddStringToObject(req, "prompt_sha256", hash);
  cJSON *messages = cJSON_AddArrayToObject(req, "messages"), *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "role", "user");
  cJSON_AddStringToObject(m, "content", content);
  cJSON_AddItemToArray(messages, m);
  return req;
}

static void row_choices(const lx_item *it, const char **choices) {
  for (int o = 0; o < 4; o++) choices[o] = it->refs[1 + o][0] ? it->refs[1 + o] : NULL;
}

/* The requests: for each question (index below 1,000,000) the rules leave undecided (no copy
 * mapped to a wrong letter, some copy mapped to none), each copy no rule maps, asked with the
 * script's prompt, as its eval_sub_data asks its judge. */
static void mmbench_requests(lx_judge_set *set, const char *tmpl) {
  size_t n = set->rows.n;
  lx_mmbench_row *in = lx_xcalloc(n + 1, sizeof *in);
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &set->rows.v[k];
    in[k].index = atoll(it->id);
    in[k].answer = it->refs[0][0];
    row_choices(it, in[k].choices);
    in[k].prediction = set->answers.v[k].text;
  }
  lx_mmbench_verdicts v;
  lx_mmbench_circular(in, n, &v);
  for (size_t k = 0; k < n; k++) {
    if (v.letter[k] || v.question[k] == (size_t)-1 || v.verdict[v.question[k]] >= 0) continue;
    const lx_item *row = &set->rows.v[k];
    lx_strbuf prompt = {0};
    lx_mmbench_judge_prompt(tmpl, row->context, in[k].choices, set->answers.v[k].text, &prompt);
    cJSON_AddItemToArray(set->requests, user_request(set, row->id, lx_strbuf_str(&prompt)));
    lx_item *it = lx_items_push(&set->predictions);
    it->id = lx_xstrdup(row->id);
    for (size_t r = 0; r < row->n_refs; r++) lx_item_add_ref(it, row->refs[r]);
    it->category = lx_xstrdup(row->subcategory);
    it->source = lx_xstrdup(row->source);
    lx_strbuf_free(&prompt);
  }
  lx_mmbench_verdicts_free(&v);
  free(in);
}

static int mmbench_template(const char *path, lx_judge_set *set, lx_strbuf *tmpl, lx_error *err) {
  if (!path)
    return lx_errorf(err,
                     "task %s: MMBench's judge asks with its own prompt, which lynxeval does not "
                     "carry: give --template-from with your copy of MMBench's eval_mmbench.py "
                     "(OpenCompass tools/eval_mmbench.py)",
                     set->task);
  char *src;
  size_t n;
  if (lx_read_file(path, MAX_TEMPLATE_FILE_BYTES, &src, &n, err)) return LX_ERR;
  const char *why = NULL;
  int bad = lx_mmbench_judge_template(src, n, tmpl, &why);
  free(src);
  if (bad) return lx_errorf(err, "%s: %s", path, why);
  lx_sha256_hex(lx_strbuf_str(tmpl), tmpl->len, set->template_sha256);
  return LX_OK;
}

/* Video-ChatGPT's two messages, read from the user's evaluate_activitynet_qa.py. */
static int video_qa_templates(const char *path, lx_judge_set *set, lx_strbuf *system,
                              lx_strbuf *user, lx_error *err) {
  if (!path)
    return lx_errorf(err,
                     "task %s: Video-ChatGPT's judge asks with its own messages, which lynxeval "
                     "does not carry: give --template-from with your copy of its "
                     "quantitative_evaluation/evaluate_activitynet_qa.py",
                     set->task);
  char *src;
  size_t n;
  if (lx_read_file(path, MAX_TEMPLATE_FILE_BYTES, &src, &n, err)) return LX_ERR;
  const char *why = NULL;
  int bad = lx_video_qa_judge_template(src, n, system, user, &why);
  free(src);
  if (bad) return lx_errorf(err, "%s: %s", path, why);
  lx_strbuf all = {0};
  lx_strbuf_puts(&all, lx_strbuf_str(system));
  lx_strbuf_putc(&all, '\0');
  lx_strbuf_puts(&all, lx_strbuf_str(user));
  lx_sha256_hex(lx_strbuf_str(&all), all.len, set->template_sha256);
  lx_strbuf_free(&all);
  return LX_OK;
}

/* ---- MM-Vet: every question graded, run by run, asked again as the script asks ------------- */

/* One row of an MM-Vet run: the question, its answer (the ground truth), capabilities. */
static int mm_vet_row(void *vctx, const cJSON *row, int line, lx_error *err) {
  load_ctx *c = vctx;
  const cJSON *refs = cJSON_GetObjectItemCaseSensitive(row, "references");
  const char *id = str_or(row, "id", NULL), *answer = str_or(row, "answer", NULL),
             *question = str_or(row, "question", NULL), *caps = str_or(row, "category", NULL);
  if (!id || !answer || !question || !caps || !*caps || !cJSON_IsArray(refs) ||
      cJSON_GetArraySize(refs) != 1 || !cJSON_IsString(cJSON_GetArrayItem(refs, 0)))
    return lx_errorf(err,
                     "%s:%d: not an MM-Vet prediction (its question, answer and capabilities; "
                     "made by an older lynxeval?)",
                     c->path, line);
  lx_item *it = lx_items_push(&c->set->rows);
  it->id = lx_xstrdup(id);
  it->question = lx_xstrdup(question);
  lx_item_add_ref(it, cJSON_GetArrayItem(refs, 0)->valuestring);
  it->category = lx_xstrdup(caps);
  it->source = lx_source_at(c->path, line);
  lx_predictions_push(&c->set->answers, id, answer, it->source);
  return LX_OK;
}

/* The id of an ask: "<item>#<run>" for the first, "<item>#<run>.<ask>" after it. */
static void ask_id(const char *item, int run, int ask, lx_strbuf *out) {
  lx_strbuf_clear(out);
  if (ask == 1)
    lx_strbuf_printf(out, "%s#%d", item, run);
  else
    lx_strbuf_printf(out, "%s#%d.%d", item, run, ask);
}

/* The request of one ask of item k in a run. */
static cJSON *mm_vet_request(const lx_judge_set *set, size_t k, int run, int ask) {
  const lx_item *row = &set->rows.v[k];
  lx_strbuf message = {0}, id = {0};
  lx_mmvet_judge_message(set->template_text, row->question, row->refs[0], set->answers.v[k].text,
                         ask, &message);
  ask_id(row->id, run, ask, &id);
  cJSON *req = user_request(set, lx_strbuf_str(&id), lx_strbuf_str(&message));
  cJSON_AddStringToObject(req, "item", row->id);
  cJSON_AddNumberToObject(req, "run", run);
  cJSON_AddNumberToObject(req, "ask", ask);
  cJSON_AddNumberToObject(req, "temperature", lx_mmvet_temperature(ask));
  cJSON_AddNumberToObject(req, "max_tokens", LX_MMVET_MAX_TOKENS);
  lx_strbuf_free(&message);
  lx_strbuf_free(&id);
  return req;
}

/* The first asks, run after run as the script grades (all items of run 1, then of run 2, ...),
 * and every ask's id among the predictions (imports of later asks are accepted). */
static void mm_vet_requests(lx_judge_set *set) {
  lx_strbuf id = {0};
  for (int run = 1; run <= set->runs; run++)
    for (size_t k = 0; k < set->rows.n; k++) {
      cJSON_AddItemToArray(set->requests, mm_vet_request(set, k, run, 1));
      for (int ask = 1; ask <= LX_MMVET_TRIES; ask++) {
        ask_id(set->rows.v[k].id, run, ask, &id);
        lx_item *it = lx_items_push(&set->predictions);
        it->id = lx_xstrdup(lx_strbuf_str(&id));
        lx_item_add_ref(it, set->rows.v[k].refs[0]);
        it->category = lx_xstrdup(set->rows.v[k].category);
        it->source = lx_xstrdup(set->rows.v[k].source);
      }
    }
  lx_strbuf_free(&id);
}

cJSON *lx_judge_next_ask(const lx_judge_set *set, const cJSON *request, const char *reply) {
  double score;
  if (set->kind != LX_JUDGE_MM_VET || lx_mmvet_parse_score(reply, &score)) return NULL;
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(request, "run"),
              *ask = cJSON_GetObjectItemCaseSensitive(request, "ask");
  long k = lx_items_find(&set->rows, str_or(request, "item", ""));
  if (k < 0 || !cJSON_IsNumber(run) || !cJSON_IsNumber(ask) || ask->valueint >= LX_MMVET_TRIES)
    return NULL;
  return mm_vet_request(set, (size_t)k, run->valueint, ask->valueint + 1);
}

cJSON *lx_judge_request_of(const lx_judge_set *set, const char *id) {
  const cJSON *r;
  cJSON_ArrayForEach(r, set->requests) {
    if (!strcmp(str_or(r, "id", ""), id)) return cJSON_Duplicate(r, 1);
  }
  if (set->kind != LX_JUDGE_MM_VET) return NULL;
  /* a later ask of MM-Vet's: "<item>#<run>.<ask>" */
  const char *hash = strrchr(id, '#');
  int run, ask, used = 0;
  if (!hash || sscanf(hash + 1, "%d.%d%n", &run, &ask, &used) != 2 || hash[1 + used] || run < 1 ||
      run > set->runs || ask < 2 || ask > LX_MMVET_TRIES)
    return NULL;
  char *item = lx_xstrdup(id);
  item[hash - id] = '\0';
  long k = lx_items_find(&set->rows, item);
  free(item);
  return k < 0 ? NULL : mm_vet_request(set, (size_t)k, run, ask);
}

static int mm_vet_template(const char *path, lx_judge_set *set, lx_error *err) {
  if (!path)
    return lx_errorf(err,
                     "task mm-vet: MM-Vet's grader asks with its own prompt, which lynxeval does "
                     "not carry: give --template-from with your copy of MM-Vet's "
                     "mm-vet_evaluator.py");
  char *src;
  size_t n;
  if (lx_read_file(path, MAX_TEMPLATE_FILE_BYTES, &src, &n, err)) return LX_ERR;
  const char *why = NULL;
  lx_strbuf tmpl = {0};
  int bad = lx_mmvet_judge_template(src, n, &tmpl, &why);
  free(src);
  if (bad) {
    lx_strbuf_free(&tmpl);
    return lx_errorf(err, "%s: %s", path, why);
  }
  lx_sha256_hex(lx_strbuf_str(&tmpl), tmpl.len, set->template_sha256);
  set->template_text = lx_xstrdup(lx_strbuf_str(&tmpl));
  lx_strbuf_free(&tmpl);
  return LX_OK;
}

int lx_judge_set_load(const char *run_dir, const char *task, const char *template_from, int runs,
                      lx_judge_set *set, lx_error *err) {
  memset(set, 0, sizeof *set);
  if (kind_for_task(task, &set->kind, err)) return LX_ERR;
  set->runs = runs > 0 ? runs : 1;
  char *log = lx_run_file(run_dir, task, LX_RUN_PREDICTIONS);
  set->task = lx_xstrdup(task);
  set->requests = cJSON_CreateArray();
  load_ctx c = {log, set, NULL, NULL};
  lx_strbuf system_tmpl = {0}, user_tmpl = {0};
  if (set->kind == LX_JUDGE_VIDEO_QA) {
    int rc = video_qa_templates(template_from, set, &system_tmpl, &user_tmpl, err);
    if (rc) {
      free(log);
      lx_judge_set_free(set);
      return rc;
    }
    c.system_tmpl = lx_strbuf_str(&system_tmpl);
    c.user_tmpl = lx_strbuf_str(&user_tmpl);
  }
  if (set->kind == LX_JUDGE_MM_VET) {
    int rc = mm_vet_template(template_from, set, err);
    if (rc == LX_OK) rc = lx_run_read_predictions(run_dir, task, mm_vet_row, &c, err);
    if (rc == LX_OK && set->rows.n == 0) rc = lx_errorf(err, "%s: no predictions yet", log);
    if (rc == LX_OK) rc = lx_items_index(&set->rows, "prediction for id", err);
    if (rc == LX_OK) mm_vet_requests(set);
    if (rc == LX_OK) rc = lx_items_index(&set->predictions, "request for id", err);
    free(log);
    if (rc) lx_judge_set_free(set);
    return rc;
  }
  if (set->kind == LX_JUDGE_MMBENCH) {
    lx_strbuf tmpl = {0};
    int rc = mmbench_template(template_from, set, &tmpl, err);
    if (rc == LX_OK) rc = lx_run_read_predictions(run_dir, task, mmbench_row, &c, err);
    if (rc == LX_OK && set->rows.n == 0) rc = lx_errorf(err, "%s: no predictions yet", log);
    if (rc == LX_OK) rc = lx_items_index(&set->rows, "prediction for id", err);
    if (rc == LX_OK) mmbench_requests(set, lx_strbuf_str(&tmpl));
    if (rc == LX_OK) rc = lx_items_index(&set->predictions, "request for id", err);
    lx_strbuf_free(&tmpl);
    free(log);
    if (rc) lx_judge_set_free(set);
    return rc;
  }
  int rc = lx_run_read_predictions(run_dir, task, prediction_row, &c, err);
  lx_strbuf_free(&system_tmpl);
  lx_strbuf_free(&user_tmpl);
  if (rc == LX_OK && set->predictions.n == 0) rc = lx_errorf(err, "%s: no predictions yet", log);
  if (rc == LX_OK) rc = lx_items_index(&set->predictions, "prediction for id", err);
  free(log);
  if (rc) lx_judge_set_free(set);
  return rc;
}

void lx_judge_set_free(lx_judge_set *set) {
  cJSON_Delete(set->requests);
  lx_items_free(&set->predictions);
  lx_items_free(&set->rows);
  lx_predictions_free(&set->answers);
  free(set->template_text);
  free(set->task);
  memset(set, 0, sizeof *set);
}

int lx_judge_dir(const char *run_dir, const char *task, const char *judge, char **dir,
                 lx_error *err) {
  char *task_dir = lx_path_join(run_dir, task), *judges = lx_path_join(task_dir, "judge");
  char *safe = lx_xstrdup(judge);
  for (char *p = safe; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '.' || *p == '-' || *p == '_'))
      *p = '_';
  int rc = *judge ? lx_make_dirs(judges, err) : lx_errorf(err, "the judge id is empty");
  *dir = lx_path_join(judges, safe);
  if (rc == LX_OK) rc = lx_make_dirs(*dir, err);
  free(safe);
  free(judges);
  free(task_dir);
  if (rc) {
    free(*dir);
    *dir = NULL;
  }
  return rc;
}

#define MAX_VERDICT_FILE_BYTES (1ull << 32)

typedef struct verdict_reader {
  const char *path;
  lx_predictions *rows;
} verdict_reader;

static int verdict_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  verdict_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char id[512];
  const char *verdict;
  int rc = lx_json_id_text(obj, "id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, "verdict", &verdict, err);
  if (!rc) lx_predictions_push(r->rows, id, verdict, src);
  free(src);
  return rc;
}

int lx_judge_read_verdicts(const char *path, lx_predictions *rows, lx_error *err) {
  verdict_reader r = {path, rows};
  return lx_jsonl_read(path, MAX_VERDICT_FILE_BYTES, verdict_row, &r, err);
}

/* The ids of a set of predictions as items (id and source), indexed for lookup. */
static int index_ids(const lx_predictions *p, const char *what, lx_items *ids, lx_error *err) {
  for (size_t i = 0; i < p->n; i++) {
    lx_item *it = lx_items_push(ids);
    it->id = lx_xstrdup(p->v[i].id);
    it->source = lx_xstrdup(p->v[i].source ? p->v[i].source : "");
  }
  return lx_items_index(ids, what, err);
}

int lx_judge_import_check(const lx_judge_set *set, const lx_predictions *imported,
                          const lx_predictions *stored, lx_predictions *to_add, lx_error *err) {
  lx_items in_file = {0}, in_log = {0};
  int rc = index_ids(imported, "verdict for id", &in_file, err);
  if (rc == LX_OK) rc = index_ids(stored, "verdict for id", &in_log, err);
  for (size_t i = 0; rc == LX_OK && i < imported->n; i++) {
    const lx_prediction *v = &imported->v[i];
    long k = lx_items_find(&in_log, v->id);
    if (lx_items_find(&set->predictions, v->id) < 0)
      rc = lx_errorf(err, "%s: id %s has no prediction in the run (nothing was imported)",
                     v->source, v->id);
    else if (k >= 0 && strcmp(stored->v[k].text, v->text) != 0)
      rc = lx_errorf(err,
                     "%s: id %s already has a different verdict from this judge (%s); verdicts "
                     "are never replaced: import under another --judge id (nothing was imported)",
                     v->source, v->id, stored->v[k].source);
    else if (k < 0)
      lx_predictions_push(to_add, v->id, v->text, v->source);
  }
  lx_items_free(&in_file);
  lx_items_free(&in_log);
  return rc;
}

cJSON *lx_judge_verdict_row(const cJSON *request, const char *judge, const char *verdict) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "id", str_or(request, "id", ""));
  cJSON_AddStringToObject(r, "judge", judge);
  cJSON_AddStringToObject(r, "template", str_or(request, "template", ""));
  cJSON_AddStringToObject(r, "prompt_sha256", str_or(request, "prompt_sha256", ""));
  cJSON_AddStringToObject(r, "verdict", verdict);
  return r;
}

typedef struct group {
  const char *name;
  double sum[2];
  size_t judged;
} group;

static group *group_of(group **gs, size_t *n, const char *name) {
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*gs)[i].name, name)) return &(*gs)[i];
  *gs = lx_xrealloc_array(*gs, *n + 1, sizeof **gs);
  group *g = &(*gs)[(*n)++];
  memset(g, 0, sizeof *g);
  g->name = name;
  return g;
}

static void add_group_json(cJSON *o, lx_judge_kind kind, const group *g) {
  if (kind == LX_JUDGE_CORRECTNESS) {
    cJSON_AddNumberToObject(o, "correct", g->sum[0]);
    cJSON_AddNumberToObject(o, "judged", (double)g->judged);
    cJSON_AddNumberToObject(o, "accuracy", g->judged ? 100.0 * g->sum[0] / (double)g->judged : 0);
  } else {
    double ref = g->judged ? g->sum[0] / (double)g->judged : 0,
           model = g->judged ? g->sum[1] / (double)g->judged : 0;
    cJSON_AddNumberToObject(o, "judged", (double)g->judged);
    cJSON_AddNumberToObject(o, "mean_reference", ref);
    cJSON_AddNumberToObject(o, "mean_model", model);
    cJSON_AddNumberToObject(o, "relative_score", ref > 0 ? 100.0 * model / ref : 0);
  }
}

/* A judge's aggregate, begun: who judged, with which template (and its sha256, for the templates
 * read from a script). */
static cJSON *judge_aggregate(const lx_judge_set *set, const char *judge) {
  cJSON *agg = cJSON_CreateObject();
  cJSON_AddStringToObject(agg, "judge", judge);
  cJSON_AddStringToObject(agg, "template", lx_judge_template_name(set->kind));
  if (set->template_sha256[0])
    cJSON_AddStringToObject(agg, "template_sha256", set->template_sha256);
  return agg;
}

/* agg[name] = how many ids are listed, agg[name_ids] = the list (taken over). */
static void add_listed(cJSON *agg, const char *name, cJSON *ids) {
  char key[64];
  snprintf(key, sizeof key, "%s_ids", name);
  cJSON_AddNumberToObject(agg, name, cJSON_GetArraySize(ids));
  cJSON_AddItemToObject(agg, key, ids);
}

/* verdict_of[k] = the raw reply for items->v[k] (NULL where none); every verdict's id must be an
 * item of `items` (those asked about). The caller frees *out. */
static int verdicts_by_item(const lx_items *items, const lx_predictions *verdicts,
                            const char ***out, lx_error *err) {
  const char **verdict_of = lx_xcalloc(items->n + 1, sizeof *verdict_of);
  for (size_t i = 0; i < verdicts->n; i++) {
    long k = lx_items_find(items, verdicts->v[i].id);
    if (k < 0) {
      free(verdict_of);
      return lx_errorf(err, "%s: a verdict for id %s, which was not asked about",
                       verdicts->v[i].source, verdicts->v[i].id);
    }
    verdict_of[k] = verdicts->v[i].text;
  }
  *out = verdict_of;
  return LX_OK;
}

/* dir/scores.jsonl and dir/aggregate.json, atomically; *aggregate (may be NULL) gets a copy. */
static int write_judge_results(const char *dir, const cJSON *agg, const cJSON *rows,
                               cJSON **aggregate, lx_error *err) {
  char *agg_path = lx_path_join(dir, LX_RUN_AGGREGATE),
       *rows_path = lx_path_join(dir, LX_RUN_SCORES);
  int rc = lx_json_write_lines_atomic(rows_path, rows, err);
  if (rc == LX_OK) rc = lx_json_write_atomic(agg_path, agg, err);
  if (rc == LX_OK && aggregate) *aggregate = cJSON_Duplicate(agg, 1);
  free(agg_path);
  free(rows_path);
  return rc;
}

/* MMBench: each judged copy's letter read from the reply by the script's rules, the run scored
 * again with those letters (a question right only when every copy is), what stays undecided
 * (no reply, or one no rule reads) listed. */
static int mmbench_finish(const lx_judge_set *set, const lx_predictions *verdicts,
                          const char *judge, const char *dir, cJSON **aggregate, lx_error *err) {
  size_t n = set->rows.n;
  const char **asked; /* by request */
  if (verdicts_by_item(&set->predictions, verdicts, &asked, err)) return LX_ERR;
  const char **verdict_of = lx_xcalloc(n + 1, sizeof *verdict_of); /* by row */
  for (size_t j = 0; j < set->predictions.n; j++)
    verdict_of[lx_items_find(&set->rows, set->predictions.v[j].id)] = asked[j];
  free(asked);
  lx_predictions preds = {0};
  size_t *at = lx_xcalloc(n + 1, sizeof *at), judged = 0;
  cJSON *unparseable = cJSON_CreateArray(), *missing = cJSON_CreateArray();
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &set->rows.v[k];
    const char *text = set->answers.v[k].text;
    char letter[2] = {0, 0};
    if (lx_items_find(&set->predictions, it->id) >= 0) {
      const char *choices[4];
      row_choices(it, choices);
      lx_mmbench_rule rule;
      if (!verdict_of[k])
        cJSON_AddItemToArray(missing, cJSON_CreateString(it->id));
      else if (strstr(verdict_of[k], "Failed to obtain answer via API") ||
               !(letter[0] = lx_mmbench_infer(verdict_of[k], choices, &rule)))
        cJSON_AddItemToArray(unparseable, cJSON_CreateString(it->id));
      else
        judged++;
    }
    lx_predictions_push(&preds, it->id, letter[0] ? letter : text, it->source);
    at[k] = k;
  }
  cJSON *agg = NULL, *rows = NULL;
  lx_scoring_options opt = {0};
  int rc = lx_score_predictions(LX_SCORER_MMBENCH, &opt, &set->rows, &preds, at, &agg, &rows, err);
  if (rc == LX_OK) {
    cJSON_AddStringToObject(agg, "judge", judge);
    /* its rows are MMBench's: report and compare read it as a task of its own */
    cJSON_AddStringToObject(agg, "scorer", lx_scorer_name(LX_SCORER_MMBENCH));
    cJSON_AddStringToObject(agg, "template", lx_judge_template_name(set->kind));
    cJSON_AddStringToObject(agg, "template_sha256", set->template_sha256);
    cJSON_AddNumberToObject(agg, "asked", (double)set->predictions.n);
    cJSON_AddNumberToObject(agg, "judged", (double)judged);
    add_listed(agg, "unparseable", unparseable);
    add_listed(agg, "missing", missing);
    unparseable = missing = NULL;
    rc = write_judge_results(dir, agg, rows, aggregate, err);
  }
  cJSON_Delete(unparseable);
  cJSON_Delete(missing);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  lx_predictions_free(&preds);
  free(at);
  free(verdict_of);
  return rc;
}

/* Video-ChatGPT's aggregation: over the replies it could read, the mean of int(score), and the
 * accuracy yes / (yes + no) (a reply naming neither counts in the score only); an unreadable
 * reply (the script would ask again) or a missing one is listed. */
static int video_qa_finish(const lx_judge_set *set, const lx_predictions *verdicts,
                           const char *judge, const char *dir, cJSON **aggregate, lx_error *err) {
  size_t n = set->predictions.n;
  const char **verdict_of;
  if (verdicts_by_item(&set->predictions, verdicts, &verdict_of, err)) return LX_ERR;
  size_t yes = 0, no = 0, neither = 0, judged = 0;
  long score_sum = 0;
  cJSON *unparseable = cJSON_CreateArray(), *missing = cJSON_CreateArray(),
        *rows = cJSON_CreateArray();
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &set->predictions.v[k];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    int said_yes;
    long score;
    if (!verdict_of[k]) {
      cJSON_AddItemToArray(missing, cJSON_CreateString(it->id));
      cJSON_AddStringToObject(r, "status", "missing");
    } else if (!lx_video_qa_parse_verdict(verdict_of[k], &said_yes, &score)) {
      cJSON_AddItemToArray(unparseable, cJSON_CreateString(it->id));
      cJSON_AddStringToObject(r, "status", "unparseable");
    } else {
      judged++;
      score_sum += score;
      yes += said_yes == 1;
      no += said_yes == 0;
      neither += said_yes < 0;
      cJSON_AddStringToObject(r, "status", "judged");
      cJSON_AddStringToObject(r, "pred", said_yes == 1 ? "yes" : said_yes == 0 ? "no" : "neither");
      cJSON_AddNumberToObject(r, "score", (double)score);
    }
    cJSON_AddItemToArray(rows, r);
  }
  cJSON *agg = judge_aggregate(set, judge);
  cJSON_AddNumberToObject(agg, "predictions", (double)n);
  cJSON_AddNumberToObject(agg, "judged", (double)judged);
  cJSON_AddNumberToObject(agg, "yes", (double)yes);
  cJSON_AddNumberToObject(agg, "no", (double)no);
  cJSON_AddNumberToObject(agg, "neither", (double)neither);
  /* the script's expressions: yes_count / (yes_count + no_count), score_sum / count */
  cJSON_AddNumberToObject(agg, "accuracy", yes + no ? (double)yes / (double)(yes + no) : 0);
  cJSON_AddNumberToObject(agg, "average_score", judged ? (double)score_sum / (double)judged : 0);
  add_listed(agg, "unparseable", unparseable);
  add_listed(agg, "missing", missing);
  int rc = write_judge_results(dir, agg, rows, aggregate, err);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  free(verdict_of);
  return rc;
}

/* MM-Vet: each question's score in each run, from its asks as the script reads them (the first
 * reply that parses among asks 1-5; 0.0 once a sixth was needed), and the script's tables when
 * every question has a score in every run. Also grade.json, the script's own grade file
 * ({id: {"model", "content", "score"}}), for the questions graded in every run. */
static int mm_vet_finish(const lx_judge_set *set, const lx_predictions *verdicts, const char *judge,
                         const char *dir, cJSON **aggregate, lx_error *err) {
  size_t n = set->rows.n, runs = (size_t)set->runs;
  /* a grading of more runs than asked for now (--runs lowered) keeps its later runs' verdicts in
   * the log: the tables are of the first runs */
  lx_predictions kept = {0};
  for (size_t i = 0; i < verdicts->n; i++) {
    const lx_prediction *v = &verdicts->v[i];
    const char *hash = strrchr(v->id, '#');
    if (lx_items_find(&set->predictions, v->id) < 0 && hash && atoi(hash + 1) > set->runs) continue;
    lx_predictions_push(&kept, v->id, v->text, v->source);
  }
  const char **verdict_of; /* by ask, in the order mm_vet_requests made them; into kept */
  if (verdicts_by_item(&set->predictions, &kept, &verdict_of, err)) {
    lx_predictions_free(&kept);
    return LX_ERR;
  }
  double *scores = lx_xcalloc(n * runs + 1, sizeof *scores);
  size_t graded = 0;
  cJSON *given_up = cJSON_CreateArray(), *missing = cJSON_CreateArray(),
        *rows = cJSON_CreateArray(), *grades = cJSON_CreateObject();
  const char **caps = lx_xcalloc(n + 1, sizeof *caps);
  lx_strbuf id = {0};
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &set->rows.v[k];
    caps[k] = it->category;
    cJSON *r = cJSON_CreateObject(), *sc = cJSON_CreateArray(), *asks = cJSON_CreateArray(),
          *content = cJSON_CreateArray();
    bool all_runs = true;
    for (size_t run = 0; run < runs; run++) {
      const char **ask = &verdict_of[(run * n + k) * LX_MMVET_TRIES];
      int a = 0;
      double score = 0;
      bool done = false;
      for (; a < LX_MMVET_TRIES && ask[a]; a++) {
        if (a == LX_MMVET_TRIES - 1) { /* the sixth reply is never read */
          done = true;
          ask_id(it->id, (int)run + 1, a + 1, &id);
          cJSON_AddItemToArray(given_up, cJSON_CreateString(lx_strbuf_str(&id)));
          cJSON_AddItemToArray(content, cJSON_CreateString(ask[a]));
          break;
        }
        if (lx_mmvet_parse_score(ask[a], &score)) {
          done = true;
          size_t b, e, cut = strcspn(ask[a], " ");
          lx_py_strip(ask[a], cut, &b, &e);
          lx_strbuf token = {0}; /* content.split(" ")[0].strip(), as the script keeps it */
          lx_strbuf_append(&token, ask[a] + b, e - b);
          cJSON_AddItemToArray(content, cJSON_CreateString(lx_strbuf_str(&token)));
          lx_strbuf_free(&token);
          break;
        }
      }
      if (done) {
        graded++;
        scores[k * runs + run] = score;
        cJSON_AddItemToArray(sc, cJSON_CreateNumber(score));
        cJSON_AddItemToArray(asks, cJSON_CreateNumber(a + 1));
      } else { /* the ask the script would send next */
        all_runs = false;
        ask_id(it->id, (int)run + 1, a + 1, &id);
        cJSON_AddItemToArray(missing, cJSON_CreateString(lx_strbuf_str(&id)));
        cJSON_AddItemToArray(sc, cJSON_CreateNull());
        cJSON_AddItemToArray(asks, cJSON_CreateNumber(a));
      }
    }
    cJSON_AddStringToObject(r, "id", it->id);
    cJSON_AddStringToObject(r, "capabilities", it->category);
    cJSON_AddItemToObject(r, "scores", cJSON_Duplicate(sc, 1));
    cJSON_AddItemToObject(r, "asks", asks);
    cJSON_AddItemToArray(rows, r);
    if (all_runs) {
      cJSON *g = cJSON_AddObjectToObject(grades, it->id),
            *model = cJSON_AddArrayToObject(g, "model");
      for (size_t run = 0; run < runs; run++)
        cJSON_AddItemToArray(model, cJSON_CreateString(judge));
      cJSON_AddItemToObject(g, "content", content);
      cJSON_AddItemToObject(g, "score", sc);
    } else {
      cJSON_Delete(content);
      cJSON_Delete(sc);
    }
  }
  lx_strbuf_free(&id);
  cJSON *agg = judge_aggregate(set, judge);
  cJSON_AddNumberToObject(agg, "questions", (double)n);
  cJSON_AddNumberToObject(agg, "runs", (double)runs);
  cJSON_AddNumberToObject(agg, "graded", (double)graded);
  if (cJSON_GetArraySize(missing) == 0) {
    lx_mmvet_tables t;
    lx_mmvet_tables_of(n, caps, scores, set->runs, &t);
    /* complete: report and compare read it as a task of its own (each question's mean score
     * over the runs, per integration), unless a "nan" reply made the scores NaN */
    if (!isnan(t.total.mean))
      cJSON_AddStringToObject(agg, "scorer", lx_scorer_name(LX_SCORER_MM_VET));
    for (size_t k = 0; k < n; k++) {
      double sum = 0;
      for (size_t run = 0; run < runs; run++) sum += scores[k * runs + run];
      cJSON *r = cJSON_GetArrayItem(rows, (int)k);
      cJSON_AddNumberToObject(r, "score", sum / (double)runs);
      cJSON_AddStringToObject(r, "integration", t.item_set[k]);
    }
    cJSON_AddNumberToObject(agg, "total", t.total.rounded);
    cJSON_AddNumberToObject(agg, "total_unrounded", t.total.mean);
    cJSON_AddNumberToObject(agg, "std", t.std_rounded);
    cJSON_AddNumberToObject(agg, "std_unrounded", t.std);
    cJSON *per_run = cJSON_AddArrayToObject(agg, "run_totals"),
          *per_run_raw = cJSON_AddArrayToObject(agg, "run_totals_unrounded");
    for (int r = 0; r < t.n_runs; r++) {
      cJSON_AddItemToArray(per_run, cJSON_CreateNumber(t.runs_rounded[r]));
      cJSON_AddItemToArray(per_run_raw, cJSON_CreateNumber(t.runs[r]));
    }
    const char *table_names[2] = {"per_capability", "per_capability_integration"};
    const lx_mmvet_column *cols[2] = {t.caps, t.sets};
    size_t n_cols[2] = {t.n_caps, t.n_sets};
    for (int tb = 0; tb < 2; tb++) {
      cJSON *o = cJSON_AddObjectToObject(agg, table_names[tb]);
      for (size_t c = 0; c < n_cols[tb]; c++) {
        cJSON *col = cJSON_AddObjectToObject(o, cols[tb][c].name);
        cJSON_AddNumberToObject(col, "questions", (double)cols[tb][c].items);
        cJSON_AddNumberToObject(col, "score", cols[tb][c].rounded);
        cJSON_AddNumberToObject(col, "score_unrounded", cols[tb][c].mean);
      }
    }
    lx_mmvet_tables_free(&t);
  } else {
    cJSON_AddStringToObject(agg, "incomplete",
                            "the tables need a score for every question in every run: the asks "
                            "in missing_ids are still to be sent");
  }
  add_listed(agg, "given_up", given_up);
  add_listed(agg, "missing", missing);
  int rc = write_judge_results(dir, agg, rows, aggregate, err);
  char *grade_path = lx_path_join(dir, "grade.json");
  if (rc == LX_OK) rc = lx_json_write_atomic(grade_path, grades, err);
  free(grade_path);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  cJSON_Delete(grades);
  free(caps);
  free(scores);
  free(verdict_of);
  lx_predictions_free(&kept);
  return rc;
}

int lx_judge_finish(const lx_judge_set *set, const lx_predictions *verdicts, const char *judge,
                    const char *dir, cJSON **aggregate, lx_error *err) {
  if (set->kind == LX_JUDGE_MMBENCH)
    return mmbench_finish(set, verdicts, judge, dir, aggregate, err);
  if (set->kind == LX_JUDGE_VIDEO_QA)
    return video_qa_finish(set, verdicts, judge, dir, aggregate, err);
  if (set->kind == LX_JUDGE_MM_VET) return mm_vet_finish(set, verdicts, judge, dir, aggregate, err);
  size_t n = set->predictions.n;
  const char **verdict_of;
  if (verdicts_by_item(&set->predictions, verdicts, &verdict_of, err)) return LX_ERR;
  group all = {"all", {0, 0}, 0}, *groups = NULL;
  size_t n_groups = 0;
  cJSON *unparseable = cJSON_CreateArray(), *missing = cJSON_CreateArray(),
        *rows = cJSON_CreateArray();
  for (size_t k = 0; k < n; k++) {
    const lx_item *it = &set->predictions.v[k];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", it->id);
    double s[2];
    if (!verdict_of[k]) {
      cJSON_AddItemToArray(missing, cJSON_CreateString(it->id));
      cJSON_AddStringToObject(r, "status", "missing");
    } else if (!lx_judge_parse(set->kind, verdict_of[k], s)) {
      cJSON_AddItemToArray(unparseable, cJSON_CreateString(it->id));
      cJSON_AddStringToObject(r, "status", "unparseable");
    } else {
      cJSON_AddStringToObject(r, "status", "judged");
      group *g = group_of(&groups, &n_groups, it->category);
      for (int j = 0; j < 2; j++) {
        all.sum[j] += s[j];
        g->sum[j] += s[j];
      }
      all.judged++;
      g->judged++;
      if (set->kind == LX_JUDGE_CORRECTNESS) {
        cJSON_AddBoolToObject(r, "correct", s[0] == 1);
      } else {
        cJSON_AddNumberToObject(r, "score_reference", s[0]);
        cJSON_AddNumberToObject(r, "score_model", s[1]);
      }
    }
    cJSON_AddItemToArray(rows, r);
  }
  cJSON *agg = judge_aggregate(set, judge); /* lynxeval's own templates: no sha256 */
  cJSON_AddNumberToObject(agg, "predictions", (double)n);
  add_group_json(agg, set->kind, &all);
  cJSON *per = cJSON_AddObjectToObject(
      agg, set->kind == LX_JUDGE_CORRECTNESS ? "per_class" : "per_category");
  for (size_t i = 0; i < n_groups; i++)
    add_group_json(cJSON_AddObjectToObject(per, groups[i].name), set->kind, &groups[i]);
  add_listed(agg, "unparseable", unparseable);
  add_listed(agg, "missing", missing);
  int rc = write_judge_results(dir, agg, rows, aggregate, err);
  cJSON_Delete(agg);
  cJSON_Delete(rows);
  free(groups);
  free(verdict_of);
  return rc;
}
