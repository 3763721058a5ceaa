#define _XOPEN_SOURCE 700 /* nftw */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fault.h"

/* What a file that is not a regular file is, for messages. */
static const char *file_kind(mode_t mode) {
  return S_ISDIR(mode)    ? "a directory"
         : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISSOCK(mode) ? "a socket"
                          : "not a regular file";
}

/* strerror(e) for a failure to create or write path, with the reason spelled out where the
 * bare words do not say it: for "Permission denied", whose permission (the user, the folder
 * that refuses, its owner and mode); for a read-only file system, which folder is on it. */
static const char *why(const char *path, int e, char *buf, size_t n) {
  if (e != EACCES && e != EPERM && e != EROFS) return strerror(e);
  /* the nearest folder above path that exists: the one that refused */
  char *dir = lx_xstrdup(path);
  struct stat st;
  for (;;) {
    char *slash = strrchr(dir, '/');
    if (!slash) {
      snprintf(dir, strlen(dir) + 1, ".");
      break;
    }
    if (slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';
    if (stat(dir, &st) == 0 || slash == dir) break;
  }
  if (stat(dir, &st) != 0) memset(&st, 0, sizeof st);
  if (e == EROFS)
    snprintf(buf, n, "%s (%s is on a read-only file system)", strerror(e), dir);
  else if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
    snprintf(buf, n,
             "%s (the file is not writable by user %ld; choose another path or change its "
             "permissions)",
             strerror(e), (long)geteuid());
  else
    snprintf(buf, n,
             "%s (user %ld may not create files in, or pass through, %s: owned by user %ld, mode "
             "%04o; choose another path or change the folder's permissions)",
             strerror(e), (long)geteuid(), dir, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
  free(dir);
  return buf;
}

int lx_open_regular(const char *path, int flags, int *fd_out, size_t *size, lx_error *err) {
  *fd_out = -1;
  /* O_NONBLOCK: opening a FIFO must not wait for its writer before it can be refused */
  int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, 0644);
  char because[PATH_MAX + 256];
  if (fd < 0)
    return lx_errorf(err, "%s: cannot open: %s", path, why(path, errno, because, sizeof because));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return lx_errorf(err, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return lx_errorf(err, "%s: not a regular file (%s)", path, file_kind(st.st_mode));
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
    int e = errno;
    close(fd);
    return lx_errorf(err, "%s: cannot open: %s", path, strerror(e));
  }
  *fd_out = fd;
  if (size) *size = (size_t)st.st_size;
  return LX_OK;
}

int lx_check_input_path(const char *path, int dir_ok, lx_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) return lx_errorf(err, "%s: %s", path, strerror(errno));
  if (S_ISREG(st.st_mode) || (dir_ok && S_ISDIR(st.st_mode))) return LX_OK;
  return lx_errorf(err, "%s: not a regular file%s (%s)", path, dir_ok ? " or a directory" : "",
                   file_kind(st.st_mode));
}

int lx_read_file(const char *path, size_t max_bytes, char **out, size_t *len, lx_error *err) {
  *out = NULL;
  *len = 0;
  int fd;
  size_t n;
  if (lx_open_regular(path, O_RDONLY, &fd, &n, err)) return LX_ERR;
  if (n > max_bytes) {
    close(fd);
    return lx_errorf(err, "%s: file is %zu bytes, more than the %zu allowed", path, n, max_bytes);
  }
  char *buf = lx_xmalloc(n + 1);
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : 0;
      free(buf);
      close(fd);
      return lx_errorf(err, "%s: read failed: %s", path,
                       e ? strerror(e) : "file shrank while reading");
    }
    got += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return LX_OK;
}

int lx_read_f32_file(const char *path, size_t max_count, float **out, size_t *count,
                     lx_error *err) {
  *out = NULL;
  *count = 0;
  size_t max_bytes;
  if (lx_mul_size(max_count, sizeof(float), &max_bytes)) max_bytes = (size_t)-1 / 2;
  char *buf;
  size_t len;
  if (lx_read_file(path, max_bytes, &buf, &len, err)) return LX_ERR;
  if (len % sizeof(float) != 0) {
    free(buf);
    return lx_errorf(err, "%s: size %zu bytes is not a multiple of 4 (expected raw float32)", path,
                     len);
  }
  size_t n = len / sizeof(float);
  float *f = (float *)(void *)buf; /* malloc'd: aligned for float; little-endian host */
  *out = f;
  *count = n;
  return LX_OK;
}

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lynxeval reads and writes little-endian files and supports little-endian hosts only"
#endif

/* All of data to fd; the error names path. */
static int write_all(int fd, const char *path, const void *data, size_t len, lx_error *err) {
  const char *p = data;
  size_t done = 0;
  while (done < len) {
    ssize_t w = lx_sys_write(fd, p + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return lx_errorf(err, "%s: write failed: %s", path, strerror(w < 0 ? errno : EIO));
    done += (size_t)w;
  }
  return LX_OK;
}

/* A stream (FIFO, character device, socket, standard output): written in place. */
static int write_through(const char *path, const void *data, size_t len, lx_error *err) {
  const bool out = strcmp(path, "-") == 0;
  const char *name = out ? "standard output" : path;
  int fd = out ? STDOUT_FILENO : open(path, O_WRONLY | O_CLOEXEC);
  char because[PATH_MAX + 256];
  if (fd < 0)
    return lx_errorf(err, "%s: cannot open for writing: %s", name,
                     why(path, errno, because, sizeof because));
  int rc = write_all(fd, name, data, len, err);
  if (!out && close(fd) != 0 && rc == LX_OK)
    rc = lx_errorf(err, "%s: write failed: %s", name, strerror(errno));
  return rc;
}

static int write_atomic(const char *path, const void *data, size_t len, lx_error *err);

int lx_write_file_atomic(const char *path, const void *data, size_t len, lx_error *err) {
  if (strcmp(path, "-") == 0) return write_through(path, data, len, err);
  struct stat link, st;
  if (lstat(path, &link) != 0) {
    char because[PATH_MAX + 256];
    if (errno != ENOENT)
      return lx_errorf(err, "%s: cannot write: %s", path,
                       why(path, errno, because, sizeof because));
    return write_atomic(path, data, len, err); /* a new file */
  }
  if (stat(path, &st) != 0) /* a link to nothing, or through a loop */
    return lx_errorf(err, "%s: a symbolic link to nothing that can be written (%s)", path,
                     strerror(errno));
  if (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
    return lx_errorf(err, "%s: cannot write over %s", path, file_kind(st.st_mode));
  if (!S_ISREG(st.st_mode)) return write_through(path, data, len, err);
  if (!S_ISLNK(link.st_mode)) return write_atomic(path, data, len, err);
  char *target = realpath(path, NULL); /* the link stays; the file it leads to is replaced */
  if (!target) return lx_errorf(err, "%s: cannot follow the link: %s", path, strerror(errno));
  int rc = write_atomic(target, data, len, err);
  free(target);
  return rc;
}

/* Flushes the directory holding path, so that a rename into it is durable. Best effort: some
 * filesystems refuse to open or fsync a directory, and the file itself is already on disk. */
static void sync_parent(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? lx_xstrdup(path) : lx_xstrdup(".");
  if (slash) dir[slash == path ? 1 : slash - path] = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(dir);
}

/* Temporary file beside path, fsync, rename over path. */
/* A new temporary file beside path (*tmp, the caller frees), open for writing in *fd: a name no
 * other process can hold, on this host or another sharing the directory (shards of one run on
 * several machines), since mkstemp creates it exclusively. */
static int create_temp(const char *path, char **tmp, int *fd, lx_error *err) {
  size_t plen = strlen(path);
  *tmp = lx_xmalloc(plen + 32);
  snprintf(*tmp, plen + 32, "%s.tmp.XXXXXX", path);
  *fd = mkstemp(*tmp);
  if (*fd >= 0 && (fcntl(*fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(*fd, 0644) != 0)) {
    close(*fd);
    unlink(*tmp);
    *fd = -1;
  }
  if (*fd >= 0) return LX_OK;
  int e = errno;
  free(*tmp);
  *tmp = NULL;
  char because[PATH_MAX + 256];
  return lx_errorf(err, "%s: cannot create: %s", path, why(path, e, because, sizeof because));
}

static int write_atomic(const char *path, const void *data, size_t len, lx_error *err) {
  char *tmp;
  int fd;
  if (create_temp(path, &tmp, &fd, err)) return LX_ERR;
  if (write_all(fd, path, data, len, err)) {
    close(fd);
    unlink(tmp);
    free(tmp);
    return LX_ERR;
  }
  if (lx_sys_fsync(fd) != 0 || close(fd) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return lx_errorf(err, "%s: cannot flush to disk: %s", path, strerror(e));
  }
  if (lx_sys_rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return lx_errorf(err, "%s: cannot rename temporary file into place: %s", path, strerror(e));
  }
  free(tmp);
  sync_parent(path); /* the rename itself survives a crash */
  return LX_OK;
}

int lx_write_file_exclusive(const char *path, const void *data, size_t len, bool *created,
                            lx_error *err) {
  *created = false;
  char *tmp;
  int fd;
  if (create_temp(path, &tmp, &fd, err)) return LX_ERR;
  int rc = write_all(fd, path, data, len, err);
  if (rc == LX_OK && lx_sys_fsync(fd) != 0)
    rc = lx_errorf(err, "%s: cannot flush to disk: %s", path, strerror(errno));
  close(fd);
  /* link() creates path only if nothing is there: of two processes, exactly one wins */
  if (rc == LX_OK && link(tmp, path) != 0) {
    if (errno != EEXIST) rc = lx_errorf(err, "%s: cannot create: %s", path, strerror(errno));
  } else if (rc == LX_OK) {
    *created = true;
    sync_parent(path);
  }
  unlink(tmp);
  free(tmp);
  return rc;
}

char *lx_path_join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = lx_xmalloc(a + b + 2);
  memcpy(p, dir, a);
  size_t n = a;
  if (a > 0 && dir[a - 1] != '/') p[n++] = '/';
  memcpy(p + n, name, b + 1);
  return p;
}

int lx_make_dirs(const char *path, lx_error *err) {
  char *copy = lx_xstrdup(path);
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(copy, 0755); /* failures show up below, on the full path */
    *p = '/';
  }
  free(copy);
  char because[PATH_MAX + 256];
  if (mkdir(path, 0755) != 0 && errno != EEXIST)
    return lx_errorf(err, "%s: cannot create: %s", path, why(path, errno, because, sizeof because));
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return lx_errorf(err, "%s exists and is not a directory", path);
  return LX_OK;
}

int lx_make_build_dir(const char *path, char **out, lx_error *err) {
  *out = NULL;
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  char *tmpl = lx_xmalloc(n + 16);
  snprintf(tmpl, n + 16, "%.*s.partial-XXXXXX", (int)n, path);
  char *slash = strrchr(tmpl, '/');
  if (slash && slash != tmpl) {
    *slash = '\0';
    int rc = lx_make_dirs(tmpl, err);
    *slash = '/';
    if (rc) {
      free(tmpl);
      return LX_ERR;
    }
  }
  if (!mkdtemp(tmpl)) {
    int e = errno;
    char because[PATH_MAX + 256];
    lx_errorf(err, "%.*s: cannot create a folder beside it: %s", (int)n, path,
              why(tmpl, e, because, sizeof because));
    free(tmpl);
    return LX_ERR;
  }
  *out = tmpl;
  return LX_OK;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

void lx_remove_tree(const char *path) {
  nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
