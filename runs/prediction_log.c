#include "runs/prediction_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fault.h"
#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define MAX_LOG_BYTES (1ull << 32)

cJSON *lx_prediction_row_parse(const char *path, int line, const char *text, size_t n,
                               const char *text_key, const char **id, const char **answer,
                               lx_error *err) {
  lx_error bad;
  cJSON *row = lx_json_check_text(path, text, n, &bad) ? NULL : cJSON_ParseWithLength(text, n);
  const cJSON *i = row ? cJSON_GetObjectItemCaseSensitive(row, "id") : NULL;
  const cJSON *a = row ? cJSON_GetObjectItemCaseSensitive(row, text_key) : NULL;
  if (cJSON_IsString(i) && cJSON_IsString(a)) {
    *id = i->valuestring;
    *answer = a->valuestring;
    return row;
  }
  cJSON_Delete(row);
  lx_errorf(err,
            "%s:%d: not a prediction (a JSON object with \"id\" and \"%s\"); the file was "
            "changed outside lynxeval",
            path, line, text_key);
  return NULL;
}

/* Parses the complete lines of text[0..len); returns the length of the valid prefix. */
static int read_lines(const char *path, const char *text_key, const char *text, size_t len,
                      lx_predictions *done, size_t *valid, lx_error *err) {
  size_t pos = 0;
  int line = 0;
  lx_items seen = {0}; /* ids, for duplicates */
  int rc = LX_OK;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    if (!nl) break; /* a torn last line: no newline yet */
    line++;
    size_t n = (size_t)(nl - (text + pos));
    const char *id, *answer;
    cJSON *row = lx_prediction_row_parse(path, line, text + pos, n, text_key, &id, &answer, err);
    if (!row) {
      rc = LX_ERR;
      break;
    }
    char *src = lx_source_at(path, line);
    lx_predictions_push(done, id, answer, src);
    lx_item *it = lx_items_push(&seen);
    it->id = lx_xstrdup(id);
    it->source = src;
    cJSON_Delete(row);
    pos += n + 1;
  }
  if (rc == LX_OK) rc = lx_items_index(&seen, "prediction for id", err);
  lx_items_free(&seen);
  *valid = pos;
  return rc;
}

int lx_log_lock(const char *path, int *fd_out, lx_error *err) {
  /* A merge may rename a new file over path, or remove it, between our open and our lock: then
   * the lock is on a file nobody will read, so open the path again. */
  for (int attempt = 0; attempt < 16; attempt++) {
    int fd;
    if (lx_open_regular(path, O_RDWR | O_CREAT, &fd, NULL, err)) return LX_ERR;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      if (e == EWOULDBLOCK)
        return lx_errorf(err, "%s: " LX_LOG_BUSY "; wait for it to end, or write elsewhere", path);
      return lx_errorf(err, "%s: cannot lock: %s", path, strerror(e));
    }
    struct stat held, named;
    if (fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      *fd_out = fd;
      return LX_OK;
    }
    close(fd);
  }
  return lx_errorf(err, "%s: the file keeps being replaced while it is opened", path);
}

int lx_prediction_log_open(const char *path, const char *text_key, lx_prediction_log *log,
                           lx_predictions *done, size_t *dropped_bytes, lx_error *err) {
  memset(log, 0, sizeof *log);
  log->fd = -1;
  *dropped_bytes = 0;
  int fd;
  if (lx_log_lock(path, &fd, err)) return LX_ERR;
  char *text = NULL;
  size_t len = 0, valid = 0;
  int rc = lx_read_file(path, MAX_LOG_BYTES, &text, &len, err);
  if (rc == LX_OK) rc = read_lines(path, text_key, text, len, done, &valid, err);
  if (rc == LX_OK && valid < len) {
    /* cut the torn tail so the next append starts on a fresh line */
    if (ftruncate(fd, (off_t)valid) != 0 || lx_sys_fsync(fd) != 0)
      rc = lx_errorf(err, "%s: cannot cut a torn last line: %s", path, strerror(errno));
    *dropped_bytes = len - valid;
  }
  free(text);
  if (rc == LX_OK && lseek(fd, 0, SEEK_END) < 0)
    rc = lx_errorf(err, "%s: %s", path, strerror(errno));
  if (rc) {
    close(fd);
    return rc;
  }
  log->path = lx_xstrdup(path);
  log->fd = fd;
  return LX_OK;
}

int lx_prediction_log_read(const char *path, const char *text_key, lx_predictions *done,
                           lx_error *err) {
  if (access(path, F_OK) != 0 && errno == ENOENT) return LX_OK; /* folded away meanwhile */
  char *text = NULL;
  size_t len = 0, valid = 0;
  int rc = lx_read_file(path, MAX_LOG_BYTES, &text, &len, err);
  if (rc == LX_OK) rc = read_lines(path, text_key, text, len, done, &valid, err);
  free(text);
  return rc;
}

int lx_prediction_log_append_line(lx_prediction_log *log, const char *line, size_t n,
                                  lx_error *err) {
  char *s = lx_xmalloc(n + 1);
  memcpy(s, line, n);
  s[n] = '\n'; /* one write() for the whole line */
  size_t off = 0;
  int rc = LX_OK;
  while (off < n + 1) {
    ssize_t w = lx_sys_write(log->fd, s + off, n + 1 - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = lx_errorf(err, "%s: write failed: %s", log->path, strerror(errno));
      break;
    }
    off += (size_t)w;
  }
  free(s);
  if (rc == LX_OK && lx_sys_fsync(log->fd) != 0)
    rc = lx_errorf(err, "%s: fsync failed: %s", log->path, strerror(errno));
  if (rc == LX_OK) log->appended++;
  return rc;
}

int lx_prediction_log_append(lx_prediction_log *log, const cJSON *row, lx_error *err) {
  char *s = cJSON_PrintUnformatted(row);
  int rc = lx_prediction_log_append_line(log, s, strlen(s), err);
  free(s);
  return rc;
}

void lx_prediction_log_close(lx_prediction_log *log) {
  if (log->fd >= 0) close(log->fd);
  free(log->path);
  log->fd = -1;
  log->path = NULL;
}
