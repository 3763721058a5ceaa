/* generate.c: decoding strategies, as described in generate.h. The structure mirrors
 * transformers 4.28.1: logits processors (NoRepeatNGram, MinLength), warpers (Temperature,
 * TopK, TopP), BeamSearchScorer.process/finalize and BeamHypotheses. */
#include "model/generate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/rng.h"
#include "common/unicode.h"

/* ---- parameters ------------------------------------------------------------------------------ */

static bool repetition_penalized(const lx_decode_params *p) {
  return p->repetition_penalty > 0 && p->repetition_penalty != 1.0;
}

static const char *const strategy_names[] = {"greedy", "beam", "beam-sample", "sample", NULL};

int lx_decode_strategy_parse(const char *name, lx_decode_strategy *out) {
  int i = lx_name_index(strategy_names, name);
  if (i < 0) return LX_ERR;
  *out = (lx_decode_strategy)i;
  return LX_OK;
}

const char *lx_decode_strategy_name(lx_decode_strategy s) {
  return lx_name_at(strategy_names, (int)s);
}

int lx_decode_params_from_config(const lx_decoding_config *c, lx_decode_params *p, lx_error *err) {
  memset(p, 0, sizeof *p);
  if (lx_decode_strategy_parse(c->strategy, &p->strategy))
    return lx_errorf(err, "decoding strategy \"%s\" is not greedy, beam, beam-sample or sample",
                     c->strategy);
  p->num_beams = c->num_beams;
  p->max_new_tokens = c->max_new_tokens;
  p->min_length = c->min_length;
  p->no_repeat_ngram_size = c->no_repeat_ngram_size;
  p->top_k = c->top_k;
  p->top_p = c->top_p;
  p->temperature = c->temperature;
  p->length_penalty = c->length_penalty;
  p->early_stopping = false;
  p->seed_bos = c->bos_seed;
  p->seed_id_set = c->seed_id >= 0;
  p->seed_id = c->seed_id >= 0 ? c->seed_id : 0;
  p->repetition_penalty = c->repetition_penalty;
  p->n_replace = c->n_replace;
  memcpy(p->replace, c->replace, sizeof p->replace);
  p->answer = c->answer;
  p->n_stop = c->n_stop;
  memcpy(p->stop, c->stop, sizeof p->stop);
  p->stop_from = c->stop_from > 0 ? c->stop_from : 1;
  return LX_OK;
}

int lx_decode_params_check(const lx_decode_params *p, lx_error *err) {
  const bool beams = p->strategy == LX_DECODE_BEAM || p->strategy == LX_DECODE_BEAM_SAMPLE;
  if (beams && (p->num_beams < 1 || p->num_beams > 256))
    return lx_errorf(err, "beams must be 1..256, got %d", p->num_beams);
  if (p->max_new_tokens < 1 || p->max_new_tokens > 1 << 16)
    return lx_errorf(err, "max new tokens must be 1..65536, got %d", p->max_new_tokens);
  if (p->min_length < 0) return lx_errorf(err, "min length must be >= 0");
  if (p->no_repeat_ngram_size < 0) return lx_errorf(err, "no-repeat n-gram size must be >= 0");
  if (p->top_k < 0) return lx_errorf(err, "top-k must be >= 0");
  if (!(p->top_p > 0 && p->top_p <= 1)) return lx_errorf(err, "top-p must be in (0, 1]");
  if (!(p->temperature > 0 && isfinite(p->temperature)))
    return lx_errorf(err, "temperature must be positive");
  if (!isfinite(p->length_penalty)) return lx_errorf(err, "length penalty must be finite");
  if (!(p->repetition_penalty >= 0 && p->repetition_penalty <= 1e6))
    return lx_errorf(err, "repetition penalty must be positive (1: off)");
  if (p->seed_id_set && p->seed_id < 0) return lx_errorf(err, "seed id must be >= 0");
  if (p->n_replace < 0 || p->n_replace > LX_MAX_REPLACE_IDS)
    return lx_errorf(err, "output id rewrites: at most %d", LX_MAX_REPLACE_IDS);
  if (p->n_stop < 0 || p->n_stop > LX_MAX_STOP_STRINGS || (p->n_stop && p->stop_from < 1))
    return lx_errorf(err, "stop strings: at most %d, checked from new token 1 on",
                     LX_MAX_STOP_STRINGS);
  return LX_OK;
}

void lx_decode_params_describe(const lx_decode_params *p, lx_strbuf *out) {
  char buf[512];
  const bool beams = p->strategy == LX_DECODE_BEAM || p->strategy == LX_DECODE_BEAM_SAMPLE;
  const bool sampling = p->strategy == LX_DECODE_BEAM_SAMPLE || p->strategy == LX_DECODE_SAMPLE;
  int n = snprintf(buf, sizeof buf, "%s", strategy_names[p->strategy]);
  if (beams)
    n += snprintf(buf + n, sizeof buf - (size_t)n, ", %d beams, length penalty %g%s", p->num_beams,
                  p->length_penalty, p->early_stopping ? ", early stopping" : "");
  if (sampling)
    n += snprintf(buf + n, sizeof buf - (size_t)n, ", top-k %d, top-p %g, temperature %g", p->top_k,
                  p->top_p, p->temperature);
  snprintf(buf + n, sizeof buf - (size_t)n,
           ", max %d new tokens, min length %d, no-repeat n-gram %d, %s", p->max_new_tokens,
           p->min_length, p->no_repeat_ngram_size,
           p->seed_bos ? "[<s>] seed counted (reference)" : "no [<s>] seed");
  lx_strbuf_puts(out, buf);
  if (repetition_penalized(p))
    lx_strbuf_printf(out, ", repetition penalty %g", p->repetition_penalty);
  if (p->seed_bos && p->seed_id_set) lx_strbuf_printf(out, ", seed id %d", p->seed_id);
  for (int i = 0; i < p->n_replace; i++)
    lx_strbuf_printf(out, "%sid %d -> %d", i ? ", " : ", before decoding ", p->replace[i][0],
                     p->replace[i][1]);
  const lx_answer_rules *a = &p->answer;
  for (int i = 0; i < a->n_stop_ids; i++) {
    lx_strbuf_puts(out, i ? ", [" : ", stops at ids [");
    for (int k = 0; k < a->stop_ids[i].n; k++)
      lx_strbuf_printf(out, k ? " %d" : "%d", a->stop_ids[i].ids[k]);
    lx_strbuf_puts(out, "]");
  }
  if (a->n_stop_ids && beams) lx_strbuf_puts(out, " (not applied by beam search)");
  if (a->keep_special) lx_strbuf_puts(out, ", answer decoded with its special tokens");
  for (int i = 0; i < a->n_text_rules; i++)
    lx_strbuf_printf(out, ", split(\"%s\")[%d]", a->text_rules[i].split, a->text_rules[i].take);
  for (int i = 0; i < p->n_stop; i++)
    lx_strbuf_printf(out, "%s\"%s\"", i ? ", " : ", stops at ", p->stop[i]);
  if (p->n_stop)
    lx_strbuf_printf(out, " from new token %d%s", p->stop_from,
                     beams ? " (not applied by beam search)" : "");
}

void lx_generation_free(lx_generation *g) {
  lx_ints_free(&g->tokens);
  lx_strbuf_free(&g->text);
  memset(g, 0, sizeof *g);
}

/* Draws k distinct indices from weights w[n] (float32 probabilities), without replacement:
 * each draw picks i with probability w[i] / (sum of the remaining), by walking the cumulative
 * sum in double precision. Returns the number drawn (fewer if the weights run out). */
static int draw_without_replacement(const float *w_in, int n, int k, uint64_t *rng, int *out,
                                    double *w) {
  double total = 0;
  for (int i = 0; i < n; i++) total += (w[i] = (double)w_in[i]);
  int drawn = 0;
  for (; drawn < k; drawn++) {
    if (!(total > 0)) break;
    double target = lx_rng_uniform(rng) * total, acc = 0;
    int pick = -1, last = -1;
    for (int i = 0; i < n; i++) {
      if (w[i] == 0) continue;
      last = i;
      acc += w[i];
      if (target < acc) {
        pick = i;
        break;
      }
    }
    if (pick < 0) pick = last; /* rounding at the very end of the range */
    if (pick < 0) break;
    out[drawn] = pick;
    total -= w[pick];
    w[pick] = 0;
  }
  return drawn;
}

/* ---- logits processors and warpers ----------------------------------------------------------- */

static void log_softmax(const float *x, int n, float *out) {
  float mx = -INFINITY;
  for (int i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  double sum = 0;
  for (int i = 0; i < n; i++) sum += exp((double)x[i] - mx);
  const double lse = mx + log(sum);
  for (int i = 0; i < n; i++) out[i] = (float)((double)x[i] - lse);
}

static void softmax(const float *x, int n, float *out) {
  float mx = -INFINITY;
  for (int i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  double sum = 0;
  for (int i = 0; i < n; i++) sum += exp((double)x[i] - mx);
  for (int i = 0; i < n; i++) out[i] = (float)(exp((double)x[i] - mx) / sum);
}

/* RepetitionPenalty, NoRepeatNGram, then MinLength, on one row of scores, given that row's
 * sequence. mark [V] is zero on entry and on return (the penalty's set of ids). */
static void apply_processors(const lx_decode_params *p, int eos, const int *seq, int len,
                             float *scores, unsigned char *mark) {
  if (repetition_penalized(p)) {
    /* Each distinct id once (torch gathers, then scatters the same value for repeats), in
     * float32 as torch computes a float tensor times a Python float. */
    const float penalty = (float)p->repetition_penalty;
    for (int i = 0; i < len; i++) {
      if (mark[seq[i]]) continue;
      mark[seq[i]] = 1;
      float s = scores[seq[i]];
      scores[seq[i]] = s < 0 ? s * penalty : s / penalty;
    }
    for (int i = 0; i < len; i++) mark[seq[i]] = 0;
  }
  const int ng = p->no_repeat_ngram_size;
  if (ng > 0 && len + 1 >= ng) {
    /* Ban every token that followed the last ng-1 tokens somewhere earlier. */
    const int *tail = seq + len - (ng - 1);
    for (int i = 0; i + ng <= len; i++)
      if (memcmp(seq + i, tail, (size_t)(ng - 1) * sizeof(int)) == 0)
        scores[seq[i + ng - 1]] = -INFINITY;
  }
  if (len < p->min_length) scores[eos] = -INFINITY;
}

static int cmp_float_asc(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

typedef struct scored {
  float score;
  int index;
} scored;

static int cmp_scored_asc(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* Temperature, TopK, TopP (each keeping at least min_keep tokens), in place. `tmp` holds n
 * floats, `order` n scored entries. */
static void apply_warpers(const lx_decode_params *p, int min_keep, float *s, int n, float *tmp,
                          scored *order) {
  if (p->temperature != 1.0) {
    const float t = (float)p->temperature;
    for (int i = 0; i < n; i++) s[i] = s[i] / t;
  }
  if (p->top_k > 0) {
    int k = p->top_k > min_keep ? p->top_k : min_keep;
    if (k > n) k = n;
    memcpy(tmp, s, (size_t)n * sizeof(float));
    qsort(tmp, (size_t)n, sizeof(float), cmp_float_asc);
    const float kth = tmp[n - k];
    for (int i = 0; i < n; i++)
      if (s[i] < kth) s[i] = -INFINITY;
  }
  if (p->top_p < 1.0) {
    /* Ascending sort; drop tokens whose cumulative probability is <= 1 - top_p, keeping the
     * min_keep most likely. */
    for (int i = 0; i < n; i++) order[i] = (scored){s[i], i};
    qsort(order, (size_t)n, sizeof(scored), cmp_scored_asc);
    for (int i = 0; i < n; i++) tmp[i] = order[i].score;
    softmax(tmp, n, tmp);
    const float threshold = (float)(1.0 - p->top_p);
    double cum = 0;
    for (int i = 0; i < n; i++) {
      cum += tmp[i];
      if ((float)cum <= threshold && i < n - min_keep) s[order[i].index] = -INFINITY;
    }
  }
}

/* ---- beam hypotheses (BeamHypotheses) -------------------------------------------------------- */

typedef struct hypothesis {
  double score;
  int *seq;
  int len;
  bool eos;
} hypothesis;

typedef struct hypotheses {
  hypothesis *v;
  int n, beams;
  double worst, length_penalty;
  bool early_stopping;
} hypotheses;

static void hyps_add(hypotheses *h, const int *seq, int len, double sum_logprobs, bool eos) {
  const double score = sum_logprobs / pow((double)len, h->length_penalty);
  if (!(h->n < h->beams || score > h->worst)) return;
  hypothesis *e = &h->v[h->n++];
  e->score = score;
  e->seq = lx_xmalloc((size_t)(len ? len : 1) * sizeof(int));
  memcpy(e->seq, seq, (size_t)len * sizeof(int));
  e->len = len;
  e->eos = eos;
  if (h->n > h->beams) {
    /* Drop the worst (lowest score, earliest on ties); worst becomes the next lowest. */
    int drop = 0;
    for (int i = 1; i < h->n; i++)
      if (h->v[i].score < h->v[drop].score) drop = i;
    free(h->v[drop].seq);
    memmove(&h->v[drop], &h->v[drop + 1], (size_t)(h->n - drop - 1) * sizeof(hypothesis));
    h->n--;
    h->worst = h->v[0].score;
    for (int i = 1; i < h->n; i++)
      if (h->v[i].score < h->worst) h->worst = h->v[i].score;
  } else {
    h->worst = score < h->worst ? score : h->worst;
  }
}

static bool hyps_is_done(const hypotheses *h, double best_sum_logprobs, int cur_len) {
  if (h->n < h->beams) return false;
  if (h->early_stopping) return true;
  return h->worst >= best_sum_logprobs / pow((double)cur_len, h->length_penalty);
}

/* ---- the generation loop
 * ------------------------------------------------------------------------- */

typedef struct state {
  const lx_model *m;
  const lx_decode_params *p;
  int n, beams, rows, V, eos, pad;
  int max_len;         /* sequence length limit (transformers' max_length) */
  int *seq;            /* [rows, max_len] */
  int len;             /* current sequence length, the same for every row */
  float *logits;       /* [rows, V] */
  float *scores;       /* [rows, V] processed scores */
  float *tmp;          /* [V] warper and log-softmax scratch */
  scored *order;       /* [V] top-p sort */
  float *probs;        /* [beams * V] sampling probabilities */
  double *weights;     /* [beams * V] draw scratch */
  float *new_scores;   /* [rows] */
  unsigned char *mark; /* [V] the repetition penalty's ids, zero between uses */
  int *tokens;         /* [rows] next tokens */
  int *src;            /* [rows] beam reordering */
  uint64_t *rng;       /* [n] */
} state;

/* Greedy and sample: one row per prompt. Returns true when every row has finished. */
static bool step_single(state *st, bool *finished, double *sum_logprob) {
  const lx_decode_params *p = st->p;
  bool all = true;
  for (int r = 0; r < st->rows; r++) {
    if (finished[r]) {
      st->tokens[r] = st->pad;
      continue;
    }
    float *s = st->scores + (size_t)r * st->V;
    const float *logits = st->logits + (size_t)r * st->V;
    memcpy(s, logits, (size_t)st->V * sizeof(float));
    apply_processors(p, st->eos, st->seq + (size_t)r * st->max_len, st->len, s, st->mark);
    int tok = 0;
    if (p->strategy == LX_DECODE_GREEDY) {
      for (int i = 1; i < st->V; i++)
        if (s[i] > s[tok]) tok = i;
    } else {
      apply_warpers(p, 1, s, st->V, st->tmp, st->order);
      softmax(s, st->V, s);
      if (draw_without_replacement(s, st->V, 1, &st->rng[r], &tok, st->weights) < 1) tok = st->eos;
    }
    log_softmax(logits, st->V, st->tmp);
    sum_logprob[r] += st->tmp[tok];
    st->tokens[r] = tok;
    if (tok == st->eos) finished[r] = true;
    if (!finished[r]) all = false;
  }
  return all;
}

/* Beam search and beam sampling: one BeamSearchScorer.process over every batch item. */
static void step_beams(state *st, float *beam_scores, hypotheses *hyps, bool *done) {
  const lx_decode_params *p = st->p;
  const int B = st->beams, V = st->V, k2 = 2 * B;
  const bool sampling = p->strategy == LX_DECODE_BEAM_SAMPLE;
  float *new_scores = st->new_scores;
  int cand_idx[512]; /* flat indices of the 2*beams candidates (beams <= 256) */
  float cand_score[512];
  for (int b = 0; b < st->n; b++) {
    const int row0 = b * B;
    if (done[b]) {
      for (int j = 0; j < B; j++) {
        st->tokens[row0 + j] = st->pad;
        st->src[row0 + j] = row0 + j;
        new_scores[row0 + j] = 0;
      }
      continue;
    }
    /* Scores of every (beam, token): log-softmax, processors, + beam score[, warpers]. */
    float *flat = st->scores + (size_t)row0 * V; /* [B * V], contiguous */
    for (int j = 0; j < B; j++) {
      float *s = flat + (size_t)j * V;
      log_softmax(st->logits + (size_t)(row0 + j) * V, V, s);
      apply_processors(p, st->eos, st->seq + (size_t)(row0 + j) * st->max_len, st->len, s,
                       st->mark);
      for (int i = 0; i < V; i++) s[i] = s[i] + beam_scores[row0 + j];
      if (sampling) apply_warpers(p, 2, s, V, st->tmp, st->order);
    }
    int nc;
    if (sampling) {
      /* softmax over beams x vocabulary, 2*beams draws, sorted by score (descending, draw order
       * on ties). */
      softmax(flat, B * V, st->probs);
      nc = draw_without_replacement(st->probs, B * V, k2, &st->rng[b], cand_idx, st->weights);
      for (int i = 0; i < nc; i++) cand_score[i] = flat[cand_idx[i]];
      for (int i = 1; i < nc; i++) { /* stable insertion sort, descending */
        int ci = cand_idx[i];
        float cs = cand_score[i];
        int j = i - 1;
        while (j >= 0 && cand_score[j] < cs) {
          cand_idx[j + 1] = cand_idx[j], cand_score[j + 1] = cand_score[j];
          j--;
        }
        cand_idx[j + 1] = ci, cand_score[j + 1] = cs;
      }
    } else {
      /* top 2*beams (descending; lower index first on ties) */
      nc = 0;
      for (int i = 0; i < B * V; i++) {
        float v = flat[i];
        if (nc == k2 && !(v > cand_score[nc - 1])) continue;
        int j = nc < k2 ? nc++ : nc - 1;
        while (j > 0 && cand_score[j - 1] < v) {
          cand_idx[j] = cand_idx[j - 1], cand_score[j] = cand_score[j - 1];
          j--;
        }
        cand_idx[j] = i, cand_score[j] = v;
      }
    }
    /* BeamSearchScorer.process for this item. */
    int beam_idx = 0;
    for (int rank = 0; rank < nc && beam_idx < B; rank++) {
      const int src_beam = cand_idx[rank] / V, tok = cand_idx[rank] % V, src_row = row0 + src_beam;
      if (tok == st->eos) {
        if (rank >= B) continue;
        hyps_add(&hyps[b], st->seq + (size_t)src_row * st->max_len, st->len, cand_score[rank],
                 true);
      } else {
        st->tokens[row0 + beam_idx] = tok;
        st->src[row0 + beam_idx] = src_row;
        new_scores[row0 + beam_idx] = cand_score[rank];
        beam_idx++;
      }
    }
    for (; beam_idx < B; beam_idx++) { /* cannot happen with one EOS id; stay well-defined */
      st->tokens[row0 + beam_idx] = st->pad;
      st->src[row0 + beam_idx] = row0;
      new_scores[row0 + beam_idx] = -INFINITY;
    }
    /* done: enough hypotheses and no running beam can beat the worst (the reference's length
     * here is this item's: len + 1) */
    float best = nc > 0 ? cand_score[0] : -INFINITY;
    done[b] = done[b] || hyps_is_done(&hyps[b], best, st->len + 1);
  }
  memcpy(beam_scores, new_scores, (size_t)st->rows * sizeof(float));
}

/* An output id after the replace_ids rules (the first rule naming it). */
static int rewritten(const lx_decode_params *p, int id) {
  for (int k = 0; k < p->n_replace; k++)
    if (id == p->replace[k][0]) return p->replace[k][1];
  return id;
}

/* The output rules, then decode(skip_special_tokens=True).strip(); with stop strings, then a stop
 * string cut off the end and strip() again (LLaVA's run_llava.py). */
static int finish_text(const lx_model *m, const lx_decode_params *p, lx_generation *g,
                       lx_error *err) {
  lx_strbuf raw = {0};
  int *ids = lx_xmalloc((size_t)(g->tokens.len ? g->tokens.len : 1) * sizeof *ids);
  for (int t = 0; t < g->tokens.len; t++) ids[t] = rewritten(p, g->tokens.v[t]);
  int rc = lx_tokenizer_decode(m->tokenizer, ids, g->tokens.len, true, &raw, err);
  free(ids);
  if (rc) {
    lx_strbuf_free(&raw);
    return LX_ERR;
  }
  size_t b, e;
  const char *s = lx_strbuf_str(&raw);
  lx_py_strip(s, raw.len, &b, &e);
  for (int i = 0; i < p->n_stop; i++) {
    size_t k = strlen(p->stop[i]);
    if (e - b >= k && memcmp(s + e - k, p->stop[i], k) == 0) {
      size_t b2, e2;
      lx_py_strip(s + b, e - k - b, &b2, &e2);
      e = b + e2;
      b += b2;
      break;
    }
  }
  lx_strbuf_append(&g->text, s + b, e - b);
  lx_strbuf_free(&raw);
  return LX_OK;
}

/* Whether a row's sequence seq[0, len) ends with one of the stop id runs. */
static bool hits_stop_ids(const lx_answer_rules *a, const int *seq, int len) {
  for (int i = 0; i < a->n_stop_ids; i++) {
    const int k = a->stop_ids[i].n;
    if (len >= k && memcmp(seq + len - k, a->stop_ids[i].ids, (size_t)k * sizeof(int)) == 0)
      return true;
  }
  return false;
}

/* Python's text.split(sep)[take] of s[0..n) (take < 0 from the end; out of range: empty), as a
 * byte range. */
static void split_take(const char *s, size_t n, const char *sep, int take, size_t *b, size_t *e) {
  const size_t k = strlen(sep);
  size_t parts = 1;
  for (size_t i = 0; i + k <= n;)
    if (memcmp(s + i, sep, k) == 0)
      parts++, i += k;
    else
      i++;
  long want = take < 0 ? (long)parts + take : take;
  *b = *e = 0;
  if (want < 0 || want >= (long)parts) return;
  size_t start = 0, part = 0;
  for (size_t i = 0; i + k <= n;) {
    if (memcmp(s + i, sep, k) == 0) {
      if ((long)part == want) {
        *b = start, *e = i;
        return;
      }
      part++, i += k, start = i;
    } else {
      i++;
    }
  }
  *b = start, *e = n;
}

/* A chat model's answer text (model_config.h lx_answer_rules): the output sequence (seed, tokens,
 * end id) with the leading ids dropped, decoded with its special tokens when asked, then split
 * and stripped. */
static int answer_text(const lx_model *m, const lx_decode_params *p, const int *ids, int n,
                       lx_generation *g, lx_error *err) {
  const lx_answer_rules *a = &p->answer;
  for (int k = 0; k < a->n_strip_leading; k++)
    if (n > 0 && ids[0] == a->strip_leading[k]) ids++, n--;
  lx_strbuf raw = {0};
  int rc = a->keep_special ? lx_tokenizer_decode_keep_special(m->tokenizer, ids, n, &raw, err)
                           : lx_tokenizer_decode(m->tokenizer, ids, n, true, &raw, err);
  size_t b = 0, e = raw.len;
  for (int k = 0; rc == LX_OK && k < a->n_text_rules; k++) {
    size_t b2, e2;
    split_take(lx_strbuf_str(&raw) + b, e - b, a->text_rules[k].split, a->text_rules[k].take, &b2,
               &e2);
    e = b + e2, b += b2;
  }
  if (rc == LX_OK) {
    size_t b2, e2;
    lx_py_strip(lx_strbuf_str(&raw) + b, e - b, &b2, &e2);
    lx_strbuf_append(&g->text, lx_strbuf_str(&raw) + b + b2, e2 - b2);
  }
  lx_strbuf_free(&raw);
  return rc;
}

/* Whether the decoded text of a row's new tokens seq[from, to) holds a stop string. */
static bool hits_stop(const lx_model *m, const lx_decode_params *p, const int *seq, int from,
                      int to, lx_strbuf *text) {
  lx_strbuf_clear(text);
  lx_error err;
  if (lx_tokenizer_decode(m->tokenizer, seq + from, to - from, true, text, &err)) return false;
  for (int i = 0; i < p->n_stop; i++)
    if (strstr(lx_strbuf_str(text), p->stop[i])) return true;
  return false;
}

int lx_generate(const lx_model *m, const lx_prompt *prompts, int n, const lx_decode_params *p,
                const uint64_t *seeds, lx_generation *out, lx_error *err) {
  if (lx_decode_params_check(p, err)) return LX_ERR;
  if (n < 1) return lx_errorf(err, "nothing to generate");
  const bool beams = p->strategy == LX_DECODE_BEAM || p->strategy == LX_DECODE_BEAM_SAMPLE;
  const bool sampling = p->strategy == LX_DECODE_BEAM_SAMPLE || p->strategy == LX_DECODE_SAMPLE;
  if (sampling && !seeds) return lx_errorf(err, "sampling needs a seed per prompt");
  state st = {.m = m, .p = p, .n = n, .beams = beams ? p->num_beams : 1};
  st.rows = n * st.beams;
  st.V = m->info.vocab_size;
  st.eos = m->info.eos_id;
  st.pad = m->info.pad_id;
  const int seed_id = p->seed_id_set ? p->seed_id : m->info.bos_id;
  if (p->seed_bos && seed_id >= st.V)
    return lx_errorf(err, "seed id %d is outside the vocabulary (%d)", seed_id, st.V);
  const int seed_len = p->seed_bos ? 1 : 0;
  st.max_len = seed_len + p->max_new_tokens;
  int capacity = 0;
  for (int i = 0; i < n; i++) {
    int c = lx_model_prompt_positions(m, &prompts[i]) + p->max_new_tokens;
    capacity = c > capacity ? c : capacity;
  }
  lx_session *s;
  if (lx_session_new(m, st.rows, capacity, &s, err)) return LX_ERR;
  st.seq = lx_xcalloc((size_t)st.rows * st.max_len, sizeof(int));
  st.logits = lx_xcalloc((size_t)st.rows * st.V, sizeof(float));
  st.scores = lx_xcalloc((size_t)st.rows * st.V, sizeof(float));
  st.tmp = lx_xcalloc((size_t)st.V, sizeof(float));
  st.order = lx_xcalloc((size_t)st.V, sizeof(scored));
  st.probs = lx_xcalloc((size_t)st.beams * st.V, sizeof(float));
  st.weights = lx_xcalloc((size_t)st.beams * st.V, sizeof(double));
  st.new_scores = lx_xcalloc((size_t)st.rows, sizeof(float));
  st.mark = lx_xcalloc((size_t)st.V, 1);
  st.tokens = lx_xcalloc((size_t)st.rows, sizeof(int));
  st.src = lx_xcalloc((size_t)st.rows, sizeof(int));
  st.rng = lx_xcalloc((size_t)n, sizeof(uint64_t));
  for (int i = 0; i < n; i++) st.rng[i] = seeds ? seeds[i] : 0;
  for (int r = 0; r < st.rows; r++)
    if (p->seed_bos) st.seq[(size_t)r * st.max_len] = seed_id;
  st.len = seed_len;

  /* Prefill each prompt once (its first beam row), then copy it to the other beams. */
  int rc = LX_OK;
  int *first = lx_xcalloc((size_t)n, sizeof(int));
  for (int i = 0; i < n; i++) first[i] = i * st.beams;
  float *first_logits = lx_xcalloc((size_t)n * st.V, sizeof(float));
  rc = lx_session_prefill_rows(s, first, n, prompts, first_logits, err);
  if (rc == LX_OK) {
    for (int r = 0; r < st.rows; r++) {
      st.src[r] = (r / st.beams) * st.beams;
      memcpy(st.logits + (size_t)r * st.V, first_logits + (size_t)(r / st.beams) * st.V,
             (size_t)st.V * sizeof(float));
    }
    if (st.beams > 1) lx_session_reorder(s, st.src);
  }
  free(first);
  free(first_logits);

  bool *finished = lx_xcalloc((size_t)st.rows, sizeof(bool));
  double *sum_logprob = lx_xcalloc((size_t)st.rows, sizeof(double));
  float *beam_scores = lx_xcalloc((size_t)st.rows, sizeof(float));
  bool *done = lx_xcalloc((size_t)n, sizeof(bool));
  hypotheses *hyps = lx_xcalloc((size_t)n, sizeof(hypotheses));
  for (int i = 0; i < n; i++) {
    hyps[i].v = lx_xcalloc((size_t)st.beams + 1, sizeof(hypothesis));
    hyps[i].beams = st.beams;
    hyps[i].worst = 1e9;
    hyps[i].length_penalty = p->length_penalty;
    hyps[i].early_stopping = p->early_stopping;
  }
  /* Beam search starts with only beam 0 live; beam sampling with every beam. */
  if (p->strategy == LX_DECODE_BEAM)
    for (int r = 0; r < st.rows; r++) beam_scores[r] = r % st.beams ? -1e9f : 0.0f;

  int *next_seq = lx_xcalloc((size_t)st.rows * st.max_len, sizeof(int));
  bool *stopped = lx_xcalloc((size_t)st.rows, sizeof(bool)); /* ended by a stop string */
  lx_strbuf stop_text = {0};
  while (rc == LX_OK) {
    bool stop;
    if (beams) {
      step_beams(&st, beam_scores, hyps, done);
      /* Sequences follow their source beams, then get the new token. */
      for (int r = 0; r < st.rows; r++)
        memcpy(next_seq + (size_t)r * st.max_len, st.seq + (size_t)st.src[r] * st.max_len,
               (size_t)st.len * sizeof(int));
      memcpy(st.seq, next_seq, (size_t)st.rows * st.max_len * sizeof(int));
      stop = true;
      for (int i = 0; i < n; i++) stop = stop && done[i];
    } else {
      stop = step_single(&st, finished, sum_logprob);
    }
    for (int r = 0; r < st.rows; r++) st.seq[(size_t)r * st.max_len + st.len] = st.tokens[r];
    st.len++;
    if (!beams && p->answer.n_stop_ids) {
      /* MiniGPT-4's StoppingCriteriaSub, per row: the row keeps the stop ids */
      stop = true;
      for (int r = 0; r < st.rows; r++) {
        if (!finished[r] && hits_stop_ids(&p->answer, st.seq + (size_t)r * st.max_len, st.len))
          finished[r] = stopped[r] = true;
        stop = stop && finished[r];
      }
    }
    if (!beams && p->n_stop && st.len - seed_len >= p->stop_from) {
      /* as a stopping criterion: after the token is appended, the row keeps it */
      stop = true;
      for (int r = 0; r < st.rows; r++) {
        if (!finished[r] &&
            hits_stop(m, p, st.seq + (size_t)r * st.max_len, seed_len, st.len, &stop_text))
          finished[r] = stopped[r] = true;
        stop = stop && finished[r];
      }
    }
    if (stop || st.len >= st.max_len) break;
    if (beams) lx_session_reorder(s, st.src);
    rc = lx_session_step(s, st.tokens, st.logits, err);
  }
  free(next_seq);
  lx_strbuf_free(&stop_text);

  /* Results. */
  for (int i = 0; i < n && rc == LX_OK; i++) {
    lx_generation *g = &out[i];
    memset(g, 0, sizeof *g);
    const int *seq;
    int len;
    if (beams) {
      /* finalize: unfinished items add their running beams; the best hypothesis wins (the
       * latest added among equals). */
      if (!done[i])
        for (int j = 0; j < st.beams; j++) {
          int r = i * st.beams + j;
          hyps_add(&hyps[i], st.seq + (size_t)r * st.max_len, st.len, beam_scores[r], false);
        }
      int best = 0;
      for (int h = 1; h < hyps[i].n; h++)
        if (hyps[i].v[h].score >= hyps[i].v[best].score) best = h;
      seq = hyps[i].v[best].seq;
      len = hyps[i].v[best].len;
      g->score = hyps[i].v[best].score;
      g->ended_with_eos = hyps[i].v[best].eos;
    } else {
      seq = st.seq + (size_t)i * st.max_len;
      len = st.len;
      g->score = sum_logprob[i];
      g->ended_with_eos = finished[i] && !stopped[i];
    }
    int end = seed_len; /* past the tokens: the end id, the row's padding, or len */
    for (; end < len; end++) {
      if (seq[end] == st.eos) break;
      if (!beams && finished[i] && seq[end] == st.pad) break;
      lx_ints_push(&g->tokens, seq[end]);
    }
    const lx_answer_rules *a = &p->answer;
    if (a->keep_special || a->n_strip_leading || a->n_text_rules) {
      /* the output sequence as generate() returns it: seed, tokens, the end id that ended them */
      const int n_out = end + (g->ended_with_eos ? 1 : 0);
      int *out_ids = lx_xmalloc((size_t)(n_out ? n_out : 1) * sizeof *out_ids);
      for (int t = 0; t < n_out; t++) out_ids[t] = rewritten(p, t < end ? seq[t] : st.eos);
      rc = answer_text(m, p, out_ids, n_out, g, err);
      free(out_ids);
    } else {
      rc = finish_text(m, p, g, err);
    }
  }
  free(stopped);
  for (int i = 0; i < n; i++) {
    for (int h = 0; h < hyps[i].n; h++) free(hyps[i].v[h].seq);
    free(hyps[i].v);
  }
  free(hyps);
  free(done);
  free(beam_scores);
  free(sum_logprob);
  free(finished);
  free(st.seq);
  free(st.logits);
  free(st.scores);
  free(st.tmp);
  free(st.order);
  free(st.probs);
  free(st.weights);
  free(st.new_scores);
  free(st.mark);
  free(st.tokens);
  free(st.src);
  free(st.rng);
  lx_session_free(s);
  if (rc != LX_OK)
    for (int i = 0; i < n; i++) lx_generation_free(&out[i]);
  return rc;
}
