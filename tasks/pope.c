#include "tasks/pope.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strmap.h"

#define MAX_SPLIT_BYTES (64u << 20)

static const char *const SPLITS[] = {"random", "popular", "adversarial"};

const char *lx_pope_split_of(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *tag = strstr(base, "_pope_");
  size_t len = strlen(base);
  if (!tag || len < 5 || strcmp(base + len - 5, ".json") != 0) return NULL;
  for (size_t s = 0; s < sizeof SPLITS / sizeof SPLITS[0]; s++) {
    size_t n = strlen(SPLITS[s]);
    /* the split is the name's last "_"-separated part: coco_pope_random, aokvqa_pope_seem_random */
    const char *end = base + len - 5;
    if ((size_t)(end - tag) >= n + 1 && !strncmp(end - n, SPLITS[s], n) && end[-(long)n - 1] == '_')
      return SPLITS[s];
  }
  return NULL;
}

typedef struct reader {
  const char *path, *split, *media_root;
  lx_items *items;
} reader;

static int question_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char qid[64];
  const char *image, *text;
  static const char *const labels[] = {"no", "yes"};
  int label = -1;
  int rc = lx_json_id_text(obj, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_req_string(obj, at, "image", &image, err);
  if (!rc) rc = lx_json_req_string(obj, at, "text", &text, err);
  if (!rc) rc = lx_json_choice(obj, at, "label", labels, 2, -1, &label, err);
  char *media = rc ? NULL : lx_media_path_join(r->media_root, image);
  if (!rc) rc = lx_check_media_path(media, src, err);
  if (rc) {
    free(media);
    free(src);
    return rc;
  }
  lx_item *it = lx_items_push(r->items);
  size_t n = strlen(r->split) + strlen(qid) + 2;
  it->id = lx_xmalloc(n);
  snprintf(it->id, n, "%s/%s", r->split, qid);
  it->media = media;
  it->question = lx_xstrdup(text);
  lx_item_add_ref(it, labels[label]);
  it->category = lx_xstrdup(r->split);
  it->source = src;
  return LX_OK;
}

int lx_pope_load(const char *path, const char *media_root, lx_items *items, lx_error *err) {
  const char *split = lx_pope_split_of(path);
  if (!split)
    return lx_errorf(err,
                     "%s: not a POPE split file: the name must end in _pope_random.json, "
                     "_pope_popular.json or _pope_adversarial.json (the split is read from it)",
                     path);
  size_t before = items->n;
  reader r = {path, split, media_root, items};
  if (lx_jsonl_read(path, MAX_SPLIT_BYTES, question_row, &r, err)) return LX_ERR;
  if (items->n == before) return lx_errorf(err, "%s: no questions in the file", path);
  return LX_OK;
}

/* ---- LLaVA's results layout ------------------------------------------------------------------ */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct category_reader {
  const char *path;
  lx_strmap ids;   /* question_id -> k */
  char **category; /* [k] */
} category_reader;

static int category_row(void *ctx, const cJSON *obj, int line, lx_error *err) {
  category_reader *r = ctx;
  char *src = lx_source_at(r->path, line);
  lx_json_at at = {src, ""};
  char qid[64];
  const char *category;
  int rc = lx_json_id_text(obj, "question_id", src, qid, sizeof qid, err);
  if (!rc) rc = lx_json_req_string(obj, at, "category", &category, err);
  if (!rc) {
    size_t before = r->ids.n, k = lx_strmap_intern(&r->ids, qid);
    if (k < before) {
      rc = lx_errorf(err, "%s: question_id %s occurs twice", src, qid);
    } else {
      r->category = lx_xrealloc_array(r->category, r->ids.n, sizeof *r->category);
      r->category[k] = lx_xstrdup(category);
    }
  }
  free(src);
  return rc;
}

int lx_pope_llava_results_load(const char *annotation_dir, const char *question_file,
                               const char *results, lx_items *items, lx_predictions *preds,
                               lx_error *err) {
  DIR *d = opendir(annotation_dir);
  if (!d) return lx_errorf(err, "%s: cannot open the annotation directory", annotation_dir);
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = lx_path_join(annotation_dir, e->d_name);
    struct stat st;
    bool folder = stat(path, &st) == 0 && S_ISDIR(st.st_mode); /* images kept beside the files */
    free(path);
    if (folder) continue;
    names = lx_xrealloc_array(names, n + 1, sizeof *names);
    names[n++] = lx_xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  int rc = n ? LX_OK
             : lx_errorf(err, "%s: no split files (coco_pope_<split>.json) in it", annotation_dir);
  size_t *split_start = lx_xcalloc(n + 1, sizeof *split_start);
  for (size_t f = 0; rc == LX_OK && f < n; f++) {
    char *path = lx_path_join(annotation_dir, names[f]);
    split_start[f] = items->n;
    rc = lx_pope_load(path, NULL, items, err);
    free(path);
  }
  split_start[n] = items->n;
  if (!rc) rc = lx_items_index(items, "question", err);
  category_reader cr = {question_file, {0}, NULL};
  if (!rc) rc = lx_jsonl_read(question_file, MAX_SPLIT_BYTES, category_row, &cr, err);
  lx_predictions raw = {0};
  if (!rc) rc = lx_predictions_load_jsonl(results, "question_id", "text", &raw, err);
  /* each split's answers in the results' order take its questions in file order */
  size_t *used = lx_xcalloc(n + 1, sizeof *used);
  for (size_t i = 0; rc == LX_OK && i < raw.n; i++) {
    size_t k = lx_strmap_find(&cr.ids, raw.v[i].id);
    if (k == (size_t)-1) {
      rc = lx_errorf(err, "%s: question_id %s is not in %s", raw.v[i].source, raw.v[i].id,
                     question_file);
      break;
    }
    for (size_t f = 0; f < n; f++) {
      if (strcmp(items->v[split_start[f]].category, cr.category[k]) != 0) continue;
      size_t q = split_start[f] + used[f]++;
      if (q >= split_start[f + 1]) {
        rc = lx_errorf(err,
                       "%s: split '%s' has more answers than %s has questions (%zu); the script "
                       "would score them against no label",
                       raw.v[i].source, cr.category[k], names[f],
                       split_start[f + 1] - split_start[f]);
        break;
      }
      lx_predictions_push(preds, items->v[q].id, raw.v[i].text, raw.v[i].source);
    }
  }
  for (size_t k = 0; k < cr.ids.n; k++) free(cr.category[k]);
  free(cr.category);
  lx_strmap_free(&cr.ids);
  lx_predictions_free(&raw);
  for (size_t f = 0; f < n; f++) free(names[f]);
  free(names);
  free(split_start);
  free(used);
  return rc;
}
