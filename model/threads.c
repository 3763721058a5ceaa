#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "model/threads.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define CHUNK_BITS  9 /* a ticket's low bits: the threads taking part, at most MAX_THREADS */

/* Waiting first spins (SPIN_ROUNDS checks a few cycles apart, some microseconds), then yields the
 * core (YIELD_ROUNDS checks, each after sched_yield: other threads on the core, such as
 * OpenBLAS's, run first), and only then sleeps. Decode dispatches a few hundred short jobs per
 * token, and a sleeping worker takes tens of microseconds to wake; a worker that only spun would
 * hold the core that OpenBLAS's threads need between the jobs of a float32 model. */
#define SPIN_ROUNDS  256
#define YIELD_ROUNDS 1024

/* Dynamic jobs are cut into this many chunks per thread, so that a thread slowed by something
 * else on its core (a shared host, an interrupt) leaves its remaining chunks to the others. */
#define DYNAMIC_CHUNKS 8

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Waits a while for *v to differ from `old` (spinning, then yielding); returns its last value. */
static unsigned long wait_briefly(atomic_ulong *v, unsigned long old) {
  unsigned long now = atomic_load_explicit(v, memory_order_acquire);
  for (int i = 0; i < SPIN_ROUNDS + YIELD_ROUNDS && now == old; i++) {
    if (i < SPIN_ROUNDS)
      cpu_relax();
    else
      sched_yield();
    now = atomic_load_explicit(v, memory_order_acquire);
  }
  return now;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int n_threads;         /* 0 until initialised */
static int n_workers_started; /* worker threads alive (they never exit) */
/* (job number << CHUNK_BITS) | threads taking part: a new value publishes a job (release) */
static atomic_ulong ticket;
static atomic_ulong pending;  /* workers still busy with the current job */
static atomic_int next_chunk; /* dynamic jobs: the next chunk not yet claimed */
static struct {
  lx_range_fn fn;
  void *ctx;
  int n_items, n_chunks;
  bool dynamic; /* chunks claimed one by one (more chunks than threads) or chunk = thread */
} job;          /* read only by the threads taking part in it */
static _Thread_local int in_worker;
/* lx_threads_measure_handoffs: whether dispatch times itself, and the seconds counted so far */
static atomic_bool measuring;
static double handoff_seconds;
/* Serializes callers: one job at a time runs on the pool. */
static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_chunk(int chunk) {
  long begin = (long)job.n_items * chunk / job.n_chunks;
  long end = (long)job.n_items * (chunk + 1) / job.n_chunks;
  if (end > begin) job.fn(job.ctx, (int)begin, (int)end);
}

/* Thread `id`'s part of the job: its own chunk, or chunks claimed until none is left. */
static void run_share(int id) {
  if (!job.dynamic) {
    run_chunk(id);
    return;
  }
  for (;;) {
    int c = atomic_fetch_add_explicit(&next_chunk, 1, memory_order_relaxed);
    if (c >= job.n_chunks) return;
    run_chunk(c);
  }
}

/* The next ticket after `seen`: spins a while, then sleeps until one is published. */
static unsigned long next_ticket(unsigned long seen) {
  unsigned long t = wait_briefly(&ticket, seen);
  if (t != seen) return t;
  pthread_mutex_lock(&mu);
  while ((t = atomic_load_explicit(&ticket, memory_order_acquire)) == seen)
    pthread_cond_wait(&work_cv, &mu);
  pthread_mutex_unlock(&mu);
  return t;
}

static void *worker_main(void *arg) {
  int id = (int)(long)arg; /* 1 .. n_workers */
  in_worker = 1;
  unsigned long seen = 0;
  for (;;) {
    seen = next_ticket(seen);
    if (id >= (int)(seen & ((1ul << CHUNK_BITS) - 1))) continue; /* not taking part */
    run_share(id);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&mu); /* the caller may be asleep on done_cv */
      pthread_cond_signal(&done_cv);
      pthread_mutex_unlock(&mu);
    }
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
  long cores = lx_cpus_usable();
  return cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores;
}

int lx_cpus_usable(void) {
  /* the CPUs this process may run on: fewer than those online under mpirun's or srun's binding,
   * taskset or a cgroup's cpuset */
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online < 1 ? 1 : (int)online;
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

static void dispatch(int n_items, int grain, lx_range_fn fn, void *ctx, bool dynamic) {
  if (n_items <= 0) return;
  if (grain < 1) grain = 1;
  const int threads = lx_threads_count();
  const int units = (n_items + grain - 1) / grain;
  int chunks = units < threads ? units : threads;
  if (chunks <= 1 || in_worker) {
    fn(ctx, 0, n_items);
    return;
  }
  const int participants = chunks;
  if (dynamic) chunks = units < threads * DYNAMIC_CHUNKS ? units : threads * DYNAMIC_CHUNKS;
  pthread_mutex_lock(&call_mu);
  const bool timed = atomic_load_explicit(&measuring, memory_order_relaxed);
  struct timespec t0, t1, t2, t3;
  if (timed) clock_gettime(CLOCK_MONOTONIC, &t0);
  job.fn = fn;
  job.ctx = ctx;
  job.n_items = n_items;
  job.n_chunks = chunks;
  job.dynamic = dynamic;
  atomic_store_explicit(&next_chunk, 0, memory_order_relaxed);
  /* the workers taking part (this thread is not counted) */
  atomic_store_explicit(&pending, (unsigned long)participants - 1, memory_order_relaxed);
  pthread_mutex_lock(&mu); /* publishing under mu: a worker about to sleep sees it or is woken */
  unsigned long number = (atomic_load_explicit(&ticket, memory_order_relaxed) >> CHUNK_BITS) + 1;
  atomic_store_explicit(&ticket, number << CHUNK_BITS | (unsigned long)participants,
                        memory_order_release);
  pthread_cond_broadcast(&work_cv);
  pthread_mutex_unlock(&mu);
  in_worker = 1;
  if (timed) clock_gettime(CLOCK_MONOTONIC, &t1);
  run_share(0);
  if (timed) clock_gettime(CLOCK_MONOTONIC, &t2);
  in_worker = 0;
  unsigned long left = atomic_load_explicit(&pending, memory_order_acquire);
  while (left > 0) { /* wait_briefly returns as soon as one more worker has finished */
    const unsigned long now = wait_briefly(&pending, left);
    if (now == left) break;
    left = now;
  }
  if (left > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0)
      pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  if (timed) {
    clock_gettime(CLOCK_MONOTONIC, &t3);
    const double whole = (double)(t3.tv_sec - t0.tv_sec) + 1e-9 * (double)(t3.tv_nsec - t0.tv_nsec);
    const double own = (double)(t2.tv_sec - t1.tv_sec) + 1e-9 * (double)(t2.tv_nsec - t1.tv_nsec);
    handoff_seconds += whole - own; /* under call_mu */
  }
  pthread_mutex_unlock(&call_mu);
}

void lx_threads_measure_handoffs(bool on) {
  atomic_store_explicit(&measuring, on, memory_order_relaxed);
}

double lx_threads_handoff_seconds(void) {
  pthread_mutex_lock(&call_mu);
  double s = handoff_seconds;
  pthread_mutex_unlock(&call_mu);
  return s;
}

void lx_parallel_for(int n_items, int grain, lx_range_fn fn, void *ctx) {
  dispatch(n_items, grain, fn, ctx, false);
}

void lx_parallel_for_dynamic(int n_items, int grain, lx_range_fn fn, void *ctx) {
  dispatch(n_items, grain, fn, ctx, true);
}
