#include "reports/jpeg_write.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
/* jpeglib.h needs stdio.h and size_t first. */
#include <jpeglib.h>

typedef struct jpeg_failure {
  struct jpeg_error_mgr pub;
  jmp_buf back;
  char message[JMSG_LENGTH_MAX];
} jpeg_failure;

static void on_error(j_common_ptr cinfo) {
  jpeg_failure *f = (jpeg_failure *)cinfo->err;
  cinfo->err->format_message(cinfo, f->message);
  longjmp(f->back, 1);
}

int lx_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality, lx_strbuf *out,
                       lx_error *err) {
  if (width <= 0 || height <= 0) return lx_errorf(err, "JPEG: no pixels (%dx%d)", width, height);
  struct jpeg_compress_struct c;
  jpeg_failure f;
  unsigned char *volatile bytes = NULL;
  unsigned long size = 0;
  c.err = jpeg_std_error(&f.pub);
  f.pub.error_exit = on_error;
  if (setjmp(f.back)) {
    jpeg_destroy_compress(&c);
    free(bytes);
    return lx_errorf(err, "JPEG: %s", f.message);
  }
  jpeg_create_compress(&c);
  unsigned char *dest = NULL;
  jpeg_mem_dest(&c, &dest, &size);
  c.image_width = (JDIMENSION)width;
  c.image_height = (JDIMENSION)height;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * (size_t)width * 3);
    jpeg_write_scanlines(&c, &row, 1);
    bytes = dest; /* known to the error path once libjpeg has allocated it */
  }
  jpeg_finish_compress(&c);
  bytes = dest;
  lx_strbuf_append(out, (const char *)bytes, size);
  jpeg_destroy_compress(&c);
  free(bytes);
  return LX_OK;
}
