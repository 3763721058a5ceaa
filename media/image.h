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
 * image over Pillow's decompression-bomb limit (178956970 pixels).
 */
#ifndef LX_IMAGE_H
#define LX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Pillow's Image.MAX_IMAGE_PIXELS * 2: larger images raise DecompressionBombError. */
#define LX_IMAGE_MAX_PIXELS 178956970ll

typedef struct lx_image {
  int width, height;
  uint8_t *rgb; /* [height, width, 3], row-major */
} lx_image;

/* Decodes PNG, JPEG or GIF (recognised by content) into RGB. `name` only feeds messages. */
int lx_image_decode(const void *data, size_t len, const char *name, lx_image *out, lx_error *err);
int lx_image_load(const char *path, lx_image *out, lx_error *err);
void lx_image_free(lx_image *img);

/* Pillow's Image.resize((width, height), BICUBIC) of an RGB image (a copy when the size is the
 * same). */
void lx_image_resize_bicubic(const lx_image *in, int width, int height, lx_image *out);

/* torchvision's Resize(size): the short side becomes `size`. */
void lx_image_resize_short_side(const lx_image *in, int size, lx_image *out);

/* torchvision's CenterCrop(size) of an image at least size x size. */
void lx_image_center_crop(const lx_image *in, int size, lx_image *out);

/* ToTensor + Normalize: out [3, h, w] = (pixel / 255 - mean[c]) / std[c], in float32. */
void lx_image_to_tensor(const lx_image *img, const double mean[3], const double std[3], float *out);

/* The whole test transform: decode, resize, crop, normalize: out [3, size, size]. */
int lx_image_preprocess_file(const char *path, int size, const double mean[3], const double std[3],
                             float *out, lx_error *err);

#endif
