/* preprocess.h: how a model wants its pixels: the side of the square it sees, the normalization,
 * and for video how many frames and by which rule. A model directory's config.json says it
 * ("preprocess"); the media layer follows it. */
#ifndef LX_PREPROCESS_H
#define LX_PREPROCESS_H

#include <stdbool.h>

/* How an image becomes the square the model sees. The first two make the short side S (the long
 * side int(S * long / short), Pillow bicubic) and cut the centre S x S; they differ in the crop's
 * offset when the excess is odd. The third resizes straight to S x S. */
typedef enum lx_resize_rule {
  LX_RESIZE_TORCHVISION = 0, /* "torchvision": Resize + CenterCrop, offset round(excess / 2),
                                half to even (Lynx, open_clip) */
  LX_RESIZE_HF_CLIP,         /* "hf_clip": Hugging Face's CLIPImageProcessor, offset
                                excess // 2 (LLaVA) */
  LX_RESIZE_SQUASH,          /* "squash": Resize((S, S)), Pillow bicubic, the aspect ratio not
                                kept, no crop (LAVIS's BlipImageEvalProcessor, MiniGPT-4) */
} lx_resize_rule;

typedef struct lx_preprocess_config {
  int image_size; /* the square side in pixels (420) */
  double mean[3], std[3];
  int num_frames;      /* frames per video (5) */
  char frame_rule[32]; /* default frame sampling rule ("segment-start") */
  lx_resize_rule resize;
  /* Pad to a square first (LLaVA-1.5's expand2square): the image centred (offsets floored) on a
   * max(w, h) square of colour int(mean[c] * 255) ((122, 116, 104) for CLIP's mean). */
  bool pad_square;
} lx_preprocess_config;

#endif
