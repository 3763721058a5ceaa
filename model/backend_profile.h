/* backend_profile.h: a backend that times another one, kernel by kernel.
 *
 * The profiler is a backend object of its own: every kernel call goes to the backend it wraps
 * and is timed around it, so a model loaded on it runs exactly as on the wrapped backend (same
 * arithmetic, same threads) while, between lx_profiler_start and lx_profiler_stop, each call's
 * time is added to its part: the kernel's name, and for products the weight's role with the layer
 * index taken out ("linear llm.layers.attn.q+k+v", "linear llm.lm_head"). Time is also summed per
 * region the network marks (lx_mark: each LLM layer, the head), and the thread pool's hand-offs
 * (threads.h: the calling thread publishing a job and waiting for the slowest worker) are counted
 * per part as "of which waiting". Timing costs two clock reads per kernel call.
 */
#ifndef LX_BACKEND_PROFILE_H
#define LX_BACKEND_PROFILE_H

#include "model/backend.h"

#define LX_PROFILE_MAX_PARTS   48
#define LX_PROFILE_MAX_REGIONS 256 /* LLM layers, then the head */

typedef struct lx_profile_part {
  char name[64];
  double seconds;         /* inside the kernel calls */
  double handoff_seconds; /* of which the calling thread was not computing (threads.h) */
  long calls;
} lx_profile_part;

typedef struct lx_profile {
  int n_parts;
  lx_profile_part parts[LX_PROFILE_MAX_PARTS];  /* in order of first call */
  int n_layers;                                 /* highest "llm.layer" index seen + 1 */
  double layer_seconds[LX_PROFILE_MAX_REGIONS]; /* kernel time per LLM layer */
  double head_seconds;                          /* after the last layer (norm, lm_head) */
  double other_seconds;                         /* kernel time outside any marked region */
} lx_profile;

/* A profiler over `inner` (borrowed: it must outlive the profiler). Freeing the profiler does
 * not free inner. */
lx_backend *lx_backend_profiler_new(lx_backend *inner);

/* Clears the sums and starts adding to them; stops adding. */
void lx_profiler_start(lx_backend *profiler);
void lx_profiler_stop(lx_backend *profiler);

/* The sums since the last start. */
const lx_profile *lx_profiler_result(const lx_backend *profiler);

/* Whether be is a profiler. */
bool lx_backend_is_profiler(const lx_backend *be);

#endif
