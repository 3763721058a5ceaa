/* weights.h: a model.safetensors file, mapped and validated, with typed views by tensor name.
 *
 * The file is mapped read-only; tensor data is never copied (except a tensor whose offset is not
 * aligned to its element size, which gets an aligned copy; files lynxeval writes never need one).
 * The header is validated strictly before anything is handed out: the 8-byte length, the JSON,
 * every dtype (F32, F16, BF16), shapes, offsets in bounds, sizes matching shapes, no overlap, no
 * gaps, no duplicate names. Every failure names the file, the tensor and the problem.
 *
 * Ownership: lx_weights_open returns a handle owned by the caller; lx_weights_close unmaps it and
 * invalidates every view and every buffer lx_weights_f32 returned.
 */
#ifndef LX_WEIGHTS_H
#define LX_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "model/tensor.h"

/* Largest header accepted (the safetensors format's own limit). */
#define LX_SAFETENSORS_MAX_HEADER_BYTES 100000000ull

typedef struct lx_weights lx_weights;

int lx_weights_open(const char *path, lx_weights **out, lx_error *err);
void lx_weights_close(lx_weights *w);

/* Weights with no file, for measuring the real cost of a model without downloading it: every
 * tensor a loader binds (lx_bind*) is created on the spot with the shape it asks for, filled with
 * random values from `seed` (matrices, ndim >= 2, uniform with unit output variance,
 * +-sqrt(3 / last dim), in `dtype`; vectors in float32, 1 + uniform(+-0.1) for names containing
 * "norm", uniform(+-0.1) otherwise). Large tensors get huge pages, as mapped files do.
 * lx_weights_path says "(synthetic)". */
lx_weights *lx_weights_synthetic(lx_dtype dtype, unsigned long long seed);

/* Bytes of all tensors whose name starts with `prefix` ("" for all). */
size_t lx_weights_bytes(const lx_weights *w, const char *prefix);

const char *lx_weights_path(const lx_weights *w);
/* Whether w came from lx_weights_synthetic (no file: a benchmark shape). */
bool lx_weights_is_synthetic(const lx_weights *w);
size_t lx_weights_count(const lx_weights *w);
const lx_tensor *lx_weights_at(const lx_weights *w, size_t i);           /* sorted by name */
const lx_tensor *lx_weights_find(const lx_weights *w, const char *name); /* NULL if absent */

/* The tensor's data as float32: the mapped data itself for F32, otherwise a converted copy made on
 * the first call and owned by `w` (meant for small tensors: norms, biases, embeddings tables are
 * read row by row instead). */
const float *lx_weights_f32(lx_weights *w, const lx_tensor *t);

/* The mapped byte range, and how many tensor bytes had to be copied for alignment or conversion
 * (for tests and `lynxeval info`). */
void lx_weights_mapping(const lx_weights *w, const void **base, size_t *len);
size_t lx_weights_copied_bytes(const lx_weights *w);

/* ---- binding a network's tensors --------------------------------------------------------------
 * A network loader asks for each tensor by name and expected shape. The first problem (missing
 * tensor, wrong shape) is recorded in `err` and every later request is a no-op, so a loader can
 * bind everything and check `failed` once. lx_weights_first_unused then finds tensors the
 * network never asked for (a file for another configuration). */
typedef struct lx_binder {
  lx_weights *w;
  lx_error *err;
  int failed;
} lx_binder;

/* A tensor with exactly `ndim` dims of `shape`; returns a zeroed view after a failure. */
lx_tensor lx_bind(lx_binder *b, int ndim, const int64_t *shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A 2-D weight matrix [rows, cols]. */
lx_tensor lx_bind_matrix(lx_binder *b, int64_t rows, int64_t cols, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A 1-D tensor of n values as float32 (converted once if stored in 16 bits); NULL after failure. */
const float *lx_bind_vector(lx_binder *b, int64_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Any-shape tensor as float32 (converted once if stored in 16 bits); NULL after failure. */
const float *lx_bind_f32(lx_binder *b, int ndim, const int64_t *shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Name of the first tensor (in name order) that no lx_bind* call asked for, or NULL. */
const char *lx_weights_first_unused(const lx_weights *w);

#endif
