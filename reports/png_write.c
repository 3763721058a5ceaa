#include "reports/png_write.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>

static void write_to_strbuf(png_structp png, png_bytep data, png_size_t n) {
  lx_strbuf_append(png_get_io_ptr(png), (const char *)data, n);
}

static void flush_nothing(png_structp png) {
  (void)png;
}

int lx_png_encode_rgb(const uint8_t *rgb, int width, int height, lx_strbuf *out, lx_error *err) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    return lx_errorf(err, "PNG encoder: out of memory");
  }
  png_bytep *rows = calloc((size_t)height, sizeof *rows);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(rows);
    return lx_errorf(err, "PNG encoder failed on a %dx%d image", width, height);
  }
  png_set_write_fn(png, out, write_to_strbuf, flush_nothing);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  for (int y = 0; y < height; y++) rows[y] = (png_bytep)(rgb + (size_t)y * (size_t)width * 3);
  png_set_rows(png, info, rows);
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct(&png, &info);
  free(rows);
  return LX_OK;
}

void lx_base64_encode(const void *data, size_t n, lx_strbuf *out) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = data;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
    char quad[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
                    alphabet[v & 63]};
    lx_strbuf_append(out, quad, 4);
  }
  if (i < n) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
    char quad[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63],
                    i + 1 < n ? alphabet[(v >> 6) & 63] : '=', '='};
    lx_strbuf_append(out, quad, 4);
  }
}
