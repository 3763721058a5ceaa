/* tensor.h: element types and read-only tensor views.
 *
 * Weights are stored as F32, F16 or BF16 (model.safetensors); every activation lynxeval computes is
 * float32. An lx_tensor is a view: it never owns its data (the weights file mapping does).
 */
#ifndef LX_TENSOR_H
#define LX_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum lx_dtype { LX_F32 = 0, LX_F16 = 1, LX_BF16 = 2 } lx_dtype;

#define LX_MAX_DIMS 4

typedef struct lx_tensor {
  const char *name;           /* as in the weights file */
  lx_dtype dtype;             /* element type of `data` */
  int ndim;                   /* 0..LX_MAX_DIMS */
  int64_t shape[LX_MAX_DIMS]; /* row-major, outermost first */
  size_t numel;               /* product of shape */
  const void *data;           /* numel elements, aligned to the element size */
} lx_tensor;

static inline size_t lx_dtype_size(lx_dtype t) {
  return t == LX_F32 ? 4 : 2;
}

const char *lx_dtype_name(lx_dtype t); /* "F32", "F16", "BF16" */

static inline float lx_bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Round to nearest even, as PyTorch's .to(torch.bfloat16) does; NaN stays NaN. */
static inline uint16_t lx_f32_to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

static inline float lx_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (man == 0) {
      u = sign;
    } else { /* subnormal: normalize */
      exp = 127 - 15 + 1;
      while (!(man & 0x400u)) {
        man <<= 1;
        exp--;
      }
      man &= 0x3ffu;
      u = sign | (exp << 23) | (man << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (man << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Round to nearest even, as PyTorch's .to(torch.float16) does: overflow to infinity, small values
 * to subnormals or zero, NaN stays NaN. */
static inline uint16_t lx_f32_to_f16(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  const uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);
  if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to 65536 or more */
  uint32_t r, rem, half;
  if (a < 0x38800000u) { /* below 2^-14: a subnormal (units of 2^-24) or zero */
    if (a < 0x33000000u) return (uint16_t)sign; /* below 2^-25 */
    const uint32_t man = (a & 0x7fffffu) | 0x800000u;
    const int shift = 126 - (int)(a >> 23);
    r = man >> shift;
    rem = man & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  } else {
    r = (a - 0x38000000u) >> 13; /* exponent rebiased from 127 to 15 */
    rem = a & 0x1fffu;
    half = 0x1000u;
  }
  if (rem > half || (rem == half && (r & 1u))) r++;
  return (uint16_t)(sign | r);
}

/* Converts n elements of type t at src to float32 at dst. */
void lx_convert_to_f32(float *dst, const void *src, lx_dtype t, size_t n);

#endif
