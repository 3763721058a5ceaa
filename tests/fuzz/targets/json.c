/* JSON as every reader takes it: a whole document (strict text checks, duplicate keys), JSON
 * Lines, and the streaming reader over an object of arrays and over an array. */
#include "fuzz.h"

#include <cJSON.h>
#include <stdlib.h>

#include "common/json_stream.h"
#include "common/jsonutil.h"

static int each_line(void *ctx, const cJSON *obj, int line, lx_error *err) {
  (void)ctx, (void)obj, (void)line, (void)err;
  return LX_OK;
}

static int each_element(void *ctx, int which, const cJSON *e, lx_json_place at, lx_error *err) {
  (void)ctx, (void)which, (void)e, (void)at, (void)err;
  return LX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) path = fz_path("input.json");
  int how = fz_pick(&data, &size, 4);
  fz_write(path, data, size);
  lx_error err;
  const size_t max = (size_t)1 << 24;
  if (how == 0) {
    cJSON *root = NULL;
    char *text = NULL;
    if (lx_json_read_file(path, max, &root, &text, &err) == LX_OK) {
      cJSON_Delete(root);
      free(text);
    }
  } else if (how == 1) {
    lx_jsonl_read(path, max, each_line, NULL, &err);
  } else if (how == 2) {
    static const char *const keys[] = {"images", "annotations", "questions"};
    bool seen[3] = {false, false, false};
    cJSON *rest = NULL;
    if (lx_json_read_arrays(path, max, keys, 3, seen, each_element, NULL, &rest, &err) == LX_OK)
      cJSON_Delete(rest);
  } else {
    lx_json_read_array(path, max, each_element, NULL, &err);
  }
  return 0;
}
