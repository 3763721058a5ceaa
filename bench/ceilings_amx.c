/* ceilings_amx.c: the peak loop of AMX-BF16 tiles (built with AMX enabled; called only where
 * cpu.h says the processor has it and the kernel granted the tile state). Four independent
 * accumulator tiles, each step four tdpbf16ps of 16 x 16 x 32 products. */
#include <immintrin.h>
#include <stdint.h>

#include "bench/ceilings.h"
#include "model/gemm_amx.h"

double lx_peak_amx_bf16(long iters);

double lx_peak_amx_bf16(long iters) {
  static uint16_t a[16 * 32], b[16 * 32];
  for (int i = 0; i < 16 * 32; i++) {
    a[i] = 0x3f80; /* 1.0 */
    b[i] = 0x3380; /* 2^-24: the sums stay finite */
  }
  float out[16 * 16];
  lx_amx_configure_tiles();
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, a, 64);
  _tile_loadd(5, a, 64);
  _tile_loadd(6, b, 64);
  _tile_loadd(7, b, 64);
  for (long it = 0; it < iters; it++) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, out, 64);
  _tile_release();
  volatile float sink = out[0];
  (void)sink;
  return (double)iters * 4 * 16 * 16 * 32 * 2;
}
