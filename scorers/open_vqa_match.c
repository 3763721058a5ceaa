#include "scorers/open_vqa_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "common/unicode.h"

#define SINGULAR_MIN_CHARS 4 /* a final "s" is ignored only on words longer than 3 characters */

static const char *const NUMBER_WORDS[] = {
    "zero",     "one",     "two",     "three",     "four",     "five",     "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
};
static const char *const ARTICLES[] = {"a", "an", "the"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct words {
  char **w;
  size_t n;
} words;

static void words_free(words *ws) {
  for (size_t i = 0; i < ws->n; i++) free(ws->w[i]);
  free(ws->w);
  ws->w = NULL;
  ws->n = 0;
}

static bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void normalize(const char *text, words *out) {
  lx_strbuf low = {0}, clean = {0};
  lx_py_lower(text, strlen(text), &low);
  const char *s = lx_strbuf_str(&low);
  for (size_t i = 0; i < low.len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\'') continue;
    /* bytes >= 0x80 belong to non-ASCII letters and are kept; ASCII punctuation becomes space */
    lx_strbuf_putc(&clean, c >= 0x80 || is_ascii_alnum(c) || c == ' ' || c == '\t' || c == '\n'
                               ? (char)c
                               : ' ');
  }
  lx_span *sp;
  size_t n = lx_py_split(lx_strbuf_str(&clean), clean.len, &sp);
  out->w = lx_xcalloc(n ? n : 1, sizeof *out->w);
  out->n = 0;
  for (size_t i = 0; i < n; i++) {
    char *w = lx_xmalloc(sp[i].n + 1);
    memcpy(w, sp[i].p, sp[i].n);
    w[sp[i].n] = '\0';
    bool drop = false;
    for (size_t a = 0; a < COUNT(ARTICLES); a++) drop |= strcmp(w, ARTICLES[a]) == 0;
    if (drop) {
      free(w);
      continue;
    }
    for (size_t k = 0; k < COUNT(NUMBER_WORDS); k++) {
      if (strcmp(w, NUMBER_WORDS[k]) == 0) {
        free(w);
        w = lx_xmalloc(4);
        snprintf(w, 4, "%zu", k);
        break;
      }
    }
    out->w[out->n++] = w;
  }
  free(sp);
  lx_strbuf_free(&low);
  lx_strbuf_free(&clean);
}

static size_t singular_len(const char *w) {
  size_t n = strlen(w);
  return n >= SINGULAR_MIN_CHARS && w[n - 1] == 's' ? n - 1 : n;
}

static bool same_word(const char *a, const char *b) {
  if (strcmp(a, b) == 0) return true;
  size_t na = singular_len(a), nb = singular_len(b);
  return na == nb && memcmp(a, b, na) == 0;
}

static bool is_number(const char *w) {
  if (!*w) return false;
  for (const char *p = w; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

static bool exact(const words *pred, char *const *ref, size_t n_ref) {
  if (pred->n != n_ref) return false;
  for (size_t i = 0; i < n_ref; i++)
    if (!same_word(pred->w[i], ref[i])) return false;
  return true;
}

static bool contains(const words *pred, char *const *ref, size_t n_ref) {
  if (n_ref == 0) return false;
  for (size_t i = 0; i + n_ref <= pred->n; i++) {
    size_t k = 0;
    while (k < n_ref && same_word(pred->w[i + k], ref[k])) k++;
    if (k == n_ref) return true;
  }
  return false;
}

const char *lx_ovqa_rule_name(lx_ovqa_rule rule) {
  switch (rule) {
    case LX_OVQA_NONE:
      return "none";
    case LX_OVQA_YES_NO:
      return "yes-no";
    case LX_OVQA_NUMBER:
      return "number";
    case LX_OVQA_EXACT:
      return "exact";
    case LX_OVQA_ALTERNATIVE:
      return "alternative";
    case LX_OVQA_CONTAINS:
      return "contains";
  }
  return "?";
}

static bool decide(const words *pred, const words *ref, lx_ovqa_rule *rule) {
  *rule = LX_OVQA_NONE;
  if (pred->n == 0 || ref->n == 0) return false;
  if (ref->n == 1 && (strcmp(ref->w[0], "yes") == 0 || strcmp(ref->w[0], "no") == 0)) {
    *rule = LX_OVQA_YES_NO;
    return strcmp(pred->w[0], ref->w[0]) == 0;
  }
  if (ref->n == 1 && is_number(ref->w[0])) {
    *rule = LX_OVQA_NUMBER;
    size_t numbers = 0;
    for (size_t i = 0; i < pred->n; i++) {
      if (!is_number(pred->w[i])) continue;
      if (strcmp(pred->w[i], ref->w[0]) != 0) return false;
      numbers++;
    }
    return numbers > 0;
  }
  if (exact(pred, ref->w, ref->n)) {
    *rule = LX_OVQA_EXACT;
    return true;
  }
  /* "X or Y": alternatives between the words "or" */
  bool has_or = false;
  for (size_t i = 1; i + 1 < ref->n; i++) has_or |= strcmp(ref->w[i], "or") == 0;
  if (has_or) {
    size_t start = 0;
    for (size_t i = 0; i <= ref->n; i++) {
      if (i < ref->n && strcmp(ref->w[i], "or") != 0) continue;
      if (exact(pred, ref->w + start, i - start) || contains(pred, ref->w + start, i - start)) {
        *rule = LX_OVQA_ALTERNATIVE;
        return true;
      }
      start = i + 1;
    }
  }
  if (contains(pred, ref->w, ref->n)) {
    *rule = LX_OVQA_CONTAINS;
    return true;
  }
  return false;
}

bool lx_open_vqa_match(const char *prediction, const char *reference, lx_ovqa_rule *rule) {
  words pred = {0}, ref = {0};
  normalize(prediction, &pred);
  normalize(reference, &ref);
  bool ok = decide(&pred, &ref, rule);
  words_free(&pred);
  words_free(&ref);
  return ok;
}
