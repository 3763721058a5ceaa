#include "runs/dispatch_mpi.h"

#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "model/cpu.h"
#include "model/threads.h"
#include "runs/manifest.h"
#include "runs/progress.h"

enum { TAG_WORK = 11, TAG_ASSIGN = 12, TAG_STATS = 13 };

#define POLL_NS                 1000000L /* 1 ms between tests of a pending request */
#define DEFAULT_BLOCK_TIMEOUT_S 600.0
#define TIMEOUT_MEDIANS         20.0

static double cpu_seconds(void) {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
         u.ru_stime.tv_usec * 1e-6;
}

/* CPU seconds of the calling thread. */
static double thread_cpu_seconds(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wait_cpu; /* CPU this thread spent in quiet_wait (a worker's waits) */

static void pause_briefly(void) {
  struct timespec ts = {0, POLL_NS};
  nanosleep(&ts, NULL);
}

/* Waits for a non-blocking request without spinning: blocking MPI calls poll a core at 100%
 * (measured: 1.2-2.8 s of CPU in a 3 s wait), which on a CPU node steals it from the ranks still
 * decoding. */
static void quiet_wait(MPI_Request *req, MPI_Status *st) {
  int done = 0;
  double c0 = thread_cpu_seconds();
  for (;;) {
    MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE);
    if (done) break;
    pause_briefly();
  }
  wait_cpu += thread_cpu_seconds() - c0;
}

/* The rank's device: the processor's model name (a GPU's name once the CUDA backend runs). */
static void add_device(cJSON *o) {
  cJSON *m = lx_machine_info();
  cJSON_AddStringToObject(o, "device", lx_json_string(m, "cpu"));
  cJSON_Delete(m);
}

static void host_name(char *buf, size_t n) {
  struct utsname u;
  snprintf(buf, n, "%s", uname(&u) == 0 ? u.nodename : "?");
}

int lx_mpi_start(int *argc, char ***argv, int *rank, int *size) {
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return LX_ERR;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  if (provided < MPI_THREAD_FUNNELED) {
    if (*rank == 0)
      fprintf(stderr,
              "lynxeval-mpi: this MPI library does not allow threads in a process "
              "(MPI_THREAD_FUNNELED); lynxeval decodes in threads\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return LX_OK;
}

void lx_mpi_abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
}

bool lx_mpi_finalized(void) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

void lx_mpi_finish(void) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

/* ---- the fingerprint check ------------------------------------------------------------------ */

/* {"host", "tasks": {name: fingerprint}} of this rank. */
static char *fingerprint_text(const lx_run_plan *pl) {
  cJSON *o = cJSON_CreateObject();
  char host[256];
  host_name(host, sizeof host);
  cJSON_AddStringToObject(o, "host", host);
  cJSON *tasks = cJSON_AddObjectToObject(o, "tasks");
  for (int i = 0; i < lx_run_plan_task_count(pl); i++) {
    lx_run_task_view v = lx_run_plan_task(pl, i);
    cJSON_AddItemToObject(tasks, v.name, cJSON_Duplicate(v.fingerprint, 1));
  }
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

/* Gathers every rank's fingerprints on rank 0, which compares them with its own; every rank
 * learns the verdict. Fails on every rank when one differs (rank 0's message names it). */
static int check_fingerprints(const lx_run_plan *pl, int rank, int size, lx_error *err) {
  char *mine = fingerprint_text(pl);
  int len = (int)strlen(mine) + 1;
  int *lens = rank == 0 ? lx_xcalloc((size_t)size, sizeof *lens) : NULL;
  MPI_Request req;
  MPI_Igather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
  quiet_wait(&req, NULL);
  int *displs = NULL;
  char *all = NULL;
  if (rank == 0) {
    displs = lx_xcalloc((size_t)size, sizeof *displs);
    size_t total = 0;
    for (int r = 0; r < size; r++) {
      displs[r] = (int)total;
      total += (size_t)lens[r];
    }
    all = lx_xmalloc(total ? total : 1);
  }
  MPI_Igatherv(mine, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD, &req);
  quiet_wait(&req, NULL);
  int verdict = 0;
  if (rank == 0) {
    cJSON *own = cJSON_Parse(mine), *own_tasks = cJSON_GetObjectItem(own, "tasks");
    for (int r = 1; r < size && !verdict; r++) {
      cJSON *theirs = cJSON_Parse(all + displs[r]);
      const cJSON *t;
      cJSON_ArrayForEach(t, own_tasks) {
        const cJSON *other = cJSON_GetObjectItem(cJSON_GetObjectItem(theirs, "tasks"), t->string);
        if (other && cJSON_Compare(other, t, 1)) continue;
        char diff[700], here[32], there[32];
        snprintf(here, sizeof here, "on rank %d", r);
        snprintf(there, sizeof there, "on rank 0");
        if (other)
          lx_json_first_difference(other, t, here, there, diff, sizeof diff);
        else
          snprintf(diff, sizeof diff, "the task is missing");
        lx_errorf(err,
                  "rank %d on host %s does not compute what rank 0 (host %s) computes, so their "
                  "answers could differ: %s: %s. Give every rank the same files and settings "
                  "(on machines of different kinds, the same --threads and LYNXEVAL_CPU)",
                  r, lx_json_string(theirs, "host"), lx_json_string(own, "host"), t->string, diff);
        verdict = 1;
        break;
      }
      cJSON_Delete(theirs);
    }
    cJSON_Delete(own);
  }
  MPI_Ibcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
  quiet_wait(&req, NULL);
  if (verdict && rank != 0) err->msg[0] = '\0'; /* rank 0 says why */
  free(mine);
  free(lens);
  free(displs);
  free(all);
  return verdict ? LX_ERR : LX_OK;
}

/* ---- the dispatcher (rank 0) ---------------------------------------------------------------- */

typedef struct block_ref {
  int task;
  size_t first;
} block_ref;

typedef struct rank_state {
  long long block; /* the block it holds, or -1 */
  double since;
  char host[128];
} rank_state;

typedef struct dispatcher {
  lx_run_plan *plan;
  const lx_mpi_options *opt;
  int size;
  /* shared with the local decoder thread, under `lock` */
  pthread_mutex_t lock;
  block_ref *blocks;
  size_t n_blocks, next;
  unsigned char **answered; /* [task][position] */
  lx_prediction_log *logs;
  lx_progress progress;
  size_t answered_now;
  bool failed; /* stop handing out blocks */
  lx_error error;
  double *durations; /* of finished blocks, for the watchdog */
  size_t n_durations;
  double local_since; /* the local thread's block, or 0 */
  long long local_block;
  /* the local decoder's figures */
  size_t local_items, local_blocks;
  double local_busy;
  cJSON *ranks;                /* every rank's figures, once all are in */
  double started, cpu_started; /* when the dispatch began; the process's CPU seconds then */
} dispatcher;

/* Appends the rows of `text` (JSON lines) to task's log, each one whose item is not answered yet.
 * Called under d->lock. */
static int take_rows(dispatcher *d, int task, const char *text, size_t len, size_t *items,
                     lx_error *err) {
  lx_run_task_view v = lx_run_plan_task(d->plan, task);
  for (size_t pos = 0; pos < len;) {
    const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
    size_t k = nl ? (size_t)(nl - line) : len - pos;
    pos += k + 1;
    if (!k) continue;
    cJSON *row = cJSON_ParseWithLength(line, k);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
    long at = cJSON_IsString(id) ? lx_items_find(v.items, id->valuestring) : -1;
    cJSON_Delete(row);
    if (at < 0 || (size_t)at >= v.n)
      return lx_errorf(err, "%s: a rank sent a row that is not one of the run's items", v.name);
    if (d->answered[task][at]) continue;
    if (lx_prediction_log_append_line(&d->logs[task], line, k, err)) return LX_ERR;
    d->answered[task][at] = 1;
    d->answered_now++;
    (*items)++;
    lx_progress_update(&d->progress, d->answered_now);
  }
  return LX_OK;
}

/* The next block to hand out, or -1. Under d->lock. */
static long long claim_block(dispatcher *d) {
  if (d->failed || d->next >= d->n_blocks) return -1;
  return (long long)d->next++;
}

static void record_duration(dispatcher *d, double s) {
  d->durations = lx_xrealloc_array(d->durations, d->n_durations + 1, sizeof *d->durations);
  d->durations[d->n_durations++] = s;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The watchdog's limit: the option, else the larger of 10 minutes and 20 median blocks. */
static double block_timeout(dispatcher *d) {
  if (d->opt && d->opt->block_timeout > 0) return d->opt->block_timeout;
  double t = DEFAULT_BLOCK_TIMEOUT_S;
  if (d->n_durations) {
    double *c = lx_xcalloc(d->n_durations, sizeof *c);
    memcpy(c, d->durations, d->n_durations * sizeof *c);
    qsort(c, d->n_durations, sizeof *c, cmp_double);
    double median = c[d->n_durations / 2];
    free(c);
    if (TIMEOUT_MEDIANS * median > t) t = TIMEOUT_MEDIANS * median;
  }
  return t;
}

/* Rank 0's own decoder: takes blocks like any rank, makes no MPI call. */
static void *local_decoder(void *arg) {
  dispatcher *d = arg;
  const lx_model *m = lx_run_plan_model(d->plan);
  for (;;) {
    pthread_mutex_lock(&d->lock);
    long long b = claim_block(d);
    d->local_block = b;
    d->local_since = b >= 0 ? lx_seconds() : 0;
    pthread_mutex_unlock(&d->lock);
    if (b < 0) break;
    lx_run_task_view v = lx_run_plan_task(d->plan, d->blocks[b].task);
    lx_strbuf rows = {0};
    lx_error e;
    double t0 = lx_seconds();
    int rc = lx_run_block(m, v.items, v.n, d->blocks[b].first, &v.opt, &rows, &e);
    double took = lx_seconds() - t0;
    pthread_mutex_lock(&d->lock);
    d->local_busy += took;
    d->local_blocks++;
    if (rc == LX_OK)
      rc = take_rows(d, d->blocks[b].task, lx_strbuf_str(&rows), rows.len, &d->local_items, &e);
    if (rc == LX_OK) record_duration(d, took);
    if (rc && !d->failed) {
      d->failed = true;
      d->error = e;
    }
    d->local_block = -1;
    d->local_since = 0;
    pthread_mutex_unlock(&d->lock);
    lx_strbuf_free(&rows);
    if (rc) break;
  }
  return NULL;
}

/* Aborts the job when a block has been held longer than the timeout. */
static void watchdog(dispatcher *d, const rank_state *ranks) {
  pthread_mutex_lock(&d->lock); /* the local decoder updates what is read here */
  double now = lx_seconds(), limit = block_timeout(d);
  for (int r = 0; r < d->size; r++) {
    long long b = r == 0 ? d->local_block : ranks[r].block;
    double since = r == 0 ? d->local_since : ranks[r].since;
    if (b < 0 || since <= 0 || now - since <= limit) continue;
    lx_run_task_view v = lx_run_plan_task(d->plan, d->blocks[b].task);
    char host[128];
    host_name(host, sizeof host);
    fprintf(stderr,
            "lynxeval-mpi: rank %d on host %s has held block %lld (%s, items from %zu) for %.0f s, "
            "longer than the block timeout (%.0f s; --block-timeout): it is stuck, so the job "
            "ends; every answer written is kept, and the same command resumes\n",
            r, r == 0 ? host : ranks[r].host, b, v.name, d->blocks[b].first + 1, now - since,
            limit);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  pthread_mutex_unlock(&d->lock);
}

/* Rank 0's next message from any rank (a NUL-terminated heap copy, *count bytes, its source and
 * tag in *st), waiting quietly; while none comes, the watchdog looks at the blocks held (when d
 * is given). */
static char *next_message(MPI_Status *st, int *count, dispatcher *d, const rank_state *ranks) {
  for (;;) {
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
    if (flag) break;
    if (d) watchdog(d, ranks);
    pause_briefly();
  }
  *count = 0;
  MPI_Get_count(st, MPI_CHAR, count);
  char *msg = lx_xmalloc((size_t)*count + 1);
  MPI_Recv(msg, *count, MPI_CHAR, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  msg[*count] = '\0';
  return msg;
}

/* A worker's request: "TASK FIRST HOST\n" then the rows of the block it finished (TASK -1: none).
 */
static int handle_request(dispatcher *d, rank_state *ranks, int source, const char *msg, size_t len,
                          lx_error *err) {
  int task = -1;
  unsigned long long first = 0;
  char host[128] = "";
  const char *nl = memchr(msg, '\n', len);
  if (!nl || sscanf(msg, "%d %llu %127s", &task, &first, host) < 2)
    return lx_errorf(err, "rank %d sent a request lynxeval-mpi cannot read", source);
  if (host[0]) snprintf(ranks[source].host, sizeof ranks[source].host, "%s", host);
  size_t ignored = 0;
  int rc = LX_OK;
  pthread_mutex_lock(&d->lock);
  if (task >= 0 && !d->failed) {
    rc = take_rows(d, task, nl + 1, len - (size_t)(nl + 1 - msg), &ignored, err);
    if (rc == LX_OK) record_duration(d, lx_seconds() - ranks[source].since);
    if (rc) d->failed = true;
  }
  long long b = claim_block(d);
  pthread_mutex_unlock(&d->lock);
  long long assign[2] = {b < 0 ? -1 : d->blocks[b].task, b < 0 ? 0 : (long long)d->blocks[b].first};
  ranks[source].block = b;
  ranks[source].since = b >= 0 ? lx_seconds() : 0;
  MPI_Request req;
  MPI_Isend(assign, 2, MPI_LONG_LONG, source, TAG_ASSIGN, MPI_COMM_WORLD, &req);
  quiet_wait(&req, NULL);
  return rc;
}

static int answer(void *ctx, lx_run_plan *pl, lx_prediction_log *logs, const lx_predictions *done,
                  const lx_run_events *ev, lx_error *err) {
  dispatcher *d = ctx;
  d->logs = logs;
  int n_tasks = lx_run_plan_task_count(pl);
  d->answered = lx_xcalloc((size_t)n_tasks, sizeof *d->answered);
  size_t missing = 0, cap = 0, total = 0;
  for (int t = 0; t < n_tasks; t++) {
    lx_run_task_view v = lx_run_plan_task(pl, t);
    d->answered[t] = lx_xcalloc(v.items->n ? v.items->n : 1, 1);
    total += v.n;
    for (size_t k = 0; k < done[t].n; k++) {
      long at = lx_items_find(v.items, done[t].v[k].id);
      if (at >= 0) d->answered[t][at] = 1;
    }
    size_t batch = v.opt.batch > 0 ? (size_t)v.opt.batch : 1;
    for (size_t first = 0; first < v.n; first += batch) {
      bool need = false;
      for (size_t i = first; i < first + batch && i < v.n; i++)
        if (!d->answered[t][i]) {
          need = true;
          missing++;
        }
      if (!need) continue;
      if (d->n_blocks == cap) {
        cap = cap ? 2 * cap : 64;
        d->blocks = lx_xrealloc_array(d->blocks, cap, sizeof *d->blocks);
      }
      d->blocks[d->n_blocks++] = (block_ref){t, first};
    }
  }
  if (missing < total && ev && ev->note) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "resuming: %zu of the run's %zu items already answered; %zu blocks "
             "for %d ranks",
             total - missing, total, d->n_blocks, d->size);
    ev->note(ev->ctx, msg);
  }
  lx_progress_start(&d->progress, "run", missing, 0);
  rank_state *ranks = lx_xcalloc((size_t)d->size, sizeof *ranks);
  for (int r = 0; r < d->size; r++) ranks[r].block = -1;
  d->local_block = -1;
  pthread_t local;
  bool local_running = pthread_create(&local, NULL, local_decoder, d) == 0;
  if (!local_running) {
    d->failed = true;
    lx_errorf(&d->error, "cannot start the decoding thread");
  }
  /* serve requests until every rank has been told to stop and has sent its figures */
  int reported = 0;
  double main_cpu0 = thread_cpu_seconds(); /* the serving thread: its polling is all waiting */
  cJSON *figures = cJSON_CreateArray();
  int rc = LX_OK;
  while (reported < d->size - 1) {
    MPI_Status st;
    int count;
    char *msg = next_message(&st, &count, d, ranks);
    if (st.MPI_TAG == TAG_WORK) {
      lx_error e;
      if (handle_request(d, ranks, st.MPI_SOURCE, msg, (size_t)count, &e) && rc == LX_OK) {
        rc = LX_ERR;
        *err = e;
      }
    } else if (st.MPI_TAG == TAG_STATS) {
      cJSON *f = cJSON_Parse(msg);
      if (f) cJSON_AddItemToArray(figures, f);
      reported++;
    }
    free(msg);
  }
  if (local_running) pthread_join(local, NULL);
  lx_progress_finish(&d->progress);
  /* rank 0's figures first, then the others' by rank */
  char host[128];
  host_name(host, sizeof host);
  cJSON *ranks_json = cJSON_CreateArray(), *own = cJSON_CreateObject();
  cJSON_AddNumberToObject(own, "rank", 0);
  cJSON_AddStringToObject(own, "host", host);
  cJSON_AddNumberToObject(own, "pid", (double)getpid());
  add_device(own);
  cJSON_AddNumberToObject(own, "threads", lx_threads_count());
  cJSON_AddStringToObject(own, "kernels", lx_cpu_kernel_family());
  cJSON_AddNumberToObject(own, "items", (double)d->local_items);
  cJSON_AddNumberToObject(own, "blocks", (double)d->local_blocks);
  cJSON_AddNumberToObject(own, "busy_seconds", d->local_busy);
  cJSON_AddNumberToObject(own, "idle_seconds", lx_seconds() - d->started - d->local_busy);
  cJSON_AddNumberToObject(own, "cpu_seconds", cpu_seconds() - d->cpu_started);
  cJSON_AddNumberToObject(own, "wait_cpu_seconds", thread_cpu_seconds() - main_cpu0);
  cJSON_AddItemToArray(ranks_json, own);
  for (int r = 1; r < d->size; r++) {
    const cJSON *f;
    cJSON_ArrayForEach(f, figures) {
      const cJSON *id = cJSON_GetObjectItem(f, "rank");
      if (cJSON_IsNumber(id) && id->valueint == r) {
        cJSON_AddItemToArray(ranks_json, cJSON_Duplicate(f, 1));
        break;
      }
    }
  }
  cJSON_Delete(figures);
  d->ranks = ranks_json;
  free(ranks);
  /* every rank is done with MPI: finalize before scoring, which may start a scorer process */
  MPI_Finalize();
  if (rc == LX_OK && d->failed) {
    rc = LX_ERR;
    *err = d->error;
  }
  return rc;
}

/* What the session records: launcher, world size, dispatch and, once known, every rank's figures.
 */
static void record(void *ctx, cJSON *session) {
  dispatcher *d = ctx;
  cJSON_ReplaceItemInObject(session, "launcher", cJSON_CreateString("mpi"));
  cJSON_AddNumberToObject(session, "world_size", d->size);
  cJSON_AddStringToObject(session, "dispatch", "dynamic");
  if (d->ranks) cJSON_AddItemToObject(session, "ranks", cJSON_Duplicate(d->ranks, 1));
}

/* ---- a worker rank ----------------------------------------------------------------------------
 */

static int work(lx_run_plan *pl, int rank) {
  const lx_model *m = lx_run_plan_model(pl);
  char host[128];
  host_name(host, sizeof host);
  lx_strbuf msg = {0};
  lx_strbuf_printf(&msg, "-1 0 %s\n", host);
  double t0 = lx_seconds(), busy = 0, cpu0 = cpu_seconds(); /* from the dispatch on */
  size_t items = 0, blocks = 0;
  for (;;) {
    MPI_Request req;
    MPI_Isend(msg.p, (int)msg.len, MPI_CHAR, 0, TAG_WORK, MPI_COMM_WORLD, &req);
    quiet_wait(&req, NULL);
    long long assign[2];
    MPI_Irecv(assign, 2, MPI_LONG_LONG, 0, TAG_ASSIGN, MPI_COMM_WORLD, &req);
    quiet_wait(&req, NULL);
    if (assign[0] < 0) break;
    lx_run_task_view v = lx_run_plan_task(pl, (int)assign[0]);
    lx_strbuf_clear(&msg);
    lx_strbuf_printf(&msg, "%lld %lld %s\n", assign[0], assign[1], host);
    size_t before = msg.len;
    lx_error err;
    double b0 = lx_seconds();
    if (lx_run_block(m, v.items, v.n, (size_t)assign[1], &v.opt, &msg, &err)) {
      fprintf(stderr, "lynxeval-mpi: rank %d on host %s: %s\n", rank, host, err.msg);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    busy += lx_seconds() - b0;
    blocks++;
    for (size_t k = before; k < msg.len; k++) items += msg.p[k] == '\n';
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddNumberToObject(f, "rank", rank);
  cJSON_AddStringToObject(f, "host", host);
  cJSON_AddNumberToObject(f, "pid", (double)getpid());
  add_device(f);
  cJSON_AddNumberToObject(f, "threads", lx_threads_count());
  cJSON_AddStringToObject(f, "kernels", lx_cpu_kernel_family());
  cJSON_AddNumberToObject(f, "items", (double)items);
  cJSON_AddNumberToObject(f, "blocks", (double)blocks);
  cJSON_AddNumberToObject(f, "busy_seconds", busy);
  cJSON_AddNumberToObject(f, "idle_seconds", lx_seconds() - t0 - busy);
  cJSON_AddNumberToObject(f, "cpu_seconds", cpu_seconds() - cpu0);
  cJSON_AddNumberToObject(f, "wait_cpu_seconds", wait_cpu);
  char *text = cJSON_PrintUnformatted(f);
  cJSON_Delete(f);
  MPI_Request req;
  MPI_Isend(text, (int)strlen(text), MPI_CHAR, 0, TAG_STATS, MPI_COMM_WORLD, &req);
  quiet_wait(&req, NULL);
  free(text);
  lx_strbuf_free(&msg);
  MPI_Finalize();
  return LX_OK;
}

/* Rank 0 failed before handing out any block: each worker is told to stop at its first
 * request and sends its figures, so that the job ends cleanly with rank 0's message. */
static void release_workers(int size) {
  for (int pending = size - 1; pending > 0;) {
    MPI_Status st;
    int count;
    free(next_message(&st, &count, NULL, NULL));
    if (st.MPI_TAG == TAG_STATS) {
      pending--;
    } else {
      long long stop[2] = {-1, 0};
      MPI_Request req;
      MPI_Isend(stop, 2, MPI_LONG_LONG, st.MPI_SOURCE, TAG_ASSIGN, MPI_COMM_WORLD, &req);
      quiet_wait(&req, NULL);
    }
  }
  MPI_Finalize();
}

int lx_mpi_run(lx_run_plan *pl, const lx_mpi_options *opt, const lx_run_events *ev, bool *scored,
               lx_error *err) {
  *scored = false;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (check_fingerprints(pl, rank, size, err)) {
    MPI_Finalize();
    return LX_ERR;
  }
  if (rank != 0) return work(pl, rank);
  dispatcher d = {0};
  d.plan = pl;
  d.opt = opt;
  d.size = size;
  d.started = lx_seconds();
  d.cpu_started = cpu_seconds();
  pthread_mutex_init(&d.lock, NULL);
  lx_run_dispatcher disp = {answer, record, &d};
  lx_run_plan_dispatch(pl, &disp);
  int rc = lx_run_execute(pl, ev, scored, err);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) release_workers(size); /* it failed before the dispatch began */
  int n_tasks = lx_run_plan_task_count(pl);
  for (int t = 0; d.answered && t < n_tasks; t++) free(d.answered[t]);
  free(d.answered);
  free(d.blocks);
  free(d.durations);
  cJSON_Delete(d.ranks);
  pthread_mutex_destroy(&d.lock);
  return rc;
}
