/* Text through LLaMA's real tokenizer (tests/tokenizer/models/llama.model): SentencePiece
 * encoding, Hugging Face tokenizing with Lynx's special tokens, and decoding the ids back (with
 * and without the special tokens). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "text/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lx_tokenizer *t;
  lx_error err;
  if (!t) {
    char *path = lx_path_join(LX_FUZZ_SOURCE_DIR, "tests/tokenizer/models/llama.model");
    if (lx_tokenizer_load(path, &t, &err) ||
        lx_tokenizer_add_lynx_specials(t, 1, 2, 0, 32000, &err)) {
      fprintf(stderr, "fuzz: %s\n", err.msg);
      abort();
    }
    free(path);
  }
  lx_ints ids = {0};
  for (int how = 0; how < 2; how++) {
    ids.len = 0;
    int rc = how ? lx_tokenizer_tokenize(t, (const char *)data, size, &ids, &err)
                 : lx_tokenizer_encode(t, (const char *)data, size, &ids, &err);
    if (rc == LX_OK) {
      lx_strbuf out = {0};
      lx_tokenizer_decode(t, ids.v, ids.len, how == 1, &out, &err);
      lx_strbuf_clear(&out);
      lx_tokenizer_decode_keep_special(t, ids.v, ids.len, &out, &err);
      lx_strbuf_free(&out);
    }
  }
  lx_ints_free(&ids);
  return 0;
}
