/* Text through the Q-Former's BERT WordPiece tokenizer (tests/tokenizer/wordpiece/vocab.txt):
 * special tokens, cleaning, CJK spacing, NFD accent stripping, punctuation, WordPiece, and the
 * encoding at two truncation lengths. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/fileio.h"
#include "text/wordpiece.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lx_wordpiece *t;
  lx_error err;
  if (!t) {
    char *path = lx_path_join(LX_FUZZ_SOURCE_DIR, "tests/tokenizer/wordpiece/vocab.txt");
    if (lx_wordpiece_load(path, &t, &err)) {
      fprintf(stderr, "fuzz: %s\n", err.msg);
      abort();
    }
    free(path);
  }
  lx_ints ids = {0};
  lx_wordpiece_tokenize(t, (const char *)data, size, &ids, &err);
  for (int max = 3; max <= 128; max += 125) {
    ids.len = 0;
    lx_wordpiece_encode(t, (const char *)data, size, max, &ids, &err);
  }
  lx_ints_free(&ids);
  return 0;
}
