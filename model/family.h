/* family.h: what a model family implements behind model.h. A family is one folder under model/
 * (model/lynx/, ...) exporting one lx_family, and one entry in model/families.c; nothing outside
 * its folder reads its config. Shared blocks (vit.h, resampler.h, llama.h, xattn.h, blocks.h,
 * weights.h, backend.h) are what families are built from.
 *
 * model.c checks what is generic (weights loaded, row and capacity bounds that need no family
 * knowledge) before calling; the functions below check what only the family knows. */
#ifndef LX_FAMILY_H
#define LX_FAMILY_H

#include <cJSON.h>

#include "model/backend.h"
#include "model/block_config.h"
#include "model/model.h"

/* A real-size shape a family can build with synthetic weights (bench model --shape NAME). */
typedef struct lx_model_shape {
  const char *name;        /* "lynx-8b" */
  const char *summary;     /* one line for --help */
  const char *config_json; /* a complete config.json for it */
} lx_model_shape;

/* A part of the network, by tensor name prefix (for `lynxeval info`). */
typedef struct lx_weight_part {
  const char *name;   /* "vision" */
  const char *prefix; /* "vit." */
} lx_weight_part;

struct lx_family {
  const char *name;    /* config.json "family" */
  const char *summary; /* one line */

  /* Reads the family's keys of config.json (root; `file` names it in messages; `common` holds
   * the shared keys, already checked). *net receives the network, unbound; info its shapes. */
  int (*open)(const cJSON *root, const char *file, const lx_model_config *common, void **net,
              lx_model_info *info, lx_error *err);
  /* Binds the network's tensors from w (which stays the caller's) and fills info's costs; the
   * network runs on be (borrowed, host memory) from then on. */
  int (*bind)(void *net, lx_weights *w, lx_backend *be, lx_model_info *info, lx_error *err);
  void (*close)(void *net);
  /* The tokenizer of model directory dir, with the family's special tokens, checked against
   * the vocabulary; a family whose network reads text of its own (InstructBLIP's Q-Former)
   * loads that vocabulary into net here too. */
  int (*load_tokenizer)(void *net, const char *dir, lx_tokenizer **out, lx_error *err);

  /* lx_model_prompt: where a question's media go among its ids (NULL: before them all). */
  lx_prompt (*prompt)(const void *net, const float *media, int media_rows, const int *ids,
                      int n_ids);
  /* lx_model_media_rows (NULL: info.media_rows whatever the frames). */
  int (*media_rows)(const void *net, int n_frames);

  /* lx_model_instruction_ids (NULL: the media read no text). */
  int (*instruction_ids)(const void *net, const char *instruction, lx_ints *ids, lx_error *err);
  /* lx_model_encode; instruction may be NULL (info.media_reads_instruction false); profile may
   * be NULL. */
  int (*encode)(const void *net, const float *pixels, int n_frames, const char *instruction,
                float *media, lx_encode_profile *profile, lx_error *err);

  /* Sessions (model.h), over the family's own state. */
  int (*session_new)(const void *net, int rows, int capacity, void **session, lx_error *err);
  void (*session_free)(void *session);
  int (*prefill_rows)(void *session, const int *rows, int n, const lx_prompt *prompts,
                      float *logits, lx_error *err);
  int (*step)(void *session, const int *ids, float *logits, lx_error *err);
  void (*reorder)(void *session, const int *src);
  int (*length)(const void *session, int row);

  /* Files of the model directory that the network reads besides config.json, model.safetensors
   * and the tokenizer (InstructBLIP's qformer_vocab.txt), NULL-terminated; hashed into runs'
   * fingerprints. NULL: none. */
  const char *const *(*files)(const void *net);

  void (*describe)(const void *net, lx_strbuf *out);
  const lx_weight_part *parts;  /* ends with {NULL} */
  const lx_model_shape *shapes; /* ends with {NULL} */
};

/* ---- for families -------------------------------------------------------------------------- */

/* The LLaMA tokenizer of model directory dir (lx_model_tokenizer_file) with the special tokens of
 * the Lynx reference (bos, eos, unk pieces; "[PAD]" at pad_id unless that id is another piece),
 * which must make the vocabulary l->vocab_size. */
int lx_family_llama_tokenizer(const char *dir, const lx_llm_config *l, lx_tokenizer **out,
                              lx_error *err);

/* The costs benchmarks divide by, for a family whose decoder is the LLaMA block bound under
 * "llm.": info->prefill_flops = 2 x the matrix parameters of its layers; info->decode_read_bytes
 * = the bytes of its layers, final norm and output projection (what a decode step reads). */
void lx_family_llama_costs(const lx_weights *w, lx_model_info *info);

/* The families this build knows (families.c), NULL-terminated. */
extern const lx_family *const lx_families[];

/* The family of that name, or NULL. */
const lx_family *lx_family_find(const char *name);

#endif
