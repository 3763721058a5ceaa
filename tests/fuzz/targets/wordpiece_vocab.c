/* A Q-Former vocabulary file (vocab.txt: one token per line, \n, \r\n or \r), and a text through
 * a vocabulary that loads. */
#include "fuzz.h"

#include <string.h>

#include "text/wordpiece.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("vocab.txt");
  fz_write(path, data, size);
  lx_wordpiece *t = NULL;
  lx_error err;
  if (lx_wordpiece_load(path, &t, &err) != LX_OK) return 0;
  static const char text[] =
      "[CLS] A caf\xc3\xa9, d\xc3\xb6gs! \xe4\xb8\xad\xe6\x96\x87 unaffable [SEP]";
  lx_ints ids = {0};
  lx_wordpiece_encode(t, text, strlen(text), 16, &ids, &err);
  for (int i = 0; i < ids.len; i++) (void)lx_wordpiece_token(t, ids.v[i]);
  lx_ints_free(&ids);
  lx_wordpiece_free(t);
  return 0;
}
