#include "tasks/video_qa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"

#define MAX_FILE_BYTES    (512u << 20)
#define MAX_MAPPING_BYTES (16u << 20)

typedef struct mapping {
  lx_strmap ids; /* "N" of vidN -> k */
  char **clip;   /* [k] */
} mapping;

static void mapping_free(mapping *m) {
  for (size_t k = 0; k < m->ids.n; k++) free(m->clip[k]);
  free(m->clip);
  lx_strmap_free(&m->ids);
}

/* youtube_mapping.txt: "<clip> vid<N>" per line (blank lines allowed). */
static int mapping_load(const char *path, mapping *m, lx_error *err) {
  char *text;
  size_t n;
  if (lx_read_file(path, MAX_MAPPING_BYTES, &text, &n, err)) return LX_ERR;
  int rc = lx_json_check_utf8(path, text, n, err), line = 0;
  for (char *p = text; !rc && p < text + n; line++) {
    char *end = memchr(p, '\n', (size_t)(text + n - p));
    if (!end) end = text + n;
    *end = '\0';
    if (end > p && end[-1] == '\r') end[-1] = '\0';
    char clip[512], vid[64], extra[8];
    int got = sscanf(p, "%511s %63s %7s", clip, vid, extra);
    if (*p && got != 2 && !(got == EOF))
      rc = lx_errorf(err, "%s:%d: expected \"<clip name> vid<N>\"", path, line + 1);
    else if (got == 2) {
      char *num_end;
      long v = strncmp(vid, "vid", 3) == 0 ? strtol(vid + 3, &num_end, 10) : -1;
      if (v < 0 || *num_end)
        rc = lx_errorf(err, "%s:%d: '%s' is not vid<N>", path, line + 1, vid);
      else if (strchr(clip, '/'))
        rc = lx_errorf(err, "%s:%d: '%s' is not a clip name", path, line + 1, clip);
      if (!rc) {
        char key[32];
        snprintf(key, sizeof key, "%ld", v);
        size_t before = m->ids.n, k = lx_strmap_intern(&m->ids, key);
        if (k < before) {
          rc = lx_errorf(err, "%s:%d: vid%ld is mapped twice", path, line + 1, v);
        } else {
          m->clip = lx_xrealloc_array(m->clip, m->ids.n, sizeof *m->clip);
          m->clip[k] = lx_xstrdup(clip);
        }
      }
    }
    p = end + 1;
  }
  free(text);
  return rc;
}

static const char *const KINDS[] = {"what", "who", "how", "when", "where"};

/* The question's first word, lower case, if it is one of the kinds; else "other". */
static const char *question_kind(const char *q) {
  lx_span *w;
  size_t n = lx_py_split(q, strlen(q), &w);
  const char *kind = "other";
  if (n > 0) {
    lx_strbuf low = {0};
    lx_py_lower(w[0].p, w[0].n, &low);
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
      if (!strcmp(lx_strbuf_str(&low), KINDS[k])) kind = KINDS[k];
    lx_strbuf_free(&low);
  }
  free(w);
  return kind;
}

typedef struct qa_reader {
  const char *path, *media_root;
  const mapping *map; /* NULL: MSRVTT-QA's names */
  lx_items *items;
} qa_reader;

static int qa_entry(void *ctx, int which, const cJSON *q, lx_json_place place, lx_error *err) {
  (void)which;
  qa_reader *r = ctx;
  char *src = lx_source_at_place(r->path, place);
  lx_json_at at = {src, ""};
  char id[64], video[64];
  const char *question, *answer;
  int rc = cJSON_IsObject(q) ? LX_OK : lx_errorf(err, "%s: a question must be an object", src);
  if (!rc) rc = lx_json_id_text(q, "id", src, id, sizeof id, err);
  if (!rc) rc = lx_json_id_text(q, "video_id", src, video, sizeof video, err);
  if (!rc) rc = lx_json_req_string(q, at, "question", &question, err);
  if (!rc) rc = lx_json_req_string(q, at, "answer", &answer, err);
  lx_strbuf stem = {0}, media = {0};
  if (!rc && r->map) {
    size_t k = lx_strmap_find(&r->map->ids, video);
    if (k == (size_t)-1)
      rc = lx_errorf(err, "%s: video_id %s is not in youtube_mapping.txt", src, video);
    else
      lx_strbuf_puts(&stem, r->map->clip[k]);
  } else if (!rc) {
    lx_strbuf_printf(&stem, "video%s", video);
  }
  if (!rc) {
    lx_strbuf_printf(&media, "%s%s%s", r->media_root ? r->media_root : "", lx_strbuf_str(&stem),
                     r->map ? ".avi" : ".mp4");
    rc = lx_check_media_path(lx_strbuf_str(&media), src, err);
  }
  if (!rc) {
    lx_item *it = lx_items_push(r->items);
    it->id = lx_xstrdup(id);
    it->media = lx_xstrdup(lx_strbuf_str(&media));
    it->video = true;
    it->question = lx_xstrdup(question);
    lx_item_add_ref(it, answer);
    it->category = lx_xstrdup(question_kind(question));
    it->subcategory = lx_xstrdup(lx_strbuf_str(&stem));
    it->source = lx_xstrdup(src);
  }
  lx_strbuf_free(&stem);
  lx_strbuf_free(&media);
  free(src);
  return rc;
}

int lx_video_qa_load(const char *qa_path, const char *mapping_path, const char *media_root,
                     lx_items *items, lx_error *err) {
  mapping map = {0};
  if (mapping_path && mapping_load(mapping_path, &map, err)) {
    mapping_free(&map);
    return LX_ERR;
  }
  qa_reader r = {qa_path, media_root, mapping_path ? &map : NULL, items};
  size_t before = items->n;
  int rc = lx_json_read_array(qa_path, MAX_FILE_BYTES, qa_entry, &r, err);
  if (!rc && items->n == before)
    rc = lx_errorf(err,
                   "%s: no questions (a JSON list of {\"answer\", \"id\", \"question\", "
                   "\"video_id\"})",
                   qa_path);
  mapping_free(&map);
  return rc ? rc : lx_items_index(items, "question id", err);
}
