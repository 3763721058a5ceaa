/* cpu.h: what the processor can do, decided once at run time.
 *
 * lynxeval is built for baseline x86-64 (or any other target) and picks its fast kernels when the
 * processor has the instructions: AVX-512 (F, BW, VL) with FMA for 16-bit weight products, and
 * AVX512-BF16 (vdpbf16ps) for bfloat16 dot products, AMX-BF16 tiles (tdpbf16ps) for bf16 products
 * of many rows. $LYNXEVAL_CPU=portable forces the portable
 * kernels everywhere (the fallback a machine without them runs; the tests run both).
 */
#ifndef LX_CPU_H
#define LX_CPU_H

#include <stdbool.h>

typedef struct lx_cpu_features {
  bool avx512;      /* AVX-512 F, BW, VL and FMA: 16-bit weights widened to f32 in registers */
  bool avx512_bf16; /* vdpbf16ps */
  bool f16c;        /* vcvtph2ps */
  bool amx_bf16;    /* AMX-TILE and AMX-BF16, with the tile state granted by the kernel */
} lx_cpu_features;

/* The features the kernels may use (after $LYNXEVAL_CPU). */
const lx_cpu_features *lx_cpu(void);

/* "avx512-bf16", "avx512" or "portable": the kernel family lx_cpu() selects (AMX, where present,
 * is one of the product paths, kernel_choice.h). */
const char *lx_cpu_kernel_family(void);

/* The processor's model name (from /proc/cpuinfo where there is one), or "unknown". */
const char *lx_cpu_model_name(void);

#endif
