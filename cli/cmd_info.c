/* lynxeval info: what a model directory holds, and what loading it costs in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "common/fileio.h"
#include "model/model.h"

/* Resident set size of this process in bytes, from /proc/self/status (0 if unavailable). */
static long long rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  long long kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

static int run(int argc, char **argv) {
  const char *model_dir = NULL;
  bool tensors = false;
  cli_opt opts[] = {
      {"--model", CLI_STRING, &model_dir, "DIR", "model directory", 0, 0, 0},
      {"--tensors", CLI_FLAG, &tensors, NULL, "also list every tensor with its dtype and shape", 0,
       0, 0},
  };
  int rc = cli_parse(&cmd_info, argc, argv, opts, 2);
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (!model_dir) {
    cli_error(cmd_info.name, "--model is required");
    return CLI_USAGE;
  }
  long long rss_before = rss_bytes();
  lx_error err;
  lx_model *m;
  lx_backend *backend = lx_backend_cpu_new(0, LX_MATMUL_F32);
  if (lx_model_load(model_dir, backend, &m, &err)) {
    cli_error(cmd_info.name, "%s", err.msg);
    lx_backend_free(backend);
    return CLI_FAIL;
  }
  long long rss_after = rss_bytes();
  const void *base;
  size_t file_bytes;
  lx_weights_mapping(m->weights, &base, &file_bytes);
  size_t n = lx_weights_count(m->weights), params[3] = {0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    const lx_tensor *t = lx_weights_at(m->weights, i);
    params[t->dtype] += t->numel;
  }
  const char *part_names[16];
  size_t part_counts[16];
  int n_parts = lx_model_parameter_parts(m, part_names, part_counts, 16);
  lx_strbuf about = {0};
  lx_model_describe(m, &about);
  printf("model:      %s\n", model_dir);
  printf("%s", lx_strbuf_str(&about));
  lx_strbuf_free(&about);
  printf("parameters: %zu (", params[0] + params[1] + params[2]);
  for (int k = 0; k < n_parts; k++)
    printf("%s%s %zu", k ? ", " : "", part_names[k], part_counts[k]);
  printf(")\n");
  printf("dtypes:     F32 %zu, F16 %zu, BF16 %zu parameters\n", params[LX_F32], params[LX_F16],
         params[LX_BF16]);
  printf(
      "weights:    %zu bytes mapped, %zu bytes copied (16-bit vectors converted, misaligned "
      "tensors)\n",
      file_bytes, lx_weights_copied_bytes(m->weights));
  printf("memory:     resident %lld bytes before load, %lld after (+%lld)\n", rss_before, rss_after,
         rss_after - rss_before);
  if (tensors)
    for (size_t i = 0; i < n; i++) {
      const lx_tensor *t = lx_weights_at(m->weights, i);
      printf("  %-56s %-4s [", t->name, lx_dtype_name(t->dtype));
      for (int d = 0; d < t->ndim; d++) printf(d ? ",%lld" : "%lld", (long long)t->shape[d]);
      printf("]\n");
    }
  lx_model_free(m);
  lx_backend_free(backend);
  return 0;
}

const cli_command cmd_info = {
    "info",
    "describe a model directory: architecture, parameters, dtypes, memory after loading",
    "info --model DIR [--tensors]",
    "Loading maps model.safetensors without copying F32 weights; 'memory' shows the resident\n"
    "set before and after loading, so a copy would show as a jump of the file's size.",
    run,
};
