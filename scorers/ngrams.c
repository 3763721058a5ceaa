#include "scorers/ngrams.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/unicode.h"

/* An open-addressing hash set of keys, each a byte string; the value is the insertion index. */
typedef struct intern_set {
  uint32_t *slots; /* cap entries: index + 1, 0 = empty */
  size_t cap;      /* power of two */
} intern_set;

typedef struct gram_key {
  uint32_t words[LX_NGRAM_MAX];
  int n;
} gram_key;

struct lx_gram_table {
  /* words: bytes in one arena, word i at word_off[i] with length word_len[i] */
  char *arena;
  size_t arena_len, arena_cap;
  size_t *word_off, *word_len;
  size_t n_words, words_cap;
  intern_set word_set;
  /* n-grams */
  gram_key *grams;
  size_t n_grams, grams_cap;
  intern_set gram_set;
  /* per-sentence counting: stamp[g] == current marks g as seen; slot[g] is its item index */
  uint32_t *stamp, *slot;
  uint32_t now;
};

static uint64_t hash_bytes(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h ^ (h >> 29);
}

static uint64_t hash_gram(const gram_key *k) {
  return hash_bytes(k->words, (size_t)k->n * sizeof(uint32_t)) * 31 + (uint64_t)k->n;
}

static void set_init(intern_set *s) {
  s->cap = 1024;
  s->slots = lx_xcalloc(s->cap, sizeof *s->slots);
}

/* Rehashes into twice the capacity; hash_of(i) gives the hash of entry i. */
static void set_grow(intern_set *s, uint64_t (*hash_of)(const lx_gram_table *, uint32_t),
                     const lx_gram_table *t) {
  size_t cap = s->cap * 2;
  uint32_t *slots = lx_xcalloc(cap, sizeof *slots);
  for (size_t i = 0; i < s->cap; i++) {
    if (!s->slots[i]) continue;
    size_t j = hash_of(t, s->slots[i] - 1) & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = s->slots[i];
  }
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
}

static uint64_t word_hash_at(const lx_gram_table *t, uint32_t i) {
  return hash_bytes(t->arena + t->word_off[i], t->word_len[i]);
}

static uint64_t gram_hash_at(const lx_gram_table *t, uint32_t i) {
  return hash_gram(&t->grams[i]);
}

static uint32_t intern_word(lx_gram_table *t, const char *p, size_t n) {
  uint64_t h = hash_bytes(p, n);
  size_t mask = t->word_set.cap - 1;
  for (size_t j = h & mask;; j = (j + 1) & mask) {
    uint32_t v = t->word_set.slots[j];
    if (!v) break;
    if (t->word_len[v - 1] == n && memcmp(t->arena + t->word_off[v - 1], p, n) == 0) return v - 1;
  }
  if (t->n_words == t->words_cap) {
    t->words_cap = t->words_cap ? 2 * t->words_cap : 256;
    t->word_off = lx_xrealloc_array(t->word_off, t->words_cap, sizeof *t->word_off);
    t->word_len = lx_xrealloc_array(t->word_len, t->words_cap, sizeof *t->word_len);
  }
  if (t->arena_len + n > t->arena_cap) {
    while (t->arena_len + n > t->arena_cap) t->arena_cap = t->arena_cap ? 2 * t->arena_cap : 4096;
    t->arena = lx_xrealloc_array(t->arena, t->arena_cap, 1);
  }
  memcpy(t->arena + t->arena_len, p, n);
  uint32_t id = (uint32_t)t->n_words++;
  t->word_off[id] = t->arena_len;
  t->word_len[id] = n;
  t->arena_len += n;
  size_t j = h & mask;
  while (t->word_set.slots[j]) j = (j + 1) & mask;
  t->word_set.slots[j] = id + 1;
  if (2 * t->n_words > t->word_set.cap) set_grow(&t->word_set, word_hash_at, t);
  return id;
}

static uint32_t intern_gram(lx_gram_table *t, const gram_key *k) {
  uint64_t h = hash_gram(k);
  size_t mask = t->gram_set.cap - 1;
  for (size_t j = h & mask;; j = (j + 1) & mask) {
    uint32_t v = t->gram_set.slots[j];
    if (!v) break;
    const gram_key *g = &t->grams[v - 1];
    if (g->n == k->n && memcmp(g->words, k->words, (size_t)k->n * sizeof(uint32_t)) == 0)
      return v - 1;
  }
  if (t->n_grams == t->grams_cap) {
    t->grams_cap = t->grams_cap ? 2 * t->grams_cap : 1024;
    t->grams = lx_xrealloc_array(t->grams, t->grams_cap, sizeof *t->grams);
    t->stamp = lx_xrealloc_array(t->stamp, t->grams_cap, sizeof *t->stamp);
    t->slot = lx_xrealloc_array(t->slot, t->grams_cap, sizeof *t->slot);
  }
  uint32_t id = (uint32_t)t->n_grams++;
  t->grams[id] = *k;
  t->stamp[id] = 0;
  size_t j = h & mask;
  while (t->gram_set.slots[j]) j = (j + 1) & mask;
  t->gram_set.slots[j] = id + 1;
  if (2 * t->n_grams > t->gram_set.cap) set_grow(&t->gram_set, gram_hash_at, t);
  return id;
}

lx_gram_table *lx_gram_table_new(void) {
  lx_gram_table *t = lx_xcalloc(1, sizeof *t);
  set_init(&t->word_set);
  set_init(&t->gram_set);
  return t;
}

void lx_gram_table_free(lx_gram_table *t) {
  if (!t) return;
  free(t->arena);
  free(t->word_off);
  free(t->word_len);
  free(t->word_set.slots);
  free(t->grams);
  free(t->gram_set.slots);
  free(t->stamp);
  free(t->slot);
  free(t);
}

size_t lx_gram_table_size(const lx_gram_table *t) {
  return t->n_grams;
}

int lx_gram_order(const lx_gram_table *t, uint32_t gram) {
  return t->grams[gram].n;
}

void lx_ngrams_count(lx_gram_table *t, const char *s, int max_n, lx_ngrams *out) {
  lx_span *spans;
  size_t n_words = lx_py_split(s, strlen(s), &spans);
  uint32_t *ids = lx_xcalloc(n_words ? n_words : 1, sizeof *ids);
  for (size_t i = 0; i < n_words; i++) ids[i] = intern_word(t, spans[i].p, spans[i].n);
  free(spans);
  out->n = 0;
  out->words = n_words;
  if (++t->now == 0) { /* stamp wrapped: forget every mark */
    memset(t->stamp, 0, t->n_grams * sizeof *t->stamp);
    t->now = 1;
  }
  for (int k = 1; k <= max_n; k++) {
    for (size_t i = 0; i + (size_t)k <= n_words; i++) {
      gram_key key = {{0}, k};
      memcpy(key.words, ids + i, (size_t)k * sizeof(uint32_t));
      uint32_t g = intern_gram(t, &key);
      if (t->stamp[g] == t->now) {
        out->items[t->slot[g]].count++;
        continue;
      }
      if (out->n == out->cap) {
        out->cap = out->cap ? 2 * out->cap : 64;
        out->items = lx_xrealloc_array(out->items, out->cap, sizeof *out->items);
      }
      t->stamp[g] = t->now;
      t->slot[g] = (uint32_t)out->n;
      out->items[out->n++] = (lx_gram_count){g, 1};
    }
  }
  free(ids);
}

void lx_ngrams_free(lx_ngrams *g) {
  free(g->items);
  memset(g, 0, sizeof *g);
}
