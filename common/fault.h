/* fault.h: the file layer's test seam. Every write, fsync and rename of a file lynxeval makes
 * goes through these three, which are the system calls unless a test asks for the n-th call to
 * fail, so that tests can prove a failure at any point loses nothing durable and leaves no
 * partial file where a good one was.
 *
 * The environment variable LYNXEVAL_TEST_FAULT (read at the first call) asks, as OP:N:ERR:
 *   OP   write, fsync, rename, or any (the three counted together);
 *   N    the call, counting from 1, that fails (the later ones succeed);
 *   ERR  ENOSPC or EIO.
 * A failing write first writes half of its bytes for real, as a disk that fills mid-write can.
 * LYNXEVAL_TEST_FAULT=count prints at exit how many of each were made (for a test's loop bound):
 *   "lynxeval: file calls: W writes, F fsyncs, R renames". Unset, the seam costs one branch. */
#ifndef LX_FAULT_H
#define LX_FAULT_H

#include <stddef.h>
#include <sys/types.h>

ssize_t lx_sys_write(int fd, const void *data, size_t len);
int lx_sys_fsync(int fd);
int lx_sys_rename(const char *from, const char *to);

/* For unit tests: the same request as the environment variable's ("any:3:EIO"), or NULL to
 * clear it; the counts restart. Returns -1 if the text is not a request. */
int lx_fault_set(const char *request);

#endif
