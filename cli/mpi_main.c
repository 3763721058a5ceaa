/* lynxeval-mpi: `lynxeval run` shared among MPI ranks (runs/dispatch_mpi.h). Built where CMake
 * finds MPI, as a binary of its own so that no other command depends on an MPI runtime. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/args.h"
#include "cli/run_command.h"
#include "lynxeval_commit.h"
#include "runs/dispatch_mpi.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif

static int execute(lx_run_plan *plan, const lx_run_events *ev, bool *scored, void *ctx,
                   lx_error *err) {
  cli_run_mode *mode = ctx;
  lx_mpi_options opt = {mode->block_timeout};
  return lx_mpi_run(plan, &opt, ev, scored, err);
}

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: mpirun -n N lynxeval-mpi run TASK[,TASK...] --model DIR --data DIR --out RUNDIR "
      "[run's flags] [--block-timeout SECONDS]\n\n"
      "Runs `lynxeval run` with its ranks sharing the work: rank 0 hands out blocks of --batch\n"
      "items on request, writes every answer, and folds and scores at the end, so the files\n"
      "equal one process's byte for byte. Every rank's settings are compared before any work.\n"
      "Without mpirun it runs alone, as lynxeval run. 'lynxeval-mpi run --help' lists the\n"
      "flags; docs/scale-out.md says more.\n");
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "run") != 0) {
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
      printf("lynxeval-mpi %s (commit %s)\n", LYNXEVAL_VERSION, LYNXEVAL_COMMIT);
      return 0;
    }
    bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    usage(help ? stdout : stderr);
    if (!help)
      fprintf(stderr, "\nlynxeval-mpi runs only 'run'; every other command is lynxeval's\n");
    return help ? 0 : CLI_USAGE;
  }
  cli_program = "lynxeval-mpi";
  int rank = 0, size = 1;
  if (lx_mpi_start(&argc, &argv, &rank, &size)) {
    fprintf(stderr, "lynxeval-mpi: MPI could not start\n");
    return CLI_FAIL;
  }
  char who[320] = "";
  struct utsname u;
  if (rank != 0)
    snprintf(who, sizeof who, "rank %d on host %s", rank, uname(&u) == 0 ? u.nodename : "?");
  cli_run_mode mode = {true, 0, rank ? who : NULL, rank != 0, execute, NULL};
  mode.ctx = &mode;
  int rc = cli_run(argc - 1, argv + 1, &mode);
  if (!lx_mpi_finalized()) {
    /* A failure before the ranks met (a flag, a file, the model on this host) ends the job: the
     * other ranks would wait for this one for ever. Alone, there is no one to wait. */
    if (rc && size > 1) lx_mpi_abort(rc);
    lx_mpi_finish(); /* --help, or a singleton's failure */
  }
  return rc;
}
