#include "runs/exports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "runs/run_dir.h"
#include "scorers/mme.h"
#include "scorers/vizwiz.h"

/* pred_of[k] = the prediction answering item k, in the items' (the benchmark files') order, or
 * SIZE_MAX where none does. The caller frees it. */
static size_t *pred_of_items(const lx_items *items, const lx_predictions *preds, const size_t *at) {
  size_t *pred_of = lx_xcalloc(items->n + 1, sizeof *pred_of);
  for (size_t k = 0; k < items->n; k++) pred_of[k] = (size_t)-1;
  for (size_t i = 0; i < preds->n; i++) pred_of[at[i]] = i;
  return pred_of;
}

/* An id as a JSON number when it is a plain integer, else as a string. */
static cJSON *id_json(const char *id) {
  char *end;
  long long v = strtoll(id, &end, 10);
  bool integer = *id && !*end && (id[0] != '0' || !id[1]) && id[0] != '+' && id[0] != ' ';
  return integer ? cJSON_CreateNumber((double)v) : cJSON_CreateString(id);
}

/* A JSON value on one line, written atomically. */
static int write_array(const char *path, const cJSON *rows, lx_error *err) {
  char *s = cJSON_PrintUnformatted(rows);
  int rc = lx_write_file_atomic(path, s, strlen(s), err);
  free(s);
  return rc;
}

/* task_dir/name, the value on one line, written atomically; the value is deleted. */
static int write_export(const char *task_dir, const char *name, cJSON *value, lx_error *err) {
  char *path = lx_path_join(task_dir, name);
  int rc = write_array(path, value, err);
  free(path);
  cJSON_Delete(value);
  return rc;
}

static void put_field(lx_strbuf *b, const char *s) {
  for (; *s; s++) lx_strbuf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static int export_mme(const lx_items *items, const lx_predictions *preds, const size_t *at,
                      const char *task_dir, lx_error *err) {
  char *dir = lx_path_join(task_dir, "results");
  if (lx_make_dirs(dir, err)) {
    free(dir);
    return LX_ERR;
  }
  size_t *pred_of = pred_of_items(items, preds, at);
  int rc = LX_OK;
  for (int s = 0; s < LX_MME_SUBTASKS && rc == LX_OK; s++) {
    lx_strbuf b = {0};
    for (size_t k = 0; k < items->n; k++) {
      const lx_item *it = &items->v[k];
      if (pred_of[k] == (size_t)-1 || strcmp(it->category, lx_mme_subtask_names[s]) != 0) continue;
      const char *slash = strrchr(it->media, '/');
      put_field(&b, slash ? slash + 1 : it->media);
      lx_strbuf_putc(&b, '\t');
      put_field(&b, it->question);
      lx_strbuf_putc(&b, '\t');
      put_field(&b, it->refs[0]);
      lx_strbuf_putc(&b, '\t');
      put_field(&b, preds->v[pred_of[k]].text);
      lx_strbuf_putc(&b, '\n');
    }
    if (b.len) {
      char name[64];
      snprintf(name, sizeof name, "%s.txt", lx_mme_subtask_names[s]);
      char *path = lx_path_join(dir, name);
      rc = lx_write_file_atomic(path, lx_strbuf_str(&b), b.len, err);
      free(path);
    }
    lx_strbuf_free(&b);
  }
  free(pred_of);
  free(dir);
  return rc;
}

/* LLaVA's eval_pope.py pairs each split's answers, in order, with the split file's questions; it
 * finds an answer's split through a question file. Both are written, with question ids that
 * number the run's questions. */
static int export_pope(const lx_items *items, const lx_predictions *preds, const size_t *at,
                       const char *task_dir, lx_error *err) {
  cJSON *questions = cJSON_CreateArray(), *answers = cJSON_CreateArray();
  size_t *pred_of = pred_of_items(items, preds, at), n = 0;
  for (size_t k = 0; k < items->n; k++) { /* in the split files' order, which the pairing needs */
    if (pred_of[k] == (size_t)-1) continue;
    const lx_item *it = &items->v[k];
    const double qid = (double)++n;
    const char *slash = strrchr(it->media, '/');
    cJSON *q = cJSON_CreateObject(), *a = cJSON_CreateObject();
    cJSON_AddNumberToObject(q, "question_id", qid);
    cJSON_AddStringToObject(q, "image", slash ? slash + 1 : it->media);
    cJSON_AddStringToObject(q, "text", it->question);
    cJSON_AddStringToObject(q, "category", it->category);
    cJSON_AddItemToArray(questions, q);
    cJSON_AddNumberToObject(a, "question_id", qid);
    cJSON_AddStringToObject(a, "text", preds->v[pred_of[k]].text);
    cJSON_AddItemToArray(answers, a);
  }
  char *qpath = lx_path_join(task_dir, "questions.jsonl"),
       *apath = lx_path_join(task_dir, "answers.jsonl");
  int rc = lx_json_write_lines_atomic(qpath, questions, err);
  if (!rc) rc = lx_json_write_lines_atomic(apath, answers, err);
  free(pred_of);
  free(qpath);
  free(apath);
  cJSON_Delete(questions);
  cJSON_Delete(answers);
  return rc;
}

/* What LLaVA's answer files hold besides the text: the question_id its script looks an answer up
 * by, and the prompt it reads. */
typedef void (*answer_fields_fn)(const lx_item *it, const char **question_id, lx_strbuf *prompt);

/* LLaVA's eval_science_qa.py keys answers by the problem id (a string) and counts an answer as
 * one to an image question when its "prompt" holds "<image>". */
static void science_qa_fields(const lx_item *it, const char **question_id, lx_strbuf *prompt) {
  *question_id = it->id;
  lx_strbuf_printf(prompt, "%s%s", it->media ? "<image>\n" : "", it->question);
}

/* LLaVA's eval_textvqa.py matches an answer by its image (question_id holds the image_id) and the
 * question its prompt holds: the prompt is the question (with its OCR line) and LLaVA's
 * short-answer line, so that the script finds it. */
static void textvqa_fields(const lx_item *it, const char **question_id, lx_strbuf *prompt) {
  *question_id = it->subcategory;
  lx_strbuf_printf(prompt, "%s\nAnswer the question using a single word or phrase.", it->question);
}

/* answers.jsonl, {"question_id", "prompt", "text"} per prediction, as LLaVA writes them. */
static int export_llava_answers(const lx_items *items, const lx_predictions *preds,
                                const size_t *at, const char *task_dir, answer_fields_fn fields,
                                lx_error *err) {
  cJSON *answers = cJSON_CreateArray();
  for (size_t i = 0; i < preds->n; i++) {
    const char *qid;
    lx_strbuf prompt = {0};
    fields(&items->v[at[i]], &qid, &prompt);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "question_id", qid);
    cJSON_AddStringToObject(a, "prompt", lx_strbuf_str(&prompt));
    cJSON_AddStringToObject(a, "text", preds->v[i].text);
    cJSON_AddItemToArray(answers, a);
    lx_strbuf_free(&prompt);
  }
  char *path = lx_path_join(task_dir, "answers.jsonl");
  int rc = lx_json_write_lines_atomic(path, answers, err);
  free(path);
  cJSON_Delete(answers);
  return rc;
}

/* upload.json, [{"image", "answer"}] in the annotations' order: what LLaVA's
 * convert_vizwiz_for_submission.py writes for the VizWiz evaluation server (each answer through
 * the EvalAI answer processor), which `lynxeval score vizwiz` scores as the server does. */
static int export_vizwiz(const lx_items *items, const lx_predictions *preds, const size_t *at,
                         const char *task_dir, lx_error *err) {
  size_t *pred_of = pred_of_items(items, preds, at);
  cJSON *rows = cJSON_CreateArray();
  for (size_t k = 0; k < items->n; k++) {
    if (pred_of[k] == (size_t)-1) continue;
    lx_strbuf up = {0};
    lx_vizwiz_upload_answer(preds->v[pred_of[k]].text, &up);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "image", items->v[k].id);
    cJSON_AddStringToObject(r, "answer", lx_strbuf_str(&up));
    cJSON_AddItemToArray(rows, r);
    lx_strbuf_free(&up);
  }
  free(pred_of);
  return write_export(task_dir, "upload.json", rows, err);
}

/* videochatgpt_preds.json, [{"video_name", "Q", "A", "pred"}] in the questions' order: the input
 * of Video-ChatGPT's evaluate_activitynet_qa.py, the LLM-judge protocol video QA is reported with.
 */
static int export_video_qa(const lx_items *items, const lx_predictions *preds, const size_t *at,
                           const char *task_dir, lx_error *err) {
  size_t *pred_of = pred_of_items(items, preds, at);
  cJSON *rows = cJSON_CreateArray();
  for (size_t k = 0; k < items->n; k++) {
    if (pred_of[k] == (size_t)-1) continue;
    const lx_item *it = &items->v[k];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "video_name", it->subcategory ? it->subcategory : "");
    cJSON_AddStringToObject(r, "Q", it->question);
    cJSON_AddStringToObject(r, "A", it->n_refs ? it->refs[0] : "");
    cJSON_AddStringToObject(r, "pred", preds->v[pred_of[k]].text);
    cJSON_AddItemToArray(rows, r);
  }
  free(pred_of);
  return write_export(task_dir, "videochatgpt_preds.json", rows, err);
}

/* results.json, {id: answer} in the questions' order: the results file MM-Vet's
 * mm-vet_evaluator.py grades (as LLaVA's convert_mmvet_for_eval.py writes it). */
static int export_mm_vet(const lx_items *items, const lx_predictions *preds, const size_t *at,
                         const char *task_dir, lx_error *err) {
  size_t *pred_of = pred_of_items(items, preds, at);
  cJSON *results = cJSON_CreateObject();
  for (size_t k = 0; k < items->n; k++)
    if (pred_of[k] != (size_t)-1)
      cJSON_AddStringToObject(results, items->v[k].id, preds->v[pred_of[k]].text);
  free(pred_of);
  return write_export(task_dir, "results.json", results, err);
}

const char *lx_export_name(const lx_task *task) {
  if (!strcmp(task->name, "mm-vet")) return "results.json";
  switch (task->scorer) {
    case LX_SCORER_MME:
      return "results/";
    case LX_SCORER_OPEN_VQA:
      return "results.jsonl";
    case LX_SCORER_VQA:
    case LX_SCORER_CAPTION:
      return "results.json";
    case LX_SCORER_VIZWIZ:
      return "upload.json";
    case LX_SCORER_VIDEO_QA:
      return "videochatgpt_preds.json";
    default:
      return "answers.jsonl";
  }
}

int lx_export_instead_of_run_file(const char *path, const char *flag, const char *reads,
                                  lx_error *err) {
  static const char *const OWN[] = {LX_RUN_PREDICTIONS, LX_RUN_SCORES, LX_RUN_AGGREGATE,
                                    LX_RUN_FINGERPRINT};
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  bool own = false;
  for (size_t k = 0; k < sizeof OWN / sizeof OWN[0]; k++) own |= !strcmp(base, OWN[k]);
  if (!own || (reads && !strcmp(base, reads))) return LX_OK;
  /* RUNDIR/<task>/<file>: the task directory holds the fingerprint naming the task */
  char *task_dir = lx_xstrdup(path);
  task_dir[slash ? slash - path : 0] = '\0';
  if (!slash) strcpy(task_dir, ".");
  cJSON *fp = NULL;
  lx_error ignored;
  int rc = LX_OK;
  if (lx_run_read_json(task_dir, NULL, LX_RUN_FINGERPRINT, &fp, &ignored) == LX_OK) {
    const char *name = lx_json_string(cJSON_GetObjectItem(fp, "task"), "name");
    const lx_task *task = lx_task_find(name);
    char *run_dir = lx_xstrdup(task_dir), *up = strrchr(run_dir, '/');
    if (up)
      *up = '\0';
    else
      strcpy(run_dir, ".");
    if (task) {
      char *export = lx_path_join(task_dir, lx_export_name(task));
      rc = lx_errorf(err,
                     "%s: %s is a lynxeval run's own %s (task %s), not results in the "
                     "benchmark's format; the run exported those as %s, which %s takes. To score "
                     "the whole run again: lynxeval score %s --data DIR",
                     flag, path, base, name, export, flag, run_dir);
      free(export);
    }
    free(run_dir);
  }
  cJSON_Delete(fp);
  free(task_dir);
  return rc;
}

int lx_export_results(const lx_task *task, const lx_items *items, const lx_predictions *preds,
                      const size_t *at, const char *task_dir, lx_error *err) {
  if (task->scorer == LX_SCORER_MME) return export_mme(items, preds, at, task_dir, err);
  if (task->scorer == LX_SCORER_POPE) return export_pope(items, preds, at, task_dir, err);
  if (task->scorer == LX_SCORER_SCIENCE_QA)
    return export_llava_answers(items, preds, at, task_dir, science_qa_fields, err);
  if (task->scorer == LX_SCORER_TEXTVQA)
    return export_llava_answers(items, preds, at, task_dir, textvqa_fields, err);
  if (task->scorer == LX_SCORER_VIZWIZ) return export_vizwiz(items, preds, at, task_dir, err);
  if (task->scorer == LX_SCORER_VIDEO_QA) return export_video_qa(items, preds, at, task_dir, err);
  if (!strcmp(task->name, "mm-vet")) return export_mm_vet(items, preds, at, task_dir, err);
  /* GQA's question ids are strings in its files, and eval.py looks them up as strings */
  bool string_ids = task->scorer == LX_SCORER_GQA;
  const char *id_key, *text_key, *file = lx_export_name(task);
  bool lines;
  switch (task->scorer) {
    case LX_SCORER_OPEN_VQA:
      id_key = "index", text_key = "text_output", lines = true;
      break;
    case LX_SCORER_VQA:
      id_key = "question_id", text_key = "answer", lines = false;
      break;
    case LX_SCORER_CAPTION:
      id_key = "image_id", text_key = "caption", lines = false;
      break;
    default:
      id_key = "question_id", text_key = "text", lines = true;
      break;
  }
  cJSON *rows = cJSON_CreateArray();
  for (size_t i = 0; i < preds->n; i++) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(
        r, id_key,
        string_ids ? cJSON_CreateString(items->v[at[i]].id) : id_json(items->v[at[i]].id));
    cJSON_AddStringToObject(r, text_key, preds->v[i].text);
    cJSON_AddItemToArray(rows, r);
  }
  char *path = lx_path_join(task_dir, file);
  int rc = lines ? lx_json_write_lines_atomic(path, rows, err) : write_array(path, rows, err);
  free(path);
  cJSON_Delete(rows);
  return rc;
}
