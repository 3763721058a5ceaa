#include "scorers/py_source.h"

#include <string.h>

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

/* One one-line literal at s[i] (its quote), decoded; braces doubled when `double_braces`. The
 * index after it, or 0. */
static size_t literal(const char *s, size_t n, size_t i, bool double_braces, lx_strbuf *out) {
  char q = s[i++];
  while (i < n && s[i] != q) {
    if (s[i] == '\n') return 0; /* not a one-line literal */
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
  return i < n ? i + 1 : 0;
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
      *why = "a string of the prompt does not end on its line";
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
