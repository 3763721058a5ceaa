/* bench_kernels_cuda.c: `lynxeval bench kernels --device cuda` (bench_kernels.h). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_kernels.h"
#include "bench/kernel_cases.h"
#include "bench/run_info.h"
#include "model/backend.h"
#include "model/cuda/cuda_backend.h"

/* One case on the GPU: the host state (inputs, reference, output to check) and device copies. */
typedef struct gpu_case {
  const lx_kernel_case *c;
  lx_kernel_state *s;
  lx_kernel_arrays a;
  float *x, *y, *aux, *g, *b, *cos_sin, *w32;
  uint16_t *w16;
  int *pos;
} gpu_case;

/* Whether the GPU has this case: bf16 attention does not exist there yet. */
static bool gpu_runs(const lx_kernel_case *c) {
  return !(c->kind == LXK_ATTENTION && c->bf16_compute);
}

static void *upload(const void *host, size_t bytes, lx_error *err, int *rc) {
  if (*rc != LX_OK || !host) return NULL;
  void *p = lx_cuda_alloc(bytes, err);
  if (!p || lx_cuda_upload(p, host, bytes, err) != LX_OK) *rc = LX_ERR;
  return p;
}

static void gpu_case_free(gpu_case *g) {
  lx_cuda_free(g->x), lx_cuda_free(g->y), lx_cuda_free(g->aux), lx_cuda_free(g->g);
  lx_cuda_free(g->b), lx_cuda_free(g->cos_sin), lx_cuda_free(g->w32), lx_cuda_free(g->w16);
  lx_cuda_free(g->pos);
  lx_kernel_free(g->s);
}

static int gpu_case_setup(gpu_case *g, const lx_kernel_case *c, unsigned long long seed,
                          lx_error *err) {
  memset(g, 0, sizeof *g);
  g->c = c;
  g->s = lx_kernel_setup(c, seed, NULL);
  lx_kernel_arrays_of(g->s, &g->a);
  const lx_kernel_arrays *a = &g->a;
  int rc = LX_OK;
  g->x = upload(a->x, a->x_len * sizeof(float), err, &rc);
  g->y = upload(a->y, a->y_len * sizeof(float), err, &rc);
  g->aux = upload(a->aux, a->aux_len * sizeof(float), err, &rc);
  g->g = upload(a->g, a->g_len * sizeof(float), err, &rc);
  g->b = upload(a->b, a->g_len * sizeof(float), err, &rc);
  g->cos_sin = upload(a->cos_sin, a->cos_sin_len * sizeof(float), err, &rc);
  g->pos = upload(a->pos, a->pos_len * sizeof(int), err, &rc);
  if (c->kind == LXK_LINEAR && a->w16 && !c->bf16_compute) {
    /* bf16 weights in the exact precision: their float32 values, multiplied in float32 */
    float *wide = lx_xcalloc(a->w_len, sizeof(float));
    for (size_t i = 0; i < a->w_len; i++) wide[i] = lx_bf16_to_f32(a->w16[i]);
    g->w32 = upload(wide, a->w_len * sizeof(float), err, &rc);
    free(wide);
  } else {
    g->w32 = upload(a->w32, a->w_len * sizeof(float), err, &rc);
    g->w16 = upload(a->w16, a->w_len * sizeof(uint16_t), err, &rc);
  }
  if (rc != LX_OK) gpu_case_free(g);
  return rc;
}

/* One call, as lx_kernel_run does it on the CPU (in-place kernels first copy x to y). */
static void gpu_case_run(void *ctx) {
  const gpu_case *g = ctx;
  const lx_kernel_case *c = g->c;
  const size_t rows = (size_t)c->m, width = (size_t)c->n;
  switch (c->kind) {
    case LXK_LINEAR:
      if (g->w16)
        lx_cuda_linear_bf16(g->y, c->n, g->x, c->k, c->m, g->w16, c->n, c->k, NULL, false);
      else
        lx_cuda_linear_f32(g->y, c->n, g->x, c->k, c->m, g->w32, c->n, c->k, NULL, false);
      break;
    case LXK_ATTENTION: {
      const int d = c->heads * c->head_dim;
      lx_cuda_attention(&(lx_attention_args){.n_q = c->m,
                                             .n_kv = c->n,
                                             .heads = c->heads,
                                             .head_dim = c->head_dim,
                                             .q = g->x,
                                             .ldq = d,
                                             .k = g->aux,
                                             .ldk = d,
                                             .v = g->aux + width * d,
                                             .ldv = d,
                                             .out = g->y,
                                             .ldo = d,
                                             .scale = 1.0f / sqrtf((float)c->head_dim),
                                             .causal = c->causal,
                                             .q_pos0 = c->n - c->m});
      break;
    }
    case LXK_RMSNORM:
      lx_cuda_rmsnorm(g->y, g->x, c->m, c->n, g->g, 1e-6f);
      break;
    case LXK_LAYERNORM:
      lx_cuda_layernorm(g->y, g->x, c->m, c->n, g->g, g->b, 1e-6f);
      break;
    case LXK_SOFTMAX:
      lx_cuda_copy_async(g->y, g->x, rows * width * sizeof(float));
      lx_cuda_softmax(g->y, c->m, c->n);
      break;
    case LXK_ROPE:
      lx_cuda_copy_async(g->y, g->x, rows * width * sizeof(float));
      lx_cuda_rope(g->y, c->m, c->n, c->heads, c->head_dim, g->pos, g->cos_sin);
      break;
    case LXK_GELU:
      lx_cuda_copy_async(g->y, g->x, rows * width * sizeof(float));
      lx_cuda_gelu(g->y, rows * width);
      break;
    case LXK_SILU_MUL:
      lx_cuda_copy_async(g->y, g->x, rows * width * sizeof(float));
      lx_cuda_silu_mul(g->y, g->aux, rows * width);
      break;
  }
}

static double gpu_seconds(void (*fn)(void *ctx), void *ctx) {
  return lx_cuda_time_ms(fn, ctx) * 1e-3;
}

int lx_bench_kernels_cuda(const lx_bench_kernels_opts *o, cJSON **report, lx_error *err) {
  regex_t re;
  if (lx_bench_filter_compile(&re, o->filter, err) != LX_OK) return LX_ERR;
#define SELECTED(c) (gpu_runs(c) && (!o->filter || regexec(&re, (c)->name, 0, NULL, 0) == 0))
  int selected = 0;
  for (int i = 0; i < lx_n_kernel_cases; i++) selected += SELECTED(&lx_kernel_cases[i]);
  int rc = LX_OK;
  if (!selected)
    rc = lx_errorf(err, "--filter '%s' matches no kernel the GPU runs (see --list)",
                   o->filter ? o->filter : "");
  if (rc == LX_OK) rc = lx_cuda_init(0, err);
  if (rc != LX_OK) {
    if (o->filter) regfree(&re);
    return rc;
  }
  char device[256];
  lx_cuda_describe(device, sizeof device);
  if (o->progress) fprintf(o->progress, "measuring the ceilings of %s...\n", device);
  const double copy_gbs = lx_cuda_copy_gbs(), bf16_peak = lx_cuda_peak_gflops(true);
  const double f32_peak = lx_cuda_peak_gflops(false);
  if (lx_cuda_sync(err) != LX_OK || !(copy_gbs > 0 && bf16_peak > 0 && f32_peak > 0)) {
    if (o->filter) regfree(&re);
    return err->msg[0] ? LX_ERR : lx_errorf(err, "the GPU's ceilings could not be measured");
  }

  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "lynxeval_bench", "kernels");
  cJSON *run = lx_bench_run_info(o->backend->threads);
  cJSON_ReplaceItemInObject(run, "kernels", cJSON_CreateString("cuda"));
  cJSON_AddStringToObject(run, "device", device);
  cJSON_AddItemToObject(r, "run", run);
  cJSON_AddStringToObject(r, "mode", o->timing.cold ? "cold" : "hot");
  cJSON *ce = cJSON_AddObjectToObject(r, "ceilings");
  cJSON_AddNumberToObject(ce, "f32_gflops", f32_peak);
  cJSON_AddNumberToObject(ce, "bf16_gflops", bf16_peak);
  cJSON_AddNumberToObject(ce, "read_gbs", copy_gbs); /* device copy: read + written bytes */
  cJSON *list = cJSON_AddArrayToObject(r, "kernels");

  lx_bench_opts timing = o->timing;
  timing.time_call = gpu_seconds;
  timing.flush = lx_cuda_flush_l2;
  int done = 0;
  for (int i = 0; i < lx_n_kernel_cases && rc == LX_OK; i++) {
    const lx_kernel_case *c = &lx_kernel_cases[i];
    if (!SELECTED(c)) continue;
    gpu_case g;
    rc = gpu_case_setup(&g, c, 0x1234567ull + (unsigned long long)i, err);
    if (rc != LX_OK) break;
    gpu_case_run(&g);
    rc = lx_cuda_sync(err);
    if (rc == LX_OK) rc = lx_cuda_download(g.a.y, g.y, g.a.y_len * sizeof(float), err);
    if (rc != LX_OK) {
      char why[LX_ERROR_MAX];
      snprintf(why, sizeof why, "%s", err->msg);
      lx_errorf(err, "%s: %.900s", c->name, why);
      gpu_case_free(&g);
      break;
    }
    const double error = lx_kernel_check(g.s), tol = lx_kernel_tolerance(c);
    lx_bench_timing t = lx_bench_time(gpu_case_run, &g, &timing);
    rc = lx_cuda_sync(err);
    gpu_case_free(&g);
    if (rc != LX_OK) break;
    const double flops = lx_kernel_flops(c), bytes = lx_kernel_bytes(c);
    const bool use_bf16 = c->kind == LXK_LINEAR && c->bf16_compute;
    const double peak = use_bf16 ? bf16_peak : f32_peak;
    const bool memory_bound = bytes / copy_gbs > flops / peak;
    const double floor_s = fmax(flops / (peak * 1e9), bytes / (copy_gbs * 1e9));
    cJSON_AddItemToArray(list, lx_bench_kernel_entry(&(lx_kernel_result){
                                   .c = c,
                                   .t = t,
                                   .memory_bound = memory_bound,
                                   .ceiling = memory_bound ? "copy bandwidth"
                                              : use_bf16   ? "bf16 peak"
                                                           : "f32 peak",
                                   .ceiling_value = memory_bound ? copy_gbs : peak,
                                   .floor_s = floor_s,
                                   .error = error,
                                   .rounds = 1}));
    done++;
    if (o->progress)
      fprintf(o->progress, "[%d/%d] %-28s %9.3f ms%s\n", done, selected, c->name, t.median_s * 1e3,
              error < tol ? "" : "  CHECK FAILED");
  }
#undef SELECTED
  if (o->filter) regfree(&re);
  if (rc != LX_OK) {
    cJSON_Delete(r);
    return rc;
  }
  *report = r;
  return LX_OK;
}
