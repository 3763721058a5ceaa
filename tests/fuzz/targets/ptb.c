/* Captions through the PTB tokenizer pycocoevalcap runs (one caption per input line, as it
 * tokenizes them all as one text), both outputs, and through the approximation. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "text/ptb.h"
#include "text/ptb_approx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  size_t n = 1;
  for (size_t i = 0; i < size; i++) n += text[i] == '\n';
  const char **captions = malloc(n * sizeof *captions);
  n = 0;
  captions[n++] = text;
  for (size_t i = 0; i < size; i++)
    if (text[i] == '\n') {
      text[i] = '\0';
      captions[n++] = text + i + 1;
    }
  for (int what = 0; what < 2; what++) {
    lx_ptb_lines out;
    lx_ptb_tokenize(captions, n, what ? LX_PTB_JAVA : LX_PTB_COCO, &out);
    lx_ptb_lines_free(&out);
  }
  for (size_t i = 0; i < n; i++) {
    lx_strbuf b = {0};
    lx_ptb_approx_tokenize(captions[i], &b);
    lx_strbuf_free(&b);
  }
  free(captions);
  free(text);
  return 0;
}
