#include "common/jsonutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/strmap.h"
#include "common/unicode.h"

static const char *sep(lx_json_at at) {
  return at.where[0] ? "." : "";
}

static const cJSON *get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int missing(lx_json_at at, const char *key, lx_error *err) {
  return lx_errorf(err, "%s: %s%s%s: required key is missing", at.file, at.where, sep(at), key);
}

static int read_int(const cJSON *v, lx_json_at at, const char *key, long lo, long hi, long *out,
                    lx_error *err) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (!cJSON_IsNumber(v) || d != floor(d) || d < (double)lo || d > (double)hi)
    return lx_errorf(err, "%s: %s%s%s: must be an integer in [%ld, %ld]", at.file, at.where,
                     sep(at), key, lo, hi);
  *out = (long)d;
  return LX_OK;
}

int lx_json_req_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long *out,
                    lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  return read_int(v, at, key, lo, hi, out, err);
}

int lx_json_opt_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long dflt,
                    long *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return read_int(v, at, key, lo, hi, out, err);
}

static int read_double(const cJSON *v, lx_json_at at, const char *key, double lo, double hi,
                       double *out, lx_error *err) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
    return lx_errorf(err, "%s: %s%s%s: must be a number in [%g, %g]", at.file, at.where, sep(at),
                     key, lo, hi);
  *out = v->valuedouble;
  return LX_OK;
}

int lx_json_req_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  return read_double(v, at, key, lo, hi, out, err);
}

int lx_json_opt_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double dflt, double *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return read_double(v, at, key, lo, hi, out, err);
}

int lx_json_opt_bool(const cJSON *obj, lx_json_at at, const char *key, bool dflt, bool *out,
                     lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  if (!cJSON_IsBool(v))
    return lx_errorf(err, "%s: %s%s%s: must be true or false", at.file, at.where, sep(at), key);
  *out = cJSON_IsTrue(v);
  return LX_OK;
}

int lx_json_req_string(const cJSON *obj, lx_json_at at, const char *key, const char **out,
                       lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsString(v))
    return lx_errorf(err, "%s: %s%s%s: must be a string", at.file, at.where, sep(at), key);
  *out = v->valuestring;
  return LX_OK;
}

int lx_json_opt_string(const cJSON *obj, lx_json_at at, const char *key, const char *dflt,
                       const char **out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return lx_json_req_string(obj, at, key, out, err);
}

int lx_json_choice(const cJSON *obj, lx_json_at at, const char *key, const char *const *values,
                   int n, int dflt, int *index, lx_error *err) {
  const char *s = NULL;
  if (dflt < 0 ? lx_json_req_string(obj, at, key, &s, err)
               : lx_json_opt_string(obj, at, key, values[dflt], &s, err))
    return LX_ERR;
  for (int i = 0; i < n; i++)
    if (strcmp(s, values[i]) == 0) {
      *index = i;
      return LX_OK;
    }
  lx_strbuf all = {0};
  for (int i = 0; i < n; i++)
    lx_strbuf_printf(&all, "%s\"%s\"", i == 0 ? "" : i == n - 1 ? " or " : ", ", values[i]);
  lx_errorf(err, "%s: %s%s%s is \"%s\", not %s", at.file, at.where, *at.where ? "." : "", key, s,
            lx_strbuf_str(&all));
  lx_strbuf_free(&all);
  return LX_ERR;
}

int lx_json_req_object(const cJSON *obj, lx_json_at at, const char *key, const cJSON **out,
                       lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsObject(v))
    return lx_errorf(err, "%s: %s%s%s: must be an object", at.file, at.where, sep(at), key);
  *out = v;
  return LX_OK;
}

int lx_json_req_doubles(const cJSON *obj, lx_json_at at, const char *key, int n, double *out,
                        lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != n)
    return lx_errorf(err, "%s: %s%s%s: must be an array of %d numbers", at.file, at.where, sep(at),
                     key, n);
  int i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, v) {
    if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
      return lx_errorf(err, "%s: %s%s%s[%d]: must be a finite number", at.file, at.where, sep(at),
                       key, i);
    out[i++] = e->valuedouble;
  }
  return LX_OK;
}

void lx_text_line_col(const char *text, size_t off, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && text[i]; i++) {
    if (text[i] == '\n') {
      ++*line;
      *col = 1;
    } else {
      ++*col;
    }
  }
}

int lx_json_check_utf8(const char *path, const char *src, size_t len, lx_error *err) {
  size_t bad;
  if (lx_utf8_valid(src, len, &bad)) return LX_OK;
  int line, col;
  lx_text_line_col(src, bad, &line, &col);
  return lx_errorf(err, "%s:%d:%d: not valid UTF-8", path, line, col);
}

static int text_fail(const char *path, const char *src, size_t off, const char *what,
                     lx_error *err) {
  int line, col;
  lx_text_line_col(src, off, &line, &col);
  return lx_errorf(err, "%s:%d:%d: %s", path, line, col, what);
}

static int hex_value(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* The end of the number starting at src[i] if it is RFC 8259's
 *   -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * and is not followed by more number characters; else 0. (cJSON also takes "01" and "1.".) */
static size_t number_end(const char *src, size_t len, size_t i) {
  if (i < len && src[i] == '-') i++;
  if (i >= len || !is_digit(src[i])) return 0;
  if (src[i] == '0')
    i++;
  else
    while (i < len && is_digit(src[i])) i++;
  if (i < len && src[i] == '.') {
    if (++i >= len || !is_digit(src[i])) return 0;
    while (i < len && is_digit(src[i])) i++;
  }
  if (i < len && (src[i] == 'e' || src[i] == 'E')) {
    if (++i < len && (src[i] == '+' || src[i] == '-')) i++;
    if (i >= len || !is_digit(src[i])) return 0;
    while (i < len && is_digit(src[i])) i++;
  }
  if (i < len && (is_digit(src[i]) || src[i] == '.' || src[i] == 'e' || src[i] == 'E' ||
                  src[i] == '+' || src[i] == '-'))
    return 0;
  return i;
}

int lx_json_check_text(const char *path, const char *src, size_t len, lx_error *err) {
  if (lx_json_check_utf8(path, src, len, err)) return LX_ERR;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    const unsigned char c = (unsigned char)src[i];
    if (!in_string && (c == '-' || is_digit((char)c))) {
      const size_t end = number_end(src, len, i);
      if (!end) return text_fail(path, src, i, "a number that is not JSON (RFC 8259)", err);
      i = end - 1;
      continue;
    }
    if (!in_string || c == '"') {
      in_string ^= c == '"';
      continue;
    }
    if (c < 0x20) {
      char what[96];
      snprintf(what, sizeof what, "a raw control character (U+%04X) inside a string", c);
      return text_fail(path, src, i, what, err);
    }
    if (c != '\\' || i + 1 >= len) continue; /* an unterminated string is cJSON's to report */
    const char e = src[i + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
        e == 't') {
      i++;
      continue;
    }
    if (e != 'u') {
      char what[64];
      snprintf(what, sizeof what, "an unknown escape \\%c inside a string",
               (unsigned char)e >= 0x20 && (unsigned char)e < 0x7f ? e : '?');
      return text_fail(path, src, i, what, err);
    }
    int v = 0;
    for (size_t k = i + 2; k < i + 6; k++) {
      const int h = k < len ? hex_value(src[k]) : -1;
      if (h < 0) return text_fail(path, src, i, "a \\u escape without four hex digits", err);
      v = v * 16 + h;
    }
    if (v == 0) return text_fail(path, src, i, "a NUL character (\\u0000) inside a string", err);
    i += 5;
  }
  return LX_OK;
}

/* "path:line" into buf. */
static const char *path_line(const char *path, int line, char *buf, size_t n) {
  snprintf(buf, n, "%s:%d", path, line);
  return buf;
}

/* Objects with more members than this find duplicates by hashing instead of comparing pairs. */
#define PAIRWISE_KEYS 8

static int unique_keys(const char *path, const cJSON *v, const char *parent, lx_error *err) {
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return LX_OK;
  if (cJSON_IsObject(v)) {
    int n = cJSON_GetArraySize(v);
    const char *dup = NULL;
    if (n <= PAIRWISE_KEYS) {
      for (const cJSON *a = v->child; a && !dup; a = a->next)
        for (const cJSON *b = a->next; b && !dup; b = b->next)
          if (strcmp(a->string, b->string) == 0) dup = a->string;
    } else {
      lx_strmap seen = {0};
      for (const cJSON *a = v->child; a && !dup; a = a->next) {
        size_t before = seen.n;
        lx_strmap_intern(&seen, a->string);
        if (seen.n == before) dup = a->string;
      }
      lx_strmap_free(&seen);
    }
    if (dup)
      return parent
                 ? lx_errorf(err,
                             "%s: the key \"%.100s\" appears twice in one object (under "
                             "\"%.100s\")",
                             path, dup, parent)
                 : lx_errorf(err, "%s: the key \"%.100s\" appears twice in one object", path, dup);
  }
  for (const cJSON *c = v->child; c; c = c->next)
    if (unique_keys(path, c, cJSON_IsObject(v) ? c->string : parent, err)) return LX_ERR;
  return LX_OK;
}

int lx_json_check_unique_keys(const char *path, const cJSON *value, lx_error *err) {
  return unique_keys(path, value, NULL, err);
}

int lx_json_read_file(const char *path, size_t max_bytes, cJSON **root, char **text,
                      lx_error *err) {
  char *src;
  size_t len;
  *root = NULL;
  if (text) *text = NULL;
  if (lx_read_file(path, max_bytes, &src, &len, err)) return LX_ERR;
  if (lx_json_check_text(path, src, len, err)) {
    free(src);
    return LX_ERR;
  }
  const char *end = NULL;
  cJSON *r = cJSON_ParseWithLengthOpts(src, len, &end, 0);
  if (!r) {
    size_t off = end ? (size_t)(end - src) : 0;
    if (cJSON_GetErrorPtr()) off = (size_t)(cJSON_GetErrorPtr() - src);
    int line, col;
    lx_text_line_col(src, off, &line, &col);
    lx_errorf(err, "%s:%d:%d: not valid JSON%s", path, line, col,
              len ? "" : " (the file is empty)");
    free(src);
    return LX_ERR;
  }
  /* anything but whitespace after the value is an error too */
  for (const char *p = end; p && p < src + len; p++) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
      int line, col;
      lx_text_line_col(src, (size_t)(p - src), &line, &col);
      lx_errorf(err, "%s:%d:%d: unexpected text after the JSON value%s", path, line, col,
                lx_json_lines_hint(src, (size_t)(p - src)));
      cJSON_Delete(r);
      free(src);
      return LX_ERR;
    }
  }
  if (lx_json_check_unique_keys(path, r, err)) {
    cJSON_Delete(r);
    free(src);
    return LX_ERR;
  }
  *root = r;
  if (text)
    *text = src;
  else
    free(src);
  return LX_OK;
}

int lx_jsonl_read(const char *path, size_t max_bytes, lx_jsonl_fn fn, void *ctx, lx_error *err) {
  char *src;
  size_t len;
  if (lx_read_file(path, max_bytes, &src, &len, err)) return LX_ERR;
  if (lx_json_check_text(path, src, len, err)) {
    free(src);
    return LX_ERR;
  }
  int rc = LX_OK, line = 0;
  char where[1100];
  for (char *p = src; rc == LX_OK && p < src + len;) {
    char *nl = memchr(p, '\n', (size_t)(src + len - p));
    char *end = nl ? nl : src + len;
    line++;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
    if (q < end) {
      const char *parse_end = NULL;
      cJSON *obj = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &parse_end, 0);
      bool trailing = false;
      for (const char *t = parse_end; obj && t && t < end; t++)
        trailing |= *t != ' ' && *t != '\t' && *t != '\r';
      if (!obj || trailing) {
        size_t col = 1 + (size_t)((obj                   ? parse_end
                                   : cJSON_GetErrorPtr() ? cJSON_GetErrorPtr()
                                                         : p) -
                                  p);
        rc = lx_errorf(err, "%s:%d:%zu: not valid JSON", path, line, col);
      } else if (!cJSON_IsObject(obj)) {
        rc = lx_errorf(err, "%s:%d: not a JSON object", path, line);
      } else if (lx_json_check_unique_keys(path_line(path, line, where, sizeof where), obj, err)) {
        rc = LX_ERR;
      } else {
        rc = fn(ctx, obj, line, err);
      }
      cJSON_Delete(obj);
    }
    p = end + 1;
  }
  free(src);
  return rc;
}

int lx_json_id_text(const cJSON *obj, const char *key, const char *where, char *buf, size_t n,
                    lx_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9e15) {
    snprintf(buf, n, "%.0f", v->valuedouble);
    return LX_OK;
  }
  if (cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) < n) {
    snprintf(buf, n, "%s", v->valuestring);
    return LX_OK;
  }
  return lx_errorf(err, "%s: '%s' must be an integer or a non-empty string%s", where, key,
                   v ? "" : " (missing)");
}

int lx_json_write_atomic(const char *path, const cJSON *value, lx_error *err) {
  char *s = cJSON_Print(value);
  lx_strbuf b = {0};
  lx_strbuf_puts(&b, s);
  lx_strbuf_putc(&b, '\n');
  free(s);
  int rc = lx_write_file_atomic(path, lx_strbuf_str(&b), b.len, err);
  lx_strbuf_free(&b);
  return rc;
}

int lx_json_write_lines_atomic(const char *path, const cJSON *array, lx_error *err) {
  lx_strbuf b = {0};
  const cJSON *r;
  cJSON_ArrayForEach(r, array) {
    char *line = cJSON_PrintUnformatted(r);
    lx_strbuf_puts(&b, line);
    lx_strbuf_putc(&b, '\n');
    free(line);
  }
  int rc = lx_write_file_atomic(path, lx_strbuf_str(&b), b.len, err);
  lx_strbuf_free(&b);
  return rc;
}

double lx_json_number(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *lx_json_string(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static void difference_at(const cJSON *a, const cJSON *b, const char *prefix, const char *la,
                          const char *lb, char *buf, size_t n) {
  if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
      const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
      if (!y || !cJSON_Compare(x, y, 1)) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", prefix, *prefix ? "." : "", x->string);
        if (!y) {
          snprintf(buf, n, "%s (only %s)", sub, la);
          return;
        }
        difference_at(x, y, sub, la, lb, buf, n);
        return;
      }
    }
    cJSON_ArrayForEach(x, b) {
      if (!cJSON_GetObjectItemCaseSensitive(a, x->string)) {
        snprintf(buf, n, "%s%s%s (only %s)", prefix, *prefix ? "." : "", x->string, lb);
        return;
      }
    }
  }
  /* arrays of one length: the first differing element */
  if (cJSON_IsArray(a) && cJSON_IsArray(b) && cJSON_GetArraySize(a) == cJSON_GetArraySize(b)) {
    for (int i = 0; i < cJSON_GetArraySize(a); i++) {
      const cJSON *x = cJSON_GetArrayItem(a, i), *y = cJSON_GetArrayItem(b, i);
      if (!cJSON_Compare(x, y, 1)) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s[%d]", prefix, i);
        difference_at(x, y, sub, la, lb, buf, n);
        return;
      }
    }
  }
  char *va = cJSON_PrintUnformatted(a), *vb = cJSON_PrintUnformatted(b);
  snprintf(buf, n, "%s: %.80s %s, %.80s %s", *prefix ? prefix : "(the whole value)", va, la, vb,
           lb);
  free(va);
  free(vb);
}

void lx_json_first_difference(const cJSON *a, const cJSON *b, const char *label_a,
                              const char *label_b, char *buf, size_t n) {
  difference_at(a, b, "", label_a, label_b, buf, n);
}

const char *lx_json_lines_hint(const char *text, size_t off) {
  if (text[off] != '{' && text[off] != '[') return "";
  if (off > 0 && text[off - 1] != '\n' && text[off - 1] != '\r') return "";
  return " (the file holds one JSON value per line, JSON Lines, but it must be one JSON document: "
         "a list [...] or an object {...}, as the command's --help shows)";
}
