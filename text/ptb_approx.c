#include "text/ptb_approx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/unicode.h"

static const char *const CLITICS[] = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"};
/* pycocoevalcap's PUNCTUATIONS, as PTBTokenizer spells them */
static const char *const DROPPED[] = {"''", "'", "``", "`", "-lrb-", "-rrb-", "-lcb-", "-rcb-", ".",
                                      "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool leading_punct(char c) {
  return c && strchr("([{\"'`", c) != NULL;
}
static bool trailing_punct(char c) {
  return c && strchr(".,;:?!)]}\"'", c) != NULL;
}

/* Emits one token unless it is in the dropped list. Brackets become PTB's -LRB- etc. first, and
 * so are dropped too. */
static void emit(const char *p, size_t n, lx_strbuf *out) {
  if (n == 0) return;
  if (n == 1 && strchr("()[]{}", p[0])) return; /* -LRB- -RRB- -LSB- -RSB- -LCB- -RCB- */
  for (size_t i = 0; i < COUNT(DROPPED); i++)
    if (strlen(DROPPED[i]) == n && memcmp(DROPPED[i], p, n) == 0) return;
  if (n == 1 && p[0] == '"') return; /* becomes `` or '' */
  if (out->len) lx_strbuf_putc(out, ' ');
  lx_strbuf_append(out, p, n);
}

/* Emits a body, splitting "..." / "--" runs and a final clitic. */
static void emit_body(const char *p, size_t n, lx_strbuf *out) {
  for (size_t i = 0; i + 1 < n; i++) {
    bool dots = i + 2 < n && memcmp(p + i, "...", 3) == 0;
    bool dashes = memcmp(p + i, "--", 2) == 0;
    if (dots || dashes) {
      size_t run = dots ? 3 : 2;
      emit_body(p, i, out);
      emit(p + i, run, out);
      emit_body(p + i + run, n - i - run, out);
      return;
    }
  }
  for (size_t c = 0; c < COUNT(CLITICS); c++) {
    size_t k = strlen(CLITICS[c]);
    if (n > k && memcmp(p + n - k, CLITICS[c], k) == 0) {
      emit(p, n - k, out);
      emit(p + n - k, k, out);
      return;
    }
  }
  emit(p, n, out);
}

static void tokenize_word(const char *p, size_t n, lx_strbuf *out) {
  size_t b = 0, e = n;
  while (b < e && leading_punct(p[b])) emit(p + b++, 1, out);
  size_t trail_start = e;
  while (trail_start > b && trailing_punct(p[trail_start - 1])) {
    /* keep the final period of an abbreviation such as "u.s." */
    if (p[trail_start - 1] == '.' && trail_start == e && memchr(p + b, '.', trail_start - 1 - b) &&
        trail_start - 1 > b)
      break;
    trail_start--;
  }
  emit_body(p + b, trail_start - b, out);
  for (size_t i = trail_start; i < e; i++) emit(p + i, 1, out);
}

void lx_ptb_approx_tokenize(const char *caption, lx_strbuf *out) {
  lx_strbuf low = {0}, line = {0};
  lx_py_lower(caption, strlen(caption), &low);
  lx_span *words;
  size_t n = lx_py_split(lx_strbuf_str(&low), low.len, &words);
  for (size_t i = 0; i < n; i++) tokenize_word(words[i].p, words[i].n, &line);
  lx_strbuf_append(out, lx_strbuf_str(&line), line.len);
  free(words);
  lx_strbuf_free(&low);
  lx_strbuf_free(&line);
}
