#include "common/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lx_errorf(lx_error *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return LX_ERR;
}

int lx_mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

static void out_of_memory(size_t n) {
  fprintf(stderr, "lynxeval: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void lx_check_failed(const char *cond, const char *file, int line) {
  fprintf(stderr, "lynxeval: internal error at %s:%d: check failed: %s\n", file, line, cond);
  abort();
}

/* Every allocation these functions make, for tests that a warm path allocates nothing. */
static _Atomic unsigned long long allocations;

unsigned long long lx_allocations(void) {
  return allocations;
}

void *lx_xmalloc(size_t n) {
  allocations++;
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *lx_xcalloc(size_t count, size_t size) {
  size_t n;
  if (lx_mul_size(count, size, &n)) out_of_memory(SIZE_MAX);
  allocations++;
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *lx_xrealloc_array(void *p, size_t count, size_t size) {
  size_t n;
  if (lx_mul_size(count, size, &n)) out_of_memory(SIZE_MAX);
  allocations++;
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory(n);
  return q;
}

void *lx_xgrow_array(void *p, size_t index, size_t size) {
  if (index != 0 && (index & (index - 1)) != 0) return p; /* room left from the last doubling */
  return lx_xrealloc_array(p, index ? 2 * index : 1, size);
}

char *lx_xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = lx_xmalloc(n);
  memcpy(p, s, n);
  return p;
}
