/* backend_profile.c: the timing backend (backend_profile.h). */
#include "model/backend_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "model/threads.h"

typedef struct profiler {
  lx_backend base;
  lx_backend_ops ops; /* profiler_ops, with the inner backend's host_memory */
  lx_backend *inner;
  bool on;
  int region; /* the marked LLM layer, LX_PROFILE_MAX_REGIONS for the head, -1 for none */
  lx_profile prof;
} profiler;

static profiler *prof_of(lx_backend *be) {
  return (profiler *)be;
}

/* The part named `name` (created at first use; the last part takes any overflow). */
static lx_profile_part *part_named(lx_profile *p, const char *name) {
  for (int i = 0; i < p->n_parts; i++)
    if (strcmp(p->parts[i].name, name) == 0) return &p->parts[i];
  if (p->n_parts == LX_PROFILE_MAX_PARTS) return &p->parts[LX_PROFILE_MAX_PARTS - 1];
  lx_profile_part *part = &p->parts[p->n_parts++];
  snprintf(part->name, sizeof part->name, "%s", name);
  return part;
}

/* A weight's role: its name without the layer or block index and ".weight"
 * ("llm.layers.3.attn.q.weight" -> "llm.layers.attn.q", "vit.blocks.0.mlp.fc1.weight" ->
 * "vit.blocks.mlp.fc1"). */
static void role_of(const char *weight, char *out, size_t size) {
  size_t n = 0;
  const char *s = weight ? weight : "?";
  while (*s) {
    const char *end = strchr(s, '.');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    bool number = len > 0 && strspn(s, "0123456789") == len;
    bool last_weight = !end && len == 6 && strncmp(s, "weight", 6) == 0;
    if (!number && !last_weight && n + len + 2 < size) {
      if (n) out[n++] = '.';
      memcpy(out + n, s, len);
      n += len;
    }
    s += len;
    if (*s == '.') s++;
  }
  out[n] = '\0';
}

typedef struct call_clock {
  double t0, handoff0;
} call_clock;

static call_clock begin_call(profiler *p) {
  p->inner->precision = p->base.precision; /* the network may change it between calls */
  call_clock c = {0, 0};
  if (p->on) c = (call_clock){lx_seconds(), lx_threads_handoff_seconds()};
  return c;
}

static void end_call(profiler *p, call_clock c, const char *name) {
  if (!p->on) return;
  const double dt = lx_seconds() - c.t0, handoff = lx_threads_handoff_seconds() - c.handoff0;
  lx_profile_part *part = part_named(&p->prof, name);
  part->seconds += dt;
  part->handoff_seconds += handoff;
  part->calls++;
  if (p->region >= 0 && p->region < LX_PROFILE_MAX_REGIONS)
    p->prof.layer_seconds[p->region] += dt;
  else if (p->region == LX_PROFILE_MAX_REGIONS)
    p->prof.head_seconds += dt;
  else
    p->prof.other_seconds += dt;
}

#define TIMED(name, call)           \
  do {                              \
    profiler *p_ = prof_of(be);     \
    call_clock c_ = begin_call(p_); \
    p_->inner->ops->call;           \
    end_call(p_, c_, name);         \
  } while (0)

static void pr_free(lx_backend *be) {
  lx_threads_measure_handoffs(false);
  free(prof_of(be));
}

static int pr_sync(lx_backend *be, lx_error *err) {
  return prof_of(be)->inner->ops->sync(prof_of(be)->inner, err);
}

static void pr_linear(lx_backend *be, float *y, const float *x, int M, const lx_tensor *w,
                      const float *bias, bool accumulate) {
  char role[96], name[104];
  role_of(w->name, role, sizeof role);
  snprintf(name, sizeof name, "linear %s", role);
  TIMED(name, linear(prof_of(be)->inner, y, x, M, w, bias, accumulate));
}

static void pr_linear_shared_input(lx_backend *be, float *const *ys, const lx_tensor *const *ws,
                                   int count, const float *x, int M) {
  /* "linear llm.attn.q+k+v": the first role, then the others' last component */
  char role[96], name[160];
  role_of(ws[0]->name, role, sizeof role);
  snprintf(name, sizeof name, "linear %s", role);
  for (int i = 1; i < count; i++) {
    char other[96];
    role_of(ws[i]->name, other, sizeof other);
    const char *last = strrchr(other, '.');
    size_t n = strlen(name);
    snprintf(name + n, sizeof name - n, "+%s", last ? last + 1 : other);
  }
  TIMED(name, linear_shared_input(prof_of(be)->inner, ys, ws, count, x, M));
}

static void pr_embedding(lx_backend *be, float *out, const lx_tensor *table, const int *ids,
                         int n) {
  TIMED("embedding", embedding(prof_of(be)->inner, out, table, ids, n));
}
static void pr_layernorm(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                         const float *b, float eps) {
  TIMED("layernorm", layernorm(prof_of(be)->inner, y, x, M, D, g, b, eps));
}
static void pr_rmsnorm(lx_backend *be, float *y, const float *x, int M, int D, const float *g,
                       float eps) {
  TIMED("rmsnorm", rmsnorm(prof_of(be)->inner, y, x, M, D, g, eps));
}
static void pr_gelu(lx_backend *be, float *x, size_t n) {
  TIMED("gelu", gelu(prof_of(be)->inner, x, n));
}
static void pr_quick_gelu(lx_backend *be, float *x, size_t n) {
  TIMED("quick_gelu", quick_gelu(prof_of(be)->inner, x, n));
}
static void pr_silu(lx_backend *be, float *x, size_t n) {
  TIMED("silu", silu(prof_of(be)->inner, x, n));
}
static void pr_silu_mul(lx_backend *be, float *gate, const float *up, size_t n) {
  TIMED("silu_mul", silu_mul(prof_of(be)->inner, gate, up, n));
}
static void pr_add(lx_backend *be, float *y, const float *x, size_t n) {
  TIMED("add (residual)", add(prof_of(be)->inner, y, x, n));
}
static void pr_axpy(lx_backend *be, float *y, float a, const float *x, size_t n) {
  TIMED("axpy", axpy(prof_of(be)->inner, y, a, x, n));
}
static void pr_softmax(lx_backend *be, float *x, int rows, int n) {
  TIMED("softmax", softmax(prof_of(be)->inner, x, rows, n));
}
static void pr_rope(lx_backend *be, float *x, int T, int ld, int heads, int head_dim,
                    const int *pos, const float *cos_sin) {
  TIMED("rope", rope(prof_of(be)->inner, x, T, ld, heads, head_dim, pos, cos_sin));
}
static void pr_attention(lx_backend *be, const lx_attention_args *a) {
  TIMED("attention (scores, softmax, values)", attention(prof_of(be)->inner, a));
}

static void pr_mark(lx_backend *be, const char *region, int index) {
  profiler *p = prof_of(be);
  if (strcmp(region, "llm.layer") == 0 && index >= 0) {
    p->region = index < LX_PROFILE_MAX_REGIONS ? index : LX_PROFILE_MAX_REGIONS - 1;
    if (p->on && p->region + 1 > p->prof.n_layers) p->prof.n_layers = p->region + 1;
  } else if (strcmp(region, "llm.head") == 0) {
    p->region = LX_PROFILE_MAX_REGIONS;
  } else {
    p->region = -1;
  }
  lx_mark(p->inner, region, index);
}

static const lx_backend_ops profiler_ops = {
    .name = "profiler",
    .host_memory = true, /* each profiler's copy takes the inner backend's */
    .free = pr_free,
    .sync = pr_sync,
    .linear = pr_linear,
    .linear_shared_input = pr_linear_shared_input,
    .embedding = pr_embedding,
    .layernorm = pr_layernorm,
    .rmsnorm = pr_rmsnorm,
    .gelu = pr_gelu,
    .quick_gelu = pr_quick_gelu,
    .silu = pr_silu,
    .silu_mul = pr_silu_mul,
    .add = pr_add,
    .axpy = pr_axpy,
    .softmax = pr_softmax,
    .rope = pr_rope,
    .attention = pr_attention,
    .mark = pr_mark,
};
lx_backend *lx_backend_profiler_new(lx_backend *inner) {
  profiler *p = calloc(1, sizeof *p);
  if (!p) abort(); /* out of memory: as lx_xmalloc */
  p->ops = profiler_ops;
  p->ops.host_memory = inner->ops->host_memory;
  p->base = (lx_backend){&p->ops, inner->precision, inner->threads};
  p->inner = inner;
  p->region = -1;
  return &p->base;
}

bool lx_backend_is_profiler(const lx_backend *be) {
  return be->ops->free == pr_free;
}

void lx_profiler_start(lx_backend *be) {
  profiler *p = prof_of(be);
  memset(&p->prof, 0, sizeof p->prof);
  lx_threads_measure_handoffs(true);
  p->on = true;
}

void lx_profiler_stop(lx_backend *be) {
  prof_of(be)->on = false;
  lx_threads_measure_handoffs(false);
}

const lx_profile *lx_profiler_result(const lx_backend *be) {
  return &((const profiler *)be)->prof;
}
