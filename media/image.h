/* image.h: decoding images and turning them into the model's input, exactly as the reference's
 * test transform does with Pillow 9.4 and torchvision (docs/lynx-model.md section 5):
 *
 *   Image.open(f).convert("RGB")         lx_image_decode / lx_image_load
 *   transforms.Resize(S, BICUBIC)        lx_image_resize_short_side: the short side becomes S, the
 *                                        long side int(S * long / short), Pillow's antialiased
 *                                        bicubic (a = -0.5, fixed-point 8-bit arithmetic)
 *   transforms.CenterCrop(S)             lx_image_center_crop: top = round((h - S) / 2) with
 *                                        Python's round (half to even), left likewise
 *   ToTensor + Normalize(mean, std)      lx_image_to_tensor: (x / 255 - mean) / std in float32
 *
 * and, with preprocess.h LX_RESIZE_SQUASH, as LAVIS's BlipImageEvalProcessor does
 * (transforms.Resize((S, S), BICUBIC): lx_image_resize_bicubic to S x S, no crop),
 * and as LLaVA's does with Hugging Face's CLIPImageProcessor (preprocess.h LX_RESIZE_HF_CLIP):
 * expand2square (pad_square) first, the same resize, a crop at offset (h - S) // 2, and a
 * rescale x * (1/255) in float64 cast to float32 (equal to x / 255 in float32 for every byte).
 *
 * Decoding follows Pillow's choices, which convert('RGB') then applies:
 *   PNG   every colour type and bit depth; 1-bit grey is 0/255, 2- and 4-bit grey are scaled
 *         (x85, x17), 16-bit channels keep their high byte except 16-bit grey, which Pillow reads
 *         as 32-bit integers and convert('RGB') clamps to 0..255; alpha and tRNS are dropped;
 *         palette indices beyond the palette map to the grey ramp Pillow initialises palettes with;
 *         interlaced files; no gamma or colour-profile handling
 *   JPEG  libjpeg's defaults (islow DCT, fancy upsampling); grey replicated; 4-channel files are
 *         read as inverted (Adobe) CMYK and converted with Pillow's cmyk2rgb
 *   GIF   the first frame on a canvas filled with its transparent index (else 0), the canvas grown
 *         to the frame if the frame overflows the logical screen, local palette over global
 * A truncated or corrupt file is an error, as in Pillow without LOAD_TRUNCATED_IMAGES; so is an
 * image over the pixel limit (lx_media_limits; by default Pillow's MAX_IMAGE_PIXELS).
 */
#ifndef LX_IMAGE_H
#define LX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "media/preprocess.h"

/* What one image or video may cost before it is refused, each with the flag that raises it
 * (docs/limits.md). The size of an image is read from its header and checked before any pixel
 * is decoded, so a small file that declares a huge image costs nothing. */
typedef struct lx_media_limits { /* long: the command line's integers (64 bits) */
  long max_pixels;               /* one image or video frame, width x height (--max-pixels) */
  long max_file_bytes;           /* one image file or frames JSON (--max-media-bytes) */
  long max_frames;               /* source frames of one video (--max-video-frames) */
  long max_video_pixels;         /* pixels decoded for one video, all passes (--max-video-pixels) */
} lx_media_limits;

/* The defaults: Pillow's Image.MAX_IMAGE_PIXELS (89478485, where Pillow starts to warn of a
 * decompression bomb; it refuses at twice that), 256 MiB per file, 100,000 source frames (55
 * minutes at 30 frames a second), 2^34 pixels decoded per video (a 4K clip of 30 s decoded
 * twice, with room to spare). */
#define LX_MEDIA_LIMITS_DEFAULT \
  { 89478485L, 256L << 20, 100000L, 1L << 34 }

/* The defaults when lim is NULL. */
const lx_media_limits *lx_media_limits_or_default(const lx_media_limits *lim);

/* Reads a media file (an image, a frames JSON) whole, refusing one over lim->max_file_bytes by
 * its size before reading it, with the flag named. */
int lx_media_read_file(const char *path, const lx_media_limits *lim, char **data, size_t *len,
                       lx_error *err);

/* The hard ceilings a flag may raise a limit to (the decoders' own integer ranges). */
#define LX_MEDIA_MAX_PIXELS_CEILING       (1L << 32)
#define LX_MEDIA_MAX_BYTES_CEILING        (1L << 40)
#define LX_MEDIA_MAX_FRAMES_CEILING       100000000L
#define LX_MEDIA_MAX_VIDEO_PIXELS_CEILING (1L << 50)

typedef struct lx_image {
  int width, height;
  uint8_t *rgb; /* [height, width, 3], row-major */
} lx_image;

/* Decodes PNG, JPEG or GIF (recognised by content) into RGB. `name` only feeds messages; lim
 * (NULL: the defaults) bounds the pixels and, for lx_image_load, the file's size. */
int lx_image_decode(const void *data, size_t len, const char *name, const lx_media_limits *lim,
                    lx_image *out, lx_error *err);
int lx_image_load(const char *path, const lx_media_limits *lim, lx_image *out, lx_error *err);
void lx_image_free(lx_image *img);

/* Pillow's Image.resize((width, height), BICUBIC) of an RGB image (a copy when the size is the
 * same). */
void lx_image_resize_bicubic(const lx_image *in, int width, int height, lx_image *out);

/* torchvision's Resize(size): the short side becomes `size`. */
void lx_image_resize_short_side(const lx_image *in, int size, lx_image *out);

/* The pixels of a w x h image once Resize(size) has made its short side `size`: an image with
 * an extreme aspect ratio grows (82893 x 6 at 112 becomes 1547336 x 112), so this too is held
 * to the pixel limit before the resize is made. */
long long lx_image_short_side_pixels(long long w, long long h, int size);

/* Fails, naming `name`, the limit and its flag, when resizing a w x h image's short side to
 * `size` would make more than lim->max_pixels pixels. */
int lx_image_check_resize(long long w, long long h, int size, const lx_media_limits *lim,
                          const char *name, lx_error *err);

/* The centre size x size of an image at least that large, at offsets round(excess / 2) half to
 * even (torchvision's CenterCrop, LX_RESIZE_TORCHVISION) or excess // 2 (Hugging Face's
 * center_crop, LX_RESIZE_HF_CLIP). */
void lx_image_center_crop(const lx_image *in, int size, lx_resize_rule rule, lx_image *out);

/* LLaVA's expand2square: the image pasted on a max(w, h) square filled with `fill`, at offset
 * ((side - w) // 2, (side - h) // 2); a copy when it is square already. */
void lx_image_pad_square(const lx_image *in, const uint8_t fill[3], lx_image *out);

/* The fill colour of pad_square for a normalization mean: int(mean[c] * 255). */
void lx_image_pad_colour(const double mean[3], uint8_t fill[3]);

/* Fails, naming `name`, when preprocessing a w x h image by pp would make more pixels than
 * lim->max_pixels at any step (the padded square; the short-side resize). */
int lx_image_check_preprocess(long long w, long long h, const lx_preprocess_config *pp,
                              const lx_media_limits *lim, const char *name, lx_error *err);

/* The whole transform of pp on a decoded image: [pad,] resize, crop, normalize:
 * out [3, S, S] with S = pp->image_size. The caller has checked the sizes
 * (lx_image_check_preprocess). */
void lx_image_preprocess(const lx_image *img, const lx_preprocess_config *pp, float *out);

/* ToTensor + Normalize: out [3, h, w] = (pixel / 255 - mean[c]) / std[c], in float32. */
void lx_image_to_tensor(const lx_image *img, const double mean[3], const double std[3], float *out);

/* Decode and lx_image_preprocess: out [3, S, S]. */
int lx_image_preprocess_file(const char *path, const lx_preprocess_config *pp,
                             const lx_media_limits *lim, float *out, lx_error *err);

#endif
