#include "tasks/mme.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/unicode.h"
#include "scorers/mme.h"

#define MAX_TEXT_BYTES   (64u << 20)
#define RESULT_COLUMNS   4 /* image, question, truth, response */
#define QUESTION_COLUMNS 2 /* question, truth */

/* Splits a line (NUL-terminated, modified) on tabs into at most max columns; returns the count
 * found (which may exceed max). */
static int split_tabs(char *line, char **col, int max) {
  int n = 0;
  for (char *c = line;;) {
    if (n < max) col[n] = c;
    n++;
    char *tab = strchr(c, '\t');
    if (!tab) return n;
    *tab = '\0';
    c = tab + 1;
  }
}

/* "yes"/"no" after Python's lower(), else NULL. */
static const char *truth_of(const char *s) {
  lx_strbuf low = {0};
  lx_py_lower(s, strlen(s), &low);
  const char *t = !strcmp(lx_strbuf_str(&low), "yes")  ? "Yes"
                  : !strcmp(lx_strbuf_str(&low), "no") ? "No"
                                                       : NULL;
  lx_strbuf_free(&low);
  return t;
}

/* Calls fn for each line of a text file (universal newlines), with its 1-based number. */
typedef int (*line_fn)(void *ctx, char *line, int number, const char *path, lx_error *err);

static int each_line(const char *path, line_fn fn, void *ctx, lx_error *err) {
  char *text;
  size_t len, bad;
  if (lx_read_file(path, MAX_TEXT_BYTES, &text, &len, err)) return LX_ERR;
  if (!lx_utf8_valid(text, len, &bad)) {
    free(text);
    return lx_errorf(err, "%s: not valid UTF-8 (byte %zu)", path, bad);
  }
  int rc = LX_OK, number = 0;
  for (char *s = text; rc == LX_OK && s < text + len;) {
    char *nl = memchr(s, '\n', (size_t)(text + len - s));
    char *end = nl ? nl : text + len;
    if (end > s && end[-1] == '\r') end[-1] = '\0';
    *end = '\0';
    rc = fn(ctx, s, ++number, path, err);
    s = end + 1;
  }
  free(text);
  return rc;
}

typedef struct results_ctx {
  lx_items *items;
  lx_predictions *preds;
  const char *subtask;
  size_t first; /* index of the file's first item */
} results_ctx;

static int result_line(void *vctx, char *line, int number, const char *path, lx_error *err) {
  results_ctx *c = vctx;
  char *col[RESULT_COLUMNS];
  int n = split_tabs(line, col, RESULT_COLUMNS);
  if (n != RESULT_COLUMNS)
    return lx_errorf(err,
                     "%s:%d: expected %d tab-separated columns (image, question, Yes/No, "
                     "response), found %d",
                     path, number, RESULT_COLUMNS, n);
  const char *truth = truth_of(col[2]);
  if (!truth)
    return lx_errorf(err, "%s:%d: the answer column must be Yes or No, not '%s'", path, number,
                     col[2]);
  size_t in_file = c->items->n - c->first;
  if (in_file % 2 == 1 && strcmp(c->items->v[c->items->n - 1].media, col[0]) != 0)
    return lx_errorf(err,
                     "%s:%d: lines %d and %d should be the two questions of one image, but "
                     "name '%s' and '%s'",
                     path, number, number - 1, number, c->items->v[c->items->n - 1].media, col[0]);
  char id[96];
  snprintf(id, sizeof id, "%s/%d", c->subtask, number);
  lx_item *it = lx_items_push(c->items);
  it->id = lx_xstrdup(id);
  it->media = lx_xstrdup(col[0]);
  it->question = lx_xstrdup(col[1]);
  lx_item_add_ref(it, col[2]);
  it->category = lx_xstrdup(c->subtask);
  it->source = lx_source_at(path, number);
  lx_predictions_push(c->preds, id, col[3], it->source);
  return LX_OK;
}

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int lx_mme_results_load(const char *dir, lx_items *items, lx_predictions *preds, lx_error *err) {
  int files = 0;
  for (int s = 0; s < LX_MME_SUBTASKS; s++) {
    char name[64];
    snprintf(name, sizeof name, "%s.txt", lx_mme_subtask_names[s]);
    char *path = lx_path_join(dir, name);
    if (!is_file(path)) {
      free(path);
      continue;
    }
    results_ctx c = {items, preds, lx_mme_subtask_names[s], items->n};
    int rc = each_line(path, result_line, &c, err);
    size_t n = items->n - c.first;
    if (!rc && n == 0) rc = lx_errorf(err, "%s: no questions in the file", path);
    if (!rc && n % 2)
      rc = lx_errorf(err,
                     "%s: %zu lines; MME has two questions per image, so the count must be even",
                     path, n);
    free(path);
    if (rc) return rc;
    files++;
  }
  if (files == 0)
    return lx_errorf(
        err, "%s: none of the 14 MME result files (existence.txt, ..., code_reasoning.txt)", dir);
  return lx_items_index(items, "question", err);
}

/* ---- the released benchmark -------------------------------------------------------------------
 */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .txt names in dir, sorted (heap array of heap strings). */
static char **txt_files(const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  *n = 0;
  if (!d) return NULL;
  char **names = NULL;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      names = lx_xrealloc_array(names, cap, sizeof *names);
    }
    names[(*n)++] = lx_xstrdup(e->d_name);
  }
  closedir(d);
  if (*n) qsort(names, *n, sizeof *names, by_name);
  return names;
}

typedef struct question_ctx {
  lx_items *items;
  const char *subtask, *media, *stem;
  int count;
} question_ctx;

static int question_line(void *vctx, char *line, int number, const char *path, lx_error *err) {
  question_ctx *c = vctx;
  if (!line[0] || (line[0] == '\r' && !line[1])) return LX_OK; /* a trailing blank line */
  char *col[QUESTION_COLUMNS];
  int n = split_tabs(line, col, QUESTION_COLUMNS);
  if (n != QUESTION_COLUMNS)
    return lx_errorf(err, "%s:%d: expected 2 tab-separated columns (question, Yes/No), found %d",
                     path, number, n);
  const char *truth = truth_of(col[1]);
  if (!truth)
    return lx_errorf(err, "%s:%d: the answer must be Yes or No, not '%s'", path, number, col[1]);
  char id[512];
  snprintf(id, sizeof id, "%s/%s#%d", c->subtask, c->stem, ++c->count);
  lx_item *it = lx_items_push(c->items);
  it->id = lx_xstrdup(id);
  it->media = lx_xstrdup(c->media);
  it->question = lx_xstrdup(col[0]);
  lx_item_add_ref(it, truth);
  it->category = lx_xstrdup(c->subtask);
  it->source = lx_source_at(path, number);
  return LX_OK;
}

int lx_mme_load(const char *data_dir, lx_items *items, lx_error *err) {
  static const char *const exts[] = {".jpg", ".png", ".jpeg", ".JPG", ".PNG"};
  int rc = LX_OK, found = 0;
  for (int s = 0; s < LX_MME_SUBTASKS && rc == LX_OK; s++) {
    const char *sub = lx_mme_subtask_names[s];
    char *sub_dir = lx_path_join(data_dir, sub);
    char *qa_dir = lx_path_join(sub_dir, "questions_answers_YN");
    bool split = is_dir(qa_dir); /* images/ + questions_answers_YN/ */
    const char *txt_dir = split ? qa_dir : sub_dir;
    size_t n;
    char **names = txt_files(txt_dir, &n);
    if (n == 0 && is_dir(sub_dir)) /* a missing subtask folder is skipped, an empty one is not */
      rc = lx_errorf(err, "%s: no question files (.txt) for MME subtask %s", txt_dir, sub);
    if (n) found++;
    for (size_t i = 0; i < n && rc == LX_OK; i++) {
      char stem[256];
      snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
      char media[640] = "";
      for (size_t e = 0; e < sizeof exts / sizeof exts[0] && !media[0]; e++) {
        char rel[600];
        snprintf(rel, sizeof rel, "%s/%s%s%s", sub, split ? "images/" : "", stem, exts[e]);
        char *full = lx_path_join(data_dir, rel);
        if (is_file(full)) snprintf(media, sizeof media, "%s", rel);
        free(full);
      }
      char *txt = lx_path_join(txt_dir, names[i]);
      if (!media[0]) rc = lx_errorf(err, "%s: no image named %s.jpg or .png beside it", txt, stem);
      question_ctx c = {items, sub, media, stem, 0};
      if (rc == LX_OK) rc = each_line(txt, question_line, &c, err);
      if (rc == LX_OK && c.count != 2)
        rc = lx_errorf(err, "%s: %d questions; MME has two per image", txt, c.count);
      free(txt);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(qa_dir);
    free(sub_dir);
  }
  if (rc == LX_OK && found == 0)
    rc = lx_errorf(err, "%s: none of the 14 MME subtask folders (existence/, ..., code_reasoning/)",
                   data_dir);
  if (rc == LX_OK) rc = lx_items_index(items, "question", err);
  return rc;
}
