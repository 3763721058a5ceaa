/* run_results.h: what `run` and `merge` write once a run is scored. */
#ifndef LX_CLI_RUN_RESULTS_H
#define LX_CLI_RUN_RESULTS_H

#include <stdbool.h>

#include "common/error.h"

/* RUNDIR/results.json, every task's aggregates with their intervals (the report model of the
 * run); for the embedded default also the paper-style tables on stdout and report.html. */
int cli_write_results(const char *out_dir, bool embedded, lx_error *err);

#endif
