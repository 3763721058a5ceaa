/* rng.h: lynxeval's one seeded random generator, splitmix64 (Steele, Lea and Flood 2014): small,
 * fast, and the same numbers on every machine. The random decoding strategies, video frame
 * sampling, per-item seeds, synthetic weights and the benchmarks' data all draw from it, so a
 * seed means the same thing everywhere. */
#ifndef LX_RNG_H
#define LX_RNG_H

#include <stdint.h>

/* The next 64 random bits from *state (which advances). */
uint64_t lx_rng_next(uint64_t *state);
/* A uniform double in [0, 1) with 53 random bits. */
double lx_rng_uniform(uint64_t *state);
/* splitmix64's output function alone: a well-mixed 64-bit hash of z (for deriving seeds). */
uint64_t lx_mix64(uint64_t z);

#endif
