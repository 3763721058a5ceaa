#include "common/rng.h"

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ull /* splitmix64's increment */

uint64_t lx_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t lx_rng_next(uint64_t *state) {
  return lx_mix64(*state += GOLDEN_GAMMA);
}

double lx_rng_uniform(uint64_t *state) {
  return (double)(lx_rng_next(state) >> 11) * 0x1.0p-53;
}
