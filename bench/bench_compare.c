/* bench_compare.c: kernel reports side by side, with a noise rule. */
#include <math.h>
#include <string.h>

#include "bench/bench_compare.h"
#include "common/jsonutil.h"

#define STREAMING_BYTES 64e6 /* more than any last-level cache: read from memory even when hot */

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

int lx_bench_validate(const cJSON *r, const char *file, lx_error *err) {
  if (!cJSON_IsObject(r) || strcmp(lx_json_string(r, "lynxeval_bench"), "kernels") != 0)
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
      double v = lx_json_number(k, keys[j]);
      if (!(v >= 0) || !isfinite(v))
        return lx_errorf(err, "%s: kernel '%s': \"%s\" must be a finite number >= 0", file,
                         lx_json_string(k, "name"), keys[j]);
    }
    if (!(lx_json_number(k, "median_ms") > 0) || !(lx_json_number(k, "ceiling_value") > 0))
      return lx_errorf(err, "%s: kernel '%s': median_ms and ceiling_value must be > 0", file,
                       lx_json_string(k, "name"));
    i++;
  }
  return LX_OK;
}

static double ceiling_spread(const cJSON *k) {
  double v = lx_json_number(k, "ceiling_spread");
  return isfinite(v) && v > 0 ? v : 0;
}

static const cJSON *find(const cJSON *report, const char *name) {
  const cJSON *k;
  cJSON_ArrayForEach(
      k, get(report, "kernels")) if (strcmp(lx_json_string(k, "name"), name) == 0) return k;
  return NULL;
}

void lx_bench_compare(FILE *out, const cJSON *a, const char *name_a, const cJSON *b,
                      const char *name_b, double min_change, lx_bench_compare_counts *counts) {
  memset(counts, 0, sizeof *counts);
  const cJSON *ra = get(a, "run"), *rb = get(b, "run");
  fprintf(out, "A: %s (%s, %g threads, %s kernels, commit %s, %s)\n", name_a,
          lx_json_string(ra, "cpu"), lx_json_number(ra, "threads"), lx_json_string(ra, "kernels"),
          lx_json_string(ra, "commit"), lx_json_string(a, "mode"));
  fprintf(out, "B: %s (%s, %g threads, %s kernels, commit %s, %s)\n", name_b,
          lx_json_string(rb, "cpu"), lx_json_number(rb, "threads"), lx_json_string(rb, "kernels"),
          lx_json_string(rb, "commit"), lx_json_string(b, "mode"));
  if (strcmp(lx_json_string(ra, "cpu"), lx_json_string(rb, "cpu")) != 0 ||
      lx_json_number(ra, "threads") != lx_json_number(rb, "threads") ||
      strcmp(lx_json_string(a, "mode"), lx_json_string(b, "mode")) != 0)
    fprintf(out, "note: the runs differ in processor, threads or mode; ratios mix those in\n");
  fprintf(out,
          "\n| kernel | A median ms | B median ms | B/A time | B/A normalized | noise | verdict |\n"
          "|---|---:|---:|---:|---:|---:|---|\n");
  const cJSON *ka;
  cJSON_ArrayForEach(ka, get(a, "kernels")) {
    const char *name = lx_json_string(ka, "name");
    const cJSON *kb = find(b, name);
    if (!kb) {
      fprintf(out, "| %s | %.3f | | | | | only in A |\n", name, lx_json_number(ka, "median_ms"));
      counts->only_a++;
      continue;
    }
    double ratio = lx_json_number(kb, "median_ms") / lx_json_number(ka, "median_ms");
    /* only kernels that stream from memory are judged by their bandwidth window; a hot kernel
     * that fits the caches is compared by time */
    const bool streams = strcmp(lx_json_string(ka, "bound"), "memory") == 0 &&
                         lx_json_number(ka, "bytes") >= STREAMING_BYTES;
    double norm =
        streams ? ratio * lx_json_number(kb, "ceiling_value") / lx_json_number(ka, "ceiling_value")
                : ratio;
    /* a normalized ratio also carries the movement of each run's bandwidth window (reports
     * written before "ceiling_spread" existed count it as 0) */
    double noise = 2 * (lx_json_number(ka, "spread") + lx_json_number(kb, "spread"));
    if (streams) noise += ceiling_spread(ka) + ceiling_spread(kb);
    noise = fmax(min_change, noise);
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
    fprintf(out, "| %s | %.3f | %.3f | %.3f | %.3f | %.1f%% | %s |\n", name,
            lx_json_number(ka, "median_ms"), lx_json_number(kb, "median_ms"), ratio, norm,
            100 * noise, verdict);
  }
  const cJSON *kb;
  cJSON_ArrayForEach(kb, get(b, "kernels")) if (!find(a, lx_json_string(kb, "name"))) {
    fprintf(out, "| %s | | %.3f | | | | only in B |\n", lx_json_string(kb, "name"),
            lx_json_number(kb, "median_ms"));
    counts->only_b++;
  }
  fprintf(out, "\n%d same, %d faster in B, %d slower in B", counts->same, counts->faster,
          counts->slower);
  if (counts->only_a || counts->only_b)
    fprintf(out, ", %d only in A, %d only in B", counts->only_a, counts->only_b);
  fprintf(out, "\n");
}
