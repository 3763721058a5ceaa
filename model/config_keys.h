/* config_keys.h: typed reads of config.json keys into struct fields, for the config readers
 * (model_config.c and each family's). Each macro returns LX_ERR from the enclosing function on a
 * missing key, a wrong type or a value out of [lo, hi], with the message in `err`. */
#ifndef LX_CONFIG_KEYS_H
#define LX_CONFIG_KEYS_H

#include <string.h>

#include "common/jsonutil.h"

#define LX_CFG_MAX_DIM   (1L << 20) /* widths, vocabulary */
#define LX_CFG_MAX_COUNT (1L << 12) /* layers, heads, frames */

#define LX_REQ_INT(obj, at, key, lo, hi, dst)                           \
  do {                                                                  \
    long v_;                                                            \
    if (lx_json_req_int(obj, at, key, lo, hi, &v_, err)) return LX_ERR; \
    (dst) = (int)v_;                                                    \
  } while (0)
#define LX_OPT_INT(obj, at, key, lo, hi, dflt, dst)                           \
  do {                                                                        \
    long v_;                                                                  \
    if (lx_json_opt_int(obj, at, key, lo, hi, dflt, &v_, err)) return LX_ERR; \
    (dst) = (int)v_;                                                          \
  } while (0)
#define LX_REQ_FLOAT(obj, at, key, lo, hi, dst)                            \
  do {                                                                     \
    double v_;                                                             \
    if (lx_json_req_double(obj, at, key, lo, hi, &v_, err)) return LX_ERR; \
    (dst) = (float)v_;                                                     \
  } while (0)
#define LX_OPT_DOUBLE(obj, at, key, lo, hi, dflt, dst) \
  if (lx_json_opt_double(obj, at, key, lo, hi, dflt, &(dst), err)) return LX_ERR

#endif
