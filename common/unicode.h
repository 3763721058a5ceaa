/* unicode.h: UTF-8 and the few Unicode operations the prompt pipeline, the tokenizers and the
 * scorers need, matching Python (str.lower(), str.isspace(), str.strip(), str.split(), \d,
 * unicodedata's categories and NFD) and SentencePiece (its UTF-8 decoder). */
#ifndef LX_UNICODE_H
#define LX_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define LX_UTF8_INVALID 0xFFFFFFFFu

/* Decodes the character at s[0..n) (n >= 1). Returns its code point and length in *len, or
 * LX_UTF8_INVALID with *len = 1 for a malformed byte (bad lead or trail byte, truncated,
 * overlong, surrogate, above U+10FFFF), as SentencePiece's DecodeUTF8 does. */
uint32_t lx_utf8_decode(const char *s, size_t n, size_t *len);

/* Appends the UTF-8 encoding of cp (a valid code point). */
void lx_utf8_append(lx_strbuf *b, uint32_t cp);

/* Whether all of s[0..n) is well-formed UTF-8. On failure *bad_offset is the first bad byte. */
bool lx_utf8_valid(const char *s, size_t n, size_t *bad_offset);

bool lx_py_isspace(uint32_t cp);
/* str.isdecimal(): what \d matches in a Python 3 regular expression on str. */
bool lx_py_isdecimal(uint32_t cp);
/* unicodedata.decimal(chr(cp), -1): the digit's value 0..9, or -1. */
int lx_py_decimal_value(uint32_t cp);

/* unicodedata.category(chr(cp)) == "Mn"; starts with "P"; starts with "C" (unassigned code points
 * included); == "Zs". */
bool lx_unicode_is_mn(uint32_t cp);
bool lx_unicode_is_punct(uint32_t cp);
bool lx_unicode_is_other(uint32_t cp);
bool lx_unicode_is_zs(uint32_t cp);

/* chr(cp).lower() of a lone character (so no Final_Sigma context): writes 1..3 code points to out
 * and returns how many. */
int lx_py_lower_char(uint32_t cp, uint32_t out[3]);

/* unicodedata.normalize("NFD", s) of the code points in[0..n): full canonical decomposition
 * (Hangul syllables by arithmetic), then canonical ordering of every run of combining marks.
 * out must hold 4 * n code points; returns how many were written. */
size_t lx_unicode_nfd(const uint32_t *in, size_t n, uint32_t *out);

/* A byte range of a string. */
typedef struct lx_span {
  const char *p;
  size_t n;
} lx_span;

/* Python's str.split() (no argument) of s[0..n): the runs between whitespace, none empty.
 * Returns the count; *words (heap, caller frees; NULL when the count is 0) holds the spans. */
size_t lx_py_split(const char *s, size_t n, lx_span **words);
/* Python's str.split(" "): the pieces between single spaces, empty ones included (at least 1). */
size_t lx_py_split_space(const char *s, size_t n, lx_span **words);

/* Python's str.lower() of well-formed UTF-8 s[0..n), appended to out. */
void lx_py_lower(const char *s, size_t n, lx_strbuf *out);

/* Python's str.strip(): the byte range [*begin, *end) of s without leading and trailing
 * whitespace (s must be well-formed UTF-8). */
void lx_py_strip(const char *s, size_t n, size_t *begin, size_t *end);

#endif
