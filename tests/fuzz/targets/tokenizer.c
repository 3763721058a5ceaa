/* A tokenizer file, tokenizer.model (SentencePiece's protobuf) or tokenizer.json (Hugging
 * Face's), recognised by content; a tokenizer that loads then encodes and decodes a text that
 * reaches its normalizer, byte fallback and special tokens. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "text/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("tokenizer.model");
  fz_write(path, data, size);
  lx_tokenizer *t = NULL;
  lx_error err;
  if (lx_tokenizer_load(path, &t, &err) != LX_OK) return 0;
  static const char text[] = "A cat, 12 d\xc3\xb6gs  and \xe2\x96\x81<s> \xf0\x9f\x90\x88 </s>\t!";
  lx_ints ids = {0};
  for (int how = 0; how < 2; how++) {
    ids.len = 0;
    int rc = how ? lx_tokenizer_tokenize(t, text, strlen(text), &ids, &err)
                 : lx_tokenizer_encode(t, text, strlen(text), &ids, &err);
    if (rc == LX_OK) {
      lx_strbuf out = {0};
      lx_tokenizer_decode(t, ids.v, ids.len, how == 0, &out, &err);
      lx_strbuf_free(&out);
    }
  }
  lx_ints_free(&ids);
  lx_tokenizer_free(t);
  return 0;
}
