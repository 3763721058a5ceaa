#include "model/llava/llava.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "model/backend.h"
#include "model/config_keys.h"
#include "model/decoder_session.h"
#include "model/llama.h"
#include "model/vit.h"

typedef enum projector_type { PROJ_MLP2X_GELU = 0, PROJ_LINEAR } projector_type;

typedef struct llava {
  char variant[32];
  lx_vit_config vit_cfg;
  projector_type proj_type;
  lx_llm_config llm_cfg;
  int rows;       /* media rows: the tower's output rows (G*G) */
  int grid;       /* G: the patch grid's side */
  int frames;     /* F: frames of a video (preprocess.num_frames) */
  int video_pool; /* s = sqrt(F): each frame's grid pooled s x s, so that F * (G/s)^2 = G*G */
  lx_vit vit;
  lx_tensor fc1, fc2;               /* [D, Wv], [D, D] (fc2: MLP only) */
  const float *fc1_bias, *fc2_bias; /* [D] */
  lx_llama llm;
  lx_backend *backend; /* borrowed; set by binding */
  /* encode's activations, kept between calls */
  lx_vit_scratch vit_scratch;
  lx_scratch features, hidden, frame; /* [rows, Wv], [rows, D], one frame's [rows, Wv] */
} llava;

static const char *const PROJECTORS[] = {"mlp2x_gelu", "linear"};

/* ---- opening --------------------------------------------------------------------------------- */

static int read_config(const cJSON *root, const char *file, const lx_model_config *common, llava *n,
                       lx_error *err) {
  lx_json_at at = {file, ""}, pat = {file, "projector"};
  const cJSON *o;
  const char *s;
  if (lx_json_opt_string(root, at, "variant", "llava", &s, err)) return LX_ERR;
  if (strlen(s) >= sizeof n->variant)
    return lx_errorf(err, "%s: variant: longer than %zu bytes", file, sizeof n->variant - 1);
  strcpy(n->variant, s);
  if (lx_json_req_object(root, at, "vision", &o, err) ||
      lx_vit_config_read(o, file, "vision", &n->vit_cfg, err))
    return LX_ERR;
  int proj;
  if (lx_json_req_object(root, at, "projector", &o, err) ||
      lx_json_choice(o, pat, "type", PROJECTORS, 2, -1, &proj, err))
    return LX_ERR;
  n->proj_type = (projector_type)proj;
  if (lx_json_req_object(root, at, "llm", &o, err) ||
      lx_llm_config_read(o, file, false, &n->llm_cfg, err))
    return LX_ERR;
  if (n->llm_cfg.adapter_every != 0)
    return lx_errorf(err, "%s: llm.adapter_every is %d; LLaVA's LLaMA has no adapters (0)", file,
                     n->llm_cfg.adapter_every);
  const lx_preprocess_config *p = &common->preprocess;
  if (p->image_size != n->vit_cfg.image_size)
    return lx_errorf(err, "%s: preprocess.image_size %d differs from vision.image_size %d", file,
                     p->image_size, n->vit_cfg.image_size);
  n->rows = lx_vit_out_rows(&n->vit_cfg);
  n->grid = n->vit_cfg.image_size / n->vit_cfg.patch_size;
  n->frames = p->num_frames;
  n->video_pool = 1;
  while (n->video_pool * n->video_pool < n->frames) n->video_pool++;
  if (n->video_pool * n->video_pool != n->frames || n->grid % n->video_pool != 0 ||
      (n->frames > 1 && !n->vit_cfg.drop_cls))
    return lx_errorf(err,
                     "%s: preprocess.num_frames is %d; a LLaVA model sees one frame of a video "
                     "(1), or s*s frames each pooled s x s on its %d x %d patch grid (4, 9, ...: "
                     "s must divide %d; the tower's CLS dropped)",
                     file, p->num_frames, n->grid, n->grid, n->grid);
  return LX_OK;
}

static void llava_close(void *p) {
  llava *n = p;
  if (!n) return;
  lx_vit_free(&n->vit);
  lx_llama_free(&n->llm);
  lx_vit_scratch_free(&n->vit_scratch);
  lx_scratch_free(&n->features);
  lx_scratch_free(&n->hidden);
  lx_scratch_free(&n->frame);
  free(n);
}

static int llava_open(const cJSON *root, const char *file, const lx_model_config *common,
                      void **out, lx_model_info *info, lx_error *err) {
  *out = NULL;
  llava *n = lx_xcalloc(1, sizeof *n);
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
      .media_rows = n->rows,
      .media_width = l->hidden,
      .media_positions = n->rows,
  };
  *out = n;
  return LX_OK;
}

static int llava_bind(void *p, lx_weights *w, lx_backend *be, lx_model_info *info, lx_error *err) {
  llava *n = p;
  n->backend = be;
  const int D = n->llm_cfg.hidden, Wv = n->vit_cfg.width;
  lx_binder b = {w, err, 0};
  lx_vit_bind(&n->vit, &n->vit_cfg, &b);
  n->fc1 = lx_bind_matrix(&b, D, Wv, "projector.fc1.weight");
  n->fc1_bias = lx_bind_vector(&b, D, "projector.fc1.bias");
  if (n->proj_type == PROJ_MLP2X_GELU) {
    n->fc2 = lx_bind_matrix(&b, D, D, "projector.fc2.weight");
    n->fc2_bias = lx_bind_vector(&b, D, "projector.fc2.bias");
  }
  lx_llama_bind(&n->llm, &n->llm_cfg, D, &b);
  if (b.failed) return LX_ERR;
  lx_family_llama_costs(w, info);
  return LX_OK;
}

static int llava_tokenizer(void *p, const char *dir, lx_tokenizer **out, lx_error *err) {
  return lx_family_llama_tokenizer(dir, &((const llava *)p)->llm_cfg, out, err);
}

/* ---- media ----------------------------------------------------------------------------------- */

/* One frame's patch features [G*G, Wv] averaged over s x s windows into out [(G/s)^2, Wv], rows
 * in the pooled grid's row-major order (avg_pool2d with kernel and stride s). */
static void pool_frame(const float *feats, int G, int s, int Wv, float *out) {
  const int g = G / s;
  const float scale = 1.0f / (float)(s * s);
  for (int py = 0; py < g; py++)
    for (int px = 0; px < g; px++) {
      float *o = out + ((size_t)py * g + px) * Wv;
      memset(o, 0, (size_t)Wv * sizeof(float));
      for (int dy = 0; dy < s; dy++)
        for (int dx = 0; dx < s; dx++) {
          const float *f = feats + ((size_t)(py * s + dy) * G + (px * s + dx)) * Wv;
          for (int c = 0; c < Wv; c++) o[c] += f[c];
        }
      for (int c = 0; c < Wv; c++) o[c] *= scale;
    }
}

static int encode(const llava *n, const float *pixels, int n_frames, float *vit_out, float *media,
                  lx_encode_profile *profile, lx_error *err) {
  if (n_frames != 1 && n_frames != n->frames)
    return lx_errorf(err, "%d frames given: this LLaVA model takes one image or a video of %d",
                     n_frames, n->frames);
  lx_backend *be = n->backend;
  llava *mut = (llava *)n; /* the scratch: one thread drives a model at a time (model.h) */
  const int Wv = n->vit_cfg.width, D = n->llm_cfg.hidden, R = n->rows;
  float *features = lx_scratch_get(&mut->features, (size_t)R * Wv); /* [R, Wv] */
  const double t0 = profile ? lx_seconds() : 0;
  if (n_frames == 1) {
    lx_vit_forward(be, &n->vit, pixels, features, &mut->vit_scratch);
  } else { /* each frame pooled into its R / F rows, frames in order */
    const size_t S = (size_t)n->vit_cfg.image_size, per = (size_t)R / (size_t)n_frames;
    float *frame = lx_scratch_get(&mut->frame, (size_t)R * Wv);
    for (int f = 0; f < n_frames; f++) {
      lx_vit_forward(be, &n->vit, pixels + (size_t)f * 3 * S * S, frame, &mut->vit_scratch);
      pool_frame(frame, n->grid, n->video_pool, Wv, features + (size_t)f * per * Wv);
    }
  }
  if (vit_out) memcpy(vit_out, features, (size_t)R * Wv * sizeof(float));
  const double t1 = profile ? lx_seconds() : 0;
  if (n->proj_type == PROJ_MLP2X_GELU) {
    float *hidden = lx_scratch_get(&mut->hidden, (size_t)R * D); /* [R, D] */
    lx_linear(be, hidden, features, R, &n->fc1, n->fc1_bias, false);
    lx_gelu(be, hidden, (size_t)R * D);
    lx_linear(be, media, hidden, R, &n->fc2, n->fc2_bias, false);
  } else {
    lx_linear(be, media, features, R, &n->fc1, n->fc1_bias, false);
  }
  if (profile) {
    const double t2 = lx_seconds();
    const double proj = 2.0 * R * D * (Wv + (n->proj_type == PROJ_MLP2X_GELU ? D : 0));
    profile->n = 2;
    profile->stage[0] =
        (lx_encode_stage){"vit", "CLIP ViT", t1 - t0, n_frames * lx_vit_flops(&n->vit_cfg)};
    profile->stage[1] = (lx_encode_stage){"projector", "projector", t2 - t1, proj};
  }
  return LX_OK;
}

static int llava_encode(const void *p, const float *pixels, int n_frames, const char *instruction,
                        float *media, lx_encode_profile *profile, lx_error *err) {
  (void)instruction; /* the media do not depend on the prompt */
  return encode(p, pixels, n_frames, NULL, media, profile, err);
}

int lx_llava_vision_width(const lx_model *m) {
  return m && m->family == &lx_family_llava ? ((const llava *)m->net)->vit_cfg.width : 0;
}

int lx_llava_encode(const lx_model *m, const float *pixels, int n_frames, float *vit_out,
                    float *media, lx_error *err) {
  if (!m || m->family != &lx_family_llava) return lx_errorf(err, "not a LLaVA model");
  if (!m->weights) return lx_errorf(err, "%s: the model was opened without its weights", m->dir);
  return encode(m->net, pixels, n_frames, vit_out, media, NULL, err);
}

/* ---- sessions: the shared decoder's, the image's rows in the sequence ------------------------ */

static int session_new(const void *p, int rows, int capacity, void **out, lx_error *err) {
  const llava *n = p;
  const lx_decoder_spec spec = {n->backend, &n->llm, n->rows, true};
  return lx_decoder_session_new(&spec, rows, capacity, out, err);
}

/* ---- the family ------------------------------------------------------------------------------ */

static void describe(const void *p, lx_strbuf *out) {
  const llava *n = p;
  const lx_vit_config *v = &n->vit_cfg;
  const lx_llm_config *l = &n->llm_cfg;
  lx_strbuf_printf(out, "variant:    %s\n", n->variant);
  lx_strbuf_printf(out,
                   "vision:     CLIP ViT, %d px, patch %d, width %d, %d blocks run, %d heads of "
                   "%d, MLP %d, %s, %s\n",
                   v->image_size, v->patch_size, v->width, v->depth, v->heads, v->head_dim,
                   v->mlp_dim, v->act == LX_ACT_QUICK_GELU ? "QuickGELU" : "GELU",
                   v->drop_cls ? "patches only" : "CLS and patches");
  lx_strbuf_printf(out, "projector:  %s, %d positions of width %d\n", PROJECTORS[n->proj_type],
                   n->rows, l->hidden);
  if (n->frames == 1)
    lx_strbuf_printf(out, "video:      one frame (no video path)\n");
  else
    lx_strbuf_printf(out, "video:      %d frames, each pooled %d x %d to %d positions\n", n->frames,
                     n->video_pool, n->video_pool, n->rows / n->frames);
  lx_strbuf_printf(
      out, "llm:        LLaMA, vocabulary %d, width %d, %d layers, %d heads of %d, MLP %d\n",
      l->vocab_size, l->hidden, l->layers, l->heads, l->head_dim, l->intermediate);
}

static const lx_weight_part parts[] = {
    {"vision", "vit."}, {"projector", "projector."}, {"llm", "llm."}, {NULL, NULL}};

/* The CLIP ViT-L/14 tower as LLaVA runs it (23 of 24 blocks, patches only) at side S. */
#define LLAVA_CLIP_L14(S)                                                                   \
  "\"vision\": {\"image_size\": " #S                                                        \
  ", \"patch_size\": 14, \"width\": 1024, \"depth\": 23,\n"                                 \
  "  \"heads\": 16, \"mlp_dim\": 4096, \"norm_eps\": 1e-5, \"patch_bias\": false,\n"        \
  "  \"qkv_bias\": \"qkv\", \"pre_norm\": true, \"act\": \"quick_gelu\",\n"                 \
  "  \"features\": \"patches\"},\n"                                                         \
  "\"preprocess\": {\"image_size\": " #S                                                    \
  ", \"mean\": [0.48145466, 0.4578275, 0.40821073],\n"                                      \
  "  \"std\": [0.26862954, 0.26130258, 0.27577711], \"num_frames\": 1,\n"                   \
  "  \"frame_rule\": \"segment-middle\", \"resize\": \"hf_clip\", \"pad_square\": true},\n" \
  "\"decoding\": {\"strategy\": \"greedy\", \"max_new_tokens\": 128, \"bos_seed\": true,\n" \
  "  \"evaluation\": true, \"max_new_tokens_by_task\": {\"llava-bench\": 1024}},\n"
#define LLAVA_VICUNA_V1_PROMPT                                                                 \
  "\"prompt\": {\"template\": \"A chat between a curious user and an artificial intelligence " \
  "assistant. The assistant gives helpful, detailed, and polite answers to the user's "        \
  "questions. USER: <image>\\n{question} ASSISTANT:\",\n"                                      \
  "  \"text_only_template\": \"A chat between a curious user and an artificial intelligence "  \
  "assistant. The assistant gives helpful, detailed, and polite answers to the user's "        \
  "questions. USER: {question} ASSISTANT:\",\n"                                                \
  "  \"media_marker\": \"<image>\", \"lowercase\": false, \"tokenizer\": \"nonlegacy\",\n"     \
  "  \"short_answer\": \"\\nAnswer the question using a single word or phrase.\"},\n"
#define LLAVA_LLAMA(D, L, H, I)                                                       \
  "\"llm\": {\"vocab_size\": 32000, \"hidden_size\": " #D ", \"num_layers\": " #L     \
  ", \"num_heads\": " #H ",\n  \"intermediate_size\": " #I                            \
  ", \"rms_norm_eps\": 1e-5, \"rope_theta\": 10000,\n"                                \
  "  \"max_position_embeddings\": 4096, \"adapter_every\": 0, \"bos_token_id\": 1,\n" \
  "  \"eos_token_id\": 2, \"pad_token_id\": 0, \"unk_token_id\": 0}}"

static const char llava_15_7b_json[] =
    "{\"format\": \"lynxeval-model\", \"format_version\": 1, \"family\": \"llava\",\n"
    "\"variant\": \"llava-1.5\", \"projector\": {\"type\": \"mlp2x_gelu\"},\n" LLAVA_CLIP_L14(336)
        LLAVA_VICUNA_V1_PROMPT LLAVA_LLAMA(4096, 32, 32, 11008);
static const char llava_15_13b_json[] =
    "{\"format\": \"lynxeval-model\", \"format_version\": 1, \"family\": \"llava\",\n"
    "\"variant\": \"llava-1.5\", \"projector\": {\"type\": \"mlp2x_gelu\"},\n" LLAVA_CLIP_L14(336)
        LLAVA_VICUNA_V1_PROMPT LLAVA_LLAMA(5120, 40, 40, 13824);

static const lx_model_shape shapes[] = {
    {"llava-1.5-7b",
     "LLaVA-1.5-7B: CLIP ViT-L/14 at 336 px (23 blocks, 576 patches), MLP projector, Vicuna-7B "
     "v1.5",
     llava_15_7b_json},
    {"llava-1.5-13b", "LLaVA-1.5-13B: the same tower and projector, Vicuna-13B v1.5",
     llava_15_13b_json},
    {NULL, NULL, NULL}};

const lx_family lx_family_llava = {
    .name = "llava",
    .summary = "LLaVA: CLIP ViT -> linear or MLP projector -> LLaMA, the image inside the prompt",
    .open = llava_open,
    .bind = llava_bind,
    .close = llava_close,
    .load_tokenizer = llava_tokenizer,
    .prompt = NULL,
    .encode = llava_encode,
    .session_new = session_new,
    LX_DECODER_SESSION_ENTRIES,
    .describe = describe,
    .parts = parts,
    .shapes = shapes,
};
