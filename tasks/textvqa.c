#include "tasks/textvqa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"
#include "scorers/textvqa.h"

#define MAX_FILE_BYTES (512u << 20)

/* ---- OCR tokens ------------------------------------------------------------------------------ */

typedef struct ocr_reader {
  const char *path;
  lx_strmap images; /* image_id -> k */
  char **line;      /* [k] "t1, t2, ..." */
} ocr_reader;

static int ocr_entry(void *ctx, int which, const cJSON *e, lx_json_place place, lx_error *err) {
  (void)which;
  ocr_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  const char *image;
  int rc = lx_json_req_string(e, at, "image_id", &image, err);
  const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(e, "ocr_tokens");
  if (!rc && !cJSON_IsArray(tokens))
    rc = lx_errorf(err, "%s: 'ocr_tokens' must be a list of strings", src);
  lx_strbuf line = {0};
  const cJSON *t;
  if (!rc) {
    cJSON_ArrayForEach(t, tokens) {
      if (!cJSON_IsString(t)) {
        rc = lx_errorf(err, "%s: 'ocr_tokens' must be a list of strings", src);
        break;
      }
      lx_strbuf_printf(&line, "%s%s", line.len ? ", " : "", t->valuestring);
    }
  }
  if (!rc) {
    size_t before = r->images.n, k = lx_strmap_intern(&r->images, image);
    if (k < before) {
      rc = lx_errorf(err, "%s: image %s occurs twice", src, image);
    } else {
      r->line = lx_xrealloc_array(r->line, r->images.n, sizeof *r->line);
      r->line[k] = lx_xstrdup(lx_strbuf_str(&line));
    }
  }
  lx_strbuf_free(&line);
  free(src);
  return rc;
}

/* ---- questions ------------------------------------------------------------------------------- */

typedef struct question_reader {
  const char *path;
  const ocr_reader *ocr; /* NULL: no OCR line */
  lx_items *items;
} question_reader;

static int question_entry(void *ctx, int which, const cJSON *q, lx_json_place place,
                          lx_error *err) {
  (void)which;
  question_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  char qid[32];
  const char *question, *image;
  int rc = lx_json_id_text(q, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &question, err);
  if (!rc) rc = lx_json_req_string(q, at, "image_id", &image, err);
  const cJSON *answers = cJSON_GetObjectItemCaseSensitive(q, "answers"), *a;
  if (!rc && (!cJSON_IsArray(answers) || cJSON_GetArraySize(answers) != LX_TEXTVQA_ANSWERS))
    rc = lx_errorf(err, "%s: 'answers' must be a list of %d strings (the evaluator requires ten)",
                   src, LX_TEXTVQA_ANSWERS);
  if (!rc) {
    cJSON_ArrayForEach(a, answers) {
      if (!cJSON_IsString(a)) {
        rc = lx_errorf(err, "%s: 'answers' holds a non-string", src);
        break;
      }
    }
  }
  size_t k = (size_t)-1;
  if (!rc && r->ocr && (k = lx_strmap_find(&r->ocr->images, image)) == (size_t)-1)
    rc = lx_errorf(err, "%s: image %s has no entry in %s", src, image, r->ocr->path);
  lx_strbuf media = {0}, text = {0};
  if (!rc) {
    lx_strbuf_printf(&media, "train_images/%s.jpg", image);
    rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  }
  if (!rc) {
    lx_strbuf_puts(&text, question);
    if (r->ocr) lx_strbuf_printf(&text, "\nReference OCR token: %s", r->ocr->line[k]);
    lx_item *it = lx_items_push(r->items);
    it->id = lx_xstrdup(qid);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->question = lx_xstrdup(lx_strbuf_str(&text));
    cJSON_ArrayForEach(a, answers) lx_item_add_ref(it, a->valuestring);
    it->subcategory = lx_xstrdup(image);
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&media);
  lx_strbuf_free(&text);
  free(src);
  return rc;
}

int lx_textvqa_load(const char *path, const char *ocr_path, lx_items *items, lx_error *err) {
  static const char *const keys[] = {"data"};
  bool seen;
  ocr_reader ocr = {ocr_path, {0}, NULL};
  int rc = LX_OK;
  if (ocr_path) {
    rc = lx_json_read_arrays(ocr_path, MAX_FILE_BYTES, keys, 1, &seen, ocr_entry, &ocr, NULL, err);
    if (!rc && !seen) rc = lx_errorf(err, "%s: needs a \"data\" list of OCR entries", ocr_path);
  }
  question_reader qr = {path, ocr_path ? &ocr : NULL, items};
  size_t before = items->n;
  if (!rc)
    rc = lx_json_read_arrays(path, MAX_FILE_BYTES, keys, 1, &seen, question_entry, &qr, NULL, err);
  if (!rc && (!seen || items->n == before))
    rc = lx_errorf(err, "%s: needs a non-empty \"data\" list of questions", path);
  for (size_t k = 0; k < ocr.images.n; k++) free(ocr.line[k]);
  free(ocr.line);
  lx_strmap_free(&ocr.images);
  return rc ? rc : lx_items_index(items, "question_id", err);
}

/* ---- LLaVA's results ------------------------------------------------------------------------- */

/* eval_textvqa.py's prompt_processor: the question a prompt holds, into out; false where the
 * script fails (an assertion, or no match). */
static bool prompt_question(const char *prompt, lx_strbuf *out) {
  static const char ocr_start[] = "OCR tokens: ", reference[] = "Reference OCR token: ";
  size_t lines = 1;
  for (const char *p = prompt; *p; p++) lines += *p == '\n';
  const char *start = prompt, *end;
  if (!strncmp(prompt, ocr_start, sizeof ocr_start - 1)) {
    /* re.search(r"Question: (.*?) Short answer:", DOTALL): the first "Question: " with a
     * " Short answer:" after it, up to the first such */
    for (const char *q = strstr(prompt, "Question: "); q; q = strstr(q + 1, "Question: ")) {
      const char *s = strstr(q + 10, " Short answer:");
      if (s) {
        lx_strbuf_append(out, q + 10, (size_t)(s - (q + 10)));
        return true;
      }
    }
    return false;
  }
  if (strstr(prompt, reference) && lines == 3) {
    if (!strncmp(prompt, "Reference OCR token:", 20)) start = strchr(prompt, '\n') + 1;
  } else if (lines != 2) {
    return false;
  }
  end = strchr(start, '\n');
  lx_strbuf_append(out, start, end ? (size_t)(end - start) : strlen(start));
  return true;
}

/* The key eval_textvqa.py matches on: image_id, then the lowercased question. */
static void match_key(const char *image, const char *question, size_t len, lx_strbuf *out) {
  lx_strbuf_puts(out, image);
  lx_strbuf_putc(out, '\x1f');
  lx_py_lower(question, len, out);
}

typedef struct result_reader {
  const char *path;
  const lx_items *items;
  lx_strmap keys;  /* key -> k */
  size_t *item_of; /* [k] the last question with that key, as the script's dict keeps it */
  lx_predictions *preds;
} result_reader;

static int result_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  result_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  const char *image, *prompt, *text;
  int rc = lx_json_req_string(obj, at, "question_id", &image, err);
  if (!rc) rc = lx_json_req_string(obj, at, "prompt", &prompt, err);
  if (!rc) rc = lx_json_req_string(obj, at, "text", &text, err);
  lx_strbuf q = {0}, key = {0};
  if (!rc && !prompt_question(prompt, &q))
    rc = lx_errorf(err,
                   "%s: the prompt holds no question as eval_textvqa.py reads prompts (two lines, "
                   "three with \"Reference OCR token: \", or \"OCR tokens: ... Question: ... Short "
                   "answer:\")",
                   src);
  size_t k = (size_t)-1;
  if (!rc) {
    match_key(image, lx_strbuf_str(&q), q.len, &key);
    k = lx_strmap_find(&r->keys, lx_strbuf_str(&key));
    if (k == (size_t)-1)
      rc = lx_errorf(err, "%s: no question of image %s reads \"%s\" (the script fails here)", src,
                     image, lx_strbuf_str(&q));
  }
  if (!rc) lx_predictions_push(r->preds, r->items->v[r->item_of[k]].id, text, src);
  lx_strbuf_free(&q);
  lx_strbuf_free(&key);
  free(src);
  return rc;
}

int lx_textvqa_results_load(const char *path, const lx_items *items, lx_predictions *preds,
                            lx_error *err) {
  result_reader r = {path, items, {0}, lx_xcalloc(items->n + 1, sizeof(size_t)), preds};
  for (size_t i = 0; i < items->n; i++) {
    const lx_item *it = &items->v[i];
    const char *nl = strchr(it->question, '\n'); /* the question without its OCR line */
    lx_strbuf key = {0};
    match_key(it->subcategory, it->question,
              nl ? (size_t)(nl - it->question) : strlen(it->question), &key);
    r.item_of[lx_strmap_intern(&r.keys, lx_strbuf_str(&key))] = i; /* the last one wins */
    lx_strbuf_free(&key);
  }
  size_t before = preds->n;
  int rc = lx_jsonl_read(path, MAX_FILE_BYTES, result_row, &r, err);
  if (!rc && preds->n == before) rc = lx_errorf(err, "%s: no results in the file", path);
  free(r.item_of);
  lx_strmap_free(&r.keys);
  return rc;
}
