/* fileio.h: whole-file reads with size caps, and atomic writes.
 *
 * Reading: only regular files are read. Anything else (a FIFO, a device, a socket, a directory)
 * is refused by name as soon as it is opened, without waiting for a writer.
 *
 * Writing (lx_write_file_atomic), by what the output path is:
 *   a regular file, or nothing yet: a temporary file beside it, flushed to disk, renamed over it:
 *     a crash or an error never leaves a partial file where a good one was;
 *   a symbolic link: followed; the file it points to is written as above, and the link stays;
 *     a link to nothing is refused;
 *   a FIFO, a character device (/dev/null, a terminal), a socket: written through, in place;
 *   "-": standard output, written through;
 *   a directory, a block device: refused.
 */
#ifndef LX_FILEIO_H
#define LX_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Opens path for reading (flags O_RDONLY) or for reading and appending (O_RDWR, with O_CREAT to
 * create it), refusing at once what is not a regular file, named by kind ("a FIFO"). *fd is
 * blocking and close-on-exec; *size (when not NULL) receives the file's size in bytes. */
int lx_open_regular(const char *path, int flags, int *fd, size_t *size, lx_error *err);

/* Whether path names something that can be read as input, without opening it: a regular file
 * (or, with dir_ok, a directory), following links. Fails naming the path and what is there
 * instead ("no such file", "a FIFO"). */
int lx_check_input_path(const char *path, int dir_ok, lx_error *err);

/* Reads all of `path` into a NUL-terminated heap buffer (*out, owned by the caller; *len excludes
 * the NUL). Fails, naming the file, if it cannot be read or is larger than max_bytes. */
int lx_read_file(const char *path, size_t max_bytes, char **out, size_t *len, lx_error *err);

/* Reads a raw little-endian float32 file into a heap array (*out, owned by the caller).
 * *count is the number of floats. Fails if the size is not a multiple of 4 or exceeds max_count. */
int lx_read_f32_file(const char *path, size_t max_count, float **out, size_t *count, lx_error *err);

/* Writes `len` bytes to `path`: atomically where path is (or leads to) a regular file, through
 * where it is a stream (see the rules above). */
int lx_write_file_atomic(const char *path, const void *data, size_t len, lx_error *err);

/* Creates path holding exactly data[0..len), unless something is already there (then
 * *created is false and nothing is changed): of several processes creating the same file at
 * once, on this machine or over a shared filesystem, exactly one succeeds and the others see its
 * complete file. */
int lx_write_file_exclusive(const char *path, const void *data, size_t len, bool *created,
                            lx_error *err);

/* mkdir -p: creates path and its missing parents (0755). Fails naming the path when it cannot,
 * or when something that is not a directory is in the way. */
int lx_make_dirs(const char *path, lx_error *err);

/* Creates a new, empty directory beside path (path + ".partial-XXXXXX", its parents made as
 * needed) for building something that is renamed to path when it is complete; *out (the caller
 * frees) receives its name. */
int lx_make_build_dir(const char *path, char **out, lx_error *err);

/* Removes path and, for a directory, everything under it, without following links. Best
 * effort: for cleaning up after a failure, whose message is the one that matters. */
void lx_remove_tree(const char *path);

/* Joins a directory and a file name into a heap string (caller frees). */
char *lx_path_join(const char *dir, const char *name);

#endif
