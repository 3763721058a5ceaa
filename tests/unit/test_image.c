/* Image decoding and the test transform against Pillow 9.4 + torchvision 0.14 (the digests in
 * tests/image/expected.json, made by tests/image/make_cases.py). Needs LX_IMAGE_DIR. */
#include <cJSON.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "media/image.h"
#include "testutil.h"

static const char *dir;
static cJSON *expected;

static void hex_of(const void *p, size_t n, char out[65]) {
  lx_sha256_hex(p, n, out);
}

/* Every image: decode, resize + crop at each size, normalize; zero differing bytes. */
START_TEST(matches_pillow_and_torchvision) {
  const cJSON *images = cJSON_GetObjectItem(expected, "images"), *c;
  double mean[3], std[3];
  for (int i = 0; i < 3; i++) {
    mean[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(expected, "mean"), i)->valuedouble;
    std[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(expected, "std"), i)->valuedouble;
  }
  int decoded = 0, crops = 0, tensors = 0, refused = 0, failures = 0;
  cJSON_ArrayForEach(c, images) {
    char rel[256];
    snprintf(rel, sizeof rel, "inputs/%s", c->string);
    char *path = lx_path_join(dir, rel);
    lx_image img;
    lx_error err;
    int rc = lx_image_load(path, NULL, &img, &err);
    if (cJSON_GetObjectItem(c, "unsupported")) { /* checked by unsupported_and_missing */
      if (rc == LX_OK) lx_image_free(&img);
      free(path);
      continue;
    }
    if (cJSON_GetObjectItem(c, "error")) {
      if (rc == LX_OK || !strstr(err.msg, c->string)) {
        fprintf(stderr, "%s: Pillow refuses it (%s), lynxeval %s\n", c->string,
                cJSON_GetObjectItem(c, "error")->valuestring, rc == LX_OK ? "decoded it" : err.msg);
        failures++;
      } else {
        printf("  %-36s refused: %s\n", c->string, err.msg);
        refused++;
      }
      if (rc == LX_OK) lx_image_free(&img);
      free(path);
      continue;
    }
    if (rc != LX_OK) {
      fprintf(stderr, "%s: %s\n", c->string, err.msg);
      failures++;
      free(path);
      continue;
    }
    char hex[65];
    hex_of(img.rgb, (size_t)img.width * img.height * 3, hex);
    if (img.width != cJSON_GetObjectItem(c, "width")->valueint ||
        img.height != cJSON_GetObjectItem(c, "height")->valueint ||
        strcmp(hex, cJSON_GetObjectItem(c, "rgb_sha256")->valuestring) != 0) {
      fprintf(stderr, "%s: decoded RGB differs from Pillow's (%dx%d)\n", c->string, img.width,
              img.height);
      failures++;
    } else {
      decoded++;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(c, "sizes")) {
      int size = atoi(s->string);
      lx_image resized, crop;
      lx_image_resize_short_side(&img, size, &resized);
      lx_image_center_crop(&resized, size, LX_RESIZE_TORCHVISION, &crop);
      hex_of(crop.rgb, (size_t)size * size * 3, hex);
      if (strcmp(hex, cJSON_GetObjectItem(s, "crop_sha256")->valuestring) != 0) {
        fprintf(stderr, "%s at %d: resized and cropped bytes differ from torchvision's\n",
                c->string, size);
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(s, "samples")) {
          int y = cJSON_GetArrayItem(p, 0)->valueint, x = cJSON_GetArrayItem(p, 1)->valueint;
          const uint8_t *q = crop.rgb + ((size_t)y * size + x) * 3;
          fprintf(stderr, "    (%d,%d): got %d %d %d, want %d %d %d\n", y, x, q[0], q[1], q[2],
                  cJSON_GetArrayItem(p, 2)->valueint, cJSON_GetArrayItem(p, 3)->valueint,
                  cJSON_GetArrayItem(p, 4)->valueint);
        }
        failures++;
      } else {
        crops++;
      }
      const cJSON *t = cJSON_GetObjectItem(s, "tensor_sha256");
      if (t) {
        float *x = calloc((size_t)3 * size * size, sizeof(float));
        lx_image_to_tensor(&crop, mean, std, x);
        hex_of(x, (size_t)3 * size * size * sizeof(float), hex);
        if (strcmp(hex, t->valuestring) != 0) {
          fprintf(stderr, "%s at %d: normalized tensor differs from torchvision's\n", c->string,
                  size);
          failures++;
        } else {
          tensors++;
        }
        free(x);
      }
      lx_image_free(&resized);
      lx_image_free(&crop);
    }
    lx_image_free(&img);
    free(path);
  }
  printf(
      "  %d images decoded, %d resize+crop results, %d tensors identical; %d broken files "
      "refused; %d differences\n",
      decoded, crops, tensors, refused, failures);
  ck_assert_int_eq(failures, 0);
  ck_assert_int_ge(decoded, 45);
}
END_TEST

START_TEST(unsupported_and_missing) {
  lx_image img;
  lx_error err;
  char *p = lx_path_join(dir, "inputs/unsupported.bmp");
  ck_assert_int_eq(lx_image_load(p, NULL, &img, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "BMP images are not supported"), "%s", err.msg);
  free(p);
  ck_assert_int_eq(lx_image_load("/nonexistent.png", NULL, &img, &err), LX_ERR);
  ck_assert(strstr(err.msg, "cannot open") != NULL);
}
END_TEST

/* A GIF of 29 bytes whose logical screen is 13000 x 13000 (and whose one frame is 1 x 1). */
static const unsigned char GIF_BOMB[] = {
    'G',  'I',  'F',  '8',  '9',  'a', 0xC8, 0x32, 0xC8, 0x32,
    0x00, 0x00, 0x00,                                          /* screen, no palette */
    ',',  0,    0,    0,    0,    1,   0,    1,    0,    0x00, /* a 1x1 frame */
    0x02, 0x02, 0x44, 0x01, 0x00,                              /* its pixel */
    ';'};

/* The media limits: a file that declares more pixels than allowed is refused from its header,
 * at once, naming the limit's flag; the limits move where they are set; a file over the byte
 * limit is refused before it is read. */
START_TEST(media_limits_are_enforced_and_named) {
  lx_image img;
  lx_error err;
  double t0 = lx_seconds();
  ck_assert_int_eq(lx_image_decode(GIF_BOMB, sizeof GIF_BOMB, "bomb.gif", NULL, &img, &err),
                   LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "bomb.gif: image is 13000x13000 = 169000000 pixels, more than "
                       "the 89478485 allowed (--max-pixels raises the limit)"),
                "%s", err.msg);
  ck_assert_msg(lx_seconds() - t0 < 0.5, "the refusal took %.2f s", lx_seconds() - t0);
  /* a real photo (4000 x 3000 = 12,000,000 pixels) at, and one under, the limit */
  char *p = lx_path_join(dir, "inputs/jpeg-4000x3000.jpg");
  lx_media_limits lim = LX_MEDIA_LIMITS_DEFAULT;
  lim.max_pixels = 12000000;
  ck_assert_msg(lx_image_load(p, &lim, &img, &err) == LX_OK, "%s", err.msg);
  lx_image_free(&img);
  lim.max_pixels = 11999999;
  ck_assert_int_eq(lx_image_load(p, &lim, &img, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg, "more than the 11999999 allowed (--max-pixels"), "%s", err.msg);
  /* a 36-byte GIF whose canvas is 82893 x 6: 497,358 pixels, but 1547336 x 112 once its short
   * side is resized to 112 (found by fuzz_image_png: seconds and 520 MB per call before) */
  static const unsigned char WIDE[] = {'G',  'I',  'F',  '8',  '9',  'a',  0x00, 0x00, 0x00,
                                       0x00, 0x18, 0x38, 0x61, ',',  0xcd, 0x82, 0x06, 0x00,
                                       0x00, 0xc1, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x00, 0x00};
  char *tmp = tu_tempdir();
  char *wide = lx_path_join(tmp, "wide.gif");
  FILE *f = fopen(wide, "wb");
  fwrite(WIDE, 1, sizeof WIDE, f);
  fclose(f);
  float *px = malloc(sizeof(float) * 3 * 112 * 112);
  t0 = lx_seconds();
  const lx_preprocess_config pp = {
      .image_size = 112, .mean = {0.5, 0.5, 0.5}, .std = {0.25, 0.25, 0.25}};
  ck_assert_int_eq(lx_image_preprocess_file(wide, &pp, NULL, px, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "wide.gif: a 82893x6 image becomes 173301632 pixels when its short "
                       "side is resized to 112, more than the 89478485 allowed "
                       "(--max-pixels"),
                "%s", err.msg);
  ck_assert_msg(lx_seconds() - t0 < 0.5, "the refusal took %.2f s", lx_seconds() - t0);
  free(px);
  free(wide);
  tu_rmtree(tmp);
  lim = (lx_media_limits)LX_MEDIA_LIMITS_DEFAULT;
  lim.max_file_bytes = 1000;
  ck_assert_int_eq(lx_image_load(p, &lim, &img, &err), LX_ERR);
  ck_assert_msg(strstr(err.msg,
                       "bytes, more than the 1000 allowed for one image or frames file "
                       "(--max-media-bytes raises the limit)"),
                "%s", err.msg);
  free(p);
}
END_TEST

START_TEST(sha256_known_answers) {
  char hex[65];
  lx_sha256_hex("", 0, hex);
  ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  lx_sha256_hex("abc", 3, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  lx_sha256_hex(two_blocks, strlen(two_blocks), hex);
  ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

int main(void) {
  dir = getenv("LX_IMAGE_DIR");
  if (!dir) {
    fprintf(stderr, "test_image: set LX_IMAGE_DIR (ctest does)\n");
    return EXIT_FAILURE;
  }
  expected = tu_load_json(dir, "expected.json");
  if (!expected) return EXIT_FAILURE;
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("image");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, matches_pillow_and_torchvision);
  tcase_add_test(tc, unsupported_and_missing);
  tcase_add_test(tc, media_limits_are_enforced_and_named);
  tcase_add_test(tc, sha256_known_answers);
  suite_add_tcase(s, tc);
  int status = tu_run_suite(s, 1);
  cJSON_Delete(expected);
  return status;
}
