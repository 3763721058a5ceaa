#include "common/names.h"

#include <string.h>

int lx_name_index(const char *const *names, const char *name) {
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

const char *lx_name_at(const char *const *names, int i) {
  for (int k = 0; names[k]; k++)
    if (k == i) return names[k];
  return "?";
}

void lx_names_join(const char *const *names, const char *sep, const char *last_sep,
                   lx_strbuf *out) {
  int n = 0;
  while (names[n]) n++;
  for (int i = 0; i < n; i++) {
    if (i > 0) lx_strbuf_puts(out, i == n - 1 ? last_sep : sep);
    lx_strbuf_puts(out, names[i]);
  }
}
