#include "model/tensor.h"

const char *lx_dtype_name(lx_dtype t) {
  switch (t) {
    case LX_F32:
      return "F32";
    case LX_F16:
      return "F16";
    case LX_BF16:
      return "BF16";
  }
  return "?";
}

void lx_convert_to_f32(float *dst, const void *src, lx_dtype t, size_t n) {
  if (t == LX_F32) {
    memcpy(dst, src, n * sizeof(float));
  } else if (t == LX_BF16) {
    const uint16_t *s = src;
    for (size_t i = 0; i < n; i++) dst[i] = lx_bf16_to_f32(s[i]);
  } else {
    const uint16_t *s = src;
    for (size_t i = 0; i < n; i++) dst[i] = lx_f16_to_f32(s[i]);
  }
}
