#include "tasks/registry.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"

#define REGISTRY_MAX_LINE 4096

extern const char lx_datasets_registry[];
extern const unsigned long lx_datasets_registry_len;

static char *trimmed_copy(const char *b, const char *e) {
  while (b < e && isspace((unsigned char)*b)) b++;
  while (e > b && isspace((unsigned char)e[-1])) e--;
  char *s = lx_xmalloc((size_t)(e - b) + 1);
  memcpy(s, b, (size_t)(e - b));
  s[e - b] = '\0';
  return s;
}

static int parse_file(lx_dataset *d, char *value, const char *where, lx_error *err) {
  if (d->n_files == LX_REGISTRY_MAX_FILES)
    return lx_errorf(err, "%s: more than %d files in one entry", where, LX_REGISTRY_MAX_FILES);
  lx_dataset_file *f = &d->files[d->n_files];
  f->sha256[0] = '\0';
  f->bytes = -1;
  char *save = NULL, *tok = strtok_r(value, " \t", &save);
  if (!tok) return lx_errorf(err, "%s: 'file' needs a path", where);
  f->path = lx_xstrdup(tok);
  d->n_files++;
  while ((tok = strtok_r(NULL, " \t", &save))) {
    if (strncmp(tok, "sha256:", 7) == 0) {
      const char *h = tok + 7;
      size_t n = strlen(h);
      bool hex = n == 64;
      for (size_t i = 0; hex && i < n; i++)
        hex = isxdigit((unsigned char)h[i]) && !isupper((unsigned char)h[i]);
      if (!hex) return lx_errorf(err, "%s: sha256 must be 64 lowercase hex digits", where);
      memcpy(f->sha256, h, 65);
    } else if (strncmp(tok, "bytes:", 6) == 0) {
      char *end;
      f->bytes = strtoll(tok + 6, &end, 10);
      if (*end || f->bytes < 0)
        return lx_errorf(err, "%s: bytes must be a non-negative integer", where);
    } else {
      return lx_errorf(err, "%s: unexpected '%s' after the file path (sha256:HEX or bytes:N)",
                       where, tok);
    }
  }
  return LX_OK;
}

static int set_once(char **slot, const char *key, char *value, const char *where, lx_error *err) {
  if (*slot) {
    free(value);
    return lx_errorf(err, "%s: '%s' given twice", where, key);
  }
  *slot = value;
  return LX_OK;
}

int lx_registry_parse(const char *text, size_t len, const char *origin, lx_registry *out,
                      lx_error *err) {
  memset(out, 0, sizeof *out);
  size_t cap = 0;
  lx_dataset *cur = NULL;
  int line = 0, rc = LX_OK;
  for (const char *p = text; rc == LX_OK && p < text + len;) {
    const char *nl = memchr(p, '\n', (size_t)(text + len - p));
    const char *end = nl ? nl : text + len;
    line++;
    char where[256];
    snprintf(where, sizeof where, "%s:%d", origin, line);
    char *l = trimmed_copy(p, end);
    p = end + 1;
    if (!l[0] || l[0] == '#') {
      free(l);
      continue;
    }
    if (strlen(l) > REGISTRY_MAX_LINE) {
      rc = lx_errorf(err, "%s: line longer than %d bytes", where, REGISTRY_MAX_LINE);
    } else if (l[0] == '[') {
      size_t n = strlen(l);
      if (l[n - 1] != ']' || n < 3) {
        rc = lx_errorf(err, "%s: an entry starts with [name]", where);
      } else {
        if (out->n == cap) {
          cap = cap ? 2 * cap : 16;
          out->v = lx_xrealloc_array(out->v, cap, sizeof *out->v);
        }
        cur = &out->v[out->n++];
        memset(cur, 0, sizeof *cur);
        cur->items = -1;
        cur->name = trimmed_copy(l + 1, l + n - 1);
        for (size_t i = 0; i + 1 < out->n; i++)
          if (!strcmp(out->v[i].name, cur->name))
            rc = lx_errorf(err, "%s: entry [%s] occurs twice", where, cur->name);
      }
    } else {
      char *eq = strchr(l, '=');
      if (!cur) {
        rc = lx_errorf(err, "%s: a key before the first [entry]", where);
      } else if (!eq) {
        rc = lx_errorf(err, "%s: expected 'key = value'", where);
      } else {
        char *key = trimmed_copy(l, eq), *value = trimmed_copy(eq + 1, l + strlen(l));
        if (!strcmp(key, "file")) {
          rc = parse_file(cur, value, where, err);
          free(value);
        } else if (!strcmp(key, "note")) {
          if (cur->n_notes == LX_REGISTRY_MAX_NOTES)
            rc = lx_errorf(err, "%s: more than %d notes", where, LX_REGISTRY_MAX_NOTES);
          else
            cur->notes[cur->n_notes++] = value, value = NULL;
          free(value);
        } else if (!strcmp(key, "items")) {
          char *e2;
          cur->items = strtol(value, &e2, 10);
          if (!strcmp(value, "unrecorded"))
            cur->items = LX_ITEMS_UNRECORDED;
          else if (*e2 || cur->items < 0)
            rc = lx_errorf(err, "%s: items must be a non-negative integer or 'unrecorded'", where);
          free(value);
        } else {
          char **slot = !strcmp(key, "task")         ? &cur->task
                        : !strcmp(key, "title")      ? &cur->title
                        : !strcmp(key, "media")      ? &cur->media
                        : !strcmp(key, "media_root") ? &cur->media_root
                        : !strcmp(key, "license")    ? &cur->license
                        : !strcmp(key, "citation")   ? &cur->citation
                                                     : NULL;
          if (!slot) {
            rc = lx_errorf(err, "%s: unknown key '%s'", where, key);
            free(value);
          } else {
            rc = set_once(slot, key, value, where, err);
          }
        }
        free(key);
      }
    }
    free(l);
  }
  for (size_t i = 0; rc == LX_OK && i < out->n; i++) {
    const lx_dataset *d = &out->v[i];
    if (!d->task || !d->title || d->n_files == 0 ||
        (d->items < 0 && d->items != LX_ITEMS_UNRECORDED) || !d->media || !d->license ||
        !d->citation)
      rc = lx_errorf(err,
                     "%s: entry [%s] needs task, title, file, items, media, license and citation",
                     origin, d->name);
  }
  if (rc) lx_registry_free(out);
  return rc;
}

int lx_registry_builtin(lx_registry *out, lx_error *err) {
  return lx_registry_parse(lx_datasets_registry, lx_datasets_registry_len, "datasets.txt", out,
                           err);
}

void lx_registry_free(lx_registry *r) {
  for (size_t i = 0; i < r->n; i++) {
    lx_dataset *d = &r->v[i];
    free(d->name);
    free(d->task);
    free(d->title);
    free(d->media);
    free(d->media_root);
    free(d->license);
    free(d->citation);
    for (int k = 0; k < d->n_files; k++) free(d->files[k].path);
    for (int k = 0; k < d->n_notes; k++) free(d->notes[k]);
  }
  free(r->v);
  memset(r, 0, sizeof *r);
}

const lx_dataset *lx_registry_find(const lx_registry *r, const char *name) {
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->v[i].name, name)) return &r->v[i];
  return NULL;
}

char *lx_dataset_root(const char *root, const lx_dataset *d) {
  char *sub = lx_path_join(root, d->name);
  struct stat st;
  if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) return sub;
  free(sub);
  return lx_xstrdup(root);
}
