/* video.h: choosing and decoding the frames of a video (docs/lynx-model.md section 6).
 *
 * Sources:
 *   a directory of frame images (PNG, JPEG, GIF), in natural name order (frame2 before frame10)
 *   a .json file holding a list of base64-encoded frame images (the reference's own format)
 *   a video file (MP4, WebM, AVI, MKV, ...) decoded with FFmpeg's libraries, every frame
 *   converted to RGB24 with FFmpeg's default bicubic scaler flags and the stream's colour
 *   matrix and range, as `ffmpeg -i VIDEO -pix_fmt rgb24` does
 * Each chosen frame then goes through the image transform (image.h), as the reference's
 * video_transform does.
 *
 * Frame rules (the reference's sample_frame_ids, for n source frames and k segments):
 *   segment-start    training=False: the first frame of each segment (the default; deterministic)
 *   segment-middle   the middle frame of each segment, left + (right - left) / 2
 *   reference-random training=True: segment lengths shuffled, one frame drawn uniformly in each;
 *                    seeded, with lynxeval's own generator (NumPy's stream is not reproduced)
 * Segments: stride = n / k; the n - k*stride extra frames lengthen the first segments (or random
 * ones). With n <= k every frame is used and the list is filled up and sorted: by repetition
 * (i % n) for the deterministic rules, by random draws for reference-random.
 */
#ifndef LX_VIDEO_H
#define LX_VIDEO_H

#include <stdint.h>

#include "common/error.h"
#include "media/image.h"

typedef enum lx_frame_rule {
  LX_FRAMES_SEGMENT_START = 0,
  LX_FRAMES_SEGMENT_MIDDLE,
  LX_FRAMES_REFERENCE_RANDOM,
} lx_frame_rule;

int lx_frame_rule_parse(const char *name, lx_frame_rule *out); /* LX_ERR if unknown */
const char *lx_frame_rule_name(lx_frame_rule rule);

/* out[k]: the source frame indices, sorted, each in [0, n). n >= 1, k >= 1. */
void lx_sample_frame_ids(int n, int k, lx_frame_rule rule, uint64_t seed, int *out);

/* Decodes the chosen frames of `path` and preprocesses them:
 * pixels [k, 3, S, S] by pp (S = pp->image_size; pp->num_frames is not read); frame_ids [k];
 * *n_source = frames in the source. lim (NULL: the defaults) bounds the frames, each frame's
 * pixels, the pixels decoded in all and the size of a frames JSON; a video over one is refused
 * naming the limit and its flag. */
int lx_video_load(const char *path, int k, lx_frame_rule rule, uint64_t seed,
                  const lx_preprocess_config *pp, const lx_media_limits *lim, float *pixels,
                  int *frame_ids, int *n_source, lx_error *err);

/* The source frames frame_ids[k] (sorted, as a prediction records them) of a video, as they are
 * (no resize, no crop): out[k] (the caller frees each with lx_image_free). Fails naming the
 * video if a frame is not in it. */
int lx_video_frames_rgb(const char *path, const int *frame_ids, int k, const lx_media_limits *lim,
                        lx_image *out, lx_error *err);

/* Decodes every frame of a video file to RGB24 (for tests and tools): calls fn(ctx, index,
 * width, height, rgb) per frame, in presentation order. */
int lx_video_file_frames(const char *path,
                         int (*fn)(void *ctx, int index, int width, int height, const uint8_t *rgb),
                         void *ctx, lx_error *err);

#endif
