/* bench_model.h: `lynxeval bench model`: the whole model's costs on this machine, against floors
 * the harness measures in the same run.
 *
 *   image encode: one image, stage by stage as the family reports them (Lynx: the ViT, then the
 *     resampler); floor of a stage whose FLOPs are counted = FLOPs / peak (the bf16 peak when
 *     products run in bf16, else the float32 peak)
 *   prefill: one prompt of the model's real length (its media positions + max_input_tokens text
 *     tokens, or LX_BENCH_TEXT_TOKENS when the model keeps every id; Lynx: 32 visual + 40 text
 *     tokens = 72 positions; LLaVA-1.5: 576 + 64)
 *   decode: ms per step at batch 1 and larger batches (the median step; the fastest and every
 *     step's time are in the JSON too); floor = bytes of weights a step reads (every LLM layer
 *     and the output projection) / read bandwidth measured just before and after
 *   time to first token = encode + prefill; peak resident memory of the process
 *   decode profile (when the model's backend is a profiler, backend_profile.h): after the timed
 *     steps, as many again with every kernel call timed, per part (kernel and weight role), per
 *     LLM layer, the sampling (greedy argmax over the logits) and what lies between the kernels,
 *     with the thread pool's hand-offs; its parts sum to the profiled steps' time and are compared
 *     with the unprofiled median step
 *
 * A decode step is the forward pass of one token per row and the greedy choice of the next.
 *
 * The model is a model directory, or synthetic random weights at the shapes of a known model
 * (lx_model_synthetic), so the real cost can be measured without a download.
 */
#ifndef LX_BENCH_MODEL_H
#define LX_BENCH_MODEL_H

/* Text ids of the prefill's prompt for a model without a max_input_tokens cap. */
#define LX_BENCH_TEXT_TOKENS 64

#include <cJSON.h>
#include <stdio.h>

#include "common/error.h"
#include "model/backend.h"
#include "model/model.h"

enum { LX_STAGE_ENCODE = 1, LX_STAGE_PREFILL = 2, LX_STAGE_DECODE = 4, LX_STAGE_ALL = 7 };

typedef struct lx_bench_model_opts {
  int stages;         /* LX_STAGE_* bits; without ENCODE, the prompt's media are random values */
  int decode_steps;   /* timed steps per batch size */
  const int *batches; /* decode batch sizes */
  int n_batches;
  int reps;           /* timed repetitions of encode and prefill */
  const char *source; /* what the model is, for the report ("lynx-8b synthetic bf16", a path) */
  double load_seconds;
  FILE *progress;
} lx_bench_model_opts;

/* Measures `m` on its backend (threads and precision are the backend's) and returns the
 * report. */
int lx_bench_model(const lx_model *m, const lx_bench_model_opts *o, cJSON **report, lx_error *err);

/* The report as text. */
void lx_bench_print_model(FILE *out, const cJSON *report);

#endif
