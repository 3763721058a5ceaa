/* run_info.c: the machine and build record of a benchmark run. */
#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "bench/run_info.h"
#include "common/clock.h"
#include "model/cpu.h"
#include "model/kernel_choice.h"

#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif
#include "lynxeval_commit.h" /* generated at build time: LYNXEVAL_COMMIT */
#ifndef LYNXEVAL_C_FLAGS
#define LYNXEVAL_C_FLAGS "unknown"
#endif
#ifndef LYNXEVAL_BUILD_TYPE
#define LYNXEVAL_BUILD_TYPE "unknown"
#endif

cJSON *lx_bench_run_info(int threads) {
  cJSON *o = cJSON_CreateObject();
  char host[256] = "unknown", when[32] = "";
  gethostname(host, sizeof host - 1);
  lx_utc_now(when);
  cJSON_AddStringToObject(o, "date", when);
  cJSON_AddStringToObject(o, "host", host);
  cJSON_AddStringToObject(o, "cpu", lx_cpu_model_name());
  cJSON_AddNumberToObject(o, "cores_online", (double)sysconf(_SC_NPROCESSORS_ONLN));
  cJSON_AddNumberToObject(o, "threads", threads);
  cJSON_AddStringToObject(o, "kernels", lx_cpu_kernel_family());
  cJSON_AddItemToObject(o, "products", lx_kernel_choice_json(lx_kernel_choice_get()));
  cJSON_AddStringToObject(o, "lynxeval", LYNXEVAL_VERSION);
  cJSON_AddStringToObject(o, "commit", LYNXEVAL_COMMIT);
  cJSON_AddStringToObject(o, "build_type", LYNXEVAL_BUILD_TYPE);
#ifdef __VERSION__
  cJSON_AddStringToObject(o, "compiler", "gcc-compatible " __VERSION__);
#endif
  cJSON_AddStringToObject(o, "c_flags", LYNXEVAL_C_FLAGS);
  cJSON_AddStringToObject(o, "blas", openblas_get_config());
  return o;
}
