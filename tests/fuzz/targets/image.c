/* An image file's bytes (PNG, JPEG or GIF, recognised by content), then the test transform
 * (resize, crop, normalize) on what decodes. The pixel limit is lowered to 2^22 so that each
 * input stays quick; the limit's own check is the same code at any value. */
#include "fuzz.h"

#include <stdlib.h>

#include "media/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  lim.max_pixels = 1L << 22;
  lx_image img, resized, crop;
  lx_error err;
  if (lx_image_decode(data, size, "input", &lim, &img, &err) != LX_OK) return 0;
  static const double mean[3] = {0.48, 0.46, 0.41}, std[3] = {0.27, 0.26, 0.28};
  const int side = 28;
  if (lx_image_check_resize(img.width, img.height, side, &lim, "input", &err) != LX_OK) {
    lx_image_free(&img);
    return 0;
  }
  lx_image_resize_short_side(&img, side, &resized);
  lx_image_center_crop(&resized, side, &crop);
  float *px = malloc(sizeof(float) * 3 * side * side);
  lx_image_to_tensor(&crop, mean, std, px);
  free(px);
  lx_image_free(&crop);
  lx_image_free(&resized);
  lx_image_free(&img);
  return 0;
}
