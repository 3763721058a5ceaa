/* error.h: the error contract shared by every lynxeval module.
 *
 * A function that can fail on input returns LX_OK (0) or LX_ERR (-1) and, on failure, writes a
 * message a user can act on into the caller's lx_error ("model.safetensors: tensor 'x' has shape
 * [16,4096], config says [32,4096]"). Messages name the file and the problem. Nothing below the
 * command-line layer prints or exits. LX_CHECK is for programmer mistakes (a shape that does not
 * fit, an index out of range): it stays on in Release builds and aborts naming the file and line.
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

/* Checks a promise the caller made (not user input): on failure prints "lynxeval: internal error
 * at FILE:LINE: check failed: COND" and aborts, in every build type. */
#define LX_CHECK(cond) ((cond) ? (void)0 : lx_check_failed(#cond, __FILE__, __LINE__))
void lx_check_failed(const char *cond, const char *file, int line) __attribute__((noreturn));

/* Overflow-checked size product: returns 0 and stores the result, or -1 on overflow. */
int lx_mul_size(size_t a, size_t b, size_t *out);

/* malloc/calloc that abort with a message on out-of-memory (an environment failure, not bad
 * input: there is nothing a caller could do). Sizes are overflow-checked. */
void *lx_xmalloc(size_t n);
void *lx_xcalloc(size_t count, size_t size);
char *lx_xstrdup(const char *s);
/* realloc of p to count * size bytes, overflow-checked, aborting on out-of-memory. */
void *lx_xrealloc_array(void *p, size_t count, size_t size);
/* Room for element `index` of an array appended one element at a time (index = 0, 1, 2, ...):
 * grows p to twice its size when index is 0 or a power of two, so n appends cost O(n) copying
 * (a realloc per element is quadratic where realloc always copies, as under AddressSanitizer). */
void *lx_xgrow_array(void *p, size_t index, size_t size);

/* How many allocations the functions above have made in this process (any thread): a test can
 * check that a warm path (an encode, a decode step) allocates nothing. */
unsigned long long lx_allocations(void);

#ifdef __cplusplus
}
#endif

#endif
