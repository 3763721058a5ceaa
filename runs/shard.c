#include "runs/shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHARDS 1000000L

static const struct {
  const char *name, *rank_var, *count_var;
} LAUNCHERS[] = {
    {"mpirun (Open MPI)", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
    {"mpiexec (MPICH)", "PMI_RANK", "PMI_SIZE"},
    {"srun (Slurm)", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS"},
};

/* A whole decimal number in [lo, hi]. */
static bool parse_long(const char *s, long lo, long hi, long *out) {
  if (!s || !*s || *s == '+' || *s == '-' || *s == ' ') return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int lx_launcher_detect(lx_launcher *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof LAUNCHERS / sizeof LAUNCHERS[0]; i++) {
    const char *rank = getenv(LAUNCHERS[i].rank_var), *count = getenv(LAUNCHERS[i].count_var);
    if (!rank || !count) continue;
    long n, r;
    if (!parse_long(count, 1, MAX_SHARDS, &n))
      return lx_errorf(err, "%s=\"%.40s\" (set by %s) is not a count of processes",
                       LAUNCHERS[i].count_var, count, LAUNCHERS[i].name);
    if (!parse_long(rank, 0, n - 1, &r))
      return lx_errorf(err, "%s=\"%.40s\" (set by %s) is not a rank below %s=%ld",
                       LAUNCHERS[i].rank_var, rank, LAUNCHERS[i].name, LAUNCHERS[i].count_var, n);
    *out = (lx_launcher){LAUNCHERS[i].name, LAUNCHERS[i].rank_var, LAUNCHERS[i].count_var, r, n};
    return LX_OK;
  }
  return LX_OK;
}

int lx_shard_parse(const char *spec, lx_shard *out, lx_error *err) {
  memset(out, 0, sizeof *out);
  if (strcmp(spec, "auto") == 0) {
    lx_launcher l;
    lx_error inner;
    if (lx_launcher_detect(&l, &inner)) return lx_errorf(err, "--shard auto: %s", inner.msg);
    if (!l.name)
      return lx_errorf(err,
                       "--shard auto: no launcher found (none of OMPI_COMM_WORLD_RANK/SIZE, "
                       "PMI_RANK/SIZE, SLURM_PROCID/SLURM_STEP_NUM_TASKS is set); start it with "
                       "mpirun, mpiexec or srun, or give the shard as --shard I/N");
    out->index = l.rank;
    out->count = l.count;
    snprintf(out->from, sizeof out->from, "%s/%s", l.rank_var, l.count_var);
    return LX_OK;
  }
  const char *slash = strchr(spec, '/');
  char first[32];
  long i, n;
  if (!slash || (size_t)(slash - spec) >= sizeof first)
    return lx_errorf(err, "--shard: \"%s\" is not I/N (shard I of N, counted from 0) or auto",
                     spec);
  memcpy(first, spec, (size_t)(slash - spec));
  first[slash - spec] = '\0';
  if (!parse_long(slash + 1, 1, MAX_SHARDS, &n) || !parse_long(first, 0, MAX_SHARDS, &i))
    return lx_errorf(err, "--shard: \"%s\" is not I/N (shard I of N, counted from 0) or auto",
                     spec);
  if (i >= n)
    return lx_errorf(err, "--shard: shard %ld of %ld does not exist: shards are 0 to %ld", i, n,
                     n - 1);
  out->index = i;
  out->count = n;
  return LX_OK;
}

bool lx_shard_owns(const lx_shard *s, size_t g) {
  return s->count == 0 || (long)(g % (size_t)s->count) == s->index;
}

void lx_shard_name(const lx_shard *s, char *buf, size_t n) {
  snprintf(buf, n, "%ld-of-%ld", s->index, s->count);
}
