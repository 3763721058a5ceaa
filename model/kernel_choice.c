/* kernel_choice.c: forcing, caching and measuring the product paths (kernel_choice.h). */
#include "model/kernel_choice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/hash_cache.h"
#include "common/strbuf.h"
#include "model/cpu.h"
#include "model/threads.h"

#include "lynxeval_commit.h" /* generated at build time: LYNXEVAL_COMMIT */
#ifndef LYNXEVAL_VERSION
#define LYNXEVAL_VERSION "unknown"
#endif
#ifdef __VERSION__
#define LX_COMPILER __VERSION__
#else
#define LX_COMPILER "unknown"
#endif

#define CACHE_FILE      "kernels.tsv"
#define LOCK_FILE       "kernels.lock"
#define CACHE_MAX_LINES 64
#define CACHE_MAX_BYTES (64u << 10)
/* Another path replaces the usual one only when it is faster by more than this share, so that
 * two processors of one model measured apart agree unless the difference is real. */
#define MARGIN 0.03

static const char *const path_names[LX_PATH_COUNT] = {"portable", "widened-fma", "bf16-dot", "blas",
                                                      "amx-bf16"};
static const char *const class_names[LX_PRODUCT_CLASSES] = {"decode", "prompt"};
static const char *const precision_names[LX_PRECISIONS] = {"f32", "bf16"};

const char *lx_product_path_name(lx_product_path p) {
  return p >= 0 && p < LX_PATH_COUNT ? path_names[p] : "?";
}
const char *lx_product_class_name(lx_product_class c) {
  return c >= 0 && c < LX_PRODUCT_CLASSES ? class_names[c] : "?";
}

int lx_product_candidates(lx_product_class c, lx_matmul_precision precision,
                          lx_product_path out[LX_PATH_COUNT]) {
  const lx_cpu_features *f = lx_cpu();
  int n = 0;
  if (!f->avx512) {
    out[n++] = c == LX_PRODUCT_DECODE ? LX_PATH_PORTABLE : LX_PATH_BLAS;
    return n;
  }
  if (precision == LX_MATMUL_BF16 && f->avx512_bf16) out[n++] = LX_PATH_BF16_DOT;
  out[n++] = LX_PATH_WIDENED_FMA;
  if (c == LX_PRODUCT_PROMPT) out[n++] = LX_PATH_BLAS;
  if (c == LX_PRODUCT_PROMPT && precision == LX_MATMUL_BF16 && f->amx_bf16)
    out[n++] = LX_PATH_AMX_BF16;
  return n;
}

static bool is_candidate(lx_product_class c, int precision, lx_product_path p) {
  lx_product_path list[LX_PATH_COUNT];
  int n = lx_product_candidates(c, (lx_matmul_precision)precision, list);
  for (int i = 0; i < n; i++)
    if (list[i] == p) return true;
  return false;
}

static void set_usual(lx_kernel_choice *k) {
  for (int p = 0; p < LX_PRECISIONS; p++)
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++) {
      lx_product_path list[LX_PATH_COUNT];
      lx_product_candidates((lx_product_class)c, (lx_matmul_precision)p, list);
      k->path[p][c] = list[0];
    }
}

/* Parses "PREC.CLASS=PATH,..." into k (entries not named keep their value). Returns 0, or -1 with
 * the offending item in *bad (a pointer into text) and why in *why. */
static int parse_paths(const char *text, lx_kernel_choice *k, const char **bad, const char **why) {
  const char *s = text;
  while (*s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    char item[64];
    *bad = s;
    if (len == 0 || len >= sizeof item) {
      *why = "expected PRECISION.CLASS=PATH";
      return -1;
    }
    memcpy(item, s, len);
    item[len] = '\0';
    char *eq = strchr(item, '='), *dot = strchr(item, '.');
    if (!eq || !dot || dot > eq) {
      *why = "expected PRECISION.CLASS=PATH";
      return -1;
    }
    *dot = *eq = '\0';
    int p = -1, c = -1, path = -1;
    for (int i = 0; i < LX_PRECISIONS; i++)
      if (strcmp(item, precision_names[i]) == 0) p = i;
    for (int i = 0; i < LX_PRODUCT_CLASSES; i++)
      if (strcmp(dot + 1, class_names[i]) == 0) c = i;
    for (int i = 0; i < LX_PATH_COUNT; i++)
      if (strcmp(eq + 1, path_names[i]) == 0) path = i;
    if (p < 0 || c < 0 || path < 0) {
      *why = p < 0   ? "precision must be f32 or bf16"
             : c < 0 ? "class must be decode or prompt"
                     : "path must be portable, widened-fma, bf16-dot, blas or amx-bf16";
      return -1;
    }
    if (!is_candidate((lx_product_class)c, p, (lx_product_path)path)) {
      *why = "this processor (or this precision) cannot take that path";
      return -1;
    }
    k->path[p][c] = (lx_product_path)path;
    s += len;
    if (*s == ',') s++;
  }
  return 0;
}

static void format_paths(const lx_kernel_choice *k, lx_strbuf *out) {
  for (int p = 0; p < LX_PRECISIONS; p++)
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++)
      lx_strbuf_printf(out, "%s%s.%s=%s", p || c ? "," : "", precision_names[p], class_names[c],
                       path_names[k->path[p][c]]);
}

/* "CPU\tBUILD\tTHREADS": the processor, build and thread count a cached choice is for. */
static void cache_key(lx_strbuf *out) {
  char cpu[128];
  snprintf(cpu, sizeof cpu, "%s", lx_cpu_model_name());
  for (char *q = cpu; *q; q++)
    if (*q == '\t' || *q == '\n') *q = ' ';
  lx_strbuf_printf(out, "%s [%s]\t%s %s %s\t%d", cpu, lx_cpu_kernel_family(), LYNXEVAL_VERSION,
                   LYNXEVAL_COMMIT, LX_COMPILER, lx_threads_count());
}

static void measure(lx_kernel_choice *k, lx_path_timer timer, void *ctx) {
  for (int p = 0; p < LX_PRECISIONS; p++)
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++) {
      lx_product_path list[LX_PATH_COUNT];
      int n = lx_product_candidates((lx_product_class)c, (lx_matmul_precision)p, list);
      k->path[p][c] = list[0];
      if (n < 2) continue;
      for (int i = 0; i < n; i++)
        k->seconds[p][c][list[i]] =
            timer(ctx, (lx_product_class)c, (lx_matmul_precision)p, list[i]);
      double best = k->seconds[p][c][list[0]];
      for (int i = 1; i < n; i++)
        if (k->seconds[p][c][list[i]] < best * (1.0 - MARGIN)) {
          best = k->seconds[p][c][list[i]];
          k->path[p][c] = list[i];
        }
    }
}

static bool anything_to_choose(void) {
  for (int p = 0; p < LX_PRECISIONS; p++)
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++) {
      lx_product_path list[LX_PATH_COUNT];
      if (lx_product_candidates((lx_product_class)c, (lx_matmul_precision)p, list) > 1) return true;
    }
  return false;
}

/* From the cache (under its lock), else measured and written there; without a cache directory,
 * measured. */
static void cached_or_measured(lx_kernel_choice *k, lx_path_timer timer, void *ctx) {
  char *dir = lx_hash_cache_dir();
  lx_error ignored;
  const int lock = lx_cache_dir_lock(dir, LOCK_FILE);
  if (lock < 0) {
    free(dir);
    measure(k, timer, ctx);
    k->source = "measured";
    return;
  }
  lx_strbuf key = {0}, kept = {0};
  cache_key(&key);
  char *path = lx_path_join(dir, CACHE_FILE), *text = NULL;
  size_t len = 0;
  if (lx_read_file(path, CACHE_MAX_BYTES, &text, &len, &ignored) != LX_OK) len = 0;
  bool found = false;
  int lines = 0;
  for (size_t pos = 0; pos < len;) {
    const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - line) : len - pos;
    pos += n + 1;
    if (n > key.len && memcmp(line, lx_strbuf_str(&key), key.len) == 0 && line[key.len] == '\t') {
      char paths[256];
      size_t plen = n - key.len - 1;
      const char *bad, *why;
      lx_kernel_choice c = *k;
      if (!found && plen < sizeof paths) {
        memcpy(paths, line + key.len + 1, plen);
        paths[plen] = '\0';
        if (parse_paths(paths, &c, &bad, &why) == 0) {
          *k = c;
          found = true;
        }
      }
      continue; /* this key's line is written again, first */
    }
    if (lines++ < CACHE_MAX_LINES - 1) {
      lx_strbuf_append(&kept, line, n);
      lx_strbuf_putc(&kept, '\n');
    }
  }
  if (found) {
    k->source = "cached";
  } else {
    measure(k, timer, ctx);
    k->source = "measured";
  }
  lx_strbuf out = {0};
  lx_strbuf_puts(&out, lx_strbuf_str(&key));
  lx_strbuf_putc(&out, '\t');
  format_paths(k, &out);
  lx_strbuf_putc(&out, '\n');
  lx_strbuf_puts(&out, lx_strbuf_str(&kept));
  if (!found) (void)lx_write_file_atomic(path, lx_strbuf_str(&out), out.len, &ignored);
  lx_strbuf_free(&out);
  lx_strbuf_free(&key);
  lx_strbuf_free(&kept);
  free(text);
  free(path);
  free(dir);
  close(lock);
}

static lx_kernel_choice chosen;
static int chosen_state; /* 0: not yet, 1: made */

const lx_kernel_choice *lx_kernel_choice_get(void) {
  return __atomic_load_n(&chosen_state, __ATOMIC_ACQUIRE) ? &chosen : NULL;
}

const lx_kernel_choice *lx_kernel_choice_make(lx_path_timer timer, void *ctx) {
  if (__atomic_load_n(&chosen_state, __ATOMIC_ACQUIRE)) return &chosen;
  lx_kernel_choice k;
  memset(&k, 0, sizeof k);
  set_usual(&k);
  const char *env = getenv("LYNXEVAL_KERNELS");
  if (env && *env) {
    const char *bad, *why;
    if (parse_paths(env, &k, &bad, &why) != 0) {
      fprintf(stderr,
              "lynxeval: LYNXEVAL_KERNELS=%s: at \"%s\": %s (kernels on this processor: %s)\n", env,
              bad, why, lx_cpu_kernel_family());
      exit(2);
    }
    k.source = "forced";
  } else if (!anything_to_choose()) {
    k.source = "fixed";
  } else {
    cached_or_measured(&k, timer, ctx);
  }
  chosen = k;
  __atomic_store_n(&chosen_state, 1, __ATOMIC_RELEASE);
  return &chosen;
}

void lx_kernel_choice_set(const lx_kernel_choice *k) {
  LX_CHECK(__atomic_load_n(&chosen_state, __ATOMIC_ACQUIRE));
  chosen = *k;
}

const char *lx_kernel_choice_describe(const lx_kernel_choice *k, lx_matmul_precision precision,
                                      char *buf, int size) {
  if (!k) {
    snprintf(buf, (size_t)size, "unchosen");
    return buf;
  }
  snprintf(buf, (size_t)size, "decode %s, prompt %s",
           path_names[k->path[precision][LX_PRODUCT_DECODE]],
           path_names[k->path[precision][LX_PRODUCT_PROMPT]]);
  return buf;
}

cJSON *lx_kernel_choice_json(const lx_kernel_choice *k) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "source", k ? k->source : "unchosen");
  if (!k) return o;
  cJSON *seconds = cJSON_CreateObject();
  for (int p = 0; p < LX_PRECISIONS; p++) {
    cJSON *prec = cJSON_AddObjectToObject(o, precision_names[p]);
    for (int c = 0; c < LX_PRODUCT_CLASSES; c++) {
      cJSON_AddStringToObject(prec, class_names[c], path_names[k->path[p][c]]);
      cJSON *timed = NULL;
      for (int i = 0; i < LX_PATH_COUNT; i++) {
        if (k->seconds[p][c][i] <= 0) continue;
        if (!timed) {
          char key[32];
          snprintf(key, sizeof key, "%s.%s", precision_names[p], class_names[c]);
          timed = cJSON_AddObjectToObject(seconds, key);
        }
        cJSON_AddNumberToObject(timed, path_names[i], k->seconds[p][c][i]);
      }
    }
  }
  if (cJSON_GetArraySize(seconds) > 0)
    cJSON_AddItemToObject(o, "seconds_per_call", seconds);
  else
    cJSON_Delete(seconds);
  return o;
}
