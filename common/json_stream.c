#include "common/json_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/jsonutil.h"

static bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(lx_json_stream *s) {
  while (s->pos < s->len && is_ws(s->text[s->pos])) s->pos++;
}

lx_json_place lx_json_stream_place(lx_json_stream *s, size_t off) {
  if (off > s->len) off = s->len;
  if (off < s->line_pos) { /* only on an error path: count again from the start */
    s->line_pos = s->line_start = 0;
    s->line = 1;
  }
  const char *p = s->text + s->line_pos, *end = s->text + off;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    s->line++;
    s->line_start = (size_t)(++p - s->text);
  }
  s->line_pos = off;
  size_t b = off; /* only whitespace between the line's start and off: the line says it */
  while (b > s->line_start &&
         (s->text[b - 1] == ' ' || s->text[b - 1] == '\t' || s->text[b - 1] == '\r'))
    b--;
  lx_json_place at = {s->line, 0};
  if (b > s->line_start) at.column = (int)(off - s->line_start + 1);
  return at;
}

/* "FILE:LINE:COL: msg" for byte offset off. */
static int fail_at(lx_json_stream *s, size_t off, const char *msg, lx_error *err) {
  int line, col;
  lx_text_line_col(s->text, off, &line, &col);
  return lx_errorf(err, "%s:%d:%d: %s", s->path, line, col, msg);
}

int lx_json_stream_open(lx_json_stream *s, const char *path, size_t max_bytes, lx_error *err) {
  memset(s, 0, sizeof *s);
  s->path = path;
  s->line = 1;
  if (lx_read_file(path, max_bytes, &s->text, &s->len, err)) return LX_ERR;
  if (lx_json_check_text(path, s->text, s->len, err)) {
    lx_json_stream_close(s);
    return LX_ERR;
  }
  if (s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0) s->pos = 3;
  return LX_OK;
}

void lx_json_stream_close(lx_json_stream *s) {
  free(s->text);
  free(s->key);
  s->text = s->key = NULL;
}

/* Parses one value at pos with cJSON and moves past it. */
static int parse_value(lx_json_stream *s, cJSON **value, lx_json_place *at, lx_error *err) {
  skip_ws(s);
  if (s->pos >= s->len)
    return fail_at(s, s->pos,
                   s->len ? "the JSON text ends early" : "not valid JSON (the file is empty)", err);
  const char *start = s->text + s->pos, *end = NULL;
  cJSON *v = cJSON_ParseWithLengthOpts(start, s->len - s->pos, &end, 0);
  if (!v) {
    const char *bad = cJSON_GetErrorPtr();
    size_t off = bad && bad >= start && bad <= s->text + s->len ? (size_t)(bad - s->text) : s->pos;
    return fail_at(s, off, "not valid JSON", err);
  }
  if (lx_json_check_unique_keys(s->path, v, err)) { /* rare: only then find its line (linear) */
    lx_error inner = *err;
    const char *msg = strncmp(inner.msg, s->path, strlen(s->path)) == 0
                          ? inner.msg + strlen(s->path) + 2 /* past "PATH: " */
                          : inner.msg;
    cJSON_Delete(v);
    return fail_at(s, s->pos, msg, err);
  }
  if (at) *at = lx_json_stream_place(s, s->pos);
  s->pos = (size_t)(end - s->text);
  *value = v;
  return LX_OK;
}

static bool at_char(lx_json_stream *s, char c) {
  skip_ws(s);
  return s->pos < s->len && s->text[s->pos] == c;
}

bool lx_json_stream_at_object(lx_json_stream *s) {
  return at_char(s, '{');
}

bool lx_json_stream_at_array(lx_json_stream *s) {
  return at_char(s, '[');
}

static int enter(lx_json_stream *s, char open, const char *what, lx_error *err) {
  if (!at_char(s, open)) {
    char msg[256];
    /* a file of one value per line where one document was expected: say what it is */
    const char *hint = "";
    if (s->depth == 0 && s->pos < s->len && (s->text[s->pos] == '{' || s->text[s->pos] == '[')) {
      const char *nl = memchr(s->text + s->pos, '\n', s->len - s->pos);
      size_t next = nl ? (size_t)(nl - s->text) : s->len;
      while (next < s->len && strchr(" \t\r\n", s->text[next])) next++;
      if (next < s->len) hint = lx_json_lines_hint(s->text, next);
    }
    snprintf(msg, sizeof msg, "%s%s", what, hint);
    return fail_at(s, s->pos,
                   s->pos < s->len ? msg
                   : s->len        ? "the JSON text ends early"
                                   : "not valid JSON (the file is empty)",
                   err);
  }
  if (s->depth == LX_JSON_STREAM_DEPTH) return fail_at(s, s->pos, "nested too deeply", err);
  s->pos++;
  s->first[s->depth++] = true;
  return LX_OK;
}

int lx_json_stream_enter_object(lx_json_stream *s, lx_error *err) {
  return enter(s, '{', "expected a JSON object", err);
}

int lx_json_stream_enter_array(lx_json_stream *s, lx_error *err) {
  return enter(s, '[', "expected a JSON array", err);
}

/* Before the next member or element of the innermost container: passes the comma, or leaves the
 * container at its closing character (*more = false). */
static int next_in_container(lx_json_stream *s, char close, bool *more, lx_error *err) {
  if (s->depth == 0) return fail_at(s, s->pos, "no container is open (a caller's mistake)", err);
  bool *first = &s->first[s->depth - 1];
  *more = false;
  skip_ws(s);
  if (s->pos < s->len && s->text[s->pos] == close) {
    s->pos++;
    s->depth--;
    return LX_OK;
  }
  if (!*first) {
    if (s->pos >= s->len || s->text[s->pos] != ',') {
      char msg[64];
      snprintf(msg, sizeof msg, "expected ',' or '%c'", close);
      return fail_at(s, s->pos, msg, err);
    }
    s->pos++;
    skip_ws(s);
    if (s->pos < s->len && s->text[s->pos] == close)
      return fail_at(s, s->pos, "a comma before a closing bracket is not JSON", err);
  }
  *first = false;
  *more = true;
  return LX_OK;
}

int lx_json_stream_next_member(lx_json_stream *s, const char **key, bool *more, lx_error *err) {
  *key = NULL;
  if (next_in_container(s, '}', more, err)) return LX_ERR;
  if (!*more) return LX_OK;
  if (s->text[s->pos] != '"') return fail_at(s, s->pos, "expected a key (a string)", err);
  cJSON *k = NULL;
  s->key_pos = s->pos;
  if (parse_value(s, &k, NULL, err)) return LX_ERR;
  free(s->key);
  s->key = lx_xstrdup(k->valuestring);
  cJSON_Delete(k);
  if (!at_char(s, ':')) return fail_at(s, s->pos, "expected ':' after the key", err);
  s->pos++;
  *key = s->key;
  return LX_OK;
}

int lx_json_stream_next_element(lx_json_stream *s, cJSON **value, lx_json_place *at, bool *more,
                                lx_error *err) {
  *value = NULL;
  if (next_in_container(s, ']', more, err)) return LX_ERR;
  if (!*more) return LX_OK;
  return parse_value(s, value, at, err);
}

int lx_json_stream_value(lx_json_stream *s, cJSON **value, lx_json_place *at, lx_error *err) {
  return parse_value(s, value, at, err);
}

int lx_json_stream_skip_value(lx_json_stream *s, lx_error *err) {
  cJSON *v = NULL;
  if (parse_value(s, &v, NULL, err)) return LX_ERR;
  cJSON_Delete(v);
  return LX_OK;
}

int lx_json_stream_finish(lx_json_stream *s, lx_error *err) {
  if (s->depth != 0) return fail_at(s, s->pos, "the JSON text ends early", err);
  skip_ws(s);
  if (s->pos < s->len) {
    char msg[256];
    snprintf(msg, sizeof msg, "unexpected text after the JSON value%s",
             lx_json_lines_hint(s->text, s->pos));
    return fail_at(s, s->pos, msg, err);
  }
  return LX_OK;
}

/* Streams the array the stream stands at into fn. */
static int stream_elements(lx_json_stream *s, int which, lx_json_element_fn fn, void *ctx,
                           lx_error *err) {
  int rc = lx_json_stream_enter_array(s, err);
  bool more = true;
  while (rc == LX_OK) {
    cJSON *e = NULL;
    lx_json_place at = {0, 0};
    rc = lx_json_stream_next_element(s, &e, &at, &more, err);
    if (rc || !more) break;
    rc = fn(ctx, which, e, at, err);
    cJSON_Delete(e);
  }
  return rc;
}

int lx_json_read_arrays(const char *path, size_t max_bytes, const char *const *keys, int n_keys,
                        bool *seen, lx_json_element_fn fn, void *ctx, cJSON **rest, lx_error *err) {
  lx_json_stream s;
  if (rest) *rest = NULL;
  for (int k = 0; k < n_keys; k++) seen[k] = false;
  if (lx_json_stream_open(&s, path, max_bytes, err)) return LX_ERR;
  cJSON *others = rest ? cJSON_CreateObject() : NULL;
  int rc = lx_json_stream_enter_object(&s, err);
  bool more = true;
  while (rc == LX_OK) {
    const char *key;
    rc = lx_json_stream_next_member(&s, &key, &more, err);
    if (rc || !more) break;
    int k = 0;
    while (k < n_keys && strcmp(key, keys[k]) != 0) k++;
    if (k < n_keys) {
      char msg[160];
      snprintf(msg, sizeof msg, "\"%.100s\" occurs twice", key);
      if (seen[k]) rc = fail_at(&s, s.key_pos, msg, err);
      seen[k] = true;
      if (!rc && !lx_json_stream_at_array(&s)) {
        snprintf(msg, sizeof msg, "\"%.100s\" must be a list", key);
        rc = fail_at(&s, s.pos, msg, err);
      }
      if (!rc) rc = stream_elements(&s, k, fn, ctx, err);
    } else if (others) {
      cJSON *v = NULL;
      rc = lx_json_stream_value(&s, &v, NULL, err);
      if (!rc) cJSON_AddItemToObject(others, key, v);
    } else {
      rc = lx_json_stream_skip_value(&s, err);
    }
  }
  if (rc == LX_OK) rc = lx_json_stream_finish(&s, err);
  lx_json_stream_close(&s);
  if (rc) {
    cJSON_Delete(others);
    return rc;
  }
  if (rest) *rest = others;
  return LX_OK;
}

int lx_json_read_array(const char *path, size_t max_bytes, lx_json_element_fn fn, void *ctx,
                       lx_error *err) {
  lx_json_stream s;
  if (lx_json_stream_open(&s, path, max_bytes, err)) return LX_ERR;
  int rc = stream_elements(&s, 0, fn, ctx, err);
  if (rc == LX_OK) rc = lx_json_stream_finish(&s, err);
  lx_json_stream_close(&s);
  return rc;
}

int lx_json_read_members(const char *path, size_t max_bytes, lx_json_member_fn fn, void *ctx,
                         lx_error *err) {
  lx_json_stream s;
  if (lx_json_stream_open(&s, path, max_bytes, err)) return LX_ERR;
  bool more = true;
  int rc = lx_json_stream_enter_object(&s, err);
  while (rc == LX_OK) {
    const char *k;
    rc = lx_json_stream_next_member(&s, &k, &more, err);
    if (rc || !more) break;
    char *key = lx_xstrdup(k); /* the stream reuses its buffer for the value */
    cJSON *v = NULL;
    lx_json_place place;
    rc = lx_json_stream_value(&s, &v, &place, err);
    if (rc == LX_OK) rc = fn(ctx, key, v, place, err);
    cJSON_Delete(v);
    free(key);
  }
  if (rc == LX_OK) rc = lx_json_stream_finish(&s, err);
  lx_json_stream_close(&s);
  return rc;
}
