#include "reports/human.h"

#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fault.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "media/image.h"
#include "reports/agreement.h"
#include "reports/item_media.h"
#include "reports/png_write.h"
#include "runs/run_dir.h"

#define FORMAT           "lynxeval-human-1"
#define RATINGS_FORMAT   "lynxeval-ratings-1"
#define MAX_DISPLAY_SIDE 768 /* images are shown at most this large */
#define MAX_FILE_BYTES   (1ull << 32)
#define ELO_RESAMPLES    1000

static const char *const GRADES[4] = {"A", "B", "C", "D"};
static const char *const GRADE_MEANINGS[4] = {
    "correct and satisfying", "acceptable, with minor flaws",
    "responds, but with significant errors", "irrelevant or invalid"};
static const char *const PREFERENCES[3] = {"left", "right", "tie"};

/* ---- reading runs -------------------------------------------------------------------------------
 */

typedef struct run_rows {
  cJSON *rows;        /* array of prediction rows */
  cJSON *fingerprint; /* the task's */
} run_rows;

typedef struct rows_ctx {
  cJSON *rows;
} rows_ctx;

static int keep_row(void *ctx, const cJSON *row, int line, lx_error *err) {
  (void)line;
  (void)err;
  cJSON_AddItemToArray(((rows_ctx *)ctx)->rows, cJSON_Duplicate(row, 1));
  return LX_OK;
}

static int read_run(const char *run, const char *task, run_rows *out, lx_error *err) {
  out->rows = cJSON_CreateArray();
  out->fingerprint = NULL;
  rows_ctx c = {out->rows};
  int rc = lx_run_read_json(run, task, LX_RUN_FINGERPRINT, &out->fingerprint, err);
  if (!rc) rc = lx_run_read_predictions(run, task, keep_row, &c, err);
  if (!rc && cJSON_GetArraySize(out->rows) == 0) {
    char *preds = lx_run_file(run, task, LX_RUN_PREDICTIONS);
    rc = lx_errorf(err, "%s: no predictions", preds);
    free(preds);
  }
  return rc;
}

static const cJSON *row_by_id(const cJSON *rows, const char *id) {
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const cJSON *x = cJSON_GetObjectItem(r, "id");
    if (cJSON_IsString(x) && !strcmp(x->valuestring, id)) return r;
  }
  return NULL;
}

/* ---- media
 * ----------------------------------------------------------------------------------------- */

static int write_png(const char *dir, const char *name, const uint8_t *rgb, int w, int h,
                     lx_error *err) {
  lx_strbuf png = {0};
  int rc = lx_png_encode_rgb(rgb, w, h, &png, err);
  char *path = lx_path_join(dir, name);
  if (!rc) rc = lx_write_file_atomic(path, lx_strbuf_str(&png), png.len, err);
  free(path);
  lx_strbuf_free(&png);
  return rc;
}

/* Writes an item's media as PNG files media/<code>-<k>.png (reports/item_media: the image
 * whole, or the video frames the model saw; at most MAX_DISPLAY_SIDE on the longer side);
 * appends their names to files. */
static int export_media(const cJSON *row, const char *data_dir, const lx_media_limits *lim,
                        const char *media_dir, const char *code, cJSON *files, lx_error *err) {
  lx_image *pics;
  int n;
  int rc = lx_item_pictures(row, data_dir, lim, MAX_DISPLAY_SIDE, &pics, &n, err);
  for (int k = 0; !rc && k < n; k++) {
    char name[96];
    snprintf(name, sizeof name, "%s-%d.png", code, k + 1);
    rc = write_png(media_dir, name, pics[k].rgb, pics[k].width, pics[k].height, err);
    if (!rc) {
      char rel[128];
      snprintf(rel, sizeof rel, "media/%s", name);
      cJSON_AddItemToArray(files, cJSON_CreateString(rel));
    }
  }
  lx_item_pictures_free(pics, n);
  return rc;
}

/* ---- export
 * ----------------------------------------------------------------------------------------- */

static void shuffle(size_t *v, size_t n, gsl_rng *r) {
  for (size_t i = n; i > 1; i--) {
    size_t j = gsl_rng_uniform_int(r, i);
    size_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

static void csv_field(lx_strbuf *b, const char *s) {
  lx_strbuf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"') lx_strbuf_putc(b, '"');
    lx_strbuf_putc(b, *s);
  }
  lx_strbuf_putc(b, '"');
}

/* labelstudio.json, labelstudio-config.xml and items.csv from the blinded package. */
static int write_tool_files(const cJSON *package, const char *dir, lx_error *err) {
  bool grade = !strcmp(lx_json_string(package, "protocol"), "grade");
  cJSON *tasks = cJSON_CreateArray();
  lx_strbuf csv = {0};
  lx_strbuf_puts(&csv, grade ? "item,answer,question,media,text,grade\n"
                             : "item,pair,question,media,left,right,preference\n");
  const cJSON *it, *u;
  cJSON_ArrayForEach(it, cJSON_GetObjectItem(package, "items")) {
    const cJSON *media = cJSON_GetObjectItem(it, "media");
    const char *first = cJSON_GetArraySize(media) ? cJSON_GetArrayItem(media, 0)->valuestring : "";
    cJSON_ArrayForEach(u, cJSON_GetObjectItem(it, grade ? "answers" : "pairs")) {
      cJSON *t = cJSON_CreateObject(), *data = cJSON_AddObjectToObject(t, "data");
      cJSON_AddStringToObject(data, "item", lx_json_string(it, "item"));
      cJSON_AddStringToObject(data, "question", lx_json_string(it, "question"));
      cJSON_AddStringToObject(data, "image", first);
      csv_field(&csv, lx_json_string(it, "item"));
      lx_strbuf_putc(&csv, ',');
      if (grade) {
        cJSON_AddStringToObject(data, "answer", lx_json_string(u, "answer"));
        cJSON_AddStringToObject(data, "text", lx_json_string(u, "text"));
        csv_field(&csv, lx_json_string(u, "answer"));
      } else {
        cJSON_AddStringToObject(data, "pair", lx_json_string(u, "pair"));
        cJSON_AddStringToObject(data, "left", lx_json_string(u, "left_text"));
        cJSON_AddStringToObject(data, "right", lx_json_string(u, "right_text"));
        csv_field(&csv, lx_json_string(u, "pair"));
      }
      lx_strbuf_putc(&csv, ',');
      csv_field(&csv, lx_json_string(it, "question"));
      lx_strbuf_putc(&csv, ',');
      csv_field(&csv, first);
      lx_strbuf_putc(&csv, ',');
      csv_field(&csv, grade ? lx_json_string(u, "text") : lx_json_string(u, "left_text"));
      if (!grade) {
        lx_strbuf_putc(&csv, ',');
        csv_field(&csv, lx_json_string(u, "right_text"));
      }
      lx_strbuf_puts(&csv, ",\n");
      cJSON_AddItemToArray(tasks, t);
    }
  }
  char *p = lx_path_join(dir, "labelstudio.json");
  int rc = lx_json_write_atomic(p, tasks, err);
  free(p);
  const char *config =
      grade
          ? "<View>\n  <Image name=\"image\" value=\"$image\"/>\n  <Header value=\"$question\"/>\n"
            "  <Text name=\"text\" value=\"$text\"/>\n  <Choices name=\"grade\" toName=\"text\" "
            "choice=\"single\" required=\"true\">\n"
            "    <Choice value=\"A\" hint=\"correct and satisfying\"/>\n    <Choice value=\"B\" "
            "hint=\"acceptable, with minor flaws\"/>\n"
            "    <Choice value=\"C\" hint=\"responds, but with significant errors\"/>\n    <Choice "
            "value=\"D\" hint=\"irrelevant or invalid\"/>\n"
            "  </Choices>\n</View>\n"
          : "<View>\n  <Image name=\"image\" value=\"$image\"/>\n  <Header value=\"$question\"/>\n"
            "  <Text name=\"left\" value=\"$left\"/>\n  <Text name=\"right\" value=\"$right\"/>\n"
            "  <Choices name=\"preference\" toName=\"left\" choice=\"single\" required=\"true\">\n"
            "    <Choice value=\"left\"/>\n    <Choice value=\"right\"/>\n    <Choice "
            "value=\"tie\"/>\n  </Choices>\n</View>\n";
  p = lx_path_join(dir, "labelstudio-config.xml");
  if (!rc) rc = lx_write_file_atomic(p, config, strlen(config), err);
  free(p);
  p = lx_path_join(dir, "items.csv");
  if (!rc) rc = lx_write_file_atomic(p, lx_strbuf_str(&csv), csv.len, err);
  free(p);
  lx_strbuf_free(&csv);
  cJSON_Delete(tasks);
  return rc;
}

/* The media files of the package as data URIs, for the self-contained pages. */
static int media_uris(const cJSON *package, const char *dir, cJSON **out, lx_error *err) {
  cJSON *map = cJSON_CreateObject();
  const cJSON *it, *f;
  int rc = LX_OK;
  cJSON_ArrayForEach(it, cJSON_GetObjectItem(package, "items")) {
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(it, "media")) {
      char *path = lx_path_join(dir, f->valuestring), *data;
      size_t len;
      rc = lx_read_file(path, 1u << 28, &data, &len, err);
      free(path);
      if (rc) break;
      lx_strbuf uri = {0};
      lx_strbuf_puts(&uri, "data:image/png;base64,");
      lx_base64_encode(data, len, &uri);
      cJSON_AddStringToObject(map, f->valuestring, lx_strbuf_str(&uri));
      lx_strbuf_free(&uri);
      free(data);
    }
    if (rc) break;
  }
  if (rc) {
    cJSON_Delete(map);
    return rc;
  }
  *out = map;
  return LX_OK;
}

/* A package is written once: its folder must not exist yet, or be empty. */
static int check_package_place(const char *dir, lx_error *err) {
  struct stat st;
  if (lstat(dir, &st) != 0) return LX_OK;
  bool empty = false;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(dir);
    empty = d != NULL;
    for (struct dirent *e; d && (e = readdir(d));)
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = false;
    if (d) closedir(d);
  }
  if (empty) return LX_OK;
  return lx_errorf(err,
                   "%s already exists; a package is written once, into a new folder (choose "
                   "another --out, or remove it)",
                   dir);
}

int lx_human_export(char *const *runs, size_t n_runs, const char *out_dir,
                    const lx_human_export_options *opt, lx_error *err) {
  if (n_runs == 0) return lx_errorf(err, "no runs to export");
  if (opt->protocol == LX_HUMAN_PAIRWISE && n_runs < 2)
    return lx_errorf(err, "the pairwise protocol needs at least two runs");
  if (!opt->task) return lx_errorf(err, "name the task to export (--task)");
  run_rows *rr = lx_xcalloc(n_runs, sizeof *rr);
  int rc = LX_OK;
  size_t loaded = 0;
  for (size_t r = 0; r < n_runs && rc == LX_OK; r++, loaded++)
    rc = read_run(runs[r], opt->task, &rr[r], err);
  /* items every run answered, in the first run's order */
  size_t n0 = rc ? 0 : (size_t)cJSON_GetArraySize(rr[0].rows), n = 0;
  size_t *pick = lx_xcalloc(n0 + 1, sizeof *pick);
  for (size_t i = 0; i < n0; i++) {
    const char *id = lx_json_string(cJSON_GetArrayItem(rr[0].rows, (int)i), "id");
    bool everywhere = true;
    for (size_t r = 1; r < n_runs && everywhere; r++)
      everywhere = row_by_id(rr[r].rows, id) != NULL;
    if (everywhere) pick[n++] = i;
  }
  if (rc == LX_OK && n == 0) rc = lx_errorf(err, "the runs share no item of task %s", opt->task);
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, (unsigned long)opt->seed);
  shuffle(pick, n, g);
  if (opt->limit && opt->limit < n) n = opt->limit;
  /* model codes in random order */
  size_t *model_of = lx_xcalloc(n_runs, sizeof *model_of); /* code k (m(k+1)) -> run */
  for (size_t r = 0; r < n_runs; r++) model_of[r] = r;
  shuffle(model_of, n_runs, g);
  /* the package id: a digest of what went in */
  lx_strbuf idsrc = {0};
  for (size_t r = 0; r < n_runs; r++) lx_strbuf_printf(&idsrc, "%s\n", runs[r]);
  lx_strbuf_printf(&idsrc, "%s %d %zu %llu", opt->task, opt->protocol, n,
                   (unsigned long long)opt->seed);
  char digest[65], package_id[17];
  lx_sha256_hex(lx_strbuf_str(&idsrc), idsrc.len, digest);
  snprintf(package_id, sizeof package_id, "%.16s", digest);
  lx_strbuf_free(&idsrc);
  /* the package is built in a folder beside out_dir and renamed to it when complete */
  const char *final_dir = out_dir;
  char *build_dir = NULL;
  if (rc == LX_OK) rc = check_package_place(final_dir, err);
  if (rc == LX_OK) rc = lx_make_build_dir(final_dir, &build_dir, err);
  out_dir = build_dir ? build_dir : final_dir;
  char *media_dir = lx_path_join(out_dir, "media");
  if (rc == LX_OK) rc = lx_make_dirs(media_dir, err);
  cJSON *package = cJSON_CreateObject(), *key = cJSON_CreateObject();
  cJSON_AddStringToObject(package, "format", FORMAT);
  cJSON_AddStringToObject(package, "package", package_id);
  cJSON_AddStringToObject(package, "protocol",
                          opt->protocol == LX_HUMAN_GRADE ? "grade" : "pairwise");
  cJSON_AddStringToObject(package, "task", opt->task);
  cJSON_AddNumberToObject(package, "raters", opt->raters);
  cJSON *scale = cJSON_AddObjectToObject(package, "scale");
  for (int k = 0; k < 4; k++) cJSON_AddStringToObject(scale, GRADES[k], GRADE_MEANINGS[k]);
  cJSON *items = cJSON_AddArrayToObject(package, "items");
  cJSON_AddStringToObject(key, "format", FORMAT);
  cJSON_AddStringToObject(key, "package", package_id);
  cJSON *models = cJSON_AddObjectToObject(key, "models"),
        *key_items = cJSON_AddObjectToObject(key, "items");
  for (size_t k = 0; k < n_runs; k++) {
    char code[32];
    snprintf(code, sizeof code, "m%zu", k + 1);
    cJSON *mj = cJSON_AddObjectToObject(models, code);
    cJSON_AddStringToObject(mj, "run", runs[model_of[k]]);
    const cJSON *sha = cJSON_GetObjectItem(
        cJSON_GetObjectItem(rr[model_of[k]].fingerprint, "model"), "safetensors_sha256");
    cJSON_AddStringToObject(mj, "model_sha256", cJSON_IsString(sha) ? sha->valuestring : "");
  }
  for (size_t j = 0; j < n && rc == LX_OK; j++) {
    const cJSON *row0 = cJSON_GetArrayItem(rr[0].rows, (int)pick[j]);
    const char *id = lx_json_string(row0, "id");
    char code[32];
    snprintf(code, sizeof code, "q%03zu", j + 1);
    cJSON_AddStringToObject(key_items, code, id);
    cJSON *it = cJSON_CreateObject();
    cJSON_AddStringToObject(it, "item", code);
    cJSON_AddStringToObject(it, "question", lx_json_string(row0, "question"));
    cJSON *files = cJSON_AddArrayToObject(it, "media");
    rc = export_media(row0, opt->data_dir, opt->media_limits, media_dir, code, files, err);
    if (opt->protocol == LX_HUMAN_GRADE) {
      cJSON *answers = cJSON_AddArrayToObject(it, "answers");
      for (size_t k = 0; k < n_runs; k++) {
        cJSON *a = cJSON_CreateObject();
        char mcode[32];
        snprintf(mcode, sizeof mcode, "m%zu", k + 1);
        cJSON_AddStringToObject(a, "answer", mcode);
        cJSON_AddStringToObject(a, "text",
                                lx_json_string(row_by_id(rr[model_of[k]].rows, id), "answer"));
        cJSON_AddItemToArray(answers, a);
      }
    } else {
      cJSON *pairs = cJSON_AddArrayToObject(it, "pairs");
      int p = 0;
      for (size_t x = 0; x < n_runs; x++) {
        for (size_t y = x + 1; y < n_runs; y++) {
          bool flip = gsl_rng_uniform(g) < 0.5; /* which side each model shows on */
          size_t l = flip ? y : x, r = flip ? x : y;
          char pcode[64], lc[32], rcode[32];
          snprintf(pcode, sizeof pcode, "%s-p%d", code, ++p);
          snprintf(lc, sizeof lc, "m%zu", l + 1);
          snprintf(rcode, sizeof rcode, "m%zu", r + 1);
          cJSON *pj = cJSON_CreateObject();
          cJSON_AddStringToObject(pj, "pair", pcode);
          cJSON_AddStringToObject(pj, "left", lc);
          cJSON_AddStringToObject(pj, "right", rcode);
          cJSON_AddStringToObject(pj, "left_text",
                                  lx_json_string(row_by_id(rr[model_of[l]].rows, id), "answer"));
          cJSON_AddStringToObject(pj, "right_text",
                                  lx_json_string(row_by_id(rr[model_of[r]].rows, id), "answer"));
          cJSON_AddItemToArray(pairs, pj);
        }
      }
    }
    cJSON_AddItemToArray(items, it);
  }
  char *pkg_path = lx_path_join(out_dir, "package.json");
  if (rc == LX_OK) rc = lx_json_write_atomic(pkg_path, package, err);
  free(pkg_path);
  if (rc == LX_OK) rc = write_tool_files(package, out_dir, err);
  cJSON *uris = NULL;
  if (rc == LX_OK) rc = media_uris(package, out_dir, &uris, err);
  /* one page per rater, each in its own order */
  for (int r = 1; rc == LX_OK && r <= opt->raters; r++) {
    size_t m = (size_t)cJSON_GetArraySize(items);
    size_t *order = lx_xcalloc(m + 1, sizeof *order);
    for (size_t k = 0; k < m; k++) order[k] = k;
    shuffle(order, m, g);
    cJSON *mine = cJSON_CreateArray();
    for (size_t k = 0; k < m; k++) {
      cJSON *copy = cJSON_Duplicate(cJSON_GetArrayItem(items, (int)order[k]), 1);
      cJSON *units = cJSON_GetObjectItem(copy, "answers");
      if (units) { /* answers in a fresh order for each rater and item */
        int na = cJSON_GetArraySize(units);
        size_t *ao = lx_xcalloc((size_t)na + 1, sizeof *ao);
        for (int a = 0; a < na; a++) ao[a] = (size_t)a;
        shuffle(ao, (size_t)na, g);
        cJSON *reordered = cJSON_CreateArray();
        for (int a = 0; a < na; a++)
          cJSON_AddItemToArray(reordered,
                               cJSON_Duplicate(cJSON_GetArrayItem(units, (int)ao[a]), 1));
        cJSON_ReplaceItemInObject(copy, "answers", reordered);
        free(ao);
      }
      cJSON_AddItemToArray(mine, copy);
    }
    char rater[32], name[64];
    snprintf(rater, sizeof rater, "rater-%d", r);
    snprintf(name, sizeof name, "annotate-%s.html", rater);
    lx_strbuf page = {0};
    lx_human_page(package, mine, uris, rater, &page);
    char *path = lx_path_join(out_dir, name);
    rc = lx_write_file_atomic(path, lx_strbuf_str(&page), page.len, err);
    free(path);
    lx_strbuf_free(&page);
    cJSON_Delete(mine);
    free(order);
  }
  /* the key goes beside the package, not into it */
  lx_strbuf key_path = {0};
  lx_strbuf_puts(&key_path, final_dir);
  while (key_path.len > 1 && key_path.p[key_path.len - 1] == '/') key_path.p[--key_path.len] = '\0';
  lx_strbuf_puts(&key_path, ".key.json");
  if (rc == LX_OK) rc = lx_json_write_atomic(lx_strbuf_str(&key_path), key, err);
  if (rc == LX_OK && lx_sys_rename(build_dir, final_dir) != 0) {
    rc = lx_errorf(err, "%s: cannot move the finished package into place: %s", final_dir,
                   strerror(errno));
    remove(lx_strbuf_str(&key_path));
  }
  if (rc == LX_OK)
    fprintf(
        stderr,
        "lynxeval human: %zu items for %d raters in %s; the key (keep it from the raters) is %s\n",
        n, opt->raters, final_dir, lx_strbuf_str(&key_path));
  if (build_dir && rc != LX_OK) lx_remove_tree(build_dir);
  free(build_dir);
  lx_strbuf_free(&key_path);
  cJSON_Delete(uris);
  cJSON_Delete(package);
  cJSON_Delete(key);
  gsl_rng_free(g);
  free(media_dir);
  free(model_of);
  free(pick);
  for (size_t r = 0; r < loaded; r++) {
    cJSON_Delete(rr[r].rows);
    cJSON_Delete(rr[r].fingerprint);
  }
  free(rr);
  return rc;
}

/* ---- import
 * ------------------------------------------------------------------------------------------ */

/* The units of the package: unit_key[u] = "item/answer" or "item/pair". */
typedef struct units {
  char **key;
  char **item, **a, **b; /* grade: a = answer code; pairwise: a = left, b = right */
  size_t n;
} units;

static void units_free(units *u) {
  for (size_t i = 0; i < u->n; i++) {
    free(u->key[i]);
    free(u->item[i]);
    free(u->a[i]);
    free(u->b[i]);
  }
  free(u->key);
  free(u->item);
  free(u->a);
  free(u->b);
}

static void units_of(const cJSON *package, bool grade, units *u) {
  memset(u, 0, sizeof *u);
  const cJSON *it, *x;
  cJSON_ArrayForEach(it, cJSON_GetObjectItem(package, "items")) {
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(it, grade ? "answers" : "pairs")) {
      size_t k = u->n++;
      u->key = lx_xrealloc_array(u->key, u->n, sizeof *u->key);
      u->item = lx_xrealloc_array(u->item, u->n, sizeof *u->item);
      u->a = lx_xrealloc_array(u->a, u->n, sizeof *u->a);
      u->b = lx_xrealloc_array(u->b, u->n, sizeof *u->b);
      char buf[256];
      snprintf(buf, sizeof buf, "%s/%s", lx_json_string(it, "item"),
               grade ? lx_json_string(x, "answer") : lx_json_string(x, "pair"));
      u->key[k] = lx_xstrdup(buf);
      u->item[k] = lx_xstrdup(lx_json_string(it, "item"));
      u->a[k] = lx_xstrdup(grade ? lx_json_string(x, "answer") : lx_json_string(x, "left"));
      u->b[k] = lx_xstrdup(grade ? "" : lx_json_string(x, "right"));
    }
  }
}

static long unit_index(const units *u, const char *item, const char *unit) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s/%s", item, unit);
  for (size_t i = 0; i < u->n; i++)
    if (!strcmp(u->key[i], buf)) return (long)i;
  return -1;
}

static int value_index(const char *v, bool grade) {
  const char *const *names = grade ? GRADES : PREFERENCES;
  int n = grade ? 4 : 3;
  for (int k = 0; k < n; k++)
    if (!strcmp(v, names[k])) return k;
  return -1;
}

/* Reads one ratings file into values[unit] (-1 = unrated); fails on any problem. */
static int read_ratings(const char *path, const char *package_id, bool grade, const units *u,
                        int *values, char *rater, size_t rater_size, lx_error *err) {
  cJSON *root;
  int rc = lx_json_read_file(path, 1u << 28, &root, NULL, err);
  if (rc) return rc;
  if (!cJSON_IsObject(root) || strcmp(lx_json_string(root, "format"), RATINGS_FORMAT) != 0)
    rc = lx_errorf(err, "%s: not a lynxeval ratings file (format %s)", path, RATINGS_FORMAT);
  else if (strcmp(lx_json_string(root, "package"), package_id) != 0)
    rc = lx_errorf(err, "%s: ratings for package '%s', not this one ('%s')", path,
                   lx_json_string(root, "package"), package_id);
  else if (!lx_json_string(root, "rater")[0])
    rc = lx_errorf(err, "%s: no rater named", path);
  snprintf(rater, rater_size, "%s", lx_json_string(root, "rater"));
  for (size_t i = 0; i < u->n; i++) values[i] = -1;
  const cJSON *r;
  int k = 0;
  if (!rc) {
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(root, "ratings")) {
      k++;
      const char *item = lx_json_string(r, "item"),
                 *unit = lx_json_string(r, grade ? "answer" : "pair");
      const char *value = lx_json_string(r, grade ? "grade" : "preference");
      long i = unit_index(u, item, unit);
      int v = value_index(value, grade);
      if (i < 0)
        rc = lx_errorf(err, "%s: rating %d is for %s/%s, which the package does not have", path, k,
                       item, unit);
      else if (v < 0)
        rc = lx_errorf(err, "%s: rating %d (%s/%s) is '%s', not one of %s", path, k, item, unit,
                       value, grade ? "A, B, C, D" : "left, right, tie");
      else if (values[i] >= 0)
        rc = lx_errorf(err, "%s: %s/%s is rated twice", path, item, unit);
      if (rc) break;
      values[i] = v;
    }
  }
  if (!rc) {
    size_t missing = 0, first = 0;
    for (size_t i = u->n; i-- > 0;)
      if (values[i] < 0) missing++, first = i;
    if (missing)
      rc = lx_errorf(err, "%s: incomplete: %zu of %zu units unrated (the first: %s)", path, missing,
                     u->n, u->key[first]);
  }
  cJSON_Delete(root);
  return rc;
}

static const char *model_label(const cJSON *key, const char *code) {
  const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(key, "models"), code);
  return m ? lx_json_string(m, "run") : code;
}

int lx_human_import(const char *package_dir, const char *key_path, char *const *ratings,
                    size_t n_ratings, uint64_t seed, cJSON **report, lx_error *err) {
  char *pkg_path = lx_path_join(package_dir, "package.json");
  lx_strbuf default_key = {0};
  if (!key_path) {
    lx_strbuf_puts(&default_key, package_dir);
    while (default_key.len > 1 && default_key.p[default_key.len - 1] == '/')
      default_key.p[--default_key.len] = '\0';
    lx_strbuf_puts(&default_key, ".key.json");
    key_path = lx_strbuf_str(&default_key);
  }
  cJSON *package = NULL, *key = NULL;
  int rc = lx_json_read_file(pkg_path, MAX_FILE_BYTES, &package, NULL, err);
  if (!rc) rc = lx_json_read_file(key_path, 1u << 26, &key, NULL, err);
  if (!rc && strcmp(lx_json_string(package, "format"), FORMAT) != 0)
    rc = lx_errorf(err, "%s: not a lynxeval human-evaluation package", pkg_path);
  if (!rc && strcmp(lx_json_string(key, "package"), lx_json_string(package, "package")) != 0)
    rc = lx_errorf(err, "%s is the key of package %s, not of %s", key_path,
                   lx_json_string(key, "package"), lx_json_string(package, "package"));
  if (!rc && n_ratings == 0) rc = lx_errorf(err, "no ratings files given");
  bool grade = !rc && !strcmp(lx_json_string(package, "protocol"), "grade");
  units u = {0};
  if (!rc) units_of(package, grade, &u);
  int *values = lx_xcalloc((n_ratings ? n_ratings : 1) * (u.n + 1), sizeof *values);
  char(*raters)[64] = lx_xcalloc(n_ratings + 1, sizeof *raters);
  /* all files are checked before anything is counted: never a half import */
  for (size_t f = 0; f < n_ratings && rc == LX_OK; f++) {
    rc = read_ratings(ratings[f], lx_json_string(package, "package"), grade, &u, values + f * u.n,
                      raters[f], sizeof raters[f], err);
    for (size_t g = 0; g < f && rc == LX_OK; g++)
      if (!strcmp(raters[g], raters[f]))
        rc = lx_errorf(err, "%s: rater %s also rated %s", ratings[f], raters[f], ratings[g]);
  }
  cJSON *out = NULL;
  if (rc == LX_OK) {
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "package", lx_json_string(package, "package"));
    cJSON_AddStringToObject(out, "task", lx_json_string(package, "task"));
    cJSON_AddStringToObject(out, "protocol", grade ? "grade" : "pairwise");
    cJSON_AddNumberToObject(out, "raters", (double)n_ratings);
    cJSON_AddNumberToObject(out, "units", (double)u.n);
    const cJSON *mc;
    cJSON *per_model = cJSON_AddObjectToObject(out, "models");
    int n_models = cJSON_GetArraySize(cJSON_GetObjectItem(key, "models"));
    if (grade) {
      cJSON_ArrayForEach(mc, cJSON_GetObjectItem(key, "models")) {
        double counts[4] = {0}, sum = 0, total = 0;
        for (size_t f = 0; f < n_ratings; f++)
          for (size_t i = 0; i < u.n; i++)
            if (!strcmp(u.a[i], mc->string)) {
              int v = values[f * u.n + i];
              counts[v] += 1;
              sum += 4 - v; /* A = 4 ... D = 1 */
              total += 1;
            }
        cJSON *m = cJSON_AddObjectToObject(per_model, model_label(key, mc->string));
        cJSON_AddStringToObject(m, "code", mc->string);
        cJSON *d = cJSON_AddObjectToObject(m, "grades");
        for (int k = 0; k < 4; k++) cJSON_AddNumberToObject(d, GRADES[k], counts[k]);
        cJSON_AddNumberToObject(m, "mean_grade", total ? sum / total : 0);
        cJSON_AddStringToObject(m, "mean_grade_scale", "A = 4, B = 3, C = 2, D = 1");
      }
    } else {
      /* each rating is a judgement between two model indices (codes m1..mK -> 0..K-1) */
      size_t n_pref = n_ratings * u.n;
      lx_preference *pref = lx_xcalloc(n_pref + 1, sizeof *pref);
      double *wins = lx_xcalloc((size_t)n_models, sizeof *wins),
             *losses = lx_xcalloc((size_t)n_models, sizeof *losses);
      double *ties = lx_xcalloc((size_t)n_models, sizeof *ties);
      for (size_t f = 0; f < n_ratings; f++) {
        for (size_t i = 0; i < u.n; i++) {
          int l = atoi(u.a[i] + 1) - 1, r = atoi(u.b[i] + 1) - 1, v = values[f * u.n + i];
          double outcome = v == 0 ? 1 : v == 1 ? 0 : 0.5;
          pref[f * u.n + i] = (lx_preference){l, r, outcome};
          if (v == 2) {
            ties[l]++;
            ties[r]++;
          } else {
            wins[v == 0 ? l : r]++;
            losses[v == 0 ? r : l]++;
          }
        }
      }
      double *ls = lx_xcalloc((size_t)n_models, sizeof *ls),
             *elo = lx_xcalloc((size_t)n_models, sizeof *elo);
      lx_interval *iv = lx_xcalloc((size_t)n_models, sizeof *iv);
      int it = lx_bradley_terry(pref, n_pref, n_models, ls);
      lx_bradley_terry_elo(ls, n_models, elo);
      lx_bradley_terry_intervals(pref, n_pref, n_models, ELO_RESAMPLES, seed, 0.05, iv);
      int k = 0;
      cJSON_ArrayForEach(mc, cJSON_GetObjectItem(key, "models")) {
        cJSON *m = cJSON_AddObjectToObject(per_model, model_label(key, mc->string));
        cJSON_AddStringToObject(m, "code", mc->string);
        cJSON_AddNumberToObject(m, "wins", wins[k]);
        cJSON_AddNumberToObject(m, "losses", losses[k]);
        cJSON_AddNumberToObject(m, "ties", ties[k]);
        if (it > 0) {
          cJSON_AddNumberToObject(m, "elo", elo[k]);
          cJSON *a = cJSON_AddArrayToObject(m, "elo_interval");
          cJSON_AddItemToArray(a, cJSON_CreateNumber(iv[k].low));
          cJSON_AddItemToArray(a, cJSON_CreateNumber(iv[k].high));
        } else {
          cJSON_AddNullToObject(m, "elo"); /* a model that always wins or always loses */
        }
        k++;
      }
      cJSON_AddStringToObject(
          out, "strengths",
          "Bradley-Terry (ties as half wins), Elo = 1500 + 400 log10(strength), "
          "95% bootstrap intervals over judgements");
      free(pref);
      free(wins);
      free(losses);
      free(ties);
      free(ls);
      free(elo);
      free(iv);
    }
    /* agreement: grades ordered D < C < B < A; preferences as left / right / tie */
    int k = grade ? 4 : 3;
    int *ordered = lx_xcalloc(n_ratings * u.n + 1, sizeof *ordered);
    for (size_t f = 0; f < n_ratings; f++)
      for (size_t i = 0; i < u.n; i++)
        ordered[f * u.n + i] = grade ? 3 - values[f * u.n + i] : values[f * u.n + i];
    cJSON *agree = cJSON_AddObjectToObject(out, "agreement");
    if (n_ratings >= 2) {
      cJSON *pairs = cJSON_AddArrayToObject(agree, grade ? "cohen_kappa_linear" : "cohen_kappa");
      for (size_t f = 0; f < n_ratings; f++) {
        for (size_t g = f + 1; g < n_ratings; g++) {
          cJSON *p = cJSON_CreateObject();
          char names[140];
          snprintf(names, sizeof names, "%s / %s", raters[f], raters[g]);
          cJSON_AddStringToObject(p, "raters", names);
          cJSON_AddNumberToObject(p, "kappa",
                                  lx_cohen_kappa(ordered + f * u.n, ordered + g * u.n, u.n, k,
                                                 grade ? LX_KAPPA_LINEAR : LX_KAPPA_NONE));
          cJSON_AddItemToArray(pairs, p);
        }
      }
      double *counts = lx_xcalloc(u.n * (size_t)k + 1, sizeof *counts);
      for (size_t f = 0; f < n_ratings; f++)
        for (size_t i = 0; i < u.n; i++) counts[i * (size_t)k + (size_t)ordered[f * u.n + i]] += 1;
      cJSON_AddNumberToObject(agree, "fleiss_kappa", lx_fleiss_kappa(counts, u.n, k));
      double alpha = lx_krippendorff_alpha(ordered, n_ratings, u.n, k,
                                           grade ? LX_ALPHA_ORDINAL : LX_ALPHA_NOMINAL);
      if (alpha == alpha)
        cJSON_AddNumberToObject(
            agree, grade ? "krippendorff_alpha_ordinal" : "krippendorff_alpha_nominal", alpha);
      else
        cJSON_AddNullToObject(agree,
                              grade ? "krippendorff_alpha_ordinal" : "krippendorff_alpha_nominal");
      free(counts);
    } else {
      cJSON_AddStringToObject(agree, "note", "one rater: no agreement to measure");
    }
    free(ordered);
  }
  units_free(&u);
  free(values);
  free(raters);
  cJSON_Delete(package);
  cJSON_Delete(key);
  free(pkg_path);
  lx_strbuf_free(&default_key);
  if (rc) return rc;
  *report = out;
  return LX_OK;
}
