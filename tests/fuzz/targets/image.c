/* An image file's bytes (PNG, JPEG or GIF, recognised by content), then both transforms
 * (torchvision's resize and crop; LLaVA's pad to square and CLIP processor) on what decodes. The
 * pixel limit is lowered to 2^22 so that each input stays quick; the limit's own check is the same
 * code at any value. */
#include "fuzz.h"

#include <stdlib.h>

#include "media/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  lim.max_pixels = 1L << 22;
  lx_image img;
  lx_error err;
  if (lx_image_decode(data, size, "input", &lim, &img, &err) != LX_OK) return 0;
  enum { SIDE = 28 };
  lx_preprocess_config pp = {
      .image_size = SIDE, .mean = {0.48, 0.46, 0.41}, .std = {0.27, 0.26, 0.28}};
  static float px[3 * SIDE * SIDE];
  for (int rule = 0; rule < 3; rule++) {
    pp.resize = rule == 2 ? LX_RESIZE_SQUASH : rule ? LX_RESIZE_HF_CLIP : LX_RESIZE_TORCHVISION;
    pp.pad_square = rule == 1;
    if (lx_image_check_preprocess(img.width, img.height, &pp, &lim, "input", &err) == LX_OK)
      lx_image_preprocess(&img, &pp, px);
  }
  lx_image_free(&img);
  return 0;
}
