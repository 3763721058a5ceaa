/* strbuf.h: growable byte strings and int arrays (always NUL-terminated strings).
 * Growth aborts on out-of-memory like lx_xmalloc; sizes are overflow-checked. */
#ifndef LX_STRBUF_H
#define LX_STRBUF_H

#include <stddef.h>

typedef struct lx_strbuf {
  char *p;    /* NUL-terminated, or NULL while empty */
  size_t len; /* bytes, NUL excluded */
  size_t cap;
} lx_strbuf;

void lx_strbuf_append(lx_strbuf *b, const char *s, size_t n);
void lx_strbuf_puts(lx_strbuf *b, const char *s);
void lx_strbuf_putc(lx_strbuf *b, char c);
/* Appends printf-style formatted text. */
void lx_strbuf_printf(lx_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lx_strbuf_clear(lx_strbuf *b); /* len = 0, keeps the memory */
void lx_strbuf_free(lx_strbuf *b);
const char *lx_strbuf_str(const lx_strbuf *b); /* "" when empty */

typedef struct lx_ints {
  int *v;
  int len, cap;
} lx_ints;

void lx_ints_push(lx_ints *a, int x);
void lx_ints_free(lx_ints *a);

#endif
