#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static void reserve(lx_strbuf *b, size_t extra) {
  if (extra > (size_t)-1 - b->len - 1) lx_xmalloc((size_t)-1); /* aborts: size overflow */
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 32;
  while (cap < need) cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
  char *p = lx_xmalloc(cap);
  if (b->p) memcpy(p, b->p, b->len + 1);
  free(b->p);
  b->p = p;
  b->cap = cap;
}

void lx_strbuf_append(lx_strbuf *b, const char *s, size_t n) {
  reserve(b, n);
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void lx_strbuf_puts(lx_strbuf *b, const char *s) {
  lx_strbuf_append(b, s, strlen(s));
}
void lx_strbuf_putc(lx_strbuf *b, char c) {
  lx_strbuf_append(b, &c, 1);
}

void lx_strbuf_clear(lx_strbuf *b) {
  b->len = 0;
  if (b->p) b->p[0] = '\0';
}

void lx_strbuf_free(lx_strbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

const char *lx_strbuf_str(const lx_strbuf *b) {
  return b->p ? b->p : "";
}

void lx_ints_push(lx_ints *a, int x) {
  if (a->len == a->cap) {
    int cap = a->cap ? a->cap * 2 : 16;
    int *v = lx_xcalloc((size_t)cap, sizeof(int));
    if (a->v) memcpy(v, a->v, (size_t)a->len * sizeof(int));
    free(a->v);
    a->v = v;
    a->cap = cap;
  }
  a->v[a->len++] = x;
}

void lx_ints_free(lx_ints *a) {
  free(a->v);
  a->v = NULL;
  a->len = a->cap = 0;
}

void lx_strbuf_printf(lx_strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  char *tmp = lx_xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(tmp, (size_t)n + 1, fmt, ap);
  va_end(ap);
  lx_strbuf_append(b, tmp, (size_t)n);
  free(tmp);
}
