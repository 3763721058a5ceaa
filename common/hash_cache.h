/* hash_cache.h: the sha256 of large files, remembered across processes.
 *
 * A run's fingerprint holds the sha256 of the model's weights; at 80-95 MB/s, hashing a 17 GB
 * model.safetensors costs minutes, paid again by every shard and every resumed session. This
 * cache keeps each large file's digest with what identifies that version of the file (its real
 * path, size, modification time to the nanosecond and inode), as git's index does: a file whose
 * identity is unchanged is not read again. A copy, a rewrite or a touch changes the identity and
 * the file is hashed anew. What the identity cannot see (bytes changed in place with the time
 * set back) is what verifying on demand is for: it hashes regardless and says when the cache
 * was wrong.
 *
 * The cache is one small text file, `sha256.tsv`, in $LYNXEVAL_CACHE_DIR, else
 * $XDG_CACHE_HOME/lynxeval, else ~/.cache/lynxeval; one line per file ("HEX SIZE MTIME INODE
 * PATH", tab-separated), at most LX_HASH_CACHE_ENTRIES (the least recently hashed go first).
 * Processes hashing at the same time take turns (a lock file beside it), so that the ranks of a
 * job started together on one machine hash a model once and the others find it. A cache that
 * cannot be read or written is passed by: the file is hashed as without one. */
#ifndef LX_HASH_CACHE_H
#define LX_HASH_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define LX_HASH_CACHE_MIN_BYTES (16ull << 20) /* smaller files are hashed every time */
#define LX_HASH_CACHE_ENTRIES   1000

typedef enum lx_hash_source {
  LX_HASH_COMPUTED, /* read and hashed now */
  LX_HASH_CACHED,   /* taken from the cache */
  LX_HASH_STALE,    /* verify: hashed now, and the cache held another digest (now replaced) */
} lx_hash_source;

/* The hex sha256 of the file at path: from the cache when its identity is unchanged and
 * `verify` is false, else computed (and remembered when the file has at least min_bytes). */
int lx_sha256_file_cached(const char *path, size_t min_bytes, bool verify, char hex[65],
                          lx_hash_source *source, lx_error *err);

/* The cache's directory (heap string), or NULL when no home is known. Other per-user caches
 * (model/kernel_choice.h) live there too. */
char *lx_hash_cache_dir(void);

/* Makes dir if needed and waits for an exclusive lock on the file `name` in it (created as
 * needed): processes updating one cache file take turns. Returns the locked descriptor (closing
 * it releases the lock), or -1 when the directory or the lock cannot be had. */
int lx_cache_dir_lock(const char *dir, const char *name);

#endif
