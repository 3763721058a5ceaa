/* fuzz.h: what every fuzz target shares. A target is a libFuzzer entry point,
 * LLVMFuzzerTestOneInput(data, size), over one parser that reads a user's bytes; most of them
 * read files, so the input is written into a scratch folder first (one per process, under
 * TMPDIR, removed at exit). A parser's refusal is a normal outcome; a crash, a sanitizer report,
 * a leak, a hang or memory without end is a finding. */
#ifndef LX_FUZZ_H
#define LX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The scratch folder, made at the first call. */
const char *fz_dir(void);

/* fz_dir()/name as a heap string (the caller frees); name may hold '/', whose folders are made. */
char *fz_path(const char *name);

/* Writes size bytes to path (replacing it); aborts if it cannot, since that is not a finding. */
void fz_write(const char *path, const void *data, size_t size);

/* Copies the file src (a fixture of the source tree) to path. */
void fz_copy(const char *src, const char *path);

/* Copies the folder src and everything in it to dst (made as needed). */
void fz_copy_tree(const char *src, const char *dst);

/* A fixture of the source tree: LX_FUZZ_SOURCE_DIR/tests/fuzz/fixtures/<name> (heap string). */
char *fz_fixture(const char *name);

/* A target's files in the scratch folder (fz_dir()/<name>), each a copy of its fixture
 * (tests/fuzz/fixtures/<prefix><name>) except the one an input replaces. */
#define FZ_MAX_FILES 16
typedef struct fz_files {
  int n;
  char *path[FZ_MAX_FILES], *fixture[FZ_MAX_FILES];
} fz_files;

void fz_files_init(fz_files *f, const char *prefix, const char *const *names, int n);
/* Writes the input as file `which` and the fixtures as the others. */
void fz_files_place(const fz_files *f, int which, const void *data, size_t size);

/* The input's first byte picks one of n readers (or files); *data and *size then skip it. */
int fz_pick(const uint8_t **data, size_t *size, int n);

#endif
