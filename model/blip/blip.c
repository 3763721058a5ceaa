#include "model/blip/blip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "model/backend.h"
#include "model/config_keys.h"
#include "model/decoder_session.h"
#include "model/llama.h"
#include "model/qformer.h"
#include "model/vit.h"
#include "text/wordpiece.h"

typedef struct blip {
  char variant[32];
  lx_vit_config vit_cfg;
  lx_qformer_config qf_cfg;
  lx_llm_config llm_cfg;
  int frames; /* F: frames of a video (preprocess.num_frames) */
  lx_vit vit;
  lx_qformer qformer;
  lx_tensor proj;         /* [D, Dq] */
  const float *proj_bias; /* [D] */
  lx_llama llm;
  lx_wordpiece *vocab; /* the Q-Former's (text path; NULL until the tokenizer is loaded) */
  bool synthetic;      /* a benchmark shape: made-up instruction ids */
  lx_backend *backend; /* borrowed; set by binding */
  /* encode's activations, kept between calls */
  lx_vit_scratch vit_scratch;
  lx_qformer_scratch qf_scratch;
  lx_scratch features, queries; /* one frame's [T, Wv], [Q, Dq] */
} blip;

/* ---- opening --------------------------------------------------------------------------------- */

static int read_config(const cJSON *root, const char *file, const lx_model_config *common, blip *n,
                       lx_error *err) {
  lx_json_at at = {file, ""};
  const cJSON *o;
  const char *s;
  if (lx_json_opt_string(root, at, "variant", "blip", &s, err)) return LX_ERR;
  if (strlen(s) >= sizeof n->variant)
    return lx_errorf(err, "%s: variant: longer than %zu bytes", file, sizeof n->variant - 1);
  strcpy(n->variant, s);
  if (lx_json_req_object(root, at, "vision", &o, err) ||
      lx_vit_config_read(o, file, "vision", &n->vit_cfg, err))
    return LX_ERR;
  if (!n->vit_cfg.post_norm)
    return lx_errorf(err, "%s: vision.post_norm_eps is missing: the BLIP family's ln_vision", file);
  if (n->vit_cfg.drop_cls)
    return lx_errorf(err, "%s: vision.features is \"patches\"; the Q-Former reads every token",
                     file);
  if (lx_json_req_object(root, at, "qformer", &o, err) ||
      lx_qformer_config_read(o, file, "qformer", n->vit_cfg.width, &n->qf_cfg, err))
    return LX_ERR;
  if (lx_json_req_object(root, at, "llm", &o, err) ||
      lx_llm_config_read(o, file, false, &n->llm_cfg, err))
    return LX_ERR;
  if (n->llm_cfg.adapter_every != 0)
    return lx_errorf(err,
                     "%s: llm.adapter_every is %d; the BLIP family's LLaMA has no adapters (0)",
                     file, n->llm_cfg.adapter_every);
  const lx_preprocess_config *p = &common->preprocess;
  if (p->image_size != n->vit_cfg.image_size)
    return lx_errorf(err, "%s: preprocess.image_size %d differs from vision.image_size %d", file,
                     p->image_size, n->vit_cfg.image_size);
  n->frames = p->num_frames;
  if (common->prompt.media_marker[0] && n->qf_cfg.text_vocab)
    return lx_errorf(err,
                     "%s: prompt.media_marker with qformer.text: a Q-Former that reads the "
                     "instruction puts the media before it (InstructBLIP)",
                     file);
  return LX_OK;
}

static void blip_close(void *p) {
  blip *n = p;
  if (!n) return;
  lx_vit_free(&n->vit);
  lx_qformer_free(&n->qformer);
  lx_llama_free(&n->llm);
  lx_wordpiece_free(n->vocab);
  lx_vit_scratch_free(&n->vit_scratch);
  lx_qformer_scratch_free(&n->qf_scratch);
  lx_scratch_free(&n->features);
  lx_scratch_free(&n->queries);
  free(n);
}

static int blip_open(const cJSON *root, const char *file, const lx_model_config *common, void **out,
                     lx_model_info *info, lx_error *err) {
  *out = NULL;
  blip *n = lx_xcalloc(1, sizeof *n);
  if (read_config(root, file, common, n, err)) {
    free(n);
    return LX_ERR;
  }
  const lx_llm_config *l = &n->llm_cfg;
  *info = (lx_model_info){
      .variant = n->variant,
      .vocab_size = l->vocab_size,
      .bos_id = l->bos_id,
      .eos_id = l->eos_id,
      .pad_id = l->pad_id,
      .max_positions = l->max_positions,
      .media_rows = n->qf_cfg.n_query,
      .media_width = l->hidden,
      .media_positions = n->qf_cfg.n_query,
      .media_reads_instruction = n->qf_cfg.text_vocab > 0,
  };
  *out = n;
  return LX_OK;
}

static int blip_bind(void *p, lx_weights *w, lx_backend *be, lx_model_info *info, lx_error *err) {
  blip *n = p;
  n->backend = be;
  n->synthetic = lx_weights_is_synthetic(w);
  const int D = n->llm_cfg.hidden;
  lx_binder b = {w, err, 0};
  lx_vit_bind(&n->vit, &n->vit_cfg, &b);
  lx_qformer_bind(&n->qformer, &n->qf_cfg, &b);
  n->proj = lx_bind_matrix(&b, D, n->qf_cfg.width, "proj.weight");
  n->proj_bias = lx_bind_vector(&b, D, "proj.bias");
  lx_llama_bind(&n->llm, &n->llm_cfg, D, &b);
  if (b.failed) return LX_ERR;
  lx_family_llama_costs(w, info);
  return LX_OK;
}

static int blip_tokenizer(void *p, const char *dir, lx_tokenizer **out, lx_error *err) {
  blip *n = p;
  if (n->qf_cfg.text_vocab && !n->vocab) {
    char *path = lx_path_join(dir, "qformer_vocab.txt");
    int rc = lx_wordpiece_load(path, &n->vocab, err);
    if (rc == LX_OK && lx_wordpiece_size(n->vocab) != n->qf_cfg.text_vocab)
      rc = lx_errorf(err, "%s: %d lines, but qformer.text.vocab_size is %d", path,
                     lx_wordpiece_size(n->vocab), n->qf_cfg.text_vocab);
    free(path);
    if (rc) {
      lx_wordpiece_free(n->vocab);
      n->vocab = NULL;
      return LX_ERR;
    }
  }
  return lx_family_llama_tokenizer(dir, &n->llm_cfg, out, err);
}

/* ---- media ----------------------------------------------------------------------------------- */

/* The Q-Former's ids for the instruction (text path only). */
static int instruction_ids(const blip *n, const char *instruction, lx_ints *ids, lx_error *err) {
  if (n->synthetic) {
    for (int i = 0; i < BLIP_SYNTHETIC_TEXT_IDS; i++)
      lx_ints_push(ids, 1000 + 37 * i % (n->qf_cfg.text_vocab - 1000));
    return LX_OK;
  }
  if (!n->vocab)
    return lx_errorf(err,
                     "the Q-Former's vocabulary is not loaded (open the model with its "
                     "tokenizer)");
  if (!instruction) return lx_errorf(err, "the Q-Former reads the prompt's text; none was given");
  return lx_wordpiece_encode(n->vocab, instruction, strlen(instruction), n->qf_cfg.max_text, ids,
                             err);
}

static int blip_instruction_ids(const void *p, const char *instruction, lx_ints *ids,
                                lx_error *err) {
  return instruction_ids(p, instruction, ids, err);
}

static int encode(const blip *n, const float *pixels, int n_frames, const char *instruction,
                  float *vit_out, float *qformer_out, float *media, lx_encode_profile *profile,
                  lx_error *err) {
  if (n_frames != 1 && n_frames != n->frames)
    return lx_errorf(err, "%d frames given: this model takes one image or a video of %d", n_frames,
                     n->frames);
  lx_ints ids = {0};
  if (n->qf_cfg.text_vocab && instruction_ids(n, instruction, &ids, err)) {
    lx_ints_free(&ids);
    return LX_ERR;
  }
  lx_backend *be = n->backend;
  blip *mut = (blip *)n; /* the scratch: one thread drives a model at a time (model.h) */
  const int T = n->vit_cfg.n_tokens, Wv = n->vit_cfg.width, Q = n->qf_cfg.n_query,
            Dq = n->qf_cfg.width, D = n->llm_cfg.hidden;
  const size_t S = (size_t)n->vit_cfg.image_size;
  float *features = lx_scratch_get(&mut->features, (size_t)T * Wv); /* [T, Wv] */
  float *queries = lx_scratch_get(&mut->queries, (size_t)Q * Dq);   /* [Q, Dq] */
  double t_vit = 0, t_qf = 0, t_proj = 0;
  for (int f = 0; f < n_frames; f++) {
    double t0 = profile ? lx_seconds() : 0;
    lx_vit_forward(be, &n->vit, pixels + (size_t)f * 3 * S * S, features, &mut->vit_scratch);
    if (vit_out) memcpy(vit_out + (size_t)f * T * Wv, features, (size_t)T * Wv * sizeof(float));
    double t1 = profile ? lx_seconds() : 0;
    lx_qformer_forward(be, &n->qformer, features, T, ids.v, ids.len, queries, &mut->qf_scratch);
    if (qformer_out)
      memcpy(qformer_out + (size_t)f * Q * Dq, queries, (size_t)Q * Dq * sizeof(float));
    double t2 = profile ? lx_seconds() : 0;
    lx_linear(be, media + (size_t)f * Q * D, queries, Q, &n->proj, n->proj_bias, false);
    if (profile) {
      double t3 = lx_seconds();
      t_vit += t1 - t0, t_qf += t2 - t1, t_proj += t3 - t2;
    }
  }
  if (profile) {
    const lx_qformer_config *c = &n->qf_cfg;
    const double N = Q + ids.len, cross = (c->layers + c->cross_every - 1) / c->cross_every;
    /* per layer: q k v o on every row, the text's feed-forward on its rows and the queries' on
     * theirs; per cross layer: q o on the queries, k v on the image rows */
    const double qf = 2.0 * (c->layers * (4 * N * Dq * Dq + 2 * N * Dq * c->ff_dim) +
                             cross * (2 * Q * Dq * Dq + 2 * (double)T * Wv * Dq));
    profile->n = 3;
    profile->stage[0] =
        (lx_encode_stage){"vit", "EVA ViT", t_vit, n_frames * lx_vit_flops(&n->vit_cfg)};
    profile->stage[1] = (lx_encode_stage){"qformer", "Q-Former", t_qf, n_frames * qf};
    profile->stage[2] =
        (lx_encode_stage){"projection", "projection", t_proj, 2.0 * n_frames * Q * Dq * D};
  }
  lx_ints_free(&ids);
  return LX_OK;
}

static int blip_encode(const void *p, const float *pixels, int n_frames, const char *instruction,
                       float *media, lx_encode_profile *profile, lx_error *err) {
  return encode(p, pixels, n_frames, instruction, NULL, NULL, media, profile, err);
}

static int blip_media_rows(const void *p, int n_frames) {
  return ((const blip *)p)->qf_cfg.n_query * n_frames;
}

int lx_blip_encode(const lx_model *m, const float *pixels, int n_frames, const char *instruction,
                   float *vit_out, float *qformer_out, float *media, lx_error *err) {
  if (!m || m->family != &lx_family_blip) return lx_errorf(err, "not a BLIP-family model");
  if (!m->weights) return lx_errorf(err, "%s: the model was opened without its weights", m->dir);
  return encode(m->net, pixels, n_frames, instruction, vit_out, qformer_out, media, NULL, err);
}

void lx_blip_shapes(const lx_model *m, int *vit_rows, int *vit_width, int *queries,
                    int *qformer_width) {
  const blip *n = m && m->family == &lx_family_blip ? m->net : NULL;
  *vit_rows = n ? n->vit_cfg.n_tokens : 0;
  *vit_width = n ? n->vit_cfg.width : 0;
  *queries = n ? n->qf_cfg.n_query : 0;
  *qformer_width = n ? n->qf_cfg.width : 0;
}

static const char *const *blip_files(const void *p) {
  static const char *const vocab[] = {"qformer_vocab.txt", NULL};
  return ((const blip *)p)->qf_cfg.text_vocab ? vocab : NULL;
}

/* ---- sessions: the shared decoder's, the query rows in the sequence -------------------------- */

static int session_new(const void *p, int rows, int capacity, void **out, lx_error *err) {
  const blip *n = p;
  const lx_decoder_spec spec = {n->backend, &n->llm, n->qf_cfg.n_query, true};
  return lx_decoder_session_new(&spec, rows, capacity, out, err);
}

/* ---- the family ------------------------------------------------------------------------------ */

static void describe(const void *p, lx_strbuf *out) {
  const blip *n = p;
  const lx_vit_config *v = &n->vit_cfg;
  const lx_qformer_config *q = &n->qf_cfg;
  const lx_llm_config *l = &n->llm_cfg;
  lx_strbuf_printf(out, "variant:    %s\n", n->variant);
  lx_strbuf_printf(out,
                   "vision:     EVA ViT, %d px, patch %d, width %d, %d blocks run, %d heads of "
                   "%d, MLP %d; ln_vision eps %g\n",
                   v->image_size, v->patch_size, v->width, v->depth, v->heads, v->head_dim,
                   v->mlp_dim, (double)v->post_norm_eps);
  lx_strbuf_printf(out,
                   "qformer:    %d queries, width %d, %d layers (cross-attention every %d), %d "
                   "heads of %d, FFN %d, %s\n",
                   q->n_query, q->width, q->layers, q->cross_every, q->heads, q->head_dim,
                   q->ff_dim, q->text_vocab ? "reads the instruction" : "no text");
  if (q->text_vocab)
    lx_strbuf_printf(out, "qformer text: WordPiece, vocabulary %d, at most %d tokens\n",
                     q->text_vocab, q->max_text);
  lx_strbuf_printf(out, "projection: %d -> %d\n", q->width, l->hidden);
  if (n->frames == 1)
    lx_strbuf_printf(out, "video:      one frame\n");
  else
    lx_strbuf_printf(out, "video:      %d frames, %d positions each\n", n->frames, q->n_query);
  lx_strbuf_printf(
      out, "llm:        LLaMA, vocabulary %d, width %d, %d layers, %d heads of %d, MLP %d\n",
      l->vocab_size, l->hidden, l->layers, l->heads, l->head_dim, l->intermediate);
}

static const lx_weight_part parts[] = {{"vision", "vit."},
                                       {"qformer", "qformer."},
                                       {"projection", "proj."},
                                       {"llm", "llm."},
                                       {NULL, NULL}};

/* What the two 7B shapes share: EVA ViT-g at 224 px (39 blocks) with ln_vision, the bert-base-sized
 * Q-Former's layers (32 queries), LAVIS's preprocessing and Vicuna-7B's sizes. */
#define BLIP_7B_HEAD \
  "{\"format\": \"lynxeval-model\", \"format_version\": 1, \"family\": \"blip\",\n"
#define BLIP_7B_VISION                                                                      \
  "\"vision\": {\"image_size\": 224, \"patch_size\": 14, \"width\": 1408, \"depth\": 39,\n" \
  "  \"heads\": 16, \"mlp_dim\": 6144, \"norm_eps\": 1e-6, \"post_norm_eps\": 1e-5},\n"
#define BLIP_7B_QFORMER_LAYERS                                                   \
  "\"qformer\": {\"num_layers\": 12, \"hidden_size\": 768, \"num_heads\": 12,\n" \
  "  \"intermediate_size\": 3072, \"num_query_tokens\": 32, \"cross_attention_every\": 2,\n"
#define BLIP_7B_PREPROCESS                                                                 \
  "\"preprocess\": {\"image_size\": 224, \"mean\": [0.48145466, 0.4578275, 0.40821073],\n" \
  "  \"std\": [0.26862954, 0.26130258, 0.27577711], \"num_frames\": 4,\n"                  \
  "  \"frame_rule\": \"segment-start\", \"resize\": \"squash\"},\n"
#define BLIP_7B_LLM                                                               \
  "\"llm\": {\"vocab_size\": 32001, \"hidden_size\": 4096, \"num_layers\": 32,\n" \
  "  \"num_heads\": 32, \"intermediate_size\": 11008, \"rms_norm_eps\": 1e-6,\n"  \
  "  \"rope_theta\": 10000, \"max_position_embeddings\": 2048, \"adapter_every\": 0,\n"

/* InstructBLIP (Vicuna-7B v1.1) as LAVIS's blip2_vicuna_instruct / vicuna7b runs it. */
static const char instructblip_7b_json[] = BLIP_7B_HEAD
    "\"variant\": \"instructblip\",\n" BLIP_7B_VISION BLIP_7B_QFORMER_LAYERS
    "  \"layer_norm_eps\": 1e-12, \"text\": {\"vocab_size\": 30523,\n"
    "  \"max_position_embeddings\": 512, \"max_length\": 128}},\n" BLIP_7B_PREPROCESS
    "\"prompt\": {\"template\": \"{question}\",\n"
    "  \"short_answer_template\": \"Question: {question} Short Answer:\",\n"
    "  \"lowercase\": false, \"max_input_tokens\": 0},\n"
    "\"decoding\": {\"strategy\": \"beam\", \"num_beams\": 5, \"max_new_tokens\": 255,\n"
    "  \"min_length\": 1, \"length_penalty\": 1.0, \"repetition_penalty\": 1.5,\n"
    "  \"bos_seed\": true, \"seed_id\": 1, \"replace_ids\": [[0, 2]], \"evaluation\": true,\n"
    "  \"short_answer\": {\"max_new_tokens\": 9, \"length_penalty\": -1.0}},\n" BLIP_7B_LLM
    "  \"bos_token_id\": 2, \"eos_token_id\": 2, \"pad_token_id\": 32000, \"unk_token_id\": 2}}";

/* MiniGPT-4 v1 (Vicuna-7B v0) as tools/convert_minigpt4.py writes it for the released files:
 * BLIP-2's Q-Former without text, the v0 tokenizer's ids (bos 0; generate()'s seed 0, end 1). */
static const char minigpt4_7b_json[] = BLIP_7B_HEAD
    "\"variant\": \"minigpt4\",\n" BLIP_7B_VISION BLIP_7B_QFORMER_LAYERS
    "  \"layer_norm_eps\": 1e-12},\n" BLIP_7B_PREPROCESS
    "\"prompt\": {\"template\": \"Give the following image: <Img>ImageContent</Img>. You will be "
    "able to see the image once I provide it to you. Please answer my questions.###Human: "
    "<Img><ImageHere></Img> {question}###Assistant:\",\n"
    "  \"media_marker\": \"<ImageHere>\", \"lowercase\": false, \"max_input_tokens\": 0},\n"
    "\"decoding\": {\"strategy\": \"greedy\", \"max_new_tokens\": 300, \"min_length\": 1,\n"
    "  \"bos_seed\": true, \"seed_id\": 0, \"evaluation\": true,\n"
    "  \"stop_ids\": [[835], [2277, 29937]], \"keep_special\": true,\n"
    "  \"strip_leading_ids\": [0, 1], \"text_rules\": [[\"###\", 0], [\"Assistant:\", "
    "-1]]},\n" BLIP_7B_LLM
    "  \"bos_token_id\": 0, \"eos_token_id\": 1, \"pad_token_id\": 0, \"unk_token_id\": 0,\n"
    "  \"special_tokens\": \"added_tokens\",\n"
    "  \"added_tokens\": [{\"text\": \"[PAD]\", \"id\": 32000, \"strip\": true}]}}";

static const lx_model_shape shapes[] = {
    {"instructblip-vicuna-7b",
     "InstructBLIP (Vicuna-7B): EVA ViT-g at 224 px (39 blocks), Q-Former reading the "
     "instruction (32 queries), Vicuna-7B v1.1",
     instructblip_7b_json},
    {"minigpt4-vicuna-7b",
     "MiniGPT-4 (Vicuna-7B v0): EVA ViT-g at 224 px (39 blocks), BLIP-2's Q-Former without text "
     "(32 queries), Vicuna-7B v0",
     minigpt4_7b_json},
    {NULL, NULL, NULL}};

const lx_family lx_family_blip = {
    .name = "blip",
    .summary = "BLIP family: EVA ViT -> Q-Former -> projection -> LLaMA (InstructBLIP, MiniGPT-4)",
    .open = blip_open,
    .bind = blip_bind,
    .close = blip_close,
    .load_tokenizer = blip_tokenizer,
    .prompt = NULL,
    .media_rows = blip_media_rows,
    .instruction_ids = blip_instruction_ids,
    .encode = blip_encode,
    .session_new = session_new,
    LX_DECODER_SESSION_ENTRIES,
    .files = blip_files,
    .describe = describe,
    .parts = parts,
    .shapes = shapes,
};
