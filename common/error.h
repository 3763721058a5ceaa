/* error.h: the error contract shared by every lynxeval module.
 *
 * A function that can fail on input returns LX_OK (0) or LX_ERR (-1) and, on failure, writes a
 * message a user can act on into the caller's lx_error ("model.safetensors: tensor 'x' has shape
 * [16,4096], config says [32,4096]"). Messages name the file and the problem. Nothing below the
 * command-line layer prints or exits; assert() is only for programmer mistakes.
 */
#ifndef LX_ERROR_H
#define LX_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" { /* also included by the CUDA sources */
#endif

enum { LX_OK = 0, LX_ERR = -1 };

#define LX_ERROR_MAX 1024

typedef struct lx_error {
  char msg[LX_ERROR_MAX];
} lx_error;

/* Sets err->msg from a printf-style format (truncated to LX_ERROR_MAX) and returns LX_ERR, so
 * callers can write `return lx_errorf(err, "...", ...);`. err may be NULL. */
int lx_errorf(lx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Overflow-checked size product: returns 0 and stores the result, or -1 on overflow. */
int lx_mul_size(size_t a, size_t b, size_t *out);

/* malloc/calloc that abort with a message on out-of-memory (an environment failure, not bad
 * input: there is nothing a caller could do). Sizes are overflow-checked. */
void *lx_xmalloc(size_t n);
void *lx_xcalloc(size_t count, size_t size);
char *lx_xstrdup(const char *s);
/* realloc of p to count * size bytes, overflow-checked, aborting on out-of-memory. */
void *lx_xrealloc_array(void *p, size_t count, size_t size);

#ifdef __cplusplus
}
#endif

#endif
