/* toy.h: the toy family: the smallest multimodal model the interface admits, there to show (and
 * test) that a family is one folder and one line in model/families.c. A linear projector maps
 * each P x P patch of the image (video frames averaged first) to one LLM position; a plain LLaMA
 * decoder (the shared block) reads those positions before the text, or after its first A ids:
 *
 *   pixels [F,3,S,S] -> mean over frames [3,S,S] -> patches [G*G, 3*P*P] (c, y, x order, as a
 *   conv kernel [D,3,P,P]) -> media = patches W^T + b  [G*G, D]
 *   LLM input = embed(ids[0, A)) ++ media ++ embed(ids[A, n))
 *
 * config.json: the shared keys, "family": "toy",
 *   "projector": {"patch_size": P,   (S is preprocess.image_size; P must divide it)
 *                 "media_after_tokens": A}   (optional, default 0: media first)
 *   "llm": {...}                     (block_config.h: no cross_attention)
 * Tensors: projector.weight [D, 3*P*P], projector.bias [D], and the LLaMA block's (llama.h).
 * tests/toy/ makes such a model and checks it against a PyTorch reference. */
#ifndef LX_TOY_H
#define LX_TOY_H

#include "model/family.h"

extern const lx_family lx_family_toy;

#endif
