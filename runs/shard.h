/* shard.h: which part of a run one process answers, when a launcher starts several.
 *
 * A run's work is a sequence of blocks: --batch consecutive items of a task by position, task
 * after task in the order of the task list (a task's last block may be short). Shard I of N
 * answers the blocks g with g mod N == I. Because an answer depends only on its block, its seed
 * and the numerics in the fingerprint, any split of the blocks gives the same answers, byte for
 * byte, as one process answering them all; block-cyclic (rather than contiguous ranges) keeps
 * shards even when items cost more at one end of a task (videos, long answers).
 *
 * Launchers say who is who in the environment:
 *   mpirun (Open MPI)        OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
 *   mpiexec (MPICH, Intel)   PMI_RANK, PMI_SIZE
 *   srun (Slurm)             SLURM_PROCID, SLURM_STEP_NUM_TASKS
 * read in that order: inside an sbatch allocation the SLURM_* variables describe the batch step
 * while mpirun's describe the copies it started. SLURM_NTASKS is not read: a batch script, one
 * process, sees the allocation's task count there. Job arrays are not detected: resubmitting
 * one failed element changes SLURM_ARRAY_TASK_COUNT, so an array passes --shard I/N itself. */
#ifndef LX_SHARD_H
#define LX_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct lx_shard {
  long index, count; /* I of N; count 0: the whole run in this process */
  char from[64];     /* "" or the variables --shard auto read ("OMPI_COMM_WORLD_RANK/SIZE") */
} lx_shard;

/* A launcher's view of this process: its rank and the number of copies it started. */
typedef struct lx_launcher {
  const char *name;      /* "mpirun (Open MPI)", ...; NULL: no launcher found */
  const char *rank_var;  /* the variables read */
  const char *count_var; /* */
  long rank, count;
} lx_launcher;

/* The launcher that started this process, from the environment (name NULL if none). Fails,
 * naming the variable, when a launcher's variables are present but not numbers in range. */
int lx_launcher_detect(lx_launcher *out, lx_error *err);

/* Parses --shard: "I/N" (0 <= I < N <= 1000000) or "auto" (the launcher's rank and count).
 * Errors start with "--shard". */
int lx_shard_parse(const char *spec, lx_shard *out, lx_error *err);

/* Whether global block g is this shard's (every block when count is 0). */
bool lx_shard_owns(const lx_shard *s, size_t g);

/* "I-of-N", the name shard logs and session records carry (buf >= 48 bytes). */
void lx_shard_name(const lx_shard *s, char *buf, size_t n);

#endif
