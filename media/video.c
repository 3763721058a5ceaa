/* video.c: frame sampling and the three video sources, as described in video.h. */
#include "media/video.h"

#include <cJSON.h>
#include <dirent.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base64.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/names.h"
#include "common/rng.h"
#include "common/strbuf.h"
#include "media/image.h"

/* What decoding one video has cost so far, against its limits. */
typedef struct budget {
  const lx_media_limits *lim;
  const lx_preprocess_config *pp; /* how frames are preprocessed (NULL: they are not) */
  long long pixels;               /* decoded, all passes */
} budget;

/* Counts a decoded frame of w x h against the budget; fails naming the limit and its flag. */
static int spend(budget *b, long long w, long long h, const char *path, lx_error *err) {
  if (w * h > b->lim->max_pixels)
    return lx_errorf(err,
                     "%s: frames of %lldx%lld = %lld pixels, more than the %ld allowed "
                     "(--max-pixels raises the limit)",
                     path, w, h, w * h, b->lim->max_pixels);
  if (b->pp && lx_image_check_preprocess(w, h, b->pp, b->lim, path, err)) return LX_ERR;
  b->pixels += w * h;
  if (b->pixels > b->lim->max_video_pixels)
    return lx_errorf(err,
                     "%s: decoding it takes more than the %ld pixels allowed for one video "
                     "(--max-video-pixels raises the limit)",
                     path, b->lim->max_video_pixels);
  return LX_OK;
}

static int too_many_frames(const char *path, long max, lx_error *err) {
  return lx_errorf(err,
                   "%s: more than the %ld source frames allowed for one video "
                   "(--max-video-frames raises the limit)",
                   path, max);
}

/* ---- frame rules ----------------------------------------------------------------------------- */

static const char *const rule_names[] = {"segment-start", "segment-middle", "reference-random",
                                         NULL};

int lx_frame_rule_parse(const char *name, lx_frame_rule *out) {
  int i = lx_name_index(rule_names, name);
  if (i < 0) return LX_ERR;
  *out = (lx_frame_rule)i;
  return LX_OK;
}

const char *lx_frame_rule_name(lx_frame_rule rule) {
  return lx_name_at(rule_names, (int)rule);
}

/* Uniform integer in [lo, hi), without modulo bias. */
static int uniform(uint64_t *s, int lo, int hi) {
  uint64_t range = (uint64_t)(hi - lo), limit = UINT64_MAX - UINT64_MAX % range;
  uint64_t x;
  do x = lx_rng_next(s);
  while (x >= limit);
  return lo + (int)(x % range);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

void lx_sample_frame_ids(int n, int k, lx_frame_rule rule, uint64_t seed, int *out) {
  uint64_t state = seed;
  const int random = rule == LX_FRAMES_REFERENCE_RANDOM;
  if (n <= k) {
    for (int i = 0; i < k; i++) out[i] = i < n ? i : (random ? uniform(&state, 0, n) : i % n);
    qsort(out, (size_t)k, sizeof(int), cmp_int);
    return;
  }
  const int stride = n / k;
  int *len = lx_xcalloc((size_t)k, sizeof(int));
  for (int i = 0; i < k; i++) len[i] = stride + (i < n - k * stride ? 1 : 0);
  if (random) /* shuffle the segment lengths (Fisher-Yates) */
    for (int i = k - 1; i > 0; i--) {
      int j = uniform(&state, 0, i + 1), t = len[i];
      len[i] = len[j], len[j] = t;
    }
  for (int i = 0, cursor = 0; i < k; cursor += len[i], i++) {
    int left = cursor, right = cursor + len[i];
    out[i] = rule == LX_FRAMES_SEGMENT_START    ? left
             : rule == LX_FRAMES_SEGMENT_MIDDLE ? left + (right - left) / 2
                                                : uniform(&state, left, right);
  }
  free(len);
}

/* ---- frame sources -----------------------------------------------------------------------------
 */

/* A list of frames known by name (directory) or by base64 text (JSON, pointing into json). */
typedef struct frame_list {
  char **items;
  int n;
  cJSON *json; /* owns the base64 texts of a JSON list */
} frame_list;

static void frame_list_free(frame_list *l) {
  if (!l->json)
    for (int i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  cJSON_Delete(l->json);
  memset(l, 0, sizeof *l);
}

/* Natural order: digit runs compare by value, so frame2 sorts before frame10. */
static int natural_cmp(const void *pa, const void *pb) {
  const char *a = *(char *const *)pa, *b = *(char *const *)pb;
  while (*a && *b) {
    if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
      while (*a == '0') a++;
      while (*b == '0') b++;
      const char *da = a, *db = b;
      while (*a >= '0' && *a <= '9') a++;
      while (*b >= '0' && *b <= '9') b++;
      if (a - da != b - db) return (a - da) < (b - db) ? -1 : 1;
      int c = strncmp(da, db, (size_t)(a - da));
      if (c) return c;
    } else {
      if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
      a++, b++;
    }
  }
  return *a ? 1 : *b ? -1 : 0;
}

static int has_image_extension(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return 0;
  const char *exts[] = {".png", ".jpg", ".jpeg", ".gif", ".PNG", ".JPG", ".JPEG", ".GIF"};
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
    if (strcmp(dot, exts[i]) == 0) return 1;
  return 0;
}

static int list_directory(const char *path, const lx_media_limits *lim, frame_list *out,
                          lx_error *err) {
  DIR *d = opendir(path);
  if (!d) return lx_errorf(err, "%s: cannot open the frame directory", path);
  int cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || !has_image_extension(e->d_name)) continue;
    if (out->n >= lim->max_frames) {
      closedir(d);
      return too_many_frames(path, lim->max_frames, err);
    }
    if (out->n == cap) {
      cap = cap ? cap * 2 : 64;
      char **items = lx_xcalloc((size_t)cap, sizeof(char *));
      if (out->items) memcpy(items, out->items, (size_t)out->n * sizeof(char *));
      free(out->items);
      out->items = items;
    }
    out->items[out->n++] = lx_xstrdup(e->d_name);
  }
  closedir(d);
  if (out->n == 0)
    return lx_errorf(err, "%s: no frame images (.png, .jpg, .jpeg, .gif) in the directory", path);
  qsort(out->items, (size_t)out->n, sizeof(char *), natural_cmp);
  return LX_OK;
}

static int list_json(const char *path, const lx_media_limits *lim, frame_list *out, lx_error *err) {
  char *text;
  size_t len;
  if (lx_media_read_file(path, lim, &text, &len, err)) return LX_ERR;
  if (lx_json_check_text(path, text, len, err)) {
    free(text);
    return LX_ERR;
  }
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  int rc = LX_OK;
  if (!root) {
    rc = lx_errorf(err, "%s: not valid JSON", path);
  } else if (cJSON_IsString(root)) {
    rc = lx_errorf(err, "%s: holds one base64 image, not a list of video frames", path);
  } else if (!cJSON_IsArray(root)) {
    rc = lx_errorf(err, "%s: expected a JSON list of base64-encoded frames", path);
  } else {
    int n = cJSON_GetArraySize(root);
    if (n == 0) rc = lx_errorf(err, "%s: the frame list is empty", path);
    if (n > lim->max_frames) rc = too_many_frames(path, lim->max_frames, err);
    out->items = lx_xcalloc((size_t)(n ? n : 1), sizeof(char *));
    out->json = root; /* the items point into it */
    root = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, out->json) {
      if (rc) break;
      if (!cJSON_IsString(e))
        rc = lx_errorf(err, "%s: frame %d is not a base64 string", path, out->n);
      else
        out->items[out->n++] = e->valuestring;
    }
  }
  cJSON_Delete(root);
  return rc;
}

/* ---- video files (FFmpeg) ----------------------------------------------------------------------
 */

typedef struct decoder {
  AVFormatContext *fmt;
  AVCodecContext *codec;
  int stream;
  struct SwsContext *sws;
  AVFrame *frame;
  AVPacket *packet;
} decoder;

static void decoder_close(decoder *d) {
  sws_freeContext(d->sws);
  av_frame_free(&d->frame);
  av_packet_free(&d->packet);
  avcodec_free_context(&d->codec);
  avformat_close_input(&d->fmt);
  memset(d, 0, sizeof *d);
}

static int av_fail(const char *path, const char *what, int code, lx_error *err) {
  char msg[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, msg, sizeof msg);
  return lx_errorf(err, "%s: %s: %s", path, what, msg);
}

static int decoder_open(decoder *d, const char *path, lx_error *err) {
  memset(d, 0, sizeof *d);
  av_log_set_level(AV_LOG_QUIET);
  int rc = avformat_open_input(&d->fmt, path, NULL, NULL);
  if (rc < 0) return av_fail(path, "not a video file FFmpeg can read", rc, err);
  if ((rc = avformat_find_stream_info(d->fmt, NULL)) < 0) {
    decoder_close(d);
    return av_fail(path, "cannot read the streams", rc, err);
  }
  const AVCodec *codec = NULL;
  d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (d->stream < 0 || !codec) {
    decoder_close(d);
    return lx_errorf(err, "%s: no video stream", path);
  }
  d->codec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(d->codec, d->fmt->streams[d->stream]->codecpar);
  d->codec->thread_count = 1;
  if ((rc = avcodec_open2(d->codec, codec, NULL)) < 0) {
    decoder_close(d);
    return av_fail(path, "cannot open the video decoder", rc, err);
  }
  d->frame = av_frame_alloc();
  d->packet = av_packet_alloc();
  return LX_OK;
}

/* Converts the current frame to RGB24 the way `ffmpeg -pix_fmt rgb24` does: bicubic flags, the
 * frame's colour matrix (BT.601 if unknown) and range. */
static int frame_to_rgb(decoder *d, uint8_t *rgb, const char *path, lx_error *err) {
  AVFrame *f = d->frame;
  d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format, f->width, f->height,
                                AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL, NULL);
  if (!d->sws) return lx_errorf(err, "%s: cannot convert its pixel format to RGB", path);
  int *inv_table, in_full, *table, out_full, brightness, contrast, saturation;
  sws_getColorspaceDetails(d->sws, &inv_table, &in_full, &table, &out_full, &brightness, &contrast,
                           &saturation);
  int cs = f->colorspace;
  if (cs < 1 || cs > 10 || cs == 8) cs = AVCOL_SPC_BT470BG;
  const int *coeffs = sws_getCoefficients(cs);
  if (f->color_range != AVCOL_RANGE_UNSPECIFIED) in_full = f->color_range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(d->sws, coeffs, in_full, coeffs, out_full, brightness, contrast,
                           saturation);
  /* swscale's vector code needs an aligned, padded destination (a tight stride corrupts the last
   * columns of widths it cannot split evenly): convert into one, then copy the rows out. */
  uint8_t *dst[4];
  int stride[4];
  if (av_image_alloc(dst, stride, f->width, f->height, AV_PIX_FMT_RGB24, 64) < 0)
    return lx_errorf(err, "%s: out of memory converting a frame", path);
  sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);
  for (int y = 0; y < f->height; y++)
    memcpy(rgb + (size_t)y * 3 * f->width, dst[0] + (size_t)y * stride[0], (size_t)3 * f->width);
  av_freep(&dst[0]);
  return LX_OK;
}

/* Decodes every frame; for frame i calls fn when want(i) (want NULL: all). Returns the count. */
typedef int (*frame_fn)(void *ctx, int index, int width, int height, const uint8_t *rgb);

static int decode_all(const char *path, const uint8_t *want, int n_want, frame_fn fn, void *ctx,
                      budget *b, int *count, lx_error *err) {
  decoder d;
  if (decoder_open(&d, path, err)) return LX_ERR;
  /* the size the stream declares, refused before a frame is decoded */
  long long w0 = d.codec->width, h0 = d.codec->height;
  if (w0 * h0 > b->lim->max_pixels) {
    decoder_close(&d);
    return spend(b, w0, h0, path, err);
  }
  int index = 0, rc = LX_OK, flushing = 0;
  uint8_t *rgb = NULL;
  size_t rgb_size = 0;
  while (rc == LX_OK) {
    if (!flushing) {
      int r = av_read_frame(d.fmt, d.packet);
      if (r == AVERROR_EOF) {
        flushing = 1;
        avcodec_send_packet(d.codec, NULL);
      } else if (r < 0) {
        rc = av_fail(path, "read failed", r, err);
        break;
      } else {
        if (d.packet->stream_index == d.stream) {
          int s = avcodec_send_packet(d.codec, d.packet);
          if (s < 0 && s != AVERROR(EAGAIN)) rc = av_fail(path, "corrupt video data", s, err);
        }
        av_packet_unref(d.packet);
      }
    }
    for (;;) {
      int r = avcodec_receive_frame(d.codec, d.frame);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) {
        if (r == AVERROR_EOF) flushing = 2;
        break;
      }
      if (r < 0) {
        rc = av_fail(path, "corrupt video data", r, err);
        break;
      }
      if (index >= b->lim->max_frames) {
        rc = too_many_frames(path, b->lim->max_frames, err);
        break;
      }
      if ((rc = spend(b, d.frame->width, d.frame->height, path, err)) != LX_OK) break;
      if (fn && (!want || (index < n_want && want[index]))) {
        size_t need = (size_t)3 * d.frame->width * d.frame->height;
        if (need > rgb_size) {
          free(rgb);
          rgb = lx_xmalloc(need);
          rgb_size = need;
        }
        if (d.frame->width <= 0 || d.frame->height <= 0)
          rc = lx_errorf(err, "%s: frame %d has no pixels", path, index);
        if (rc == LX_OK) rc = frame_to_rgb(&d, rgb, path, err);
        if (rc == LX_OK) rc = fn(ctx, index, d.frame->width, d.frame->height, rgb);
      }
      index++;
      av_frame_unref(d.frame);
      if (rc) break;
    }
    if (flushing == 2) break;
  }
  free(rgb);
  decoder_close(&d);
  if (rc == LX_OK && index == 0) rc = lx_errorf(err, "%s: the video has no frames", path);
  if (count) *count = index;
  return rc;
}

int lx_video_file_frames(const char *path, frame_fn fn, void *ctx, lx_error *err) {
  budget b = {lx_media_limits_or_default(NULL), NULL, 0};
  return decode_all(path, NULL, 0, fn, ctx, &b, NULL, err);
}

/* ---- the whole pipeline ------------------------------------------------------------------------
 */

typedef struct sink {
  int k;
  const lx_preprocess_config *pp;
  float *pixels;
  const int *ids; /* chosen source indices [k], sorted */
} sink;

/* Preprocesses source frame `index` into every slot that chose it. */
static int put_frame(void *ctx, int index, int width, int height, const uint8_t *rgb) {
  sink *s = ctx;
  lx_image img = {width, height, (uint8_t *)rgb};
  const size_t per = (size_t)3 * s->pp->image_size * s->pp->image_size;
  int done = 0;
  for (int i = 0; i < s->k; i++) {
    if (s->ids[i] != index) continue;
    if (!done) {
      lx_image_preprocess(&img, s->pp, s->pixels + (size_t)i * per);
      done = i + 1;
    } else {
      memcpy(s->pixels + (size_t)i * per, s->pixels + (size_t)(done - 1) * per,
             per * sizeof(float));
    }
  }
  return LX_OK;
}

/* Which source frames to take, once the number n of source frames is known: fills ids[k]
 * (sorted, each in [0, n)). */
typedef int (*choose_fn)(void *ctx, int n, int k, int *ids, const char *path, lx_error *err);

/* Counts the source frames of path, chooses k of them (ids[k]) and calls fn once per distinct
 * chosen frame with its RGB pixels; *n_source receives the count. */
static int visit_frames(const char *path, const lx_media_limits *lim,
                        const lx_preprocess_config *pp, int k, choose_fn choose, void *choose_ctx,
                        int *ids, frame_fn fn, void *ctx, int *n_source, lx_error *err) {
  budget b = {lx_media_limits_or_default(lim), pp, 0};
  struct stat st;
  if (stat(path, &st) != 0) return lx_errorf(err, "%s: no such file or directory", path);
  size_t plen = strlen(path);
  const int is_json = plen > 5 && strcmp(path + plen - 5, ".json") == 0;
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) /* FFmpeg would wait on a FIFO's writer */
    return lx_errorf(err, "%s: neither a video file nor a directory of frames", path);
  if (!S_ISDIR(st.st_mode) && !is_json) {
    /* A video file: count frames, choose, decode again keeping the chosen ones. */
    int n;
    if (decode_all(path, NULL, 0, NULL, NULL, &b, &n, err)) return LX_ERR;
    if (choose(choose_ctx, n, k, ids, path, err)) return LX_ERR;
    uint8_t *want = lx_xcalloc((size_t)n, 1);
    for (int i = 0; i < k; i++) want[ids[i]] = 1;
    int n2 = 0;
    int rc = decode_all(path, want, n, fn, ctx, &b, &n2, err);
    free(want);
    if (rc == LX_OK && n2 != n) rc = lx_errorf(err, "%s: decoded %d frames, then %d", path, n, n2);
    *n_source = n;
    return rc;
  }
  frame_list list = {0};
  int rc = S_ISDIR(st.st_mode) ? list_directory(path, b.lim, &list, err)
                               : list_json(path, b.lim, &list, err);
  if (rc == LX_OK) {
    *n_source = list.n;
    rc = choose(choose_ctx, list.n, k, ids, path, err);
  }
  /* Each distinct chosen frame once. */
  for (int i = 0; i < k && rc == LX_OK; i++) {
    if (i > 0 && ids[i] == ids[i - 1]) continue;
    lx_image img = {0};
    const char *item = list.items[ids[i]];
    if (S_ISDIR(st.st_mode)) {
      char *file = lx_path_join(path, item);
      rc = lx_image_load(file, b.lim, &img, err);
      free(file);
    } else {
      unsigned char *bytes;
      size_t n;
      char name[64];
      snprintf(name, sizeof name, "frame %d", ids[i]);
      if (lx_base64_decode(item, strlen(item), &bytes, &n)) {
        rc = lx_errorf(err, "%s: frame %d is not valid base64", path, ids[i]);
      } else {
        rc = lx_image_decode(bytes, n, name, b.lim, &img, err);
        if (rc) {
          char inner[LX_ERROR_MAX];
          snprintf(inner, sizeof inner, "%s", err->msg);
          rc = lx_errorf(err, "%s: %s", path, inner);
        }
        free(bytes);
      }
    }
    if (rc == LX_OK) rc = spend(&b, img.width, img.height, path, err);
    if (rc == LX_OK) rc = fn(ctx, ids[i], img.width, img.height, img.rgb);
    lx_image_free(&img);
  }
  frame_list_free(&list);
  return rc;
}

typedef struct by_rule {
  lx_frame_rule rule;
  uint64_t seed;
} by_rule;

static int choose_by_rule(void *ctx, int n, int k, int *ids, const char *path, lx_error *err) {
  (void)path, (void)err;
  const by_rule *r = ctx;
  lx_sample_frame_ids(n, k, r->rule, r->seed, ids);
  return LX_OK;
}

int lx_video_load(const char *path, int k, lx_frame_rule rule, uint64_t seed,
                  const lx_preprocess_config *pp, const lx_media_limits *lim, float *pixels,
                  int *frame_ids, int *n_source, lx_error *err) {
  sink s = {k, pp, pixels, frame_ids};
  by_rule r = {rule, seed};
  return visit_frames(path, lim, pp, k, choose_by_rule, &r, frame_ids, put_frame, &s, n_source,
                      err);
}

/* ---- given frames, as they are ------------------------------------------------------------- */

typedef struct given {
  const int *ids;
} given;

static int choose_given(void *ctx, int n, int k, int *ids, const char *path, lx_error *err) {
  const given *g = ctx;
  for (int i = 0; i < k; i++) {
    if (g->ids[i] < 0 || g->ids[i] >= n)
      return lx_errorf(err, "%s: frame %d asked for, but the video has %d frames", path, g->ids[i],
                       n);
    if (i > 0 && g->ids[i] < g->ids[i - 1])
      return lx_errorf(err, "%s: frames asked for out of order (%d after %d)", path, g->ids[i],
                       g->ids[i - 1]);
    ids[i] = g->ids[i];
  }
  return LX_OK;
}

typedef struct rgb_sink {
  int k;
  const int *ids;
  lx_image *out;
} rgb_sink;

static int keep_rgb(void *ctx, int index, int width, int height, const uint8_t *rgb) {
  rgb_sink *s = ctx;
  const size_t bytes = (size_t)3 * width * height;
  for (int i = 0; i < s->k; i++) {
    if (s->ids[i] != index) continue;
    s->out[i] = (lx_image){width, height, lx_xmalloc(bytes)};
    memcpy(s->out[i].rgb, rgb, bytes);
  }
  return LX_OK;
}

int lx_video_frames_rgb(const char *path, const int *frame_ids, int k, const lx_media_limits *lim,
                        lx_image *out, lx_error *err) {
  memset(out, 0, (size_t)k * sizeof *out);
  int *ids = lx_xcalloc((size_t)(k > 0 ? k : 1), sizeof(int));
  given g = {frame_ids};
  rgb_sink s = {k, frame_ids, out};
  int n_source;
  int rc = visit_frames(path, lim, NULL, k, choose_given, &g, ids, keep_rgb, &s, &n_source, err);
  free(ids);
  if (rc != LX_OK)
    for (int i = 0; i < k; i++) lx_image_free(&out[i]);
  return rc;
}
