/* Safetensors mapping and validation (model/weights). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/threads.h"
#include "model/weights.h"
#include "testutil.h"

static char *dir;

static void setup(void) {
  dir = tu_tempdir();
}
static void teardown(void) {
  tu_rmtree(dir);
}

/* Opens a file expected to be refused; checks the message mentions `needle`. */
static void expect_refused(const char *path, const char *needle) {
  lx_weights *w = NULL;
  lx_error err = {{0}};
  ck_assert_int_eq(lx_weights_open(path, &w, &err), LX_ERR);
  ck_assert_ptr_null(w);
  ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
  ck_assert_msg(strstr(err.msg, path) != NULL, "message '%s' does not name the file", err.msg);
}

START_TEST(opens_valid_file) {
  float a[6] = {1, 2, 3, 4, 5, 6};
  uint16_t b[2] = {0x3f80, 0xc000}; /* bf16 1.0, -2.0 */
  unsigned char data[32];
  memcpy(data, a, 24);
  memcpy(data + 24, b, 4);
  uint16_t h[2] = {0x3c00, 0x3800}; /* f16 1.0, 0.5 */
  memcpy(data + 28, h, 4);
  char *p =
      tu_write_safetensors(dir, "ok.safetensors",
                           "{\"__metadata__\":{\"format\":\"pt\"},"
                           "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                           "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]},"
                           "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[28,32]}}",
                           data, sizeof data);
  lx_weights *w;
  lx_error err;
  ck_assert_msg(lx_weights_open(p, &w, &err) == LX_OK, "%s", err.msg);
  ck_assert_uint_eq(lx_weights_count(w), 3);
  const lx_tensor *t = lx_weights_find(w, "a");
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(t->ndim, 2);
  ck_assert_int_eq(t->shape[0], 2);
  ck_assert_int_eq(t->shape[1], 3);
  ck_assert_float_eq(((const float *)t->data)[5], 6.0f);
  /* F32 data is the mapping itself, not a copy. */
  const void *base;
  size_t len;
  lx_weights_mapping(w, &base, &len);
  ck_assert((const char *)t->data >= (const char *)base &&
            (const char *)t->data + 24 <= (const char *)base + len);
  ck_assert_ptr_eq(lx_weights_f32(w, t), t->data);
  const float *bf = lx_weights_f32(w, lx_weights_find(w, "b"));
  ck_assert_float_eq(bf[0], 1.0f);
  ck_assert_float_eq(bf[1], -2.0f);
  const float *hf = lx_weights_f32(w, lx_weights_find(w, "c"));
  ck_assert_float_eq(hf[0], 1.0f);
  ck_assert_float_eq(hf[1], 0.5f);
  ck_assert_ptr_null(lx_weights_find(w, "zzz"));
  lx_weights_close(w);
  free(p);
}
END_TEST

START_TEST(refuses_truncated) {
  char *p = tu_write(dir, "tiny.safetensors", "\x10\x00\x00", 3);
  expect_refused(p, "truncated");
  free(p);
  /* A valid header whose data section is cut short. */
  float a[4] = {0};
  p = tu_write_safetensors(dir, "cut.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", a,
                           8);
  expect_refused(p, "run past the end");
  free(p);
}
END_TEST

START_TEST(refuses_oversized_header) {
  unsigned char buf[64] = {0};
  uint64_t n = 1000; /* larger than the file */
  memcpy(buf, &n, 8);
  memcpy(buf + 8, "{}", 2);
  char *p = tu_write(dir, "big.safetensors", buf, sizeof buf);
  expect_refused(p, "runs past the end of the file");
  free(p);
  n = 200000000ull; /* beyond the format's 100 MB limit */
  memcpy(buf, &n, 8);
  p = tu_write(dir, "huge.safetensors", buf, sizeof buf);
  expect_refused(p, "more than the");
  free(p);
}
END_TEST

START_TEST(refuses_overlapping_offsets) {
  float a[6] = {0};
  char *p = tu_write_safetensors(dir, "overlap.safetensors",
                                 "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                                 a, 16);
  expect_refused(p, "overlaps");
  free(p);
}
END_TEST

START_TEST(refuses_gaps_and_trailing_bytes) {
  float a[6] = {0};
  char *p = tu_write_safetensors(
      dir, "gap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
      a, 16);
  expect_refused(p, "belong to no tensor");
  free(p);
  p = tu_write_safetensors(dir, "trail.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", a,
                           16);
  expect_refused(p, "after the last tensor");
  free(p);
}
END_TEST

START_TEST(refuses_wrong_dtype) {
  int64_t a[2] = {0};
  char *p = tu_write_safetensors(
      dir, "i64.safetensors", "{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
      a, 16);
  expect_refused(p, "dtype I64 is not supported");
  free(p);
}
END_TEST

START_TEST(refuses_size_mismatch_and_bad_fields) {
  float a[4] = {0};
  char *p = tu_write_safetensors(
      dir, "mis.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}",
      a, 16);
  expect_refused(p, "need 12");
  free(p);
  p = tu_write_safetensors(dir, "neg.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", a,
                           16);
  expect_refused(p, "shape[0]");
  free(p);
  p = tu_write_safetensors(dir, "noshape.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", a, 16);
  expect_refused(p, "\"shape\"");
  free(p);
  p = tu_write_safetensors(dir, "rev.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,0]}}", a,
                           16);
  expect_refused(p, "end before they begin");
  free(p);
  p = tu_write_safetensors(
      dir, "dims.safetensors",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,4],\"data_offsets\":[0,16]}}", a, 16);
  expect_refused(p, "dimensions");
  free(p);
  p = tu_write_safetensors(
      dir, "ovf.safetensors",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}", a,
      16);
  expect_refused(p, "overflows");
  free(p);
  /* above 2^53 a JSON number is no longer exact: called too large, not "not an integer" */
  p = tu_write_safetensors(
      dir, "big.safetensors",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[9007199254740994],\"data_offsets\":[0,16]}}", a, 16);
  expect_refused(p, "shape[0] is too large (above 2^53");
  free(p);
  p = tu_write_safetensors(
      dir, "bigoff.safetensors",
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,18014398509481984]}}", a, 16);
  expect_refused(p, "data_offsets[1] is too large");
  free(p);
  p = tu_write_safetensors(dir, "frac.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,1.5]}}", a,
                           16);
  expect_refused(p, "data_offsets[1] is not a non-negative integer");
  free(p);
}
END_TEST

START_TEST(refuses_bad_json_and_duplicates) {
  float a[4] = {0};
  char *p = tu_write_safetensors(dir, "json.safetensors", "{\"a\":{\"dtype\":", a, 16);
  expect_refused(p, "not valid JSON");
  free(p);
  p = tu_write_safetensors(dir, "notobj.safetensors", "[1,2]", a, 16);
  expect_refused(p, "JSON object");
  free(p);
  p = tu_write_safetensors(dir, "dup.safetensors",
                           "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                           "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                           a, 16);
  expect_refused(p, "appears twice");
  free(p);
  p = tu_write_safetensors(dir, "meta.safetensors", "{\"__metadata__\":{\"x\":1}}", a, 0);
  expect_refused(p, "__metadata__");
  free(p);
  expect_refused("/nonexistent/model.safetensors", "cannot open");
}
END_TEST

START_TEST(copies_misaligned_tensors) {
  /* Header of 8n bytes, then a 2-byte F16 tensor puts the F32 one at an odd-by-2 address. */
  unsigned char data[10];
  uint16_t h = 0x3c00;
  float f = 3.5f;
  memcpy(data, &h, 2);
  memcpy(data + 2, &f, 4);
  memcpy(data + 6, &f, 4);
  char *p = tu_write_safetensors(dir, "mis.safetensors",
                                 "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                                 "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]}}",
                                 data, sizeof data);
  lx_weights *w;
  lx_error err;
  ck_assert_msg(lx_weights_open(p, &w, &err) == LX_OK, "%s", err.msg);
  const lx_tensor *t = lx_weights_find(w, "f");
  ck_assert_uint_eq((uintptr_t)t->data % 4, 0);
  ck_assert_float_eq(((const float *)t->data)[1], 3.5f);
  ck_assert_uint_eq(lx_weights_copied_bytes(w), 8);
  lx_weights_close(w);
  free(p);
}
END_TEST

START_TEST(binder_names_missing_and_misshaped) {
  float a[6] = {0};
  char *p = tu_write_safetensors(
      dir, "bind.safetensors",
      "{\"x.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", a, 24);
  lx_weights *w;
  lx_error err;
  ck_assert(lx_weights_open(p, &w, &err) == LX_OK);
  ck_assert_str_eq(lx_weights_first_unused(w), "x.weight");
  lx_binder b = {w, &err, 0};
  lx_tensor t = lx_bind_matrix(&b, 3, 2, "x.%s", "weight");
  ck_assert_int_eq(b.failed, 1);
  ck_assert_ptr_null(t.data);
  ck_assert_msg(strstr(err.msg, "'x.weight' has shape [2,3], config.json says [3,2]"), "%s",
                err.msg);
  lx_binder b2 = {w, &err, 0};
  lx_bind_vector(&b2, 4, "y.bias");
  ck_assert_msg(strstr(err.msg, "'y.bias' is missing"), "%s", err.msg);
  lx_binder b3 = {w, &err, 0};
  t = lx_bind_matrix(&b3, 2, 3, "x.weight");
  ck_assert_int_eq(b3.failed, 0);
  ck_assert_ptr_nonnull(t.data);
  ck_assert_ptr_null(lx_weights_first_unused(w));
  lx_weights_close(w);
  free(p);
}
END_TEST

/* Opening a large F32 file must not read or copy its tensors: resident memory stays far below the
 * file size. */
/* Synthetic weights: made at bind time with the asked shape, values in the documented ranges,
 * the same values whatever the thread count. */
static uint16_t synth_matrix_value(int threads, size_t i) {
  lx_threads_set(threads);
  lx_weights *w = lx_weights_synthetic(LX_BF16, 42);
  lx_error err;
  lx_binder b = {w, &err, 0};
  lx_tensor m = lx_bind_matrix(&b, 300, 700, "blocks.%d.fc.weight", 3);
  ck_assert_int_eq(b.failed, 0);
  uint16_t v = ((const uint16_t *)m.data)[i];
  lx_weights_close(w);
  return v;
}

START_TEST(synthetic_weights) {
  lx_weights *w = lx_weights_synthetic(LX_BF16, 7);
  lx_error err;
  lx_binder b = {w, &err, 0};
  lx_tensor m = lx_bind_matrix(&b, 300, 700, "layer.q.weight");
  const float *g = lx_bind_vector(&b, 64, "layer.norm.weight");
  const float *bias = lx_bind_vector(&b, 64, "layer.q.bias");
  ck_assert_int_eq(b.failed, 0);
  ck_assert_int_eq(m.dtype, LX_BF16);
  ck_assert(m.shape[0] == 300 && m.shape[1] == 700 && m.numel == 210000);
  const float a = sqrtf(3.0f / 700);
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < m.numel; i++) {
    float v = lx_bf16_to_f32(((const uint16_t *)m.data)[i]);
    ck_assert(fabsf(v) <= a * 1.01f);
    sum += v, sum2 += (double)v * v;
  }
  /* uniform(-a, a): mean 0, variance a^2 / 3 */
  ck_assert(fabs(sum / m.numel) < 0.01 * a);
  ck_assert(fabs(sum2 / m.numel / (a * a / 3) - 1) < 0.02);
  for (int i = 0; i < 64; i++) {
    ck_assert(g[i] >= 0.9f && g[i] <= 1.1f);
    ck_assert(bias[i] >= -0.1f && bias[i] <= 0.1f);
  }
  /* a second bind finds the same tensor; a different shape is refused */
  lx_tensor again = lx_bind_matrix(&b, 300, 700, "layer.q.weight");
  ck_assert_ptr_eq(again.data, m.data);
  lx_bind_matrix(&b, 30, 700, "layer.q.weight");
  ck_assert_int_eq(b.failed, 1);
  ck_assert_ptr_nonnull(
      strstr(err.msg, "(synthetic): tensor 'layer.q.weight' has shape [300,700]"));
  ck_assert_uint_eq(lx_weights_bytes(w, "layer.q."), 300 * 700 * 2 + 64 * 4);
  lx_weights_close(w);
  for (size_t i = 0; i < 210000; i += 4099)
    ck_assert_uint_eq(synth_matrix_value(1, i), synth_matrix_value(2, i));
  lx_threads_set(0);
}
END_TEST

START_TEST(open_does_not_copy) {
  const size_t n = (size_t)64 << 20; /* 64 MiB of data */
  char header[160];
  snprintf(header, sizeof header,
           "{\"big\":{\"dtype\":\"F32\",\"shape\":[%zu],\"data_offsets\":[0,%zu]}}", n / 4, n);
  size_t hl = strlen(header), padded = (hl + 7) / 8 * 8;
  char *path = malloc(strlen(dir) + 32);
  sprintf(path, "%s/big.safetensors", dir);
  FILE *f = fopen(path, "wb");
  uint64_t h = padded;
  fwrite(&h, 8, 1, f);
  fwrite(header, 1, hl, f);
  for (size_t i = hl; i < padded; i++) fputc(' ', f);
  ck_assert_int_eq(fseeko(f, (off_t)(8 + padded + n - 1), SEEK_SET), 0);
  fputc(0, f);
  fclose(f);
  long long before = tu_rss_bytes();
  lx_weights *w;
  lx_error err;
  ck_assert_msg(lx_weights_open(path, &w, &err) == LX_OK, "%s", err.msg);
  long long after = tu_rss_bytes();
  ck_assert_msg(after - before < (long long)(n / 8), "resident memory grew by %lld bytes",
                after - before);
  ck_assert_uint_eq(lx_weights_copied_bytes(w), 0);
  lx_weights_close(w);
  free(path);
}
END_TEST

int main(void) {
  Suite *s = suite_create("weights");
  TCase *tc = tcase_create("safetensors");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, opens_valid_file);
  tcase_add_test(tc, refuses_truncated);
  tcase_add_test(tc, refuses_oversized_header);
  tcase_add_test(tc, refuses_overlapping_offsets);
  tcase_add_test(tc, refuses_gaps_and_trailing_bytes);
  tcase_add_test(tc, refuses_wrong_dtype);
  tcase_add_test(tc, refuses_size_mismatch_and_bad_fields);
  tcase_add_test(tc, refuses_bad_json_and_duplicates);
  tcase_add_test(tc, copies_misaligned_tensors);
  tcase_add_test(tc, binder_names_missing_and_misshaped);
  tcase_add_test(tc, open_does_not_copy);
  tcase_add_test(tc, synthetic_weights);
  suite_add_tcase(s, tc);
  return tu_run_suite(s, 0);
}
