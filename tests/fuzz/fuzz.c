#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"

static char *scratch;

static void remove_scratch(void) {
  if (scratch) lx_remove_tree(scratch);
}

const char *fz_dir(void) {
  if (scratch) return scratch;
  const char *tmp = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/lynxeval-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(tmpl)) {
    perror("fuzz: cannot make a scratch folder");
    abort();
  }
  scratch = strdup(tmpl);
  atexit(remove_scratch);
  return scratch;
}

char *fz_path(const char *name) {
  char *p = lx_path_join(fz_dir(), name);
  char *slash = strrchr(p, '/');
  if (slash && slash > p + strlen(fz_dir())) {
    *slash = '\0';
    lx_error err;
    if (lx_make_dirs(p, &err)) {
      fprintf(stderr, "fuzz: %s\n", err.msg);
      abort();
    }
    *slash = '/';
  }
  return p;
}

void fz_write(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror(path);
    abort();
  }
}

void fz_copy(const char *src, const char *path) {
  char *data;
  size_t len;
  lx_error err;
  if (lx_read_file(src, (size_t)1 << 30, &data, &len, &err)) {
    fprintf(stderr, "fuzz: %s\n", err.msg);
    abort();
  }
  fz_write(path, data, len);
  free(data);
}

void fz_copy_tree(const char *src, const char *dst) {
  lx_error err;
  if (lx_make_dirs(dst, &err)) {
    fprintf(stderr, "fuzz: %s\n", err.msg);
    abort();
  }
  DIR *d = opendir(src);
  if (!d) {
    perror(src);
    abort();
  }
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char *from = lx_path_join(src, e->d_name), *to = lx_path_join(dst, e->d_name);
    struct stat st;
    if (stat(from, &st) == 0 && S_ISDIR(st.st_mode))
      fz_copy_tree(from, to);
    else
      fz_copy(from, to);
    free(from);
    free(to);
  }
  closedir(d);
}

char *fz_fixture(const char *name) {
  char rel[1024];
  snprintf(rel, sizeof rel, "tests/fuzz/fixtures/%s", name);
  return lx_path_join(LX_FUZZ_SOURCE_DIR, rel);
}

void fz_files_init(fz_files *f, const char *prefix, const char *const *names, int n) {
  if (n > FZ_MAX_FILES) abort();
  f->n = n;
  for (int k = 0; k < n; k++) {
    char rel[1024];
    snprintf(rel, sizeof rel, "%s%s", prefix, names[k]);
    f->path[k] = fz_path(names[k]);
    f->fixture[k] = fz_fixture(rel);
  }
}

void fz_files_place(const fz_files *f, int which, const void *data, size_t size) {
  for (int k = 0; k < f->n; k++)
    if (k == which)
      fz_write(f->path[k], data, size);
    else
      fz_copy(f->fixture[k], f->path[k]);
}

int fz_pick(const uint8_t **data, size_t *size, int n) {
  if (*size == 0) return 0;
  int k = (*data)[0] % n;
  (*data)++;
  (*size)--;
  return k;
}
