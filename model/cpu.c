/* cpu.c: run-time processor features for kernel dispatch. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/cpu.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include "model/gemm_amx.h"
#endif

static lx_cpu_features detect(void) {
  lx_cpu_features f = {false, false, false, false};
  const char *env = getenv("LYNXEVAL_CPU");
  if (env && strcmp(env, "portable") == 0) return f;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  /* AVX512-BF16 from CPUID leaf 7, subleaf 1, EAX bit 5 (clang's __builtin_cpu_supports does not
   * know the name); the OS's support for AVX-512 state was checked with avx512f above */
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  f.avx512_bf16 = f.avx512 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax >> 5 & 1);
  /* F16C from CPUID leaf 1, ECX bit 29 (also unknown to clang's builtin), with the OS's AVX state
   */
  f.f16c =
      __builtin_cpu_supports("avx") && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx >> 29 & 1);
  /* AMX-BF16 (leaf 7 EDX bit 22) and AMX-TILE (bit 24), the OS saving the tile state (XCR0 bits
   * 17 and 18), and the kernel's permission for this process to use it */
  if (f.avx512_bf16 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (edx >> 22 & 1) &&
      (edx >> 24 & 1)) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    f.amx_bf16 = (lo >> 17 & 3) == 3 && lx_amx_request();
  }
#endif
  return f;
}

const lx_cpu_features *lx_cpu(void) {
  static lx_cpu_features features;
  static int done;
  if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
    features = detect(); /* idempotent: a race writes the same value twice */
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
  }
  return &features;
}

const char *lx_cpu_kernel_family(void) {
  const lx_cpu_features *f = lx_cpu();
  return f->avx512_bf16 ? "avx512-bf16" : f->avx512 ? "avx512" : "portable";
}

const char *lx_cpu_model_name(void) {
  static char name[128];
  if (name[0]) return name;
  snprintf(name, sizeof name, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return name;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) != 0) continue;
    const char *colon = strchr(line, ':');
    if (!colon) break;
    colon++;
    while (*colon == ' ' || *colon == '\t') colon++;
    snprintf(name, sizeof name, "%s", colon);
    name[strcspn(name, "\n")] = '\0';
    break;
  }
  fclose(f);
  return name;
}
