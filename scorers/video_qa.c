#include "scorers/video_qa.h"

#include <string.h>

#include "common/unicode.h"

static void stripped(const char *s, size_t n, lx_strbuf *out) {
  size_t b, e;
  lx_py_strip(s, n, &b, &e);
  lx_strbuf_append(out, s + b, e - b);
}

void lx_video_qa_normalize(const char *answer, lx_strbuf *out) {
  lx_strbuf low = {0}, once = {0};
  lx_py_lower(answer, strlen(answer), &low);
  stripped(lx_strbuf_str(&low), low.len, &once);
  size_t n = once.len;
  if (n > 0 && lx_strbuf_str(&once)[n - 1] == '.') n--;
  stripped(lx_strbuf_str(&once), n, out);
  lx_strbuf_free(&low);
  lx_strbuf_free(&once);
}

bool lx_video_qa_exact_match(const char *pred, const char *reference) {
  lx_strbuf p = {0}, r = {0}, low = {0};
  lx_video_qa_normalize(pred, &p);
  lx_py_lower(reference, strlen(reference), &low);
  stripped(lx_strbuf_str(&low), low.len, &r);
  bool same = !strcmp(lx_strbuf_str(&p), lx_strbuf_str(&r));
  lx_strbuf_free(&p);
  lx_strbuf_free(&r);
  lx_strbuf_free(&low);
  return same;
}
