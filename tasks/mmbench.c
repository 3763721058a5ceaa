#include "tasks/mmbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"
#include "scorers/mmbench.h"

#define MAX_FILE_BYTES (4ull << 30)

/* The columns read, in this order. */
enum {
  COL_INDEX,
  COL_QUESTION,
  COL_HINT,
  COL_A,
  COL_B,
  COL_C,
  COL_D,
  COL_ANSWER,
  COL_CATEGORY,
  COL_L2,
  COL_IMAGE,
  N_COLS
};
static const char *const COLUMN[N_COLS] = {
    "index", "question", "hint", "A", "B", "C", "D", "answer", "category", "l2-category", "image"};
/* hint, C, D and image may be absent (a test TSV without images can still be scored) */
static const bool OPTIONAL[N_COLS] = {
    [COL_HINT] = true, [COL_C] = true, [COL_D] = true, [COL_IMAGE] = true};

static bool is_na(const char *s) {
  return lx_mmbench_pandas_missing(s);
}

/* LLaVA's is_none on a read value: missing, or "nan" / "none" in any case. */
static bool llava_is_none(const char *s) {
  if (!s) return true;
  lx_strbuf low = {0};
  lx_py_lower(s, strlen(s), &low);
  bool none = !strcmp(lx_strbuf_str(&low), "nan") || !strcmp(lx_strbuf_str(&low), "none");
  lx_strbuf_free(&low);
  return none;
}

/* One field of a record: its text (unquoted), and where it lies in the file when it was not
 * quoted (the image's base64 is read from there at run time). */
typedef struct field {
  char *text;
  size_t start, len;
  bool quoted;
} field;

typedef struct record {
  field *f;
  size_t n, cap;
  int line;
  bool unclosed; /* a quoted field ran to the end of the file */
} record;

static void record_clear(record *r) {
  for (size_t i = 0; i < r->n; i++) free(r->f[i].text);
  r->n = 0;
  r->unclosed = false;
}

/* The next record from s[*pos..n), as pandas' C tokenizer splits them: '\t' between fields; '\n',
 * '\r\n' or '\r' between records outside quotes; a field starting with '"' quoted until a '"' not
 * doubled, text after the closing quote kept. Blank lines are skipped. Returns false at the end. */
static bool next_record(const char *s, size_t n, size_t *pos, int *line, record *r) {
  record_clear(r);
  size_t i = *pos;
  while (i < n && (s[i] == '\n' || s[i] == '\r')) { /* blank lines */
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) (*line)++;
    i++;
  }
  if (i >= n) {
    *pos = n;
    return false;
  }
  r->line = *line;
  for (;;) {
    lx_strbuf b = {0};
    field f = {NULL, i, 0, false};
    if (i < n && s[i] == '"') {
      f.quoted = true;
      r->unclosed = true;
      i++;
      while (i < n) {
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            lx_strbuf_putc(&b, '"');
            i += 2;
            continue;
          }
          i++;
          r->unclosed = false;
          break;
        }
        if (s[i] == '\n') (*line)++;
        lx_strbuf_putc(&b, s[i++]);
      }
    }
    size_t run = i; /* the unquoted rest of the field, appended at once (an image is long) */
    while (i < n && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') i++;
    lx_strbuf_append(&b, s + run, i - run);
    f.len = i - f.start;
    f.text = lx_xstrdup(lx_strbuf_str(&b));
    lx_strbuf_free(&b);
    if (r->n == r->cap) {
      r->cap = r->cap ? 2 * r->cap : 16;
      r->f = lx_xrealloc_array(r->f, r->cap, sizeof *r->f);
    }
    r->f[r->n++] = f;
    if (i < n && s[i] == '\t') {
      i++;
      continue;
    }
    break;
  }
  if (i < n && s[i] == '\r') i++;
  if (i < n && s[i] == '\n') i++;
  (*line)++;
  *pos = i;
  return true;
}

/* The value of column c in a record, NULL when missing (absent, short row, or a NA spelling). */
static const char *value(const record *r, const int *col, int c) {
  if (col[c] < 0 || (size_t)col[c] >= r->n) return NULL;
  const char *t = r->f[col[c]].text;
  return is_na(t) ? NULL : t;
}

static int row_item(const char *path, const char *data, const record *r, const int *col,
                    const char *media_name, lx_items *items, lx_error *err) {
  char *src = lx_source_at(path, r->line);
  int rc = LX_OK;
  const char *index = value(r, col, COL_INDEX), *question = value(r, col, COL_QUESTION);
  const char *answer = value(r, col, COL_ANSWER), *category = value(r, col, COL_CATEGORY);
  const char *l2 = value(r, col, COL_L2), *hint = value(r, col, COL_HINT);
  char *end = NULL;
  long long idx = index ? strtoll(index, &end, 10) : 0;
  if (!index || !*index || *end || idx < 0)
    rc = lx_errorf(err, "%s: 'index' must be a non-negative integer, not '%s'", src,
                   index ? index : "");
  else if (!question)
    rc = lx_errorf(err, "%s: the question is missing", src);
  else if (!category || !l2)
    rc = lx_errorf(err, "%s: 'category' and 'l2-category' are required", src);
  const char *opt[4];
  for (int k = 0; k < 4; k++) opt[k] = value(r, col, COL_A + k);
  if (!rc && (!answer || strlen(answer) != 1 || answer[0] < 'A' || answer[0] > 'D' ||
              !opt[answer[0] - 'A']))
    rc = lx_errorf(err, "%s: 'answer' must be the letter of one of the row's options, not '%s'",
                   src, answer ? answer : "");
  const field *image =
      col[COL_IMAGE] >= 0 && (size_t)col[COL_IMAGE] < r->n ? &r->f[col[COL_IMAGE]] : NULL;
  if (!rc && media_name) {
    unsigned char *bytes;
    size_t nb;
    if (!image || is_na(image->text))
      rc = lx_errorf(err, "%s: the row has no image", src);
    else if (image->quoted)
      rc = lx_errorf(err, "%s: the image field is quoted; base64 needs no quotes", src);
    else if (lx_base64_decode(data + image->start, image->len, &bytes, &nb))
      rc = lx_errorf(err, "%s: the image field is not valid base64", src);
    else {
      free(bytes);
      if (nb == 0) rc = lx_errorf(err, "%s: the image field decodes to nothing", src);
    }
  }
  if (!rc) {
    lx_item *it = lx_items_push(items);
    char id[32];
    snprintf(id, sizeof id, "%lld", idx);
    it->id = lx_xstrdup(id);
    lx_strbuf q = {0};
    if (!llava_is_none(hint)) lx_strbuf_printf(&q, "%s\n", hint);
    lx_strbuf_puts(&q, question);
    for (int k = 0; k < 4 && !llava_is_none(opt[k]); k++)
      lx_strbuf_printf(&q, "\n%c. %s", 'A' + k, opt[k]);
    it->question = lx_xstrdup(lx_strbuf_str(&q));
    lx_strbuf_free(&q);
    lx_item_add_ref(it, answer);
    for (int k = 0; k < 4; k++) lx_item_add_ref(it, opt[k] ? opt[k] : "");
    it->category = lx_xstrdup(category);
    it->subcategory = lx_xstrdup(l2);
    it->context = lx_xstrdup(question); /* the question alone, for the judge's prompt */
    it->source = lx_xstrdup(src);
    if (media_name) {
      it->media = lx_xstrdup(media_name);
      it->media_offset = (long long)image->start;
      it->media_length = image->len;
    }
  }
  free(src);
  return rc;
}

/* Rows in question order: each question's rows together (the questions in the order the TSV first
 * holds one of their rows, a question's rows by index), so that the first rows of a run (--limit)
 * are whole questions with all their circular copies. */
typedef struct row_key {
  size_t group, at;
  long long index;
} row_key;

static int by_question(const void *pa, const void *pb) {
  const row_key *a = pa, *b = pb;
  if (a->group != b->group) return a->group < b->group ? -1 : 1;
  return (a->index > b->index) - (a->index < b->index);
}

static void group_copies(lx_items *items, size_t from) {
  size_t n = items->n - from;
  row_key *key = lx_xcalloc(n + 1, sizeof *key);
  lx_strmap groups = {0};
  for (size_t k = 0; k < n; k++) {
    char g[32];
    key[k].index = atoll(items->v[from + k].id);
    snprintf(g, sizeof g, "%lld", key[k].index % LX_MMBENCH_COPY_STRIDE);
    key[k].group = lx_strmap_intern(&groups, g);
    key[k].at = from + k;
  }
  qsort(key, n, sizeof *key, by_question);
  lx_item *moved = lx_xcalloc(n + 1, sizeof *moved);
  for (size_t k = 0; k < n; k++) moved[k] = items->v[key[k].at];
  memcpy(items->v + from, moved, n * sizeof *moved);
  free(moved);
  free(key);
  lx_strmap_free(&groups);
}

size_t lx_mmbench_whole_questions(const lx_items *items, size_t n) {
  while (n > 0 && n < items->n &&
         atoll(items->v[n].id) % LX_MMBENCH_COPY_STRIDE ==
             atoll(items->v[n - 1].id) % LX_MMBENCH_COPY_STRIDE)
    n++;
  return n;
}

int lx_mmbench_load(const char *path, const char *media_name, lx_items *items, lx_error *err) {
  char *data;
  size_t n;
  if (lx_read_file(path, MAX_FILE_BYTES, &data, &n, err)) return LX_ERR;
  int rc = lx_json_check_utf8(path, data, n, err);
  record r = {0};
  size_t pos = 0;
  int line = 1, col[N_COLS];
  for (int c = 0; c < N_COLS; c++) col[c] = -1;
  size_t n_header = 0, before = items->n;
  if (!rc && !next_record(data, n, &pos, &line, &r))
    rc = lx_errorf(err, "%s: empty (expected MMBench's TSV with a header row)", path);
  if (!rc) {
    n_header = r.n;
    for (size_t i = 0; i < r.n; i++)
      for (int c = 0; c < N_COLS; c++)
        if (!strcmp(r.f[i].text, COLUMN[c]) && col[c] < 0) col[c] = (int)i;
    for (int c = 0; c < N_COLS && !rc; c++)
      if (col[c] < 0 && !OPTIONAL[c])
        rc = lx_errorf(err,
                       "%s:%d: no '%s' column (MMBench's TSV: index, question, hint, A-D, answer, "
                       "category, l2-category, image, ...)%s",
                       path, r.line, COLUMN[c],
                       c == COL_ANSWER ? "; a test split has no answers: the MMBench server "
                                         "scores it"
                                       : "");
    if (!rc && media_name && col[COL_IMAGE] < 0)
      rc = lx_errorf(err, "%s:%d: no 'image' column (the base64 images)", path, r.line);
  }
  while (!rc && next_record(data, n, &pos, &line, &r)) {
    if (r.unclosed)
      rc = lx_errorf(err, "%s:%d: a quoted field is never closed (a '\"' without its pair)", path,
                     r.line);
    else if (r.n > n_header)
      rc = lx_errorf(err, "%s:%d: %zu fields, the header has %zu", path, r.line, r.n, n_header);
    else
      rc = row_item(path, data, &r, col, media_name, items, err);
  }
  record_clear(&r);
  free(r.f);
  free(data);
  if (!rc && items->n == before) rc = lx_errorf(err, "%s: no questions under the header", path);
  if (!rc) group_copies(items, before);
  return rc ? rc : lx_items_index(items, "index", err);
}

/* ---- LLaVA's answers ------------------------------------------------------------------------- */

typedef struct answer_reader {
  const char *path;
  const lx_items *items;
  size_t *last; /* [items->n] 1 + index into raw of the item's last answer, 0: none */
  lx_predictions raw;
  size_t replaced;
} answer_reader;

static int answer_line(void *ctx, const cJSON *obj, int line, lx_error *err) {
  answer_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char id[64];
  const char *text;
  int rc = lx_json_id_text(obj, "question_id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_req_string(obj, at, "text", &text, err);
  long k = rc ? -1 : lx_items_find(r->items, id);
  if (!rc && k < 0) rc = lx_errorf(err, "%s: question_id %s is not an index of the TSV", src, id);
  if (!rc) {
    if (r->last[k]) r->replaced++;
    lx_predictions_push(&r->raw, id, text, src);
    r->last[k] = r->raw.n;
  }
  free(src);
  return rc;
}

int lx_mmbench_answers_load(const char *path, const lx_items *items, lx_predictions *preds,
                            size_t *replaced, lx_error *err) {
  answer_reader r = {path, items, lx_xcalloc(items->n + 1, sizeof(size_t)), {0}, 0};
  int rc = lx_jsonl_read(path, 1u << 30, answer_line, &r, err);
  if (!rc && r.raw.n == 0)
    rc = lx_errorf(err, "%s: no answers (LLaVA's JSON Lines {\"question_id\", \"text\"})", path);
  for (size_t k = 0; !rc && k < items->n; k++) {
    const lx_item *it = &items->v[k];
    /* the spreadsheet's round trip reads pandas' missing-value spellings ("", "None", "NA", ...)
     * back as a missing cell, which the evaluation turns into "nan" */
    if (r.last[k] && !is_na(r.raw.v[r.last[k] - 1].text))
      lx_predictions_push(preds, it->id, r.raw.v[r.last[k] - 1].text,
                          r.raw.v[r.last[k] - 1].source);
    else if (r.last[k])
      lx_predictions_push(preds, it->id, "nan", r.raw.v[r.last[k] - 1].source);
    else
      lx_predictions_push(preds, it->id, "nan", path);
  }
  *replaced = r.replaced;
  free(r.last);
  lx_predictions_free(&r.raw);
  return rc;
}
