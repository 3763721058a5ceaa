/* blip.h: the BLIP family (docs/model-zoo.md sections 3 and 4): EVA ViT-g -> ln_vision -> a
 * Q-Former (qformer.h) -> a linear projection -> LLaMA (Vicuna). InstructBLIP's Q-Former reads
 * the instruction beside the image; MiniGPT-4's (BLIP-2's) does not.
 *
 *   frame [3,S,S] -> EVA ViT (`depth` blocks) -> ln_vision (the ViT's post-norm, eps 1e-5 where
 *   the blocks use 1e-6) [T, Wv] -> Q-Former with the instruction's WordPiece ids (text path) or
 *   without -> [Q, Dq] -> proj (Linear Dq -> D with bias) -> media [Q, D]
 *   a video: every frame so, with the same instruction, blocks in frame order: media [F*Q, D]
 *     (LAVIS's blip2_vicuna_instruct.generate for 5-D input)
 *   LLM input = media ++ embed(ids) (InstructBLIP), or the media at the template's marker
 *     (MiniGPT-4's "<ImageHere>")
 *
 * config.json: the shared keys, "family": "blip",
 *   "variant": a name for reports ("instructblip", "minigpt4"),
 *   "vision": the ViT (block_config.h; EVA's knobs, "post_norm_eps": ln_vision's eps),
 *   "qformer": block_config.h lx_qformer_config_read ("text": the instruction path),
 *   "llm": {...} (block_config.h: no adapters, no cross_attention)
 * Files beside the weights: tokenizer.model (LLaMA) and, with the text path, qformer_vocab.txt
 * (bert-base-uncased's vocab.txt with "[DEC]" appended; text/wordpiece.h). The instruction is
 * the prompt text (lx_model_prompt_text), tokenized as LAVIS does: [CLS] ... [SEP], the last
 * max_length ids. A synthetic model (a benchmark shape) has no vocabulary: its Q-Former reads
 * BLIP_SYNTHETIC_TEXT_IDS made-up ids, the length of a typical instruction.
 * Tensors: the ViT's (vit.h, vit.post_norm.* = ln_vision), the Q-Former's (qformer.h),
 * proj.{weight [D, Dq], bias [D]}, and the LLaMA block's (llama.h). tools/convert_instructblip.py
 * and tools/convert_minigpt4.py write such directories. */
#ifndef LX_BLIP_H
#define LX_BLIP_H

#include "model/family.h"

#define BLIP_SYNTHETIC_TEXT_IDS 24

extern const lx_family lx_family_blip;

/* What one encode computes before the LLM, for the tests' probes: the ViT's output after
 * ln_vision vit_out [F, T, Wv] and the Q-Former's output qformer_out [F, Q, Dq] (either may be
 * NULL), and the media [F*Q, D]; m must be a BLIP model. */
int lx_blip_encode(const lx_model *m, const float *pixels, int n_frames, const char *instruction,
                   float *vit_out, float *qformer_out, float *media, lx_error *err);

/* Shapes of a BLIP model's stages (0 when m is not one): T (ViT rows), Wv, Q, Dq. */
void lx_blip_shapes(const lx_model *m, int *vit_rows, int *vit_width, int *queries,
                    int *qformer_width);

#endif
