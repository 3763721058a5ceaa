#include "common/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h ^ (h >> 31);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const lx_strmap *m, const char *key) {
  size_t mask = m->n_slots - 1;
  for (size_t j = hash(key) & mask;; j = (j + 1) & mask)
    if (!m->slots[j] || strcmp(m->keys[m->slots[j] - 1], key) == 0) return j;
}

static void grow(lx_strmap *m) {
  size_t n_slots = m->n_slots ? 2 * m->n_slots : 64;
  free(m->slots);
  m->slots = lx_xcalloc(n_slots, sizeof *m->slots);
  m->n_slots = n_slots;
  for (size_t i = 0; i < m->n; i++) m->slots[slot_of(m, m->keys[i])] = i + 1;
}

size_t lx_strmap_find(const lx_strmap *m, const char *key) {
  if (!m->n_slots) return (size_t)-1;
  size_t j = slot_of(m, key);
  return m->slots[j] ? m->slots[j] - 1 : (size_t)-1;
}

size_t lx_strmap_intern(lx_strmap *m, const char *key) {
  if (2 * (m->n + 1) > m->n_slots) grow(m);
  size_t j = slot_of(m, key);
  if (m->slots[j]) return m->slots[j] - 1;
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 16;
    m->keys = lx_xrealloc_array(m->keys, m->cap, sizeof *m->keys);
  }
  m->keys[m->n] = lx_xstrdup(key);
  m->slots[j] = ++m->n;
  return m->n - 1;
}

void lx_strmap_free(lx_strmap *m) {
  for (size_t i = 0; i < m->n; i++) free(m->keys[i]);
  free(m->keys);
  free(m->slots);
  memset(m, 0, sizeof *m);
}
