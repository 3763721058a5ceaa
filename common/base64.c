#include "common/base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int lx_base64_decode(const char *s, size_t n, unsigned char **out, size_t *len) {
  static signed char map[256];
  static int ready;
  if (!ready) {
    memset(map, -1, sizeof map);
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; a[i]; i++) map[(unsigned char)a[i]] = (signed char)i;
    ready = 1;
  }
  unsigned char *buf = lx_xmalloc(n / 4 * 3 + 3);
  size_t o = 0, quantum = 0, pad = 0;
  uint32_t acc = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '=') {
      pad++;
      continue;
    }
    if (map[c] < 0) continue;
    if (pad) { /* data after padding */
      free(buf);
      return -1;
    }
    acc = acc << 6 | (uint32_t)map[c];
    if (++quantum == 4) {
      buf[o++] = (unsigned char)(acc >> 16), buf[o++] = (unsigned char)(acc >> 8),
      buf[o++] = (unsigned char)acc;
      quantum = 0, acc = 0;
    }
  }
  if (quantum == 1 || (quantum && quantum + pad < 4)) {
    free(buf);
    return -1;
  }
  if (quantum == 2) buf[o++] = (unsigned char)(acc >> 4);
  if (quantum == 3) buf[o++] = (unsigned char)(acc >> 10), buf[o++] = (unsigned char)(acc >> 2);
  *out = buf;
  *len = o;
  return 0;
}
