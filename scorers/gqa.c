#include "scorers/gqa.h"

#include <string.h>

#include "common/unicode.h"

void lx_gqa_prediction(const char *answer, lx_strbuf *out) {
  size_t n = strlen(answer);
  while (n > 0 && answer[n - 1] == '.') n--;
  lx_py_lower(answer, n, out);
}

bool lx_gqa_correct(const char *answer, const char *gold) {
  lx_strbuf p = {0};
  lx_gqa_prediction(answer, &p);
  bool ok = strcmp(lx_strbuf_str(&p), gold) == 0;
  lx_strbuf_free(&p);
  return ok;
}
