#include "common/unicode.h"

#include <stdlib.h>

#include "common/error.h"
#include "common/unicode_tables.h"

static bool trail(unsigned char c) {
  return (c & 0xC0) == 0x80;
}
static bool scalar(uint32_t cp) {
  return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}

uint32_t lx_utf8_decode(const char *str, size_t n, size_t *len) {
  const unsigned char *s = (const unsigned char *)str;
  *len = 1;
  if (s[0] < 0x80) return s[0];
  if (n >= 2 && (s[0] & 0xE0) == 0xC0) {
    uint32_t cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    if (trail(s[1]) && cp >= 0x80) return *len = 2, cp;
  } else if (n >= 3 && (s[0] & 0xF0) == 0xE0) {
    uint32_t cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    if (trail(s[1]) && trail(s[2]) && cp >= 0x800 && scalar(cp)) return *len = 3, cp;
  } else if (n >= 4 && (s[0] & 0xF8) == 0xF0) {
    uint32_t cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                  ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    if (trail(s[1]) && trail(s[2]) && trail(s[3]) && cp >= 0x10000 && scalar(cp))
      return *len = 4, cp;
  }
  return LX_UTF8_INVALID;
}

void lx_utf8_append(lx_strbuf *b, uint32_t cp) {
  char c[4];
  size_t n;
  if (cp < 0x80) {
    c[0] = (char)cp, n = 1;
  } else if (cp < 0x800) {
    c[0] = (char)(0xC0 | (cp >> 6)), c[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  } else if (cp < 0x10000) {
    c[0] = (char)(0xE0 | (cp >> 12)), c[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    c[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  } else {
    c[0] = (char)(0xF0 | (cp >> 18)), c[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    c[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), c[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  }
  lx_strbuf_append(b, c, n);
}

bool lx_utf8_valid(const char *s, size_t n, size_t *bad_offset) {
  for (size_t i = 0; i < n;) {
    size_t len;
    if (lx_utf8_decode(s + i, n - i, &len) == LX_UTF8_INVALID) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

/* bsearch comparators: a code point against a range, and against an entry whose first member is
 * its code point (lx_lower_entry, lx_nfd_entry). */
static int cmp_range(const void *key, const void *elem) {
  const uint32_t cp = *(const uint32_t *)key;
  const lx_range *r = elem;
  return cp < r->first ? -1 : cp > r->last ? 1 : 0;
}
static int cmp_ccc_range(const void *key, const void *elem) {
  const uint32_t cp = *(const uint32_t *)key;
  const lx_ccc_range *r = elem;
  return cp < r->first ? -1 : cp > r->last ? 1 : 0;
}
static int cmp_entry(const void *key, const void *elem) {
  const uint32_t cp = *(const uint32_t *)key, at = *(const uint32_t *)elem;
  return cp < at ? -1 : cp > at ? 1 : 0;
}

static bool in_ranges(const lx_range *r, int n, uint32_t cp) {
  return bsearch(&cp, r, (size_t)n, sizeof *r, cmp_range) != NULL;
}

bool lx_py_isspace(uint32_t cp) {
  return in_ranges(lx_space_ranges, lx_space_ranges_len, cp);
}
bool lx_py_isdecimal(uint32_t cp) {
  return in_ranges(lx_decimal_ranges, lx_decimal_ranges_len, cp);
}
int lx_py_decimal_value(uint32_t cp) {
  int lo = 0, hi = lx_decimal_ranges_len - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (cp < lx_decimal_ranges[mid].first)
      hi = mid - 1;
    else if (cp > lx_decimal_ranges[mid].last)
      lo = mid + 1;
    else /* each range is whole runs of ten digits, 0 to 9 */
      return (int)((cp - lx_decimal_ranges[mid].first) % 10);
  }
  return -1;
}
static bool cased(uint32_t cp) {
  return in_ranges(lx_cased_ranges, lx_cased_ranges_len, cp);
}
static bool case_ignorable(uint32_t cp) {
  return in_ranges(lx_case_ignorable_ranges, lx_case_ignorable_ranges_len, cp);
}

static const lx_lower_entry *lower_of(uint32_t cp) {
  return bsearch(&cp, lx_lower_table, (size_t)lx_lower_table_len, sizeof *lx_lower_table,
                 cmp_entry);
}

/* CPython's Final_Sigma context for the capital sigma at cps[i]:
 *   \p{cased} \p{case-ignorable}* U+03A3 !(\p{case-ignorable}* \p{cased}) */
static bool final_sigma(const uint32_t *cps, size_t n, size_t i) {
  size_t j = i;
  while (j > 0 && case_ignorable(cps[j - 1])) j--;
  if (j == 0 || !cased(cps[j - 1])) return false;
  for (j = i + 1; j < n && case_ignorable(cps[j]); j++) {
  }
  return j == n || !cased(cps[j]);
}

void lx_py_lower(const char *s, size_t n, lx_strbuf *out) {
  uint32_t *cps = lx_xcalloc(n ? n : 1, sizeof(uint32_t));
  size_t count = 0;
  for (size_t i = 0; i < n;) {
    size_t len;
    cps[count++] = lx_utf8_decode(s + i, n - i, &len);
    i += len;
  }
  for (size_t i = 0; i < count; i++) {
    uint32_t cp = cps[i];
    if (cp == LX_UTF8_INVALID) continue; /* callers pass well-formed text */
    if (cp == 0x3A3) {
      lx_utf8_append(out, final_sigma(cps, count, i) ? 0x3C2 : 0x3C3);
      continue;
    }
    const lx_lower_entry *e = lower_of(cp);
    if (!e) {
      lx_utf8_append(out, cp);
    } else {
      for (int k = 0; k < e->n; k++) lx_utf8_append(out, e->to[k]);
    }
  }
  free(cps);
}

bool lx_unicode_is_mn(uint32_t cp) {
  return in_ranges(lx_mn_ranges, lx_mn_ranges_len, cp);
}
bool lx_unicode_is_punct(uint32_t cp) {
  return in_ranges(lx_punct_ranges, lx_punct_ranges_len, cp);
}
bool lx_unicode_is_other(uint32_t cp) {
  return in_ranges(lx_other_ranges, lx_other_ranges_len, cp);
}
bool lx_unicode_is_zs(uint32_t cp) {
  return in_ranges(lx_zs_ranges, lx_zs_ranges_len, cp);
}

int lx_py_lower_char(uint32_t cp, uint32_t out[3]) {
  const lx_lower_entry *e = lower_of(cp); /* alone, capital sigma is never final: U+03C3 */
  if (!e) {
    out[0] = cp;
    return 1;
  }
  for (int k = 0; k < e->n; k++) out[k] = e->to[k];
  return e->n;
}

static const lx_nfd_entry *nfd_of(uint32_t cp) {
  return bsearch(&cp, lx_nfd_table, (size_t)lx_nfd_table_len, sizeof *lx_nfd_table, cmp_entry);
}

static int ccc_of(uint32_t cp) {
  const lx_ccc_range *r =
      bsearch(&cp, lx_ccc_table, (size_t)lx_ccc_table_len, sizeof *lx_ccc_table, cmp_ccc_range);
  return r ? r->ccc : 0;
}

/* Hangul syllables (Unicode 3.12): S = 0xAC00 + (L * 21 + V) * 28 + T. */
enum { HANGUL_S = 0xAC00, HANGUL_L = 0x1100, HANGUL_V = 0x1161, HANGUL_T = 0x11A7 };
enum { HANGUL_V_COUNT = 21, HANGUL_T_COUNT = 28, HANGUL_COUNT = 11172 };

size_t lx_unicode_nfd(const uint32_t *in, size_t n, uint32_t *out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t cp = in[i];
    if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_COUNT) {
      uint32_t s = cp - HANGUL_S;
      out[k++] = HANGUL_L + s / (HANGUL_V_COUNT * HANGUL_T_COUNT);
      out[k++] = HANGUL_V + s % (HANGUL_V_COUNT * HANGUL_T_COUNT) / HANGUL_T_COUNT;
      if (s % HANGUL_T_COUNT) out[k++] = HANGUL_T + s % HANGUL_T_COUNT;
      continue;
    }
    const lx_nfd_entry *e = nfd_of(cp);
    if (!e) {
      out[k++] = cp;
    } else {
      for (int j = 0; j < e->n; j++) out[k++] = e->to[j];
    }
  }
  /* Canonical ordering: a stable sort by class of each run of non-zero classes (insertion sort;
   * runs are short). */
  for (size_t i = 1; i < k; i++) {
    int c = ccc_of(out[i]);
    if (!c) continue;
    uint32_t cp = out[i];
    size_t j = i;
    while (j > 0) {
      int p = ccc_of(out[j - 1]);
      if (!p || p <= c) break;
      out[j] = out[j - 1];
      j--;
    }
    out[j] = cp;
  }
  return k;
}

void lx_py_strip(const char *s, size_t n, size_t *begin, size_t *end) {
  size_t b = 0, e = n;
  while (b < n) {
    size_t len;
    uint32_t cp = lx_utf8_decode(s + b, n - b, &len);
    if (cp == LX_UTF8_INVALID || !lx_py_isspace(cp)) break;
    b += len;
  }
  /* Scan forward to find the end of the last non-space character. */
  size_t last_end = b;
  for (size_t i = b; i < n;) {
    size_t len;
    uint32_t cp = lx_utf8_decode(s + i, n - i, &len);
    i += len;
    if (cp == LX_UTF8_INVALID || !lx_py_isspace(cp)) last_end = i;
  }
  e = last_end;
  *begin = b;
  *end = e;
}

size_t lx_py_split(const char *s, size_t n, lx_span **words) {
  size_t count = 0, cap = 0;
  lx_span *out = NULL;
  size_t i = 0;
  while (i < n) {
    size_t len;
    uint32_t cp = lx_utf8_decode(s + i, n - i, &len);
    if (cp != LX_UTF8_INVALID && lx_py_isspace(cp)) {
      i += len;
      continue;
    }
    size_t start = i;
    while (i < n) {
      cp = lx_utf8_decode(s + i, n - i, &len);
      if (cp != LX_UTF8_INVALID && lx_py_isspace(cp)) break;
      i += len;
    }
    if (count == cap) {
      cap = cap ? 2 * cap : 16;
      out = lx_xrealloc_array(out, cap, sizeof *out);
    }
    out[count++] = (lx_span){s + start, i - start};
  }
  *words = out;
  return count;
}

size_t lx_py_split_space(const char *s, size_t n, lx_span **words) {
  size_t count = 1;
  for (size_t i = 0; i < n; i++) count += s[i] == ' ';
  lx_span *out = lx_xcalloc(count, sizeof *out);
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == ' ') {
      out[k++] = (lx_span){s + start, i - start};
      start = i + 1;
    }
  }
  *words = out;
  return count;
}
