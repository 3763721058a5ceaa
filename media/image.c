/* image.c: decoders and the Pillow/torchvision test transform, as described in image.h. */
#include "media/image.h"

#include <gif_lib.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
/* jpeglib.h needs stdio.h and size_t first. */
#include <jpeglib.h>
/* jerror.h after jpeglib.h: warning codes. */
#include <fcntl.h>
#include <jerror.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"

const lx_media_limits *lx_media_limits_or_default(const lx_media_limits *lim) {
  static const lx_media_limits defaults = LX_MEDIA_LIMITS_DEFAULT;
  return lim ? lim : &defaults;
}

void lx_image_free(lx_image *img) {
  free(img->rgb);
  img->rgb = NULL;
  img->width = img->height = 0;
}

static int alloc_rgb(lx_image *img, long long w, long long h, const char *name,
                     const lx_media_limits *lim, lx_error *err) {
  if (w <= 0 || h <= 0) return lx_errorf(err, "%s: image has no pixels (%lldx%lld)", name, w, h);
  if (w * h > lim->max_pixels)
    return lx_errorf(err,
                     "%s: image is %lldx%lld = %lld pixels, more than the %ld allowed "
                     "(--max-pixels raises the limit)",
                     name, w, h, w * h, lim->max_pixels);
  img->width = (int)w;
  img->height = (int)h;
  img->rgb = lx_xcalloc((size_t)(w * h), 3);
  return LX_OK;
}

int lx_media_read_file(const char *path, const lx_media_limits *lim, char **data, size_t *len,
                       lx_error *err) {
  int fd;
  size_t size;
  if (lx_open_regular(path, O_RDONLY, &fd, &size, err)) return LX_ERR;
  close(fd);
  if ((long long)size > lim->max_file_bytes)
    return lx_errorf(err,
                     "%s: %zu bytes, more than the %ld allowed for one image or frames file "
                     "(--max-media-bytes raises the limit)",
                     path, size, lim->max_file_bytes);
  return lx_read_file(path, (size_t)lim->max_file_bytes, data, len, err);
}

/* ---- PNG ------------------------------------------------------------------------------------ */

typedef struct png_reader {
  const unsigned char *data;
  size_t len, pos;
  char message[256];
} png_reader;

static void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  png_reader *r = png_get_io_ptr(png);
  if (n > r->len - r->pos) png_error(png, "unexpected end of file (truncated)");
  memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

static void png_on_error(png_structp png, png_const_charp msg) {
  png_reader *r = png_get_error_ptr(png);
  snprintf(r->message, sizeof r->message, "%s", msg);
  png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
  (void)png, (void)msg;
}

/* Sample i of a packed row at `bits` per sample (1, 2, 4, 8 or 16: 16 returns the full value). */
static unsigned sample(const png_byte *row, size_t i, int bits) {
  switch (bits) {
    case 1:
      return (row[i >> 3] >> (7 - (i & 7))) & 1;
    case 2:
      return (row[i >> 2] >> (6 - 2 * (i & 3))) & 3;
    case 4:
      return (row[i >> 1] >> (4 - 4 * (i & 1))) & 15;
    case 8:
      return row[i];
    default:
      return (unsigned)row[2 * i] << 8 | row[2 * i + 1];
  }
}

static int decode_png(const unsigned char *data, size_t len, const char *name,
                      const lx_media_limits *lim, lx_image *out, lx_error *err) {
  png_reader r = {data, len, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_on_error, png_on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, NULL);
    return lx_errorf(err, "%s: cannot initialise the PNG decoder", name);
  }
  /* Everything setjmp's landing pad frees lives behind one pointer that is never reassigned. */
  struct png_state {
    png_bytep pixels;
    png_bytepp rows;
    lx_image img;
  } *const st = lx_xcalloc(1, sizeof *st);
  if (setjmp(png_jmpbuf(png))) {
    free(st->pixels);
    free(st->rows);
    lx_image_free(&st->img);
    free(st);
    png_destroy_read_struct(&png, &info, NULL);
    return lx_errorf(err, "%s: broken PNG: %s", name, r.message);
  }
  png_set_read_fn(png, &r, png_read_mem);
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_read_info(png, info);
  png_uint_32 w, h;
  int bits, type, interlace;
  png_get_IHDR(png, info, &w, &h, &bits, &type, &interlace, NULL, NULL);
  if (alloc_rgb(&st->img, w, h, name, lim, err)) {
    free(st);
    png_destroy_read_struct(&png, &info, NULL);
    return LX_ERR;
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  st->pixels = lx_xcalloc(h, rowbytes);
  st->rows = lx_xcalloc(h, sizeof *st->rows);
  for (png_uint_32 y = 0; y < h; y++) st->rows[y] = st->pixels + (size_t)y * rowbytes;
  png_read_image(png, st->rows);
  png_read_end(png, NULL);

  /* Palette: Pillow starts from a grey ramp and overwrites the first entries. */
  png_byte pal[256][3];
  for (int i = 0; i < 256; i++) pal[i][0] = pal[i][1] = pal[i][2] = (png_byte)i;
  if (type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp plte;
    int n = 0;
    if (png_get_PLTE(png, info, &plte, &n) & PNG_INFO_PLTE)
      for (int i = 0; i < n && i < 256; i++)
        pal[i][0] = plte[i].red, pal[i][1] = plte[i].green, pal[i][2] = plte[i].blue;
  }
  for (png_uint_32 y = 0; y < h; y++) {
    const png_byte *row = st->rows[y];
    uint8_t *o = st->img.rgb + (size_t)y * w * 3;
    for (png_uint_32 x = 0; x < w; x++, o += 3) {
      unsigned v;
      switch (type) {
        case PNG_COLOR_TYPE_GRAY:
          v = sample(row, x, bits);
          if (bits == 1)
            v = v ? 255 : 0;
          else if (bits == 2)
            v *= 0x55;
          else if (bits == 4)
            v *= 0x11;
          else if (bits == 16)
            v = v > 255 ? 255 : v; /* mode I, clamped by convert('RGB') */
          o[0] = o[1] = o[2] = (uint8_t)v;
          break;
        case PNG_COLOR_TYPE_PALETTE:
          v = sample(row, x, bits);
          o[0] = pal[v][0], o[1] = pal[v][1], o[2] = pal[v][2];
          break;
        case PNG_COLOR_TYPE_RGB:
        case PNG_COLOR_TYPE_RGB_ALPHA: {
          int ch = type == PNG_COLOR_TYPE_RGB ? 3 : 4, bpc = bits / 8;
          for (int c = 0; c < 3; c++) o[c] = row[((size_t)x * ch + c) * bpc]; /* high byte */
          break;
        }
        case PNG_COLOR_TYPE_GRAY_ALPHA: {
          int bpc = bits / 8;
          o[0] = o[1] = o[2] = row[(size_t)x * 2 * bpc];
          break;
        }
        default:
          png_error(png, "unknown colour type");
      }
    }
  }
  *out = st->img;
  free(st->pixels);
  free(st->rows);
  free(st);
  png_destroy_read_struct(&png, &info, NULL);
  return LX_OK;
}

/* ---- JPEG ----------------------------------------------------------------------------------- */

typedef struct jpeg_failure {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} jpeg_failure;

static void jpeg_on_error(j_common_ptr cinfo) {
  jpeg_failure *f = (jpeg_failure *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, f->message);
  longjmp(f->jump, 1);
}

/* Warnings are ignored as Pillow ignores them, except running out of data: Pillow reports a
 * truncated file, libjpeg would silently pad it. */
static void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    jpeg_failure *f = (jpeg_failure *)cinfo->err;
    snprintf(f->message, sizeof f->message, "unexpected end of file (truncated)");
    longjmp(f->jump, 1);
  }
}

static int decode_jpeg(const unsigned char *data, size_t len, const char *name,
                       const lx_media_limits *lim, lx_image *out, lx_error *err) {
  /* Everything setjmp's landing pad touches lives behind one pointer that is never reassigned. */
  struct jpeg_state {
    struct jpeg_decompress_struct cinfo;
    jpeg_failure fail;
    lx_image img;
    JSAMPLE *row;
  } *const st = lx_xcalloc(1, sizeof *st);
  struct jpeg_decompress_struct *const ci = &st->cinfo;
  ci->err = jpeg_std_error(&st->fail.pub);
  st->fail.pub.error_exit = jpeg_on_error;
  st->fail.pub.emit_message = jpeg_on_message;
  if (setjmp(st->fail.jump)) {
    int rc = lx_errorf(err, "%s: broken JPEG: %s", name, st->fail.message);
    free(st->row);
    lx_image_free(&st->img);
    jpeg_destroy_decompress(ci);
    free(st);
    return rc;
  }
  jpeg_create_decompress(ci);
  jpeg_mem_src(ci, data, (unsigned long)len);
  jpeg_read_header(ci, TRUE);
  const int comps = ci->num_components;
  int rc = LX_OK;
  if (comps == 1)
    ci->out_color_space = JCS_GRAYSCALE;
  else if (comps == 3)
    ci->out_color_space = JCS_RGB;
  else if (comps == 4)
    ci->out_color_space = JCS_CMYK;
  else
    rc = lx_errorf(err, "%s: JPEG with %d components is not supported", name, comps);
  if (rc == LX_OK) rc = alloc_rgb(&st->img, ci->image_width, ci->image_height, name, lim, err);
  if (rc != LX_OK) {
    jpeg_destroy_decompress(ci);
    free(st);
    return rc;
  }
  jpeg_start_decompress(ci);
  st->row = lx_xmalloc((size_t)ci->output_width * ci->output_components);
  const JSAMPLE *row = st->row;
  const int width = st->img.width;
  while (ci->output_scanline < ci->output_height) {
    size_t y = ci->output_scanline;
    JSAMPROW rp = st->row;
    jpeg_read_scanlines(ci, &rp, 1);
    uint8_t *o = st->img.rgb + y * (size_t)width * 3;
    for (int x = 0; x < width; x++, o += 3) {
      if (comps == 1) {
        o[0] = o[1] = o[2] = row[x];
      } else if (comps == 3) {
        memcpy(o, row + 3 * x, 3);
      } else {
        /* Pillow reads CMYK as inverted (Adobe) values, then cmyk2rgb. */
        int k = 255 - row[4 * x + 3], nk = 255 - k;
        for (int c = 0; c < 3; c++) {
          int v = 255 - row[4 * x + c];
          int tmp = v * nk + 128;
          int r = nk - (((tmp >> 8) + tmp) >> 8);
          o[c] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
        }
      }
    }
  }
  jpeg_finish_decompress(ci);
  jpeg_destroy_decompress(ci);
  *out = st->img;
  free(st->row);
  free(st);
  return LX_OK;
}

/* ---- GIF ------------------------------------------------------------------------------------ */

typedef struct gif_reader {
  const unsigned char *data;
  size_t len, pos;
} gif_reader;

static int gif_read_mem(GifFileType *gif, GifByteType *out, int n) {
  gif_reader *r = gif->UserData;
  size_t avail = r->len - r->pos;
  size_t take = (size_t)n < avail ? (size_t)n : avail;
  memcpy(out, r->data + r->pos, take);
  r->pos += take;
  return (int)take;
}

static int gif_fail(GifFileType *gif, const char *name, lx_error *err) {
  int code = gif ? gif->Error : 0;
  const char *msg = GifErrorString(code);
  int close_err;
  if (gif) DGifCloseFile(gif, &close_err);
  return lx_errorf(err, "%s: broken GIF: %s", name, msg ? msg : "decoding failed");
}

static int decode_gif(const unsigned char *data, size_t len, const char *name,
                      const lx_media_limits *lim, lx_image *out, lx_error *err) {
  gif_reader r = {data, len, 0};
  int open_err = 0;
  GifFileType *gif = DGifOpen(&r, gif_read_mem, &open_err);
  if (!gif) {
    const char *msg = GifErrorString(open_err);
    return lx_errorf(err, "%s: broken GIF: %s", name, msg ? msg : "cannot open");
  }
  int transparency = -1;
  for (;;) {
    GifRecordType rec;
    if (DGifGetRecordType(gif, &rec) == GIF_ERROR) return gif_fail(gif, name, err);
    if (rec == TERMINATE_RECORD_TYPE) {
      int close_err;
      DGifCloseFile(gif, &close_err);
      return lx_errorf(err, "%s: GIF holds no image", name);
    }
    if (rec == EXTENSION_RECORD_TYPE) {
      int code;
      GifByteType *ext;
      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) return gif_fail(gif, name, err);
      /* Graphic control: a set transparency flag sets the frame's transparent index. */
      if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4 && (ext[1] & 1))
        transparency = ext[4];
      while (ext) {
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) return gif_fail(gif, name, err);
      }
      continue;
    }
    if (rec != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) return gif_fail(gif, name, err);
    const GifImageDesc *d = &gif->Image;
    long long x0 = d->Left, y0 = d->Top, fw = d->Width, fh = d->Height;
    long long cw = gif->SWidth > x0 + fw ? gif->SWidth : x0 + fw;
    long long ch = gif->SHeight > y0 + fh ? gif->SHeight : y0 + fh;
    lx_image img = {0};
    if (alloc_rgb(&img, cw, ch, name, lim, err)) {
      int close_err;
      DGifCloseFile(gif, &close_err);
      return LX_ERR;
    }
    /* Indices on the canvas: the transparent index (else 0) where the frame does not draw. */
    GifPixelType *idx = lx_xmalloc((size_t)(cw * ch));
    memset(idx, transparency >= 0 ? transparency : 0, (size_t)(cw * ch));
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int pass = 0; pass < (d->Interlace ? 4 : 1); pass++) {
      for (long long y = d->Interlace ? start[pass] : 0; y < fh;
           y += d->Interlace ? step[pass] : 1) {
        if (DGifGetLine(gif, idx + (size_t)((y0 + y) * cw + x0), (int)fw) == GIF_ERROR) {
          free(idx);
          lx_image_free(&img);
          return gif_fail(gif, name, err);
        }
      }
    }
    /* Palette: local, else global; entries beyond it keep Pillow's grey ramp. No palette at all
     * gives mode L, whose grey level is the index itself: the same ramp. */
    uint8_t pal[256][3];
    for (int i = 0; i < 256; i++) pal[i][0] = pal[i][1] = pal[i][2] = (uint8_t)i;
    const ColorMapObject *cm = d->ColorMap ? d->ColorMap : gif->SColorMap;
    if (cm)
      for (int i = 0; i < cm->ColorCount && i < 256; i++)
        pal[i][0] = cm->Colors[i].Red, pal[i][1] = cm->Colors[i].Green,
        pal[i][2] = cm->Colors[i].Blue;
    for (size_t i = 0; i < (size_t)(cw * ch); i++) memcpy(img.rgb + 3 * i, pal[idx[i]], 3);
    free(idx);
    int close_err;
    DGifCloseFile(gif, &close_err);
    *out = img;
    return LX_OK;
  }
}

/* ---- dispatch ------------------------------------------------------------------------------- */

int lx_image_decode(const void *data, size_t len, const char *name, const lx_media_limits *lim,
                    lx_image *out, lx_error *err) {
  const unsigned char *p = data;
  lim = lx_media_limits_or_default(lim);
  memset(out, 0, sizeof *out);
  if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
    return decode_png(p, len, name, lim, out, err);
  if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return decode_jpeg(p, len, name, lim, out, err);
  if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
    return decode_gif(p, len, name, lim, out, err);
  const char *kind = NULL;
  if (len >= 2 && memcmp(p, "BM", 2) == 0) kind = "BMP";
  if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) kind = "WebP";
  if (len >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0)) kind = "TIFF";
  if (kind)
    return lx_errorf(err, "%s: %s images are not supported (PNG, JPEG and GIF are)", name, kind);
  return lx_errorf(err, "%s: not a PNG, JPEG or GIF image", name);
}

int lx_image_load(const char *path, const lx_media_limits *lim, lx_image *out, lx_error *err) {
  char *data;
  size_t len;
  memset(out, 0, sizeof *out);
  lim = lx_media_limits_or_default(lim);
  if (lx_media_read_file(path, lim, &data, &len, err)) return LX_ERR;
  int rc = lx_image_decode(data, len, path, lim, out, err);
  free(data);
  return rc;
}

/* ---- Pillow's resampling (Resample.c, 8 bits per channel) ----------------------------------- */

#define PRECISION_BITS (32 - 8 - 2)

static double bicubic_filter(double x) {
  const double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/* Fixed-point coefficients for resampling in_size -> out_size: bounds [out, 2] = (first input,
 * count), coefficients [out, ksize]. Returns ksize. */
static int precompute_coeffs(int in_size, int out_size, int **bounds_out, int32_t **coeffs_out) {
  const double support_base = 2.0; /* bicubic */
  double scale = (double)(float)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
  double support = support_base * filterscale;
  int ksize = (int)ceil(support) * 2 + 1;
  int *bounds = lx_xcalloc((size_t)out_size * 2, sizeof(int));
  int32_t *kk = lx_xcalloc((size_t)out_size * ksize, sizeof(int32_t));
  double *k = lx_xcalloc((size_t)ksize, sizeof(double));
  for (int xx = 0; xx < out_size; xx++) {
    double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
    int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
    if (xmin < 0) xmin = 0;
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; x++) {
      double w = bicubic_filter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < ksize; x++) {
      double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
      kk[(size_t)xx * ksize + x] = v < 0 ? (int32_t)(-0.5 + v * (1 << PRECISION_BITS))
                                         : (int32_t)(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  free(k);
  *bounds_out = bounds;
  *coeffs_out = kk;
  return ksize;
}

static uint8_t clip8(int32_t v) {
  int32_t s = v >> PRECISION_BITS; /* arithmetic shift, as Pillow relies on */
  return (uint8_t)(s < 0 ? 0 : s > 255 ? 255 : s);
}

void lx_image_resize_bicubic(const lx_image *in, int width, int height, lx_image *out) {
  const int need_h = width != in->width, need_v = height != in->height;
  int *bh, *bv;
  int32_t *kh, *kv;
  int ksh = precompute_coeffs(in->width, width, &bh, &kh);
  int ksv = precompute_coeffs(in->height, height, &bv, &kv);
  /* Horizontal pass over the rows the vertical pass will read. */
  int y_first = bv[0], y_last = bv[height * 2 - 2] + bv[height * 2 - 1];
  const uint8_t *src = in->rgb;
  int src_w = in->width, src_h = in->height;
  uint8_t *tmp = NULL;
  if (need_h) {
    for (int i = 0; i < height; i++) bv[i * 2] -= y_first;
    src_h = y_last - y_first;
    tmp = lx_xcalloc((size_t)src_h * width, 3);
    for (int yy = 0; yy < src_h; yy++) {
      const uint8_t *row = in->rgb + (size_t)(yy + y_first) * in->width * 3;
      for (int xx = 0; xx < width; xx++) {
        int xmin = bh[xx * 2], xmax = bh[xx * 2 + 1];
        const int32_t *k = kh + (size_t)xx * ksh;
        int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
        for (int x = 0; x < xmax; x++) {
          const uint8_t *p = row + (size_t)(x + xmin) * 3;
          s0 += p[0] * k[x], s1 += p[1] * k[x], s2 += p[2] * k[x];
        }
        uint8_t *o = tmp + ((size_t)yy * width + xx) * 3;
        o[0] = clip8(s0), o[1] = clip8(s1), o[2] = clip8(s2);
      }
    }
    src = tmp;
    src_w = width;
  }
  out->width = width;
  out->height = height;
  out->rgb = lx_xcalloc((size_t)width * height, 3);
  if (need_v) {
    for (int yy = 0; yy < height; yy++) {
      int ymin = bv[yy * 2], ymax = bv[yy * 2 + 1];
      const int32_t *k = kv + (size_t)yy * ksv;
      for (int xx = 0; xx < src_w; xx++) {
        int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
        for (int y = 0; y < ymax; y++) {
          const uint8_t *p = src + ((size_t)(y + ymin) * src_w + xx) * 3;
          s0 += p[0] * k[y], s1 += p[1] * k[y], s2 += p[2] * k[y];
        }
        uint8_t *o = out->rgb + ((size_t)yy * width + xx) * 3;
        o[0] = clip8(s0), o[1] = clip8(s1), o[2] = clip8(s2);
      }
    }
  } else {
    /* Only the horizontal pass (it covered every row), or neither: a copy. */
    memcpy(out->rgb, src, (size_t)width * height * 3);
  }
  free(tmp);
  free(bh);
  free(bv);
  free(kh);
  free(kv);
}

long long lx_image_short_side_pixels(long long w, long long h, int size) {
  long long shortside = w <= h ? w : h, longside = w <= h ? h : w;
  if (shortside <= 0) return 0;
  return (long long)((double)(size * longside) / (double)shortside) * size;
}

int lx_image_check_resize(long long w, long long h, int size, const lx_media_limits *lim,
                          const char *name, lx_error *err) {
  lim = lx_media_limits_or_default(lim);
  long long p = lx_image_short_side_pixels(w, h, size);
  if (p <= lim->max_pixels) return LX_OK;
  return lx_errorf(err,
                   "%s: a %lldx%lld image becomes %lld pixels when its short side is resized to "
                   "%d, more than the %ld allowed (--max-pixels raises the limit)",
                   name, w, h, p, size, lim->max_pixels);
}

void lx_image_resize_short_side(const lx_image *in, int size, lx_image *out) {
  int w = in->width, h = in->height;
  int shortside = w <= h ? w : h, longside = w <= h ? h : w;
  /* int(size * long / short) in Python: float64 true division, truncated. */
  int new_long = (int)((double)((long long)size * longside) / (double)shortside);
  int nw = w <= h ? size : new_long, nh = w <= h ? new_long : size;
  lx_image_resize_bicubic(in, nw, nh, out);
}

/* Python's round() of v / 2 for an integer v (half to even). */
static int half_round_even(int v) {
  int q = v / 2; /* v >= 0 */
  if (v % 2 == 0) return q;
  return q % 2 == 0 ? q : q + 1;
}

void lx_image_center_crop(const lx_image *in, int size, lx_resize_rule rule, lx_image *out) {
  int top =
      rule == LX_RESIZE_HF_CLIP ? (in->height - size) / 2 : half_round_even(in->height - size);
  int left = rule == LX_RESIZE_HF_CLIP ? (in->width - size) / 2 : half_round_even(in->width - size);
  out->width = out->height = size;
  out->rgb = lx_xcalloc((size_t)size * size, 3);
  for (int y = 0; y < size; y++)
    memcpy(out->rgb + (size_t)y * size * 3, in->rgb + ((size_t)(y + top) * in->width + left) * 3,
           (size_t)size * 3);
}

void lx_image_to_tensor(const lx_image *img, const double mean[3], const double std[3],
                        float *out) {
  const size_t n = (size_t)img->width * img->height;
  for (int c = 0; c < 3; c++) {
    const float m = (float)mean[c], s = (float)std[c];
    for (size_t i = 0; i < n; i++) {
      float x = (float)img->rgb[i * 3 + c] / 255.0f;
      out[c * n + i] = (x - m) / s;
    }
  }
}

void lx_image_pad_colour(const double mean[3], uint8_t fill[3]) {
  for (int c = 0; c < 3; c++) {
    double v = mean[c] * 255; /* Python's int(): truncation toward zero */
    fill[c] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
  }
}

void lx_image_pad_square(const lx_image *in, const uint8_t fill[3], lx_image *out) {
  const int w = in->width, h = in->height, side = w > h ? w : h;
  const int left = (side - w) / 2, top = (side - h) / 2;
  out->width = out->height = side;
  out->rgb = lx_xmalloc((size_t)side * side * 3);
  for (size_t i = 0; i < (size_t)side * side; i++) memcpy(out->rgb + i * 3, fill, 3);
  for (int y = 0; y < h; y++)
    memcpy(out->rgb + ((size_t)(y + top) * side + left) * 3, in->rgb + (size_t)y * w * 3,
           (size_t)w * 3);
}

int lx_image_check_preprocess(long long w, long long h, const lx_preprocess_config *pp,
                              const lx_media_limits *lim, const char *name, lx_error *err) {
  lim = lx_media_limits_or_default(lim);
  if (pp->pad_square) {
    long long side = w > h ? w : h;
    if (side * side > lim->max_pixels)
      return lx_errorf(err,
                       "%s: a %lldx%lld image becomes %lld pixels when padded to a square, more "
                       "than the %ld allowed (--max-pixels raises the limit)",
                       name, w, h, side * side, lim->max_pixels);
    w = h = side;
  }
  if (pp->resize == LX_RESIZE_SQUASH) /* the output is S x S whatever the input */
    return (long long)pp->image_size * pp->image_size <= lim->max_pixels
               ? LX_OK
               : lx_errorf(err, "%s: the model's %d x %d input is more than the %ld pixels allowed",
                           name, pp->image_size, pp->image_size, lim->max_pixels);
  return lx_image_check_resize(w, h, pp->image_size, lim, name, err);
}

void lx_image_preprocess(const lx_image *img, const lx_preprocess_config *pp, float *out) {
  const int S = pp->image_size;
  lx_image padded = {0}, resized = {0}, cropped = {0};
  const lx_image *src = img;
  if (pp->pad_square && img->width != img->height) {
    uint8_t fill[3];
    lx_image_pad_colour(pp->mean, fill);
    lx_image_pad_square(img, fill, &padded);
    src = &padded;
  }
  if (pp->resize == LX_RESIZE_SQUASH) {
    lx_image_resize_bicubic(src, S, S, &cropped);
  } else {
    lx_image_resize_short_side(src, S, &resized);
    lx_image_center_crop(&resized, S, pp->resize, &cropped);
  }
  lx_image_to_tensor(&cropped, pp->mean, pp->std, out);
  lx_image_free(&padded);
  lx_image_free(&resized);
  lx_image_free(&cropped);
}

int lx_image_preprocess_file(const char *path, const lx_preprocess_config *pp,
                             const lx_media_limits *lim, float *out, lx_error *err) {
  lx_image img;
  if (lx_image_load(path, lim, &img, err)) return LX_ERR;
  int rc = lx_image_check_preprocess(img.width, img.height, pp, lim, path, err);
  if (rc == LX_OK) lx_image_preprocess(&img, pp, out);
  lx_image_free(&img);
  return rc;
}
