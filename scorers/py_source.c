#include "scorers/py_source.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/unicode.h"

const char *lx_pysrc_find(const char *s, size_t n, size_t from, const char *what) {
  size_t m = strlen(what);
  for (size_t i = from; i + m <= n; i++)
    if (!memcmp(s + i, what, m)) return s + i;
  return NULL;
}

/* Skips blanks, line breaks, comments and backslash-newlines between literals. */
static size_t skip_between(const char *s, size_t n, size_t i) {
  for (;;) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (i < n && s[i] == '#') {
      while (i < n && s[i] != '\n') i++;
    } else if (i + 1 < n && s[i] == '\\' && s[i + 1] == '\n') {
      i += 2;
    } else {
      return i;
    }
  }
}

/* One literal at s[i] (its quote), decoded; braces doubled when `double_braces`. A triple-quoted
 * literal (""" or ''') may span lines; any other ends on its line. The index after it, or 0. */
static size_t literal(const char *s, size_t n, size_t i, bool double_braces, lx_strbuf *out) {
  char q = s[i];
  bool triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
  i += triple ? 3 : 1;
  for (;;) {
    if (i >= n) return 0;
    if (s[i] == q && (!triple || (i + 2 < n && s[i + 1] == q && s[i + 2] == q))) break;
    if (s[i] == '\n' && !triple) return 0; /* not a one-line literal */
    if (s[i] == '\r') {                    /* Python reads source lines with universal newlines */
      lx_strbuf_putc(out, '\n');
      i += i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
      continue;
    }
    if (s[i] != '\\') {
      if (double_braces && (s[i] == '{' || s[i] == '}')) lx_strbuf_putc(out, s[i]);
      lx_strbuf_putc(out, s[i++]);
      continue;
    }
    if (++i >= n) return 0;
    switch (s[i]) {
      case 'n':
        lx_strbuf_putc(out, '\n');
        break;
      case 't':
        lx_strbuf_putc(out, '\t');
        break;
      case 'r':
        lx_strbuf_putc(out, '\r');
        break;
      case '\\':
      case '\'':
      case '"':
        lx_strbuf_putc(out, s[i]);
        break;
      case '\n':
        break; /* a continued line */
      default: /* Python keeps an unknown escape as written */
        lx_strbuf_putc(out, '\\');
        lx_strbuf_putc(out, s[i]);
    }
    i++;
  }
  return i + (triple ? 3 : 1);
}

size_t lx_pysrc_literals(const char *s, size_t n, size_t i, const char *stops,
                         bool plain_is_template, lx_strbuf *out, const char **why) {
  lx_strbuf_clear(out);
  bool any = false;
  for (;;) {
    i = skip_between(s, n, i);
    if (i < n && strchr(stops, s[i])) {
      if (!any) *why = "no string where the prompt should be";
      return any ? i : 0;
    }
    bool f = i < n && (s[i] == 'f' || s[i] == 'F');
    if (f) i++;
    if (i >= n || (s[i] != '\'' && s[i] != '"')) {
      *why = "the prompt is not a run of quoted strings";
      return 0;
    }
    i = literal(s, n, i, !f && !plain_is_template, out);
    if (!i) {
      *why = "a string of the prompt does not end (on its line, unless triple-quoted)";
      return 0;
    }
    any = true;
  }
}

/* The field at t[k] ('{' not doubled): its name [*b, *e) and the index of its '}', or 0. */
static size_t field_at(const char *t, size_t k, size_t *b, size_t *e) {
  size_t j = k + 1;
  while (t[j] && t[j] != '}' && t[j] != '{') j++;
  if (t[j] != '}') return 0;
  *b = k + 1;
  *e = j;
  return j;
}

bool lx_pysrc_fields(const char *tmpl, int *positional, int *named) {
  *positional = *named = 0;
  for (size_t k = 0; tmpl[k]; k++) {
    if ((tmpl[k] == '{' && tmpl[k + 1] == '{') || (tmpl[k] == '}' && tmpl[k + 1] == '}')) {
      k++;
    } else if (tmpl[k] == '{') {
      size_t b, e, j = field_at(tmpl, k, &b, &e);
      if (!j) return false;
      if (b == e)
        ++*positional;
      else
        ++*named;
      k = j;
    } else if (tmpl[k] == '}') {
      return false;
    }
  }
  return true;
}

int lx_pysrc_format(const char *tmpl, const char *const *positional, int n_positional,
                    const char *const *names, const char *const *values, int n_named,
                    lx_strbuf *out) {
  int next = 0, unfilled = 0;
  for (size_t k = 0; tmpl[k]; k++) {
    if ((tmpl[k] == '{' && tmpl[k + 1] == '{') || (tmpl[k] == '}' && tmpl[k + 1] == '}')) {
      lx_strbuf_putc(out, tmpl[k++]);
      continue;
    }
    size_t b, e, j;
    if (tmpl[k] != '{' || !(j = field_at(tmpl, k, &b, &e))) {
      lx_strbuf_putc(out, tmpl[k]);
      continue;
    }
    const char *value = NULL;
    if (b == e) {
      value = next < n_positional ? positional[next] : NULL;
      next++;
    } else {
      for (int m = 0; m < n_named; m++)
        if (strlen(names[m]) == e - b && !memcmp(names[m], tmpl + b, e - b)) value = values[m];
    }
    if (value)
      lx_strbuf_puts(out, value);
    else
      unfilled++;
    k = j;
  }
  return unfilled;
}

size_t lx_pysrc_assigned_string(const char *s, size_t n, const char *name, lx_strbuf *out,
                                const char **why) {
  lx_strbuf_clear(out);
  size_t m = strlen(name), i = 0;
  for (;; i++) { /* `name = ` at the start of a line: a module-level assignment */
    const char *at = lx_pysrc_find(s, n, i, name);
    if (!at) {
      *why = "no module-level assignment of the prompt";
      return 0;
    }
    i = (size_t)(at - s);
    size_t j = i + m;
    while (j < n && s[j] == ' ') j++;
    if ((i == 0 || s[i - 1] == '\n') && j < n && s[j] == '=' && j + 1 < n && s[j + 1] != '=') {
      i = j + 1;
      break;
    }
  }
  bool any = false;
  for (;;) { /* adjacent literals on the same logical line */
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i + 1 < n && s[i] == '\\' && s[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (i >= n || s[i] == '\n' || s[i] == '\r' || s[i] == '#') break;
    if (s[i] != '\'' && s[i] != '"') {
      *why = any ? "the prompt is followed by something other than a string"
                 : "the prompt is not a plain string literal";
      return 0;
    }
    i = literal(s, n, i, false, out);
    if (!i) {
      *why = "a string of the prompt does not end (on its line, unless triple-quoted)";
      return 0;
    }
    any = true;
  }
  if (!any) *why = "no string where the prompt should be";
  return any ? i : 0;
}

/* Python's float_from_string_inner on ASCII text: the blanks Py_ISSPACE knows around a decimal
 * number, "inf", "infinity" or "nan" (any case, a sign before). */
static bool ascii_float(const char *s, size_t n, double *value) {
  while (n && strchr(" \t\n\v\f\r", s[0]) && s[0]) s++, n--;
  while (n && strchr(" \t\n\v\f\r", s[n - 1]) && s[n - 1]) n--;
  size_t i = 0;
  bool negative = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  static const char *const SPECIAL[] = {"infinity", "inf", "nan"};
  for (int k = 0; k < 3; k++) {
    size_t m = strlen(SPECIAL[k]);
    if (n - i == m && !strncasecmp(s + i, SPECIAL[k], m)) {
      double v = k < 2 ? __builtin_inf() : __builtin_nan("");
      *value = negative ? -v : v;
      return true;
    }
  }
  size_t digits = 0, j = i;
  while (j < n && s[j] >= '0' && s[j] <= '9') j++, digits++;
  if (j < n && s[j] == '.') {
    j++;
    while (j < n && s[j] >= '0' && s[j] <= '9') j++, digits++;
  }
  if (!digits) return false;
  if (j < n && (s[j] == 'e' || s[j] == 'E')) {
    j++;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    size_t exp_digits = 0;
    while (j < n && s[j] >= '0' && s[j] <= '9') j++, exp_digits++;
    if (!exp_digits) return false;
  }
  if (j != n) return false;
  char *copy = malloc(n + 1), *end;
  if (!copy) return false;
  memcpy(copy, s, n);
  copy[n] = '\0';
  *value = strtod(copy, &end); /* correctly rounded, as Python's dtoa */
  free(copy);
  return true;
}

bool lx_py_float(const char *text, size_t len, double *value) {
  /* _PyUnicode_TransformDecimalAndSpaceToASCII: a non-ASCII blank becomes ' ', a decimal digit
   * its ASCII digit, anything else non-ASCII makes the text invalid */
  lx_strbuf ascii = {0};
  bool ok = true;
  for (size_t i = 0; ok && i < len;) {
    size_t l;
    uint32_t cp = lx_utf8_decode(text + i, len - i, &l);
    int d;
    if (cp == LX_UTF8_INVALID || cp == 0)
      ok = false;
    else if (cp < 128)
      lx_strbuf_putc(&ascii, (char)cp);
    else if (lx_py_isspace(cp))
      lx_strbuf_putc(&ascii, ' ');
    else if ((d = lx_py_decimal_value(cp)) >= 0)
      lx_strbuf_putc(&ascii, (char)('0' + d));
    else
      ok = false;
    i += l;
  }
  /* _Py_string_to_number_with_underscores: an underscore only between two digits, then gone */
  const char *a = lx_strbuf_str(&ascii);
  lx_strbuf plain = {0};
  char prev = '\0';
  for (size_t i = 0; ok && i < ascii.len; i++) {
    if (a[i] == '_') {
      ok = prev >= '0' && prev <= '9';
    } else {
      ok = !(prev == '_' && !(a[i] >= '0' && a[i] <= '9'));
      lx_strbuf_putc(&plain, a[i]);
    }
    prev = a[i];
  }
  ok = ok && prev != '_' && ascii_float(lx_strbuf_str(&plain), plain.len, value);
  lx_strbuf_free(&ascii);
  lx_strbuf_free(&plain);
  return ok;
}
