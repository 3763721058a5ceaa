#include "model/threads.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int n_threads;         /* 0 until initialised */
static int n_workers_started; /* worker threads alive (they never exit) */
static unsigned long generation;
static int pending; /* chunks not finished in the current job */
static struct {
  lx_range_fn fn;
  void *ctx;
  int n_items, n_chunks;
} job;
static _Thread_local int in_worker;
/* Serializes callers: one job at a time runs on the pool. */
static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_chunk(int chunk) {
  long begin = (long)job.n_items * chunk / job.n_chunks;
  long end = (long)job.n_items * (chunk + 1) / job.n_chunks;
  if (end > begin) job.fn(job.ctx, (int)begin, (int)end);
}

static void *worker_main(void *arg) {
  int id = (int)(long)arg; /* 1 .. n_workers */
  in_worker = 1;
  unsigned long seen = 0;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&work_cv, &mu);
    seen = generation;
    int mine = id < job.n_chunks;
    pthread_mutex_unlock(&mu);
    if (mine) run_chunk(id);
    pthread_mutex_lock(&mu);
    if (mine && --pending == 0) pthread_cond_signal(&done_cv);
  }
  return NULL;
}

static int default_threads(void) {
  const char *env = getenv("LYNXEVAL_THREADS");
  if (env && *env) {
    char *end;
    long v = strtol(env, &end, 10);
    if (*end == '\0' && v >= 1 && v <= MAX_THREADS) return (int)v;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores;
}

void lx_threads_set(int n) {
  if (n <= 0) n = default_threads();
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&mu);
  n_threads = n;
  while (n_workers_started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker_main, (void *)(long)(n_workers_started + 1)) != 0) {
      pthread_attr_destroy(&attr);
      n_threads = n_workers_started + 1; /* fewer threads than asked: still correct */
      break;
    }
    pthread_attr_destroy(&attr);
    n_workers_started++;
  }
  pthread_mutex_unlock(&mu);
  openblas_set_num_threads(n);
}

int lx_threads_count(void) {
  pthread_mutex_lock(&mu);
  int n = n_threads;
  pthread_mutex_unlock(&mu);
  if (n == 0) {
    lx_threads_set(0);
    pthread_mutex_lock(&mu);
    n = n_threads;
    pthread_mutex_unlock(&mu);
  }
  return n;
}

void lx_parallel_for(int n_items, int grain, lx_range_fn fn, void *ctx) {
  if (n_items <= 0) return;
  if (grain < 1) grain = 1;
  int threads = lx_threads_count();
  int chunks = (n_items + grain - 1) / grain;
  if (chunks > threads) chunks = threads;
  if (chunks <= 1 || in_worker) {
    fn(ctx, 0, n_items);
    return;
  }
  pthread_mutex_lock(&call_mu);
  pthread_mutex_lock(&mu);
  job.fn = fn;
  job.ctx = ctx;
  job.n_items = n_items;
  job.n_chunks = chunks;
  pending = chunks - 1; /* chunk 0 runs here */
  generation++;
  pthread_cond_broadcast(&work_cv);
  pthread_mutex_unlock(&mu);
  in_worker = 1;
  run_chunk(0);
  in_worker = 0;
  pthread_mutex_lock(&mu);
  while (pending > 0) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&call_mu);
}
