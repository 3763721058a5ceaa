/* bench_kernels.c: running, judging and printing the kernel benchmarks. */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_kernels.h"
#include "bench/ceilings.h"
#include "bench/kernel_cases.h"
#include "bench/run_info.h"
#include "common/jsonutil.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(double *v, int n) { /* sorts v */
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static cJSON *ceilings_json(const lx_ceilings *c) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "threads", c->threads);
  cJSON_AddNumberToObject(o, "f32_gflops", c->f32_gflops);
  cJSON_AddNumberToObject(o, "f32_gflops_1t", c->f32_gflops_1t);
  cJSON_AddNumberToObject(o, "bf16_gflops", c->bf16_gflops);
  cJSON_AddNumberToObject(o, "bf16_gflops_1t", c->bf16_gflops_1t);
  cJSON_AddNumberToObject(o, "amx_gflops", c->amx_gflops);
  cJSON_AddNumberToObject(o, "amx_gflops_1t", c->amx_gflops_1t);
  cJSON_AddNumberToObject(o, "read_gbs", c->read_gbs);
  cJSON_AddNumberToObject(o, "read_gbs_1t", c->read_gbs_1t);
  return o;
}

cJSON *lx_bench_kernel_entry(const lx_kernel_result *k) {
  const lx_kernel_case *c = k->c;
  const double flops = lx_kernel_flops(c), bytes = lx_kernel_bytes(c);
  const double tol = lx_kernel_tolerance(c);
  char shape[96];
  lx_kernel_shape(c, shape, sizeof shape);
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "name", c->name);
  cJSON_AddStringToObject(e, "what", c->what);
  cJSON_AddStringToObject(e, "shape", shape);
  cJSON_AddStringToObject(e, "dtype", lx_dtype_name(c->dtype));
  cJSON_AddNumberToObject(e, "flops", flops);
  cJSON_AddNumberToObject(e, "bytes", bytes);
  cJSON_AddNumberToObject(e, "reps", k->t.reps);
  cJSON_AddNumberToObject(e, "min_ms", k->t.min_s * 1e3);
  cJSON_AddNumberToObject(e, "median_ms", k->t.median_s * 1e3);
  cJSON_AddNumberToObject(e, "p99_ms", k->t.p99_s * 1e3);
  cJSON_AddNumberToObject(e, "mean_ms", k->t.mean_s * 1e3);
  cJSON_AddNumberToObject(e, "spread", k->t.spread);
  cJSON_AddNumberToObject(e, "gflops", flops / k->t.median_s / 1e9);
  cJSON_AddNumberToObject(e, "gbs", bytes / k->t.median_s / 1e9);
  cJSON_AddStringToObject(e, "bound", k->memory_bound ? "memory" : "compute");
  cJSON_AddStringToObject(e, "ceiling", k->ceiling);
  cJSON_AddNumberToObject(e, "ceiling_value", k->ceiling_value);
  cJSON_AddNumberToObject(e, "ceiling_spread", k->ceiling_spread);
  cJSON_AddNumberToObject(e, "floor_ms", k->floor_s * 1e3);
  cJSON_AddNumberToObject(e, "pct_of_ceiling", 100.0 * k->floor_s / k->t.median_s);
  cJSON_AddNumberToObject(e, "error", k->error);
  cJSON_AddNumberToObject(e, "tolerance", tol);
  cJSON_AddBoolToObject(e, "ok", k->error < tol);
  cJSON_AddNumberToObject(e, "rounds", k->rounds);
  cJSON_AddNumberToObject(e, "spread_between_rounds", k->spread_between_rounds);
  return e;
}

int lx_bench_filter_compile(regex_t *re, const char *filter, lx_error *err) {
  if (!filter) return LX_OK;
  int rc = regcomp(re, filter, REG_EXTENDED | REG_NOSUB);
  if (rc == 0) return LX_OK;
  char msg[256];
  regerror(rc, re, msg, sizeof msg);
  return lx_errorf(err, "--filter '%s': %s", filter, msg);
}

/* The compute ceiling of a kernel: the float32 FMA peak, or for products computed in bf16 the
 * highest of the units that arithmetic may run on (FMA on widened values, the bf16 dot product,
 * AMX tiles), whichever path the product takes (kernel_choice.h); its name in *name. */
static double compute_peak(const lx_kernel_case *c, const lx_ceilings *ceil, const char **name) {
  const char *n = "f32 peak";
  double peak = ceil->f32_gflops;
  if (c->bf16_compute && ceil->bf16_gflops > peak) peak = ceil->bf16_gflops, n = "bf16 peak";
  if (c->bf16_compute && ceil->amx_gflops > peak) peak = ceil->amx_gflops, n = "AMX peak";
  if (name) *name = n;
  return peak;
}

int lx_bench_kernels(const lx_bench_kernels_opts *o, cJSON **report, lx_error *err) {
  regex_t re;
  if (lx_bench_filter_compile(&re, o->filter, err) != LX_OK) return LX_ERR;
  int selected = 0;
  for (int i = 0; i < lx_n_kernel_cases; i++)
    selected += !o->filter || regexec(&re, lx_kernel_cases[i].name, 0, NULL, 0) == 0;
  if (!selected) {
    if (o->filter) regfree(&re);
    return lx_errorf(err, "--filter '%s' matches no kernel (see `lynxeval bench kernels --list`)",
                     o->filter);
  }

  if (o->progress) fprintf(o->progress, "measuring this machine's ceilings...\n");
  lx_ceilings ceil;
  lx_ceilings_measure(&ceil, o->backend->threads);
  if (o->progress)
    fprintf(o->progress,
            "ceilings on %d threads: f32 FMA %.0f GFLOP/s, bf16 dot %.0f GFLOP/s, read %.1f GB/s\n",
            o->backend->threads, ceil.f32_gflops, ceil.bf16_gflops, ceil.read_gbs);

  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "lynxeval_bench", "kernels");
  cJSON_AddItemToObject(r, "run", lx_bench_run_info(o->backend->threads));
  cJSON_AddStringToObject(r, "mode", o->timing.cold ? "cold" : "hot");
  cJSON_AddItemToObject(r, "ceilings", ceilings_json(&ceil));
  cJSON *list = cJSON_AddArrayToObject(r, "kernels");
  /* Rounds: every selected kernel once per round, so a slow drift of the machine (another tenant,
   * the memory-bandwidth state) lands in the spread between rounds instead of in one kernel. */
  const int rounds = o->rounds < 1 ? 1 : o->rounds > 16 ? 16 : o->rounds;
  lx_bench_opts per_round = o->timing;
  per_round.max_seconds = o->timing.max_seconds / rounds;
  typedef struct measured {
    lx_bench_timing t[16];
    double bw[16], error;
  } measured;
  measured *m = lx_xcalloc((size_t)lx_n_kernel_cases, sizeof *m);
  for (int round = 0; round < rounds; round++) {
    int done = 0;
    for (int i = 0; i < lx_n_kernel_cases; i++) {
      const lx_kernel_case *c = &lx_kernel_cases[i];
      if (o->filter && regexec(&re, c->name, 0, NULL, 0) != 0) continue;
      const double flops = lx_kernel_flops(c), bytes = lx_kernel_bytes(c);
      const double peak = compute_peak(c, &ceil, NULL);
      /* memory-bound kernels: the bandwidth of their own window */
      m[i].bw[round] = bytes / ceil.read_gbs > flops / peak ? lx_read_bandwidth(o->backend->threads)
                                                            : ceil.read_gbs;
      lx_kernel_state *s = lx_kernel_setup(c, 0x1234567ull + (unsigned long long)i, o->backend);
      lx_kernel_run(s);
      if (round == 0) m[i].error = lx_kernel_check(s);
      m[i].t[round] = lx_bench_time(lx_kernel_run, s, &per_round);
      lx_kernel_free(s);
      done++;
      if (o->progress)
        fprintf(o->progress, "round %d/%d [%d/%d] %-28s %9.3f ms%s\n", round + 1, rounds, done,
                selected, c->name, m[i].t[round].median_s * 1e3,
                m[i].error < lx_kernel_tolerance(c) ? "" : "  CHECK FAILED");
    }
  }
  for (int i = 0; i < lx_n_kernel_cases; i++) {
    const lx_kernel_case *c = &lx_kernel_cases[i];
    if (o->filter && regexec(&re, c->name, 0, NULL, 0) != 0) continue;
    const double flops = lx_kernel_flops(c), bytes = lx_kernel_bytes(c);
    const char *peak_name;
    const double peak = compute_peak(c, &ceil, &peak_name);
    const bool memory_bound = bytes / ceil.read_gbs > flops / peak;
    double med[16], bws[16], within[16];
    lx_bench_timing t = m[i].t[0];
    double sum_mean = 0;
    for (int k = 0; k < rounds; k++) {
      med[k] = m[i].t[k].median_s, bws[k] = m[i].bw[k], within[k] = m[i].t[k].spread;
      t.min_s = fmin(t.min_s, m[i].t[k].min_s);
      t.p99_s = fmax(t.p99_s, m[i].t[k].p99_s);
      if (k) t.reps += m[i].t[k].reps;
      sum_mean += m[i].t[k].mean_s;
    }
    t.mean_s = sum_mean / rounds;
    t.median_s = median_of(med, rounds);
    double lo = med[0], hi = med[0];
    for (int k = 0; k < rounds; k++) lo = fmin(lo, med[k]), hi = fmax(hi, med[k]);
    const double between = (hi - lo) / t.median_s;
    t.spread = fmax(median_of(within, rounds), between);
    const double bw = memory_bound ? median_of(bws, rounds) : ceil.read_gbs;
    /* how much the bandwidth window moved between rounds: a ratio normalized by it inherits it */
    double bw_lo = bws[0], bw_hi = bws[0];
    for (int k = 0; k < rounds; k++) bw_lo = fmin(bw_lo, bws[k]), bw_hi = fmax(bw_hi, bws[k]);
    const double ceiling_spread = memory_bound ? (bw_hi - bw_lo) / bw : 0;
    const double floor_s = fmax(flops / (peak * 1e9), bytes / (bw * 1e9));
    const double error = m[i].error;

    cJSON_AddItemToArray(list, lx_bench_kernel_entry(&(lx_kernel_result){
                                   .c = c,
                                   .t = t,
                                   .memory_bound = memory_bound,
                                   .ceiling = memory_bound ? "read bandwidth" : peak_name,
                                   .ceiling_value = memory_bound ? bw : peak,
                                   .ceiling_spread = ceiling_spread,
                                   .floor_s = floor_s,
                                   .error = error,
                                   .rounds = rounds,
                                   .spread_between_rounds = between}));
  }
  free(m);
  if (o->filter) regfree(&re);
  *report = r;
  return LX_OK;
}

void lx_bench_print_kernels(FILE *out, const cJSON *report) {
  const cJSON *run = cJSON_GetObjectItemCaseSensitive(report, "run");
  const cJSON *ce = cJSON_GetObjectItemCaseSensitive(report, "ceilings");
  if (*lx_json_string(run, "device")) { /* a GPU run */
    fprintf(out, "%s, %s mode, commit %s\n", lx_json_string(run, "device"),
            lx_json_string(report, "mode"), lx_json_string(run, "commit"));
    fprintf(out,
            "ceilings: cuBLASLt f32 %.0f GFLOP/s, bf16 %.0f GFLOP/s, device copy %.0f GB/s\n\n",
            lx_json_number(ce, "f32_gflops"), lx_json_number(ce, "bf16_gflops"),
            lx_json_number(ce, "read_gbs"));
  } else {
    fprintf(out, "%s, %g threads, %s kernels, %s mode, commit %s\n", lx_json_string(run, "cpu"),
            lx_json_number(run, "threads"), lx_json_string(run, "kernels"),
            lx_json_string(report, "mode"), lx_json_string(run, "commit"));
    fprintf(out, "ceilings: f32 FMA %.0f GFLOP/s (1 thread %.0f), bf16 dot %.0f (%.0f)",
            lx_json_number(ce, "f32_gflops"), lx_json_number(ce, "f32_gflops_1t"),
            lx_json_number(ce, "bf16_gflops"), lx_json_number(ce, "bf16_gflops_1t"));
    if (lx_json_number(ce, "amx_gflops") > 0)
      fprintf(out, ", AMX bf16 %.0f (%.0f)", lx_json_number(ce, "amx_gflops"),
              lx_json_number(ce, "amx_gflops_1t"));
    fprintf(out, ", read %.1f GB/s (%.1f)\n", lx_json_number(ce, "read_gbs"),
            lx_json_number(ce, "read_gbs_1t"));
    const cJSON *products = cJSON_GetObjectItemCaseSensitive(run, "products");
    const cJSON *f32 = cJSON_GetObjectItemCaseSensitive(products, "f32");
    const cJSON *bf16 = cJSON_GetObjectItemCaseSensitive(products, "bf16");
    if (f32 && bf16)
      fprintf(out, "products (%s): bf16-exact decode %s, prompt %s; bf16 decode %s, prompt %s\n",
              lx_json_string(products, "source"), lx_json_string(f32, "decode"),
              lx_json_string(f32, "prompt"), lx_json_string(bf16, "decode"),
              lx_json_string(bf16, "prompt"));
    fprintf(out, "\n");
  }
  fprintf(out,
          "| kernel | shape | median ms | min ms | p99 ms | GFLOP/s | GB/s | %% of ceiling | "
          "error | check |\n|---|---|---:|---:|---:|---:|---:|---|---:|---|\n");
  const cJSON *k;
  cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(report, "kernels")) {
    fprintf(out, "| %s | %s | %.3f | %.3f | %.3f | %.1f | %.1f | %.1f%% of %s | %.1e | %s |\n",
            lx_json_string(k, "name"), lx_json_string(k, "shape"), lx_json_number(k, "median_ms"),
            lx_json_number(k, "min_ms"), lx_json_number(k, "p99_ms"), lx_json_number(k, "gflops"),
            lx_json_number(k, "gbs"), lx_json_number(k, "pct_of_ceiling"),
            lx_json_string(k, "ceiling"), lx_json_number(k, "error"),
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k, "ok")) ? "ok" : "FAILED");
  }
}

int lx_bench_failed_checks(const cJSON *report) {
  int n = 0;
  const cJSON *k;
  cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(report, "kernels")) n +=
      !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k, "ok"));
  return n;
}
