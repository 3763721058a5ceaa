/* ngrams.h: the n-gram counts BLEU and CIDEr-D are built on, as pycocoevalcap's precook() makes
 * them: words = Python's str.split() of the sentence; for k = 1..max_n, every k-gram by position.
 *
 * A gram table interns words and n-grams into small integer ids, so that counts are arrays of
 * (gram id, count) and lookups are array indexing. Counts keep Python's dict insertion order (all
 * unigrams by first occurrence, then bigrams, ...), so sums run in the reference's order. */
#ifndef LX_NGRAMS_H
#define LX_NGRAMS_H

#include <stddef.h>
#include <stdint.h>

#define LX_NGRAM_MAX 4

typedef struct lx_gram_table lx_gram_table;

typedef struct lx_gram_count {
  uint32_t gram;  /* id in the table */
  uint32_t count; /* occurrences in the sentence */
} lx_gram_count;

typedef struct lx_ngrams {
  lx_gram_count *items; /* first-occurrence order */
  size_t n, cap;
  size_t words; /* len(s.split()) */
} lx_ngrams;

lx_gram_table *lx_gram_table_new(void);
void lx_gram_table_free(lx_gram_table *t);
/* Number of distinct n-grams interned so far (ids are 0 .. size-1). */
size_t lx_gram_table_size(const lx_gram_table *t);
/* The n of an interned n-gram (1..LX_NGRAM_MAX). */
int lx_gram_order(const lx_gram_table *t, uint32_t gram);

/* Counts the 1..max_n-grams of the NUL-terminated sentence s into out (whose old contents are
 * replaced; zero-initialize before first use). max_n <= LX_NGRAM_MAX. */
void lx_ngrams_count(lx_gram_table *t, const char *s, int max_n, lx_ngrams *out);
void lx_ngrams_free(lx_ngrams *g);

#endif
