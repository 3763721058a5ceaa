/* media.h: an image or a video file -> the model-ready pixels [N, 3, S, S] (N = 1 for an image,
 * the model's frame count for a video), with the preprocessing the model's config describes. */
#ifndef LX_MEDIA_H
#define LX_MEDIA_H

#include <stdint.h>
#include "common/error.h"

#include "media/image.h"
#include "media/preprocess.h"

typedef struct lx_media {
  float *pixels; /* [frames, 3, size, size] */
  int frames, size;
  char frame_rule[32]; /* video: the sampling rule used ("" for an image) */
  int source_frames;   /* video: frames in the source */
  int *frame_ids;      /* video: the source frames chosen, [frames] */
} lx_media;

/* A video (frame directory, .json list of base64 frames, or a video file) with the given frame
 * rule ("" = the config's) and seed (for reference-random). lim: what decoding it may cost
 * (NULL: the defaults; media/image.h). */
int lx_media_load_video(const char *path, const lx_preprocess_config *cfg, const char *rule,
                        uint64_t seed, const lx_media_limits *lim, lx_media *out, lx_error *err);

/* An image file (PNG, JPEG, GIF). */
int lx_media_load_image(const char *path, const lx_preprocess_config *cfg,
                        const lx_media_limits *lim, lx_media *out, lx_error *err);
/* An image stored as base64 text inside another file (MMBench's TSV holds its images so): the
 * text is bytes [offset, offset + length) of path. Its decoded size is held to
 * lim->max_file_bytes as an image file's is. */
int lx_media_load_embedded_image(const char *path, long long offset, size_t length,
                                 const lx_preprocess_config *cfg, const lx_media_limits *lim,
                                 lx_media *out, lx_error *err);
/* The same image decoded as it is (RGB), for showing it. */
int lx_media_embedded_image_rgb(const char *path, long long offset, size_t length,
                                const lx_media_limits *lim, lx_image *out, lx_error *err);
void lx_media_free(lx_media *m);

#endif
