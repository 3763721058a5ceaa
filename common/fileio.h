/* fileio.h: whole-file reads with size caps, and atomic writes.
 *
 * Atomic writes go to a temporary file beside the target, are flushed to disk, then renamed over
 * the target: a crash or an error never leaves a partial file where a good one was.
 */
#ifndef LX_FILEIO_H
#define LX_FILEIO_H

#include <stddef.h>

#include "common/error.h"

/* Reads all of `path` into a NUL-terminated heap buffer (*out, owned by the caller; *len excludes
 * the NUL). Fails, naming the file, if it cannot be read or is larger than max_bytes. */
int lx_read_file(const char *path, size_t max_bytes, char **out, size_t *len, lx_error *err);

/* Reads a raw little-endian float32 file into a heap array (*out, owned by the caller).
 * *count is the number of floats. Fails if the size is not a multiple of 4 or exceeds max_count. */
int lx_read_f32_file(const char *path, size_t max_count, float **out, size_t *count, lx_error *err);

/* Writes `len` bytes to `path` atomically (temporary file + fsync + rename). */
int lx_write_file_atomic(const char *path, const void *data, size_t len, lx_error *err);

/* mkdir -p: creates path and its missing parents (0755). Fails naming the path when it cannot,
 * or when something that is not a directory is in the way. */
int lx_make_dirs(const char *path, lx_error *err);

/* Joins a directory and a file name into a heap string (caller frees). */
char *lx_path_join(const char *dir, const char *name);

#endif
