#include "common/fault.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum fault_op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_ANY, OP_NONE } fault_op;

static struct {
  bool ready, counting;
  fault_op op;
  long n;
  int error;
  long calls[3]; /* by op */
} seam;

static void print_counts(void) {
  fprintf(stderr, "lynxeval: file calls: %ld writes, %ld fsyncs, %ld renames\n",
          seam.calls[OP_WRITE], seam.calls[OP_FSYNC], seam.calls[OP_RENAME]);
}

static int parse(const char *s) {
  memset(&seam, 0, sizeof seam);
  seam.ready = true;
  seam.op = OP_NONE;
  if (!s || !*s) return 0;
  if (!strcmp(s, "count")) {
    seam.counting = true;
    return 0;
  }
  static const char *const ops[] = {"write", "fsync", "rename", "any"};
  char op[16], err[16];
  long n;
  if (sscanf(s, "%15[a-z]:%ld:%15[A-Z]", op, &n, err) != 3 || n < 1) return -1;
  int e = !strcmp(err, "ENOSPC") ? ENOSPC : !strcmp(err, "EIO") ? EIO : 0;
  for (int k = 0; k < 4 && e; k++)
    if (!strcmp(op, ops[k])) {
      seam.op = (fault_op)k;
      seam.n = n;
      seam.error = e;
      return 0;
    }
  seam.op = OP_NONE;
  return -1;
}

int lx_fault_set(const char *request) {
  return parse(request);
}

/* Counts a call of op; returns the errno it must fail with, or 0. */
static int next_call(fault_op op) {
  if (!seam.ready) {
    const char *env = getenv("LYNXEVAL_TEST_FAULT");
    if (parse(env) != 0) {
      fprintf(stderr, "lynxeval: LYNXEVAL_TEST_FAULT=\"%s\" is not OP:N:ERR or count\n", env);
      exit(2);
    }
    if (seam.counting) atexit(print_counts);
  }
  long k = ++seam.calls[op];
  if (seam.op == OP_NONE) return 0;
  if (seam.op == OP_ANY)
    k = seam.calls[OP_WRITE] + seam.calls[OP_FSYNC] + seam.calls[OP_RENAME];
  else if (seam.op != op)
    return 0;
  return k == seam.n ? seam.error : 0;
}

ssize_t lx_sys_write(int fd, const void *data, size_t len) {
  int e = next_call(OP_WRITE);
  if (!e) return write(fd, data, len);
  if (len > 1) {
    ssize_t w = write(fd, data, len / 2);
    (void)w;
  }
  errno = e;
  return -1;
}

int lx_sys_fsync(int fd) {
  int e = next_call(OP_FSYNC);
  if (!e) return fsync(fd);
  errno = e;
  return -1;
}

int lx_sys_rename(const char *from, const char *to) {
  int e = next_call(OP_RENAME);
  if (!e) return rename(from, to);
  errno = e;
  return -1;
}
