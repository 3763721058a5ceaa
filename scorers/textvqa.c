#include "scorers/textvqa.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/unicode.h"
#include "scorers/vqa_accuracy.h"

/* s with every occurrence of from replaced by to, into out. */
static void replace_all(const char *s, const char *from, const char *to, lx_strbuf *out) {
  size_t n = strlen(from);
  for (const char *p = s; *p;) {
    if (!strncmp(p, from, n)) {
      lx_strbuf_puts(out, to);
      p += n;
    } else {
      lx_strbuf_putc(out, *p++);
    }
  }
}

static void py_strip_into(const lx_strbuf *in, lx_strbuf *out) {
  size_t b = 0, e = in->len;
  lx_py_strip(lx_strbuf_str(in), in->len, &b, &e);
  lx_strbuf_append(out, lx_strbuf_str(in) + b, e - b);
}

void lx_evalai_process(const char *answer, lx_strbuf *out) {
  lx_strbuf a = {0}, b = {0};
  /* word_tokenize: lower, drop "," and "?", split off "'s", strip */
  lx_py_lower(answer, strlen(answer), &a);
  replace_all(lx_strbuf_str(&a), ",", "", &b);
  lx_strbuf_clear(&a);
  replace_all(lx_strbuf_str(&b), "?", "", &a);
  lx_strbuf_clear(&b);
  replace_all(lx_strbuf_str(&a), "'s", " 's", &b);
  lx_strbuf_clear(&a);
  py_strip_into(&b, &a);
  /* newlines and tabs to spaces, strip */
  lx_strbuf_clear(&b);
  for (size_t i = 0; i < a.len; i++) {
    char c = lx_strbuf_str(&a)[i];
    lx_strbuf_putc(&b, c == '\n' || c == '\t' ? ' ' : c);
  }
  lx_strbuf_clear(&a);
  py_strip_into(&b, &a);
  /* process_punctuation, process_digit_article */
  lx_strbuf_clear(&b);
  lx_vqa_punctuation(lx_strbuf_str(&a), &b);
  lx_vqa_digits_articles(lx_strbuf_str(&b), out);
  lx_strbuf_free(&a);
  lx_strbuf_free(&b);
}

double lx_textvqa_accuracy(const char *pred, const char *const *refs, size_t n_refs) {
  lx_strbuf answer = {0};
  lx_evalai_process(pred, &answer);
  bool *same = lx_xcalloc(n_refs + 1, sizeof *same);
  for (size_t i = 0; i < n_refs; i++) {
    lx_strbuf r = {0};
    lx_evalai_process(refs[i], &r);
    same[i] = strcmp(lx_strbuf_str(&r), lx_strbuf_str(&answer)) == 0;
    lx_strbuf_free(&r);
  }
  /* the evaluator's order: for each reference, min(1, matches among the others / 3), summed */
  double score = lx_vqa_soft_score(same, n_refs);
  free(same);
  lx_strbuf_free(&answer);
  return score;
}
