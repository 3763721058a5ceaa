/* llava.h: the LLaVA family (docs/model-zoo.md 5.1, 5.2): OpenAI CLIP's vision tower -> a
 * projector -> LLaMA (Vicuna), the image's rows spliced into the prompt where its <image> marker
 * was (text/prompt.h, model.h):
 *
 *   pixels [1,3,S,S] -> CLIP ViT, `depth` blocks of it ([-2]: all but the last), the patches
 *   only [G*G, Wv] -> projector -> media [G*G, D]
 *   LLM input = embed(ids before <image>) ++ media ++ embed(ids after)
 *
 * Projectors: "mlp2x_gelu" (LLaVA-1.5): fc1 [D, Wv] + bias -> exact GELU -> fc2 [D, D] + bias;
 * "linear" (LLaVA v1): fc1 [D, Wv] + bias.
 *
 * config.json: the shared keys, "family": "llava",
 *   "variant": a name for reports ("llava-1.5", "llava-v1"),
 *   "vision": the ViT (block_config.h lx_vit_config_read; CLIP's knobs),
 *   "projector": {"type": "mlp2x_gelu" | "linear"},
 *   "llm": {...} (block_config.h: no adapters, no cross_attention)
 * A video is seen as preprocess.num_frames = F frames. LLaVA-1.5 and v1 have no video path: F = 1,
 * and a video task shows them the one frame the frame rule picks. F = s*s > 1 (a model trained on
 * video, as the world's LLaVA is) sends a video as Hugging Face's LlavaNextVideo does: every frame
 * through the tower, each frame's G x G patches average-pooled s x s, frames in order, then the
 * projector; a video then takes G*G rows like a picture:
 *   frames [F,3,S,S] -> CLIP ViT each -> pooled [F, (G/s)^2, Wv] -> [G*G, Wv] -> projector
 * Tensors: the ViT's (vit.h), projector.fc1.{weight,bias}, projector.fc2.{weight,bias} (MLP),
 * and the LLaMA block's (llama.h). tools/convert_llava.py writes such a directory. */
#ifndef LX_LLAVA_H
#define LX_LLAVA_H

#include "model/family.h"

extern const lx_family lx_family_llava;

/* The vision tower's width Wv when m is a LLaVA model, else 0. */
int lx_llava_vision_width(const lx_model *m);

/* lx_model_encode, also writing the vision tower's output vit_out [G*G, Wv] (before the
 * projector; a video's pooled frames) when vit_out is not NULL; m must be a LLaVA model. */
int lx_llava_encode(const lx_model *m, const float *pixels, int n_frames, float *vit_out,
                    float *media, lx_error *err);

#endif
