/* model.h: the one interface to a multimodal model, whatever its family.
 *
 * Everything outside model/ (decoding, the run loop, benchmarks, the command line) talks to a
 * model through this header only. A family (Lynx, ...) is one folder under model/ and one entry
 * in model/families.c; family.h says what it provides.
 *
 *   media (files) --media/--> pixels [F, 3, S, S] --lx_model_encode--> media [rows, width]
 *     (rows = lx_model_media_rows(m, F): the same for an image and a video in most families;
 *     InstructBLIP's video has a block of query rows per frame)
 *   question --lx_model_prompt_ids--> ids
 *   {media, ids} --session: prefill, step, reorder--> next-token logits [vocab_size]
 *
 * A model directory holds config.json (model_config.h and the family's keys), model.safetensors
 * (weights.h) and tokenizer.model (or tokenizer.json). Loading maps the weights and checks every
 * tensor against the config; tensors the config does not describe are refused.
 *
 * Ownership: lx_model_load returns a model the caller frees with lx_model_free; sessions borrow
 * the model and must be freed first. One thread drives a model at a time.
 */
#ifndef LX_MODEL_H
#define LX_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "model/backend.h"
#include "model/model_config.h"
#include "model/tensor.h"
#include "model/weights.h"
#include "text/tokenizer.h"

typedef struct lx_family lx_family;

/* What the interface shows of a model's shapes; the family fills it from its config. */
typedef struct lx_model_info {
  const char *family;  /* the family's name ("lynx") */
  const char *variant; /* the family's variant ("prefix", "cross_attention"), or "" */
  int vocab_size;      /* logits per position */
  int bos_id, eos_id, pad_id;
  int max_positions; /* the longest sequence a session may hold */
  int media_rows;    /* one encoded image: media [media_rows, media_width] (lx_model_media_rows) */
  int media_width;
  int media_positions; /* sequence positions an image occupies: media_rows when the media are
                          part of the sequence, 0 when attended to aside */
  bool media_reads_instruction; /* the encoding depends on the prompt text (InstructBLIP) */
  /* For benchmarks (0 when not known): */
  double prefill_flops;     /* per position: 2 x the decoder's matrix parameters */
  double decode_read_bytes; /* weight bytes one decode step reads */
} lx_model_info;

typedef struct lx_model {
  const lx_family *family;
  char *dir;           /* the model directory, or "(synthetic)" */
  lx_model_config cfg; /* the shared config.json keys: preprocess, prompt, decoding */
  lx_model_info info;
  lx_tokenizer *tokenizer; /* NULL when not loaded (synthetic models, LX_LOAD_CONFIG) */
  lx_weights *weights;     /* NULL when not loaded */
  void *net;               /* the family's network: its config and bound weights */
  lx_backend *backend;     /* what encode and sessions run on (borrowed); NULL without weights */
} lx_model;

/* What lx_model_open reads; the config is always read. */
enum { LX_LOAD_CONFIG = 0, LX_LOAD_TOKENIZER = 1, LX_LOAD_WEIGHTS = 2, LX_LOAD_ALL = 3 };

/* Opens the parts of a model directory: without LX_LOAD_WEIGHTS the model can build prompts and
 * preprocess media, but encode and sessions refuse. With LX_LOAD_WEIGHTS the model runs on be
 * (backend.h; the caller's, and it must outlive the model); be is not used otherwise and may be
 * NULL. A backend whose arrays are not host memory is refused. */
int lx_model_open(const char *dir, int parts, lx_backend *be, lx_model **out, lx_error *err);
/* The whole model: lx_model_open(dir, LX_LOAD_ALL, be, ...). */
int lx_model_load(const char *dir, lx_backend *be, lx_model **out, lx_error *err);
/* A model at a named real-size shape ("lynx-8b"; lx_model_shapes lists them) with synthetic
 * random weights (lx_weights_synthetic) of `dtype` and no tokenizer: for benchmarks at real
 * sizes without any download. */
int lx_model_synthetic(const char *shape, lx_dtype dtype, unsigned long long seed, lx_backend *be,
                       lx_model **out, lx_error *err);
void lx_model_free(lx_model *m);

/* The known shapes, every family's, as "name (summary)" lines; whether name is one of them. */
void lx_model_shapes(lx_strbuf *out);
bool lx_model_shape_exists(const char *name);

/* The other files of the model directory its network reads (InstructBLIP's qformer_vocab.txt),
 * NULL-terminated names relative to m->dir; an empty list for most models. */
const char *const *lx_model_extra_files(const lx_model *m);

/* The tokenizer file of a model directory: tokenizer.model, else tokenizer.json (heap path). */
char *lx_model_tokenizer_file(const char *dir);

/* Rows of one encoded media of n_frames frames (1: an image). */
int lx_model_media_rows(const lx_model *m, int n_frames);
/* Floats in one encoded media of n_frames frames: its rows x media_width. */
size_t lx_model_media_floats(const lx_model *m, int n_frames);

/* Time and work of each stage of one encode, for benchmarks. */
#define LX_MAX_ENCODE_STAGES 4
typedef struct lx_encode_stage {
  const char *key;   /* "vit": the benchmark report's keys start with it */
  const char *label; /* "ViT" */
  double seconds;
  double flops; /* 0 when not counted */
} lx_encode_stage;
typedef struct lx_encode_profile {
  int n;
  lx_encode_stage stage[LX_MAX_ENCODE_STAGES];
} lx_encode_profile;

/* Encodes one image (n_frames = 1) or one video (n_frames = cfg.preprocess.num_frames):
 * pixels [n_frames, 3, S, S] preprocessed (S = cfg.preprocess.image_size) -> media
 * [lx_model_media_rows(m, n_frames), media_width]. instruction is the prompt text the media go
 * with (lx_model_prompt_text): a family whose bridge reads it (info.media_reads_instruction:
 * InstructBLIP's Q-Former) refuses NULL; the others ignore it. */
int lx_model_encode(const lx_model *m, const float *pixels, int n_frames, const char *instruction,
                    float *media, lx_error *err);
/* The same, timing each stage into *profile. */
int lx_model_encode_profiled(const lx_model *m, const float *pixels, int n_frames,
                             const char *instruction, float *media, lx_encode_profile *profile,
                             lx_error *err);

/* The ids the media encoder reads for an instruction (InstructBLIP's Q-Former: [CLS] WordPiece
 * ids [SEP], the last max_length kept), appended to ids; refused for a model whose media read no
 * text (info.media_reads_instruction false). Needs the tokenizer loaded. */
int lx_model_instruction_ids(const lx_model *m, const char *instruction, lx_ints *ids,
                             lx_error *err);

/* A question's prompt text, as lx_model_prompt_ids fills it before tokenizing (template filled,
 * stripped, lowercased as the config says; the media marker left in): the instruction
 * lx_model_encode reads. */
int lx_model_prompt_text(const lx_model *m, const char *template_, const char *question,
                         bool with_media, lx_strbuf *out, lx_error *err);

/* A question's input ids, as the model's prompt config builds them (text/prompt.h), for a
 * question with media or without (template: the config's when NULL; a task's template serves
 * both); *dropped receives how many leading ids the max_input_tokens rule removed. With a media
 * marker in the template, the ids hold LX_MEDIA_ID where the media go. */
int lx_model_prompt_ids(const lx_model *m, const char *template_, const char *question,
                        bool with_media, lx_ints *ids, int *dropped, lx_error *err);

/* One piece of a prompt: a run of token ids, or one encoded media block. */
typedef struct lx_prompt_segment {
  const float *media; /* [rows, media_width] from lx_model_encode; NULL: a run of ids */
  int rows;           /* the media's rows (lx_model_media_rows) */
  const int *ids;     /* token ids (BOS included if wanted), when media is NULL */
  int n_ids;
} lx_prompt_segment;

/* One prompt of a batch: its segments in order, so that media may sit anywhere in the text.
 * Positions run 0..L-1 over the whole list: media in the sequence take their rows,
 * media attended to aside take none (the cross-attention variant; at most one block there).
 * The prompt borrows its arrays. */
#define LX_PROMPT_MAX_SEGMENTS 8
typedef struct lx_prompt {
  int n;
  lx_prompt_segment seg[LX_PROMPT_MAX_SEGMENTS];
} lx_prompt;

/* Appends a run of ids / a media block (LX_CHECK: at most LX_PROMPT_MAX_SEGMENTS). */
void lx_prompt_add_ids(lx_prompt *p, const int *ids, int n_ids);
void lx_prompt_add_media(lx_prompt *p, const float *media, int rows);

/* The prompt of one question's ids and its item's media (NULL: text only) of media_rows rows:
 * the media at the ids' LX_MEDIA_ID when they hold one (the id itself dropped), else where the
 * model's family puts them (Lynx: media ++ ids; a family may put them after some of the ids). */
lx_prompt lx_model_prompt(const lx_model *m, const float *media, int media_rows, const int *ids,
                          int n_ids);

/* Sequence positions a prompt takes (its media included). */
int lx_model_prompt_positions(const lx_model *m, const lx_prompt *p);

typedef struct lx_session lx_session;

/* A session decodes `rows` sequences of up to `capacity` positions each (media included). */
int lx_session_new(const lx_model *m, int rows, int capacity, lx_session **out, lx_error *err);
void lx_session_free(lx_session *s);

/* Prefills every row from prompts[rows] and writes each row's next-token logits:
 * logits [rows, vocab_size]. Rows must be fresh. Fails on an empty prompt, a token id outside the
 * vocabulary, or a prompt longer than the capacity. */
int lx_session_prefill(lx_session *s, const lx_prompt *prompts, float *logits, lx_error *err);

/* Prefills only rows[0..n) (each fresh) from prompts[0..n); logits [n, vocab_size]. */
int lx_session_prefill_rows(lx_session *s, const int *rows, int n, const lx_prompt *prompts,
                            float *logits, lx_error *err);

/* Beam bookkeeping: row r becomes a copy of row src[r] (for every row; a source may be used
 * several times). */
void lx_session_reorder(lx_session *s, const int *src);

/* Appends one token per row (ids [rows]) and writes the next-token logits [rows, vocab_size]. */
int lx_session_step(lx_session *s, const int *ids, float *logits, lx_error *err);

/* Tokens stored for a row (media positions included). */
int lx_session_length(const lx_session *s, int row);

/* "key:  value" lines describing the network (for `lynxeval info`). */
void lx_model_describe(const lx_model *m, lx_strbuf *out);

/* Parameters by part ("vision", "llm", ...), summed over the loaded weights: names[i] and
 * counts[i] for i < the returned count (at most max). Tensors of no part count as "other". */
int lx_model_parameter_parts(const lx_model *m, const char **names, size_t *counts, int max);

#endif
