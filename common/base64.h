/* base64.h: base64 text -> bytes, as Python's base64.b64decode(s) (validate=False) reads it:
 * characters outside the alphabet (line breaks, spaces) are skipped; the data must end on a whole
 * quantum (with '=' padding), and nothing but padding may follow it. */
#ifndef LX_BASE64_H
#define LX_BASE64_H

#include <stddef.h>

/* Decodes s[0..n) into *out (a heap buffer the caller frees) of *len bytes; -1 (nothing
 * allocated) when the text is not valid base64. */
int lx_base64_decode(const char *s, size_t n, unsigned char **out, size_t *len);

#endif
