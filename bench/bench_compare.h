/* bench_compare.h: `lynxeval bench compare A.json B.json`: two kernel reports, kernel by kernel.
 *
 * For each kernel in both: the ratio of median times B / A, and for kernels that stream more
 * than 64 MB from memory the same ratio normalized by the bandwidth each run measured in that
 * kernel's window (a run in a slower bandwidth state is not blamed for it); other kernels are
 * judged by time. B is "slower" or "faster" only when the normalized ratio is beyond the noise
 * of the two runs: more than max(min_change, 2 (spread_A + spread_B)) away from 1, where spread is
 * a run's interquartile range over its median; for a normalized ratio the noise also adds each
 * run's ceiling_spread, how far its bandwidth window moved between rounds ((max - min) / median),
 * since the ratio is divided by that window. Otherwise "same".
 */
#ifndef LX_BENCH_COMPARE_H
#define LX_BENCH_COMPARE_H

#include <cJSON.h>
#include <stdio.h>

#include "common/error.h"

typedef struct lx_bench_compare_counts {
  int same, faster, slower, only_a, only_b;
} lx_bench_compare_counts;

/* Checks that `report` (read from `file`) is a kernel report lynxeval can compare. */
int lx_bench_validate(const cJSON *report, const char *file, lx_error *err);

/* Prints the comparison table to out and counts the verdicts. Both reports must be valid. */
void lx_bench_compare(FILE *out, const cJSON *a, const char *name_a, const cJSON *b,
                      const char *name_b, double min_change, lx_bench_compare_counts *counts);

#endif
