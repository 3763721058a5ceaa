/* png_write.h: RGB pixels to PNG bytes in memory (libpng), for the human-evaluation package. */
#ifndef LX_PNG_WRITE_H
#define LX_PNG_WRITE_H

#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"

/* Appends the PNG encoding of rgb [height, width, 3] to out. */
int lx_png_encode_rgb(const uint8_t *rgb, int width, int height, lx_strbuf *out, lx_error *err);

/* Appends standard base64 (RFC 4648, with padding) of data[0..n) to out. */
void lx_base64_encode(const void *data, size_t n, lx_strbuf *out);

#endif
