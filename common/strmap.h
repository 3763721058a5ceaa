/* strmap.h: strings numbered in order of first appearance (0, 1, 2, ...), found in constant time.
 *
 * For grouping many rows by a label (answer types, question types, classes) without a linear
 * search per row. Keys are copied; ownership stays with the map. */
#ifndef LX_STRMAP_H
#define LX_STRMAP_H

#include <stddef.h>

typedef struct lx_strmap {
  char **keys;   /* [n] in order of first appearance */
  size_t n, cap; /* keys */
  size_t *slots; /* [n_slots] key index + 1, 0 = empty; n_slots a power of two */
  size_t n_slots;
} lx_strmap;

/* The number of key (adding it when new). */
size_t lx_strmap_intern(lx_strmap *m, const char *key);
/* The number of key, or (size_t)-1 when it is not in the map. */
size_t lx_strmap_find(const lx_strmap *m, const char *key);
void lx_strmap_free(lx_strmap *m);

#endif
