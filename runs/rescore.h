/* rescore.h: a finished run scored again from its predictions, by the scorers of this lynxeval
 * and the annotations in a data directory: after a scorer changed, with other scoring options
 * (--normalize), or on another machine. The run directory is only read.
 *
 * Each task of the run (or the one asked for) is scored over the items the run scored (the
 * first `items` of its dataset, as its manifest records); the annotation files must be the
 * ones its fingerprint hashed. */
#ifndef LX_RESCORE_H
#define LX_RESCORE_H

#include <cJSON.h>

#include "common/error.h"
#include "tasks/scoring.h"

/* *out: {"<task>": {"dataset", "items", "aggregate", "matches_run": whether the aggregate equals
 * the run's aggregate.json}}, a new object. data_dir is the same root `lynxeval run --data`
 * took. Fails naming the file or task when the run, its predictions or the annotations are not
 * what the run used. */
int lx_run_rescore(const char *run_dir, const char *data_dir, const char *only_task,
                   const lx_scoring_options *opt, cJSON **out, lx_error *err);

#endif
