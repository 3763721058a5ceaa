/* Video frames against FFmpeg's own decoding and the reference's frame sampler and transform
 * (tests/video/expected.json, made by tests/video/make_cases.py). Needs LX_VIDEO_DIR. */
#include <cJSON.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "media/video.h"
#include "testutil.h"

static const char *dir;
static cJSON *expected;

/* An entry of expected[key] (a decoded file, a source), or where expected.json has that entry for
 * this processor, by_arch[ARCH][key]'s: libswscale converts YUV to RGB with code of its own per
 * processor, and lynxeval matches the ffmpeg of the machine it runs on (tests/video/make_cases.py
 * --arch). Frame images (JPEG, PNG) are the same everywhere. */
static const cJSON *for_this_processor(const char *key, const cJSON *entry) {
#if defined(__aarch64__)
  const cJSON *own = cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "by_arch"), "aarch64");
  const cJSON *mine = cJSON_GetObjectItem(cJSON_GetObjectItem(own, key), entry->string);
  if (mine) return mine;
#else
  (void)key;
#endif
  return entry;
}
static double mean[3], stdev[3];

/* The preprocessing the expected transforms used, at side `size`. */
static const lx_preprocess_config *pp_of(int size) {
  static lx_preprocess_config pp;
  pp = (lx_preprocess_config){.image_size = size};
  memcpy(pp.mean, mean, sizeof mean);
  memcpy(pp.std, stdev, sizeof stdev);
  return &pp;
}

static char *input(const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "inputs/%s", name);
  return lx_path_join(dir, rel);
}

typedef struct digests {
  const cJSON *want;
  int failures, n;
} digests;

static int check_frame(void *ctx, int index, int w, int h, const uint8_t *rgb) {
  digests *d = ctx;
  char hex[65];
  lx_sha256_hex(rgb, (size_t)w * h * 3, hex);
  const cJSON *want = cJSON_GetArrayItem(d->want, index);
  if (!want || strcmp(want->valuestring, hex) != 0) d->failures++;
  d->n++;
  return LX_OK;
}

START_TEST(decoding_matches_ffmpeg) {
  int files = 0, frames = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, cJSON_GetObjectItem(expected, "decoded")) {
    const cJSON *v = for_this_processor("decoded", entry);
    char *p = input(entry->string);
    digests d = {v, 0, 0};
    lx_error err;
    ck_assert_msg(lx_video_file_frames(p, check_frame, &d, &err) == LX_OK, "%s", err.msg);
    ck_assert_msg(d.failures == 0 && d.n == cJSON_GetArraySize(v),
                  "%s: %d of %d frames differ from ffmpeg -pix_fmt rgb24 (%d expected)",
                  entry->string, d.failures, d.n, cJSON_GetArraySize(v));
    files++, frames += d.n;
    free(p);
  }
  printf("  %d video files, %d frames identical to ffmpeg's rgb24\n", files, frames);
  ck_assert_int_ge(files, 6);
}
END_TEST

START_TEST(sources_match_reference_transform) {
  const cJSON *src;
  const int size = cJSON_GetObjectItem(expected, "size")->valueint;
  const int k = cJSON_GetObjectItem(expected, "frames")->valueint;
  float *px = calloc((size_t)k * 3 * size * size, sizeof(float));
  int checked = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, cJSON_GetObjectItem(expected, "sources")) {
    src = for_this_processor("sources", entry);
    char *p = input(entry->string);
    const char *rules[2] = {"segment-start", "segment-middle"};
    for (int r = 0; r < 2; r++) {
      lx_frame_rule rule;
      ck_assert(lx_frame_rule_parse(rules[r], &rule) == LX_OK);
      const cJSON *want = cJSON_GetObjectItem(src, rules[r]);
      int ids[16], n = 0;
      lx_error err;
      ck_assert_msg(lx_video_load(p, k, rule, 0, pp_of(size), NULL, px, ids, &n, &err) == LX_OK,
                    "%s", err.msg);
      ck_assert_int_eq(n, cJSON_GetObjectItem(src, "source_frames")->valueint);
      for (int i = 0; i < k; i++)
        ck_assert_int_eq(ids[i],
                         cJSON_GetArrayItem(cJSON_GetObjectItem(want, "frame_ids"), i)->valueint);
      char hex[65];
      lx_sha256_hex(px, (size_t)k * 3 * size * size * sizeof(float), hex);
      ck_assert_msg(strcmp(hex, cJSON_GetObjectItem(want, "tensor_sha256")->valuestring) == 0,
                    "%s (%s): tensor differs from the reference transform", entry->string,
                    rules[r]);
      checked++;
    }
    free(p);
  }
  free(px);
  printf("  %d source/rule tensors identical to the reference's\n", checked);
  ck_assert_int_ge(checked, 16);
}
END_TEST

START_TEST(frame_rules) {
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(expected, "rules")) {
    int n = atoi(e->string), ids[5];
    const char *rules[2] = {"segment-start", "segment-middle"};
    for (int r = 0; r < 2; r++) {
      lx_sample_frame_ids(n, 5, (lx_frame_rule)r, 0, ids);
      for (int i = 0; i < 5; i++)
        ck_assert_msg(ids[i] == cJSON_GetArrayItem(cJSON_GetObjectItem(e, rules[r]), i)->valueint,
                      "n=%d %s", n, rules[r]);
    }
  }
  /* reference-random: seeded, sorted, in range, one frame per segment, varies with the seed. */
  int a[5], b[5], differ = 0;
  for (int n = 1; n <= 60; n++)
    for (uint64_t seed = 0; seed < 20; seed++) {
      lx_sample_frame_ids(n, 5, LX_FRAMES_REFERENCE_RANDOM, seed, a);
      lx_sample_frame_ids(n, 5, LX_FRAMES_REFERENCE_RANDOM, seed, b);
      for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(a[i], b[i]);
        ck_assert(a[i] >= 0 && a[i] < n);
        if (i) ck_assert(a[i] >= a[i - 1]);
        if (i && n > 5) ck_assert(a[i] > a[i - 1]);
      }
      lx_sample_frame_ids(n, 5, LX_FRAMES_REFERENCE_RANDOM, seed + 1000, b);
      differ += memcmp(a, b, sizeof a) != 0;
    }
  ck_assert_int_gt(differ, 600);
  lx_frame_rule r;
  ck_assert_int_eq(lx_frame_rule_parse("uniform", &r), LX_ERR);
}
END_TEST

START_TEST(broken_inputs) {
  const cJSON *e;
  const int size = 70, k = 5;
  float *px = calloc((size_t)k * 3 * size * size, sizeof(float));
  int ids[5], n;
  lx_error err;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(expected, "errors")) {
    char *p = input(e->string);
    ck_assert_msg(lx_video_load(p, k, LX_FRAMES_SEGMENT_START, 0, pp_of(size), NULL, px, ids, &n,
                                &err) == LX_ERR,
                  "%s was accepted", e->string);
    ck_assert_msg(strstr(err.msg, e->string) && strstr(err.msg, e->valuestring),
                  "%s: message '%s' lacks '%s'", e->string, err.msg, e->valuestring);
    printf("  %-26s refused: %s\n", e->string, err.msg);
    free(p);
  }
  char *empty = tu_tempdir();
  ck_assert_int_eq(lx_video_load(empty, k, 0, 0, pp_of(size), NULL, px, ids, &n, &err), LX_ERR);
  ck_assert(strstr(err.msg, "no frame images") != NULL);
  tu_rmtree(empty);
  ck_assert_int_eq(lx_video_load("/nonexistent.mp4", k, 0, 0, pp_of(size), NULL, px, ids, &n, &err),
                   LX_ERR);
  ck_assert(strstr(err.msg, "no such file") != NULL);
  free(px);
}
END_TEST

/* One video's limits: frames in a JSON list, a frame directory and a video file; the pixels
 * decoded for a video file (two passes: counting, then the chosen frames); a frames JSON over
 * the byte limit, refused before it is read; five small GIFs that each declare a 13000 x 13000
 * screen, refused at the first, at once. Each message names the flag that raises the limit. */
START_TEST(video_limits_are_enforced_and_named) {
  const int size = 70, k = 5;
  float *px = calloc((size_t)k * 3 * size * size, sizeof(float));
  int ids[5], n;
  lx_error err;
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  lim.max_frames = 8;
  const char *sources[] = {"frames.json", "frames-dir", "h264-96x64-23f.mp4"};
  for (int i = 0; i < 3; i++) {
    char *p = input(sources[i]);
    ck_assert_int_eq(lx_video_load(p, k, 0, 0, pp_of(size), &lim, px, ids, &n, &err), LX_ERR);
    ck_assert_msg(strstr(err.msg,
                         "more than the 8 source frames allowed for one video "
                         "(--max-video-frames raises the limit)"),
                  "%s: %s", sources[i], err.msg);
    free(p);
  }
  /* 23 frames of 96 x 64, decoded twice (counting, then keeping the chosen): 282,624 pixels */
  char *video = input("h264-96x64-23f.mp4");
  lim = (lx_media_limits)LX_MEDIA_LIMITS_DEFAULT;
  lim.max_video_pixels = 46 * 96 * 64 - 1;
  ck_assert_int_eq(lx_video_load(video, k, 0, 0, pp_of(size), &lim, px, ids, &n, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "more than the 282623 pixels allowed for one video "
                       "(--max-video-pixels raises the limit)"),
                "%s", err.msg);
  lim.max_video_pixels = 46 * 96 * 64;
  ck_assert_msg(lx_video_load(video, k, 0, 0, pp_of(size), &lim, px, ids, &n, &err) == LX_OK, "%s",
                err.msg);
  lim = (lx_media_limits)LX_MEDIA_LIMITS_DEFAULT;
  lim.max_pixels = 96 * 64 - 1;
  ck_assert_int_eq(lx_video_load(video, k, 0, 0, pp_of(size), &lim, px, ids, &n, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "frames of 96x64 = 6144 pixels, more than the 6143 allowed "
                       "(--max-pixels"),
                "%s", err.msg);
  free(video);
  char *json = input("frames.json");
  lim = (lx_media_limits)LX_MEDIA_LIMITS_DEFAULT;
  lim.max_file_bytes = 100;
  ck_assert_int_eq(lx_video_load(json, k, 0, 0, pp_of(size), &lim, px, ids, &n, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "more than the 100 allowed for one image or frames file "
                       "(--max-media-bytes"),
                "%s", err.msg);
  free(json);
  /* five GIF bombs (see test_image) as a frames JSON */
  char *tmp = tu_tempdir();
  char *bombs = lx_path_join(tmp, "bombs.json");
  FILE *f = fopen(bombs, "w");
  fputs("[", f);
  for (int i = 0; i < 5; i++)
    fprintf(f, "%s\"R0lGODlhyDLIMgAAACwAAAAAAQABAAACAkQBADs=\"", i ? ", " : "");
  fputs("]", f);
  fclose(f);
  double t0 = lx_seconds();
  ck_assert_int_eq(lx_video_load(bombs, k, 0, 0, pp_of(size), NULL, px, ids, &n, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "frame 0: image is 13000x13000 = 169000000 pixels, more than the "
                       "89478485 allowed (--max-pixels"),
                "%s", err.msg);
  ck_assert_msg(lx_seconds() - t0 < 0.5, "the refusal took %.2f s", lx_seconds() - t0);
  free(bombs);
  tu_rmtree(tmp);
  free(px);
}
END_TEST

int main(void) {
  dir = getenv("LX_VIDEO_DIR");
  if (!dir) {
    fprintf(stderr, "test_video: set LX_VIDEO_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  expected = tu_load_json(dir, "expected.json");
  if (!expected) return EXIT_FAILURE;
  for (int i = 0; i < 3; i++) {
    mean[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(expected, "mean"), i)->valuedouble;
    stdev[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(expected, "std"), i)->valuedouble;
  }
  Suite *s = suite_create("video");
  TCase *tc = tcase_create("video");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, decoding_matches_ffmpeg);
  tcase_add_test(tc, sources_match_reference_transform);
  tcase_add_test(tc, frame_rules);
  tcase_add_test(tc, broken_inputs);
  tcase_add_test(tc, video_limits_are_enforced_and_named);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1);
  cJSON_Delete(expected);
  return status;
}
