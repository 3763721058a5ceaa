/* cuda_internal.h: what the CUDA sources share and nothing else sees. */
#ifndef LX_CUDA_INTERNAL_H
#define LX_CUDA_INTERNAL_H

/* Records a failure met while queueing work (a library call that returned an error); the first
 * one is reported, named, by the next lx_cuda_sync. */
void lx_cuda_note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
