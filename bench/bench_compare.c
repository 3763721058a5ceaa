/* bench_compare.c: kernel reports side by side, with a noise rule. */
#include <math.h>
#include <string.h>

#include "bench/bench_compare.h"

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = get(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key) {
  const cJSON *v = get(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

int lx_bench_validate(const cJSON *r, const char *file, lx_error *err) {
  if (!cJSON_IsObject(r) || strcmp(str(r, "lynxeval_bench"), "kernels") != 0)
    return lx_errorf(err,
                     "%s: not a `lynxeval bench kernels --json` report "
                     "(no \"lynxeval_bench\": \"kernels\")",
                     file);
  const cJSON *list = get(r, "kernels");
  if (!cJSON_IsArray(list)) return lx_errorf(err, "%s: \"kernels\" is not an array", file);
  int i = 0;
  const cJSON *k;
  cJSON_ArrayForEach(k, list) {
    if (!cJSON_IsString(get(k, "name")))
      return lx_errorf(err, "%s: kernels[%d] has no \"name\"", file, i);
    static const char *const keys[] = {"median_ms", "spread", "ceiling_value"};
    for (int j = 0; j < 3; j++) {
      double v = num(k, keys[j]);
      if (!(v >= 0) || !isfinite(v))
        return lx_errorf(err, "%s: kernel '%s': \"%s\" must be a finite number >= 0", file,
                         str(k, "name"), keys[j]);
    }
    if (!(num(k, "median_ms") > 0) || !(num(k, "ceiling_value") > 0))
      return lx_errorf(err, "%s: kernel '%s': median_ms and ceiling_value must be > 0", file,
                       str(k, "name"));
    i++;
  }
  return LX_OK;
}

static const cJSON *find(const cJSON *report, const char *name) {
  const cJSON *k;
  cJSON_ArrayForEach(k, get(report, "kernels")) if (strcmp(str(k, "name"), name) == 0) return k;
  return NULL;
}

void lx_bench_compare(FILE *out, const cJSON *a, const char *name_a, const cJSON *b,
                      const char *name_b, double min_change, lx_bench_compare_counts *counts) {
  memset(counts, 0, sizeof *counts);
  const cJSON *ra = get(a, "run"), *rb = get(b, "run");
  fprintf(out, "A: %s (%s, %g threads, %s kernels, commit %s, %s)\n", name_a, str(ra, "cpu"),
          num(ra, "threads"), str(ra, "kernels"), str(ra, "commit"), str(a, "mode"));
  fprintf(out, "B: %s (%s, %g threads, %s kernels, commit %s, %s)\n", name_b, str(rb, "cpu"),
          num(rb, "threads"), str(rb, "kernels"), str(rb, "commit"), str(b, "mode"));
  if (strcmp(str(ra, "cpu"), str(rb, "cpu")) != 0 || num(ra, "threads") != num(rb, "threads") ||
      strcmp(str(a, "mode"), str(b, "mode")) != 0)
    fprintf(out, "note: the runs differ in processor, threads or mode; ratios mix those in\n");
  fprintf(out,
          "\n| kernel | A median ms | B median ms | B/A time | B/A normalized | noise | verdict |\n"
          "|---|---:|---:|---:|---:|---:|---|\n");
  const cJSON *ka;
  cJSON_ArrayForEach(ka, get(a, "kernels")) {
    const char *name = str(ka, "name");
    const cJSON *kb = find(b, name);
    if (!kb) {
      fprintf(out, "| %s | %.3f | | | | | only in A |\n", name, num(ka, "median_ms"));
      counts->only_a++;
      continue;
    }
    double ratio = num(kb, "median_ms") / num(ka, "median_ms");
    double norm = ratio * num(kb, "ceiling_value") / num(ka, "ceiling_value");
    double noise = fmax(min_change, 2 * (num(ka, "spread") + num(kb, "spread")));
    const char *verdict = "same";
    if (norm > 1 + noise) {
      verdict = "B slower";
      counts->slower++;
    } else if (norm < 1 / (1 + noise)) {
      verdict = "B faster";
      counts->faster++;
    } else {
      counts->same++;
    }
    fprintf(out, "| %s | %.3f | %.3f | %.3f | %.3f | %.1f%% | %s |\n", name, num(ka, "median_ms"),
            num(kb, "median_ms"), ratio, norm, 100 * noise, verdict);
  }
  const cJSON *kb;
  cJSON_ArrayForEach(kb, get(b, "kernels")) if (!find(a, str(kb, "name"))) {
    fprintf(out, "| %s | | %.3f | | | | only in B |\n", str(kb, "name"), num(kb, "median_ms"));
    counts->only_b++;
  }
  fprintf(out, "\n%d same, %d faster in B, %d slower in B", counts->same, counts->faster,
          counts->slower);
  if (counts->only_a || counts->only_b)
    fprintf(out, ", %d only in A, %d only in B", counts->only_a, counts->only_b);
  fprintf(out, "\n");
}
