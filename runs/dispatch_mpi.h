/* dispatch_mpi.h: a run shared among MPI ranks, for lynxeval-mpi (built where CMake finds MPI;
 * nothing else links MPI).
 *
 * Every rank prepares the same plan (the model loaded, every task's fingerprint made). Before any
 * work, rank 0 gathers every rank's fingerprints and compares them with its own: a rank with
 * other numerics (threads, precision, kernel family) or other files is refused, naming the rank,
 * its host and the first differing field, and the job exits 1. Then rank 0 hands out blocks
 * (shard.h: --batch consecutive items, in the run's order) on request: each rank asks for a
 * block, decodes it whole, and sends its rows back with its next request; rank 0 also decodes, in
 * a thread of its own that makes no MPI call, and is the only process that writes: it appends
 * each row it does not hold yet to the task's predictions.jsonl (fsynced), so a rank may die at
 * any moment without a row being lost or doubled. Once every block is answered, every rank sends
 * its figures (host, threads, kernels, items, busy and idle seconds), MPI is finalized, and rank 0
 * folds the logs into item order and scores as a single process does: the files are byte for
 * byte a single process's, at any number of ranks.
 *
 * Waiting never spins: every wait is a test of a non-blocking request and a short sleep, so a
 * rank that has nothing to do leaves its cores to the ranks still decoding. A rank that dies
 * ends the job (mpirun and mpiexec kill the others within about a second); a rank whose block
 * takes longer than the block timeout (--block-timeout, default the larger of 10 minutes and 20
 * times the median block) is named and the job aborted. Either way the rows written are kept and
 * the same command resumes, with any number of ranks, or as a plain or sharded run. */
#ifndef LX_DISPATCH_MPI_H
#define LX_DISPATCH_MPI_H

#include <stdbool.h>

#include "common/error.h"
#include "runs/run.h"

typedef struct lx_mpi_options {
  double block_timeout; /* seconds; 0: the default */
} lx_mpi_options;

/* MPI_Init_thread (funneled) and this process's rank and size. */
int lx_mpi_start(int *argc, char ***argv, int *rank, int *size);

/* Runs the prepared plan on every rank: the fingerprint check, the dispatch, and on rank 0 the
 * fold and scoring (*scored, as lx_run_execute). Returns after MPI is finalized. A rank that
 * fails ends the job with MPI_Abort after printing its message. */
int lx_mpi_run(lx_run_plan *plan, const lx_mpi_options *opt, const lx_run_events *ev, bool *scored,
               lx_error *err);

/* Ends the job from any rank after a failure (MPI_Abort), or finalizes when all is well. */
void lx_mpi_abort(int code);
void lx_mpi_finish(void);
bool lx_mpi_finalized(void);

#endif
