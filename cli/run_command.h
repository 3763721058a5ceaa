/* run_command.h: `run`'s flags and steps, shared by lynxeval's run and lynxeval-mpi's (which
 * answers through MPI ranks instead of this process alone). */
#ifndef LX_CLI_RUN_COMMAND_H
#define LX_CLI_RUN_COMMAND_H

#include <stdbool.h>

#include "common/error.h"
#include "runs/run.h"

typedef struct cli_run_mode {
  bool dispatched;      /* one of several processes sharing the run (lx_run_request) */
  double block_timeout; /* receives --block-timeout, which only this mode accepts */
  const char *who;      /* NULL, or "rank 3 on host b": said before this process's errors */
  bool quiet_usage;     /* leave flag mistakes to the first process to report */
  int (*execute)(lx_run_plan *plan, const lx_run_events *ev, bool *scored, void *ctx,
                 lx_error *err);
  void *ctx;
} cli_run_mode;

/* `run` with its flags; mode NULL: this process answers the whole run (lx_run_execute). */
int cli_run(int argc, char **argv, cli_run_mode *mode);

#endif
