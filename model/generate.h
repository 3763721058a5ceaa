/* generate.h: turning logits into answers, with the semantics of Hugging Face transformers
 * 4.28.1's generate() as the Lynx reference calls it (docs/lynx-model.md section 7).
 *
 * Strategies:
 *   greedy       argmax of the processed logits
 *   beam         beam search: log-softmax, processors, + running beam score, best 2*beams
 *                candidates, BeamSearchScorer (only beam 0 starts live)
 *   beam-sample  the reference's default: as beam, but every beam starts live, the summed scores
 *                pass through the warpers (temperature, top-k, top-p, each keeping at least 2
 *                tokens), a softmax over beams x vocabulary, and 2*beams candidates drawn without
 *                replacement, then sorted
 *   sample       processors and warpers on the raw logits, one draw
 * Processors, in transformers' order: repetition penalty (each id already in the sequence, the
 * seed included, has its score s divided by the penalty when s > 0 and multiplied when s < 0:
 * raw logits for greedy and sampling, log-probabilities for the beam strategies), no-repeat-n-gram,
 * then min-length (EOS banned while the sequence is shorter).
 * Finished hypotheses score sum_logprobs / length ^ length_penalty; with the reference's -2.0
 * that multiplies by length^2 and favours short answers. A beam item is done when it holds
 * `beams` hypotheses and the best running score cannot beat the worst of them (early_stopping
 * false), or at max_new_tokens.
 *
 * The [<s>] seed: generating from embeddings, transformers 4.28 starts the output sequence with
 * [<s>], so min_length, the n-gram window, the repetition penalty and the hypothesis length count
 * it. seed_bos = true (the default) reproduces that; false counts generated tokens only. The seed
 * is the model's bos id unless seed_id_set (InstructBLIP's LLM prompt starts with </s> but its
 * generation configuration seeds with <s>).
 *
 * Output rules: before the answer is decoded, each replace[i][0] id becomes replace[i][1] (LAVIS's
 * InstructBLIP rewrites 0, the unknown piece, to 2, which decoding then drops as special); the
 * generated tokens themselves are reported unchanged.
 *
 * Where lynxeval departs from the reference, on purpose, so that batch size and batch
 * composition never change an answer: every prompt draws from its own generator (seeds[i]),
 * where the reference draws the whole batch from torch's global one; and each item's
 * done-check uses its own length, where 4.28.1 adds one per earlier batch member (a bug fixed in
 * 4.29; at batch size 1 both agree). Random draws use lynxeval's generator (common/rng.h), not
 * torch's.
 */
#ifndef LX_GENERATE_H
#define LX_GENERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "model/model.h"
#include "model/model_config.h"

typedef enum lx_decode_strategy {
  LX_DECODE_GREEDY = 0,
  LX_DECODE_BEAM,
  LX_DECODE_BEAM_SAMPLE,
  LX_DECODE_SAMPLE,
} lx_decode_strategy;

typedef struct lx_decode_params {
  lx_decode_strategy strategy;
  int num_beams;            /* beam strategies (>= 1) */
  int max_new_tokens;       /* >= 1 */
  int min_length;           /* EOS is banned while the sequence is shorter */
  int no_repeat_ngram_size; /* 0: off */
  int top_k;                /* 0: off (sampling strategies) */
  double top_p;             /* 1: off */
  double temperature;       /* 1: off */
  double length_penalty;
  bool early_stopping; /* transformers' early_stopping=True */
  bool seed_bos;       /* the sequence starts with the [<s>] seed (the reference) */
  bool seed_id_set;    /* the seed is seed_id, not the model's bos id */
  int seed_id;
  double repetition_penalty; /* 0 or 1: off */
  int n_replace;             /* output rules: replace[i][0] -> replace[i][1] before decoding */
  int replace[LX_MAX_REPLACE_IDS][2];
  lx_answer_rules answer; /* a chat model's end-of-answer rules (model_config.h); stop_ids
                             apply to greedy and sample only, as stop strings do */
  /* Stop strings (greedy and sample): a row stops once the decoded text of its new tokens
   * holds one, checked from its stop_from-th new token on (LLaVA v1's KeywordsStoppingCriteria
   * skips the first: 2); the answer is then stripped, the stop string cut off its end, and
   * stripped again, as LLaVA's scripts do. */
  int n_stop;
  char stop[LX_MAX_STOP_STRINGS][LX_STOP_STRING_BYTES];
  int stop_from; /* >= 1 */
} lx_decode_params;

int lx_decode_strategy_parse(const char *name, lx_decode_strategy *out);
const char *lx_decode_strategy_name(lx_decode_strategy s);

/* The config's decoding defaults; LX_ERR if its strategy is unknown. */
int lx_decode_params_from_config(const lx_decoding_config *c, lx_decode_params *p, lx_error *err);

/* Checks ranges (beams >= 1, top_p in (0, 1], temperature > 0, ...). */
int lx_decode_params_check(const lx_decode_params *p, lx_error *err);

/* One-line description of the decoding (for reports and --json). */
void lx_decode_params_describe(const lx_decode_params *p, lx_strbuf *out);

typedef struct lx_generation {
  lx_ints tokens;      /* generated ids: no [<s>] seed, no final </s> */
  bool ended_with_eos; /* false: stopped at max_new_tokens */
  double score;   /* beams: the hypothesis score; greedy and sample: sum of log-probabilities */
  lx_strbuf text; /* decode(skip_special_tokens=True).strip() */
} lx_generation;

void lx_generation_free(lx_generation *g);

/* Generates an answer for each of n prompts (decoded together as one batch). seeds[i] drives the
 * random draws of prompt i (may be NULL for greedy and beam). out[n] receives the results. */
int lx_generate(const lx_model *m, const lx_prompt *prompts, int n, const lx_decode_params *p,
                const uint64_t *seeds, lx_generation *out, lx_error *err);

#endif
