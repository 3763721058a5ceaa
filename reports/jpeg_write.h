/* jpeg_write.h: RGB pixels to JPEG bytes in memory (libjpeg), for the report's gallery, where
 * pictures are many and small and their bytes count. */
#ifndef LX_JPEG_WRITE_H
#define LX_JPEG_WRITE_H

#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"

/* Appends the baseline JPEG encoding of rgb [height, width, 3] at quality 1-100 to out. */
int lx_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality, lx_strbuf *out,
                       lx_error *err);

#endif
