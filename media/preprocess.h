/* preprocess.h: how a model wants its pixels: the side of the square it sees, the normalization,
 * and for video how many frames and by which rule. A model directory's config.json says it
 * ("preprocess"); the media layer follows it. */
#ifndef LX_PREPROCESS_H
#define LX_PREPROCESS_H

typedef struct lx_preprocess_config {
  int image_size; /* the square side in pixels (420) */
  double mean[3], std[3];
  int num_frames;      /* frames per video (5) */
  char frame_rule[32]; /* default frame sampling rule ("segment-start") */
} lx_preprocess_config;

#endif
