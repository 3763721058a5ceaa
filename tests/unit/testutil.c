#include "testutil.h"

#include "common/error.h"
#include "common/fileio.h"

#include <cJSON.h>
#include <check.h>
#include <stdint.h>
#include <sys/stat.h>

char *tu_tempdir(void) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  size_t n = strlen(base) + 32;
  char *dir = malloc(n);
  snprintf(dir, n, "%s/lxtest-XXXXXX", base);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    abort();
  }
  return dir;
}

void tu_rmtree(char *dir) {
  size_t n = strlen(dir) + 16;
  char *cmd = malloc(n);
  snprintf(cmd, n, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  free(cmd);
  free(dir);
}

char *tu_write(const char *dir, const char *name, const void *data, size_t len) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  snprintf(path, n, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len)) {
    perror(path);
    abort();
  }
  fclose(f);
  return path;
}

char *tu_write_safetensors(const char *dir, const char *name, const char *header_json,
                           const void *data, size_t data_len) {
  size_t hl = strlen(header_json);
  size_t padded = (hl + 7) / 8 * 8;
  size_t total = 8 + padded + data_len;
  unsigned char *buf = calloc(1, total);
  uint64_t h = padded;
  for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(h >> (8 * i));
  memcpy(buf + 8, header_json, hl);
  memset(buf + 8 + hl, ' ', padded - hl);
  if (data_len) memcpy(buf + 8 + padded, data, data_len);
  char *path = tu_write(dir, name, buf, total);
  free(buf);
  return path;
}

double tu_rel_err(const float *a, const float *b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - (double)b[i];
    num += d * d;
    den += (double)b[i] * b[i];
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

void tu_fill(float *x, size_t n, unsigned seed) {
  uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x[i] = (float)((double)(s >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
  }
}

long long tu_rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long long kb = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

int tu_run_suite(Suite *s, int no_fork) {
  SRunner *sr = srunner_create(s);
  if (no_fork) srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

cJSON *tu_load_json(const char *dir, const char *name) {
  char *path = lx_path_join(dir, name);
  char *text;
  size_t len;
  lx_error err;
  cJSON *json = NULL;
  if (lx_read_file(path, 1 << 26, &text, &len, &err) != LX_OK) {
    fprintf(stderr, "%s\n", err.msg);
  } else {
    json = cJSON_ParseWithLength(text, len);
    if (!json) fprintf(stderr, "%s: invalid JSON\n", path);
    free(text);
  }
  free(path);
  return json;
}
