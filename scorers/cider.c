#include "scorers/cider.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "scorers/ngrams.h"

#define CIDER_N     4    /* n-gram orders 1..4 */
#define CIDER_SIGMA 6.0  /* length penalty width, in bigrams */
#define CIDER_SCALE 10.0 /* pycocoevalcap multiplies the item score by 10 */

/* A tf-idf vector of one sentence: weights[i] for counts.items[i]. */
typedef struct tfidf {
  double *weights;
  size_t cap;
  double norm[CIDER_N]; /* Euclidean norm per order */
  double bigrams;       /* the "length": number of bigram occurrences */
} tfidf;

typedef struct cider_state {
  lx_gram_table *table;
  double *df;         /* [grams] document frequency over the scored items' reference sets */
  uint32_t *df_mark;  /* [grams] last item (1-based) that counted the gram */
  double *ref_weight; /* [grams] the current reference's weights, valid where ref_mark == stamp */
  uint32_t *ref_mark;
  size_t cap;
  double log_n_items; /* ref_len in the reference: ln(number of items) */
} cider_state;

static void ensure_capacity(cider_state *s) {
  size_t need = lx_gram_table_size(s->table);
  if (need <= s->cap) return;
  size_t old = s->cap, cap = 2 * need;
  s->df = lx_xrealloc_array(s->df, cap, sizeof *s->df);
  s->df_mark = lx_xrealloc_array(s->df_mark, cap, sizeof *s->df_mark);
  s->ref_weight = lx_xrealloc_array(s->ref_weight, cap, sizeof *s->ref_weight);
  s->ref_mark = lx_xrealloc_array(s->ref_mark, cap, sizeof *s->ref_mark);
  for (size_t i = old; i < cap; i++) {
    s->df[i] = 0;
    s->df_mark[i] = 0;
    s->ref_mark[i] = 0;
  }
  s->cap = cap;
}

/* counts2vec: weights tf * (ln N - ln max(1, df)), norms and the bigram length. */
static void to_tfidf(const cider_state *s, const lx_ngrams *g, tfidf *v) {
  if (g->n > v->cap) {
    v->cap = g->n;
    v->weights = lx_xrealloc_array(v->weights, v->cap, sizeof *v->weights);
  }
  double sq[CIDER_N] = {0};
  v->bigrams = 0;
  for (size_t i = 0; i < g->n; i++) {
    uint32_t gram = g->items[i].gram;
    double tf = g->items[i].count;
    double df = log(fmax(1.0, s->df[gram]));
    int order = lx_gram_order(s->table, gram) - 1;
    v->weights[i] = tf * (s->log_n_items - df);
    sq[order] += pow(v->weights[i], 2);
    if (order == 1) v->bigrams += tf;
  }
  for (int k = 0; k < CIDER_N; k++) v->norm[k] = sqrt(sq[k]);
}

static void cider_free_state(cider_state *s) {
  free(s->df);
  free(s->df_mark);
  free(s->ref_weight);
  free(s->ref_mark);
  lx_gram_table_free(s->table);
}

double lx_cider_d(const lx_caption_item *items, size_t n, double *per_item) {
  if (n == 0) return 0.0;
  cider_state s = {0};
  s.table = lx_gram_table_new();
  lx_ngrams g = {0}, hyp = {0};
  /* Document frequency: each item's reference set counts a gram once. */
  for (size_t i = 0; i < n; i++) {
    for (size_t r = 0; r < items[i].n_refs; r++) {
      lx_ngrams_count(s.table, items[i].refs[r], CIDER_N, &g);
      ensure_capacity(&s);
      for (size_t j = 0; j < g.n; j++) {
        uint32_t gram = g.items[j].gram;
        if (s.df_mark[gram] != (uint32_t)(i + 1)) {
          s.df_mark[gram] = (uint32_t)(i + 1);
          s.df[gram] += 1;
        }
      }
    }
  }
  s.log_n_items = log((double)n);
  tfidf vh = {0}, vr = {0};
  uint32_t stamp = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    lx_ngrams_count(s.table, items[i].hyp, CIDER_N, &hyp);
    ensure_capacity(&s); /* hypothesis-only grams have df 0 */
    to_tfidf(&s, &hyp, &vh);
    double score[CIDER_N] = {0};
    for (size_t r = 0; r < items[i].n_refs; r++) {
      lx_ngrams_count(s.table, items[i].refs[r], CIDER_N, &g);
      to_tfidf(&s, &g, &vr);
      stamp++;
      for (size_t j = 0; j < g.n; j++) {
        s.ref_weight[g.items[j].gram] = vr.weights[j];
        s.ref_mark[g.items[j].gram] = stamp;
      }
      /* sim(): clipped dot product per order, cosine-normalized, times the length penalty */
      double val[CIDER_N] = {0};
      for (size_t j = 0; j < hyp.n; j++) {
        uint32_t gram = hyp.items[j].gram;
        double wr = s.ref_mark[gram] == stamp ? s.ref_weight[gram] : 0.0;
        val[lx_gram_order(s.table, gram) - 1] += fmin(vh.weights[j], wr) * wr;
      }
      double delta = vh.bigrams - vr.bigrams;
      for (int k = 0; k < CIDER_N; k++) {
        if (vh.norm[k] != 0 && vr.norm[k] != 0) val[k] /= vh.norm[k] * vr.norm[k];
        val[k] *= pow(M_E, -pow(delta, 2) / (2 * pow(CIDER_SIGMA, 2)));
        score[k] += val[k];
      }
    }
    double item = (((score[0] + score[1]) + score[2]) + score[3]) / CIDER_N;
    item /= (double)items[i].n_refs;
    item *= CIDER_SCALE;
    if (per_item) per_item[i] = item;
    sum += item;
  }
  free(vh.weights);
  free(vr.weights);
  lx_ngrams_free(&g);
  lx_ngrams_free(&hyp);
  cider_free_state(&s);
  return sum / (double)n;
}
