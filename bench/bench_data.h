/* bench_data.h: the benchmarks' own files at their real size: how long lynxeval takes, and how
 * much memory, to load, match and score them.
 *
 * Three sets are generated (seeded, deterministic) in the real layouts, with text of realistic
 * length:
 *   caption  a COCO caption file (compact, one line, as released) of 2,532 x scale images with
 *            5 captions each, and a results file with one caption per image; scale 16 is
 *            captions_val2014.json's 40,504 images;
 *   vqa      VQAv2 questions and annotations files of 13,397 x scale questions with 10 answers
 *            each, and a results file; scale 16 is val2014's 214,354 questions (2.1M answers);
 *   resume   a run's predictions.jsonl with one row per VQA question (the rows `lynxeval run`
 *            writes), read back as `lynxeval run` does when it resumes.
 * Each phase runs in a child process whose peak resident memory is reset before the phase
 * (/proc/self/clear_refs) and read after it (VmHWM), so every phase's peak is its own. */
#ifndef LX_BENCH_DATA_H
#define LX_BENCH_DATA_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

#define LX_BENCH_DATA_MAX_SCALES 8

typedef struct lx_bench_data_options {
  const char *dir;                      /* scratch directory for the generated files */
  int scales[LX_BENCH_DATA_MAX_SCALES]; /* multiples of the base size; 16 = the real size */
  int n_scales;
  uint64_t seed;
  bool keep;                                     /* leave the files of the last scale in dir */
  void (*progress)(void *ctx, const char *what); /* a line per step; may be NULL */
  void *progress_ctx;
} lx_bench_data_options;

/* Runs every set at every scale. *report (a new JSON object the caller deletes) holds, per set
 * and scale, the entry counts, file bytes, and per phase the seconds and peak resident bytes. */
int lx_bench_data_run(const lx_bench_data_options *opt, cJSON **report, lx_error *err);

/* The report as a table, one line per set, scale and phase. */
void lx_bench_data_print(FILE *out, const cJSON *report);

#endif
