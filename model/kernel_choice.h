/* kernel_choice.h: which implementation computes the CPU's matrix products with bf16 weights,
 * chosen on each processor by measured rates.
 *
 * The fastest way to multiply by bf16 weights depends on the processor, not only on the
 * instructions it has: vdpbf16ps runs at the float32 FMA rate on AMD Zen 4 (twice the float32
 * work per instruction) but at half of it on Intel's server cores, where widening the weights to
 * float32 in registers and using the FMA units is twice as fast for the same bf16 arithmetic.
 * So each product class has a list of paths that all compute at the run's precision, and the
 * fastest on this processor is used:
 *
 *   class    rows of x      precision f32 (exact)          precision bf16 (x rounded to bf16)
 *   decode   up to 16       widened-fma                    bf16-dot, widened-fma
 *   prompt   more than 16   widened-fma, blas              bf16-dot, widened-fma, blas, amx-bf16
 *
 *   widened-fma  AVX-512: bf16 weights widened to float32 in registers, float32 FMA (matvec16.h
 *                for decode, gemm_widened.h for prompts)
 *   bf16-dot     AVX512-BF16: vdpbf16ps, exact bf16 products summed in float32 (gemm_bf16.h)
 *   blas         weights converted to float32 in blocks of rows, then OpenBLAS sgemm
 *   amx-bf16     AMX tiles (Intel Sapphire Rapids and later): tdpbf16ps, exact bf16 products
 *                summed in float32 (gemm_amx.h), "bf16" precision only
 *   portable     no AVX-512: plain C loops (decode) and blas (prompts); nothing to choose
 *
 * In bf16 precision, widened-fma and blas multiply the bf16-rounded activations: their products
 * are exact, as vdpbf16ps's are, so every path computes the same bf16 arithmetic in another
 * summation order; attention with many queries rounds keys, values and probabilities to bf16
 * only on the bf16-dot and amx-bf16 paths (elsewhere it stays float32, more precise). F16 weights
 * are not chosen for (matvec16 for decode, blas for prompts).
 *
 * The choice is made once per process when the CPU backend is created: from
 * $LYNXEVAL_KERNELS when set ("bf16.prompt=blas,f32.decode=widened-fma,...": tests and
 * comparisons force a path with it; an unknown or unavailable path ends the program with a
 * message naming it), else from the cache file `kernels.tsv` in lynxeval's cache directory
 * (hash_cache.h) for this processor model, build and thread count, else by timing each
 * candidate on a fixed shape per class (about 0.1 s; processes starting together take turns, so
 * that they all use the first one's choice) and writing the result there. A missing, unreadable
 * or stale file is measured again; the choice can change only speed and summation order, and it
 * is recorded in benchmark results and in a run's fingerprint (numerics.products).
 */
#ifndef LX_KERNEL_CHOICE_H
#define LX_KERNEL_CHOICE_H

#include <cJSON.h>
#include <stdbool.h>

#include "model/backend.h"

typedef enum lx_product_class {
  LX_PRODUCT_DECODE,
  LX_PRODUCT_PROMPT,
  LX_PRODUCT_CLASSES
} lx_product_class;

typedef enum lx_product_path {
  LX_PATH_PORTABLE,
  LX_PATH_WIDENED_FMA,
  LX_PATH_BF16_DOT,
  LX_PATH_BLAS,
  LX_PATH_AMX_BF16,
  LX_PATH_COUNT
} lx_product_path;

#define LX_PRECISIONS 2 /* lx_matmul_precision values */

typedef struct lx_kernel_choice {
  lx_product_path path[LX_PRECISIONS][LX_PRODUCT_CLASSES];
  /* seconds per call of each candidate on the class's shape (0: not a candidate, or not timed) */
  double seconds[LX_PRECISIONS][LX_PRODUCT_CLASSES][LX_PATH_COUNT];
  const char *source; /* "forced", "cached", "measured", "fixed" (nothing to choose) */
} lx_kernel_choice;

/* Seconds per call of `path` on class c's shape at `precision` (the CPU backend's). */
typedef double (*lx_path_timer)(void *ctx, lx_product_class c, lx_matmul_precision precision,
                                lx_product_path path);

/* Makes the process's choice (once; later calls return it): see above. */
const lx_kernel_choice *lx_kernel_choice_make(lx_path_timer timer, void *ctx);

/* The choice made, or NULL before the first CPU backend. */
const lx_kernel_choice *lx_kernel_choice_get(void);

/* Replaces the process's choice (made first if it was not): the kernel tests force each path in
 * turn with it. Not while kernels run. */
void lx_kernel_choice_set(const lx_kernel_choice *k);

/* The paths this processor can run for a class at a precision, the usual one first. */
int lx_product_candidates(lx_product_class c, lx_matmul_precision precision,
                          lx_product_path out[LX_PATH_COUNT]);

const char *lx_product_path_name(lx_product_path p);
const char *lx_product_class_name(lx_product_class c);

/* "decode widened-fma, prompt blas": the paths used at `precision` (NULL choice: "unchosen"),
 * written into buf. */
const char *lx_kernel_choice_describe(const lx_kernel_choice *k, lx_matmul_precision precision,
                                      char *buf, int size);

/* {"source": ..., "f32": {"decode": path, "prompt": path}, "bf16": {...}, "seconds": {...}}: the
 * record benchmarks keep (NULL choice: {"source": "unchosen"}). */
cJSON *lx_kernel_choice_json(const lx_kernel_choice *k);

#endif
