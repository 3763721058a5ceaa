#include "common/hash_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "common/strbuf.h"

#define CACHE_FILE      "sha256.tsv"
#define LOCK_FILE       "sha256.lock"
#define MAX_CACHE_BYTES (4u << 20)

char *lx_hash_cache_dir(void) {
  const char *d = getenv("LYNXEVAL_CACHE_DIR");
  if (d && *d) return lx_xstrdup(d);
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return lx_path_join(xdg, "lynxeval");
  const char *home = getenv("HOME");
  if (home && *home) return lx_path_join(home, ".cache/lynxeval");
  return NULL;
}

int lx_cache_dir_lock(const char *dir, const char *name) {
  lx_error ignored;
  if (!dir || lx_make_dirs(dir, &ignored) != LX_OK) return -1;
  char *lock_path = lx_path_join(dir, name);
  int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  free(lock_path);
  while (lock >= 0 && flock(lock, LOCK_EX) != 0)
    if (errno != EINTR) {
      close(lock);
      lock = -1;
    }
  return lock;
}

/* "SIZE\tMTIME\tINODE\tPATH": what identifies this version of the file. */
static void identity(const struct stat *st, const char *real, lx_strbuf *out) {
  lx_strbuf_printf(out, "%lld\t%lld.%09ld\t%llu\t%s", (long long)st->st_size,
                   (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
                   (unsigned long long)st->st_ino, real);
}

/* The line's path (after the fourth tab), or NULL if the line is not an entry. */
static const char *line_path(const char *line, size_t len) {
  if (len < 66 || line[64] != '\t') return NULL;
  int tabs = 0;
  for (size_t i = 0; i < len; i++)
    if (line[i] == '\t' && ++tabs == 4) return line + i + 1;
  return NULL;
}

int lx_sha256_file_cached(const char *path, size_t min_bytes, bool verify, char hex[65],
                          lx_hash_source *source, lx_error *err) {
  *source = LX_HASH_COMPUTED;
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < min_bytes)
    return lx_sha256_file(path, hex, NULL, err); /* it names what is wrong, if anything */
  char *real = realpath(path, NULL), *dir = lx_hash_cache_dir();
  int lock = real && dir && !strpbrk(real, "\t\n") ? lx_cache_dir_lock(dir, LOCK_FILE) : -1;
  lx_error ignored;
  if (lock < 0) { /* no cache here: hash as without one */
    free(real);
    free(dir);
    return lx_sha256_file(path, hex, NULL, err);
  }
  lx_strbuf id = {0}, kept = {0};
  identity(&st, real, &id);
  char *cache_path = lx_path_join(dir, CACHE_FILE), *text = NULL;
  size_t len = 0, entries = 0;
  if (lx_read_file(cache_path, MAX_CACHE_BYTES, &text, &len, &ignored) != LX_OK) len = 0;
  char cached[65] = "";
  /* the other files' entries are kept in their order; this file's is taken out */
  for (size_t pos = 0; pos < len;) {
    const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - line) : len - pos;
    pos += n + 1;
    const char *p = line_path(line, n);
    if (!p) continue;
    if (strlen(real) == (size_t)(line + n - p) && memcmp(p, real, (size_t)(line + n - p)) == 0) {
      if (id.len == n - 65 && memcmp(line + 65, lx_strbuf_str(&id), id.len) == 0) {
        memcpy(cached, line, 64);
        cached[64] = '\0';
      }
      continue;
    }
    lx_strbuf_printf(&kept, "%.*s\n", (int)n, line);
    entries++;
  }
  int rc = LX_OK;
  if (cached[0] && !verify) {
    memcpy(hex, cached, 65);
    *source = LX_HASH_CACHED;
  } else {
    rc = lx_sha256_file(path, hex, NULL, err);
    if (rc == LX_OK && cached[0] && strcmp(cached, hex) != 0) *source = LX_HASH_STALE;
    if (rc == LX_OK) {
      /* drop the oldest entries beyond the bound, then add this one at the end */
      const char *start = lx_strbuf_str(&kept);
      while (entries >= LX_HASH_CACHE_ENTRIES) {
        start = strchr(start, '\n') + 1;
        entries--;
      }
      lx_strbuf out = {0};
      lx_strbuf_printf(&out, "%s%s\t%s\n", start, hex, lx_strbuf_str(&id));
      lx_write_file_atomic(cache_path, lx_strbuf_str(&out), out.len, &ignored);
      lx_strbuf_free(&out);
    }
  }
  close(lock);
  free(text);
  free(cache_path);
  lx_strbuf_free(&id);
  lx_strbuf_free(&kept);
  free(real);
  free(dir);
  return rc;
}
