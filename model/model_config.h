/* model_config.h: the keys of a model directory's config.json that every family shares.
 *
 *   format, format_version   "lynxeval-model", 1
 *   family                   which family's keys follow ("lynx" when absent: the files written
 *                            before there were families); an unknown family is refused by name
 *   preprocess               how media become pixels (media/preprocess.h)
 *   prompt                   the prompt template (text/prompt.h)
 *   decoding                 the decoding defaults
 *
 * The family's own keys (shapes of its network) are read by the family (model/family.h).
 * docs/model-format.md documents the whole file; tools/convert_lynx.py writes it. */
#ifndef LX_MODEL_CONFIG_H
#define LX_MODEL_CONFIG_H

#include <cJSON.h>

#include "common/error.h"
#include "media/preprocess.h"
#include "text/prompt.h"

#define LX_CONFIG_FORMAT         "lynxeval-model"
#define LX_CONFIG_FORMAT_VERSION 1
#define LX_CONFIG_DEFAULT_FAMILY "lynx"
#define LX_CONFIG_MAX_BYTES      (1u << 20)

#define LX_DECODING_MAX_TASKS 16
#define LX_MAX_STOP_STRINGS   4
#define LX_STOP_STRING_BYTES  32
#define LX_MAX_REPLACE_IDS    4
#define LX_MAX_STOP_IDS       4
#define LX_STOP_IDS_LEN       4
#define LX_MAX_TEXT_RULES     4
#define LX_MAX_STRIP_IDS      4

/* A chat model's end-of-answer rules, as MiniGPT-4's Chat.answer applies them (generate.h):
 *   stop_ids       a row stops once its sequence ends with one of these id runs (its
 *                  StoppingCriteriaSub on "###": [835] or [2277, 29937]); the row keeps them
 *   keep_special   the answer's text is decode(seed + tokens + the end id, special tokens kept)
 *                  (lx_tokenizer_decode_keep_special), not the tokens without specials
 *   strip_leading  before that decoding, each of these ids in turn is dropped from the front if
 *                  the sequence starts with it ([0, 1]: "the model might output <unk>", "<s>")
 *   text_rules     then text = text.split(split)[take] for each rule in order (take < 0 counts
 *                  from the end, as Python's index does), and strip() */
typedef struct lx_answer_rules {
  int n_stop_ids;
  struct {
    int n;
    int ids[LX_STOP_IDS_LEN];
  } stop_ids[LX_MAX_STOP_IDS];
  bool keep_special;
  int n_strip_leading;
  int strip_leading[LX_MAX_STRIP_IDS];
  int n_text_rules;
  struct {
    char split[32];
    int take;
  } text_rules[LX_MAX_TEXT_RULES];
} lx_answer_rules;

typedef struct lx_decoding_config {
  char strategy[32]; /* "beam-sample", "beam", "greedy", "sample" */
  int num_beams, top_k, no_repeat_ngram_size, min_length, max_new_tokens;
  double top_p, temperature, length_penalty;
  bool bos_seed; /* the output starts with [<s>] (transformers 4.28 and 4.37.2 from embeddings) */
  int seed_id;   /* "seed_id": the seed's id (-1, the default: the model's bos id) */
  double repetition_penalty; /* 1: off */
  /* "replace_ids": [[from, to], ...]: output ids rewritten before decoding */
  int n_replace;
  int replace[LX_MAX_REPLACE_IDS][2];
  lx_answer_rules answer; /* "stop_ids", "keep_special", "strip_leading_ids", "text_rules" */
  /* These are the model's own evaluation scripts' settings (LLaVA-1.5: greedy, 128 tokens):
   * tasks' decoding overrides do not apply to it (a suite's and the flags' still do). */
  bool evaluation;
  /* "stop_strings": ["###"], checked from the "stop_from"-th new token (generate.h) */
  int n_stop, stop_from;
  char stop[LX_MAX_STOP_STRINGS][LX_STOP_STRING_BYTES];
  /* "short_answer": {"max_new_tokens", "length_penalty"}: short-answer tasks' (InstructBLIP's
   * VQA evaluation: max_length 10, length penalty -1); 0 / false: the defaults' */
  int short_max_new_tokens;
  bool short_length_penalty_set;
  double short_length_penalty;
  /* max_new_tokens for named tasks ("llava-bench": 1024, as LLaVA's model_vqa.py) */
  int n_by_task;
  struct {
    char task[32];
    int max_new_tokens;
  } by_task[LX_DECODING_MAX_TASKS];
} lx_decoding_config;

typedef struct lx_model_config {
  char family[32];
  lx_preprocess_config preprocess;
  lx_prompt_config prompt;
  lx_decoding_config decoding;
} lx_model_config;

/* Validates the shared keys of a parsed config.json (root); file names it in messages. */
int lx_model_config_from_json(const cJSON *root, const char *file, lx_model_config *cfg,
                              lx_error *err);

/* Reads path as a JSON object (*root, the caller deletes it) and validates its shared keys. */
int lx_model_config_load(const char *path, cJSON **root, lx_model_config *cfg, lx_error *err);

#endif
