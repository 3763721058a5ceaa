#include "model/weights.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/jsonutil.h"
#include "common/rng.h"
#include "model/threads.h"

typedef struct entry {
  lx_tensor t;
  size_t begin, end; /* byte offsets in the data section */
  float *f32_copy;   /* lazily converted data (lx_weights_f32), or NULL */
  int used;          /* asked for by an lx_bind* call */
  void *aligned_copy;
} entry;

struct lx_weights {
  char *path;
  void *map;
  size_t map_len;
  entry *entries; /* sorted by name */
  size_t count;
  size_t copied_bytes;
  /* synthetic weights (no file): tensors made when bound */
  int synthetic;
  lx_dtype synthetic_dtype;
  unsigned long long seed;
  size_t capacity;
};

const char *lx_weights_path(const lx_weights *w) {
  return w->path;
}
bool lx_weights_is_synthetic(const lx_weights *w) {
  return w->synthetic != 0;
}
size_t lx_weights_count(const lx_weights *w) {
  return w->count;
}
const lx_tensor *lx_weights_at(const lx_weights *w, size_t i) {
  return i < w->count ? &w->entries[i].t : NULL;
}
size_t lx_weights_copied_bytes(const lx_weights *w) {
  return w->copied_bytes;
}
void lx_weights_mapping(const lx_weights *w, const void **base, size_t *len) {
  *base = w->map;
  *len = w->map_len;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(((const entry *)a)->t.name, ((const entry *)b)->t.name);
}

static int cmp_begin(const void *a, const void *b) {
  const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

const lx_tensor *lx_weights_find(const lx_weights *w, const char *name) {
  size_t lo = 0, hi = w->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(name, w->entries[mid].t.name);
    if (c == 0) return &w->entries[mid].t;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

const float *lx_weights_f32(lx_weights *w, const lx_tensor *t) {
  entry *e = (entry *)t; /* t is the first member of an entry owned by w */
  if (t->dtype == LX_F32) return t->data;
  if (!e->f32_copy) {
    e->f32_copy = lx_xcalloc(t->numel ? t->numel : 1, sizeof(float));
    lx_convert_to_f32(e->f32_copy, t->data, t->dtype, t->numel);
    w->copied_bytes += t->numel * sizeof(float);
  }
  return e->f32_copy;
}

static void free_entries(entry *entries, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free((char *)entries[i].t.name);
    free(entries[i].f32_copy);
    free(entries[i].aligned_copy);
  }
  free(entries);
}

size_t lx_weights_bytes(const lx_weights *w, const char *prefix) {
  size_t n = 0, len = strlen(prefix);
  for (size_t i = 0; i < w->count; i++)
    if (strncmp(w->entries[i].t.name, prefix, len) == 0)
      n += w->entries[i].t.numel * lx_dtype_size(w->entries[i].t.dtype);
  return n;
}

/* ---- synthetic weights ------------------------------------------------------------------------
 */

lx_weights *lx_weights_synthetic(lx_dtype dtype, unsigned long long seed) {
  lx_weights *w = lx_xcalloc(1, sizeof *w);
  w->path = lx_xstrdup("(synthetic)");
  w->synthetic = 1;
  w->synthetic_dtype = dtype;
  w->seed = seed;
  return w;
}

#define SYNTH_CHUNK ((size_t)1 << 16) /* values per fill job: the result is thread-independent */

typedef struct synth_job {
  void *data;
  lx_dtype dtype;
  size_t n;
  float lo, hi;
  unsigned long long seed;
} synth_job;

static void synth_fill(void *ctx, int begin, int end) {
  const synth_job *j = ctx;
  for (size_t c = (size_t)begin; c < (size_t)end; c++) {
    unsigned long long state = lx_mix64(j->seed ^ (c * 0x9e3779b97f4a7c15ull));
    size_t i1 = (c + 1) * SYNTH_CHUNK < j->n ? (c + 1) * SYNTH_CHUNK : j->n;
    for (size_t i = c * SYNTH_CHUNK; i < i1; i++) {
      state += 0x9e3779b97f4a7c15ull;
      float u = (float)(lx_mix64(state) >> 40) * 0x1.0p-24f; /* [0, 1) */
      float v = j->lo + (j->hi - j->lo) * u;
      if (j->dtype == LX_F32)
        ((float *)j->data)[i] = v;
      else if (j->dtype == LX_BF16)
        ((uint16_t *)j->data)[i] = lx_f32_to_bf16(v);
      else
        ((uint16_t *)j->data)[i] = lx_f32_to_f16(v);
    }
  }
}

static const lx_tensor *synth_create(lx_weights *w, const char *name, int ndim,
                                     const int64_t *shape) {
  if (w->count == w->capacity) {
    w->capacity = w->capacity ? 2 * w->capacity : 256;
    w->entries = lx_xrealloc_array(w->entries, w->capacity, sizeof(entry));
  }
  size_t at = 0; /* keep the entries sorted by name */
  while (at < w->count && strcmp(w->entries[at].t.name, name) < 0) at++;
  memmove(&w->entries[at + 1], &w->entries[at], (w->count - at) * sizeof(entry));
  w->count++;
  entry *e = &w->entries[at];
  memset(e, 0, sizeof *e);
  e->t.name = lx_xstrdup(name);
  e->t.ndim = ndim;
  e->t.numel = 1;
  for (int i = 0; i < ndim; i++) {
    e->t.shape[i] = shape[i];
    e->t.numel *= (size_t)shape[i];
  }
  e->t.dtype = ndim >= 2 ? w->synthetic_dtype : LX_F32;
  size_t bytes = e->t.numel * lx_dtype_size(e->t.dtype);
  const size_t huge = (size_t)2 << 20;
  if (bytes >= huge) {
    e->aligned_copy = aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
    if (!e->aligned_copy) e->aligned_copy = lx_xmalloc(bytes);
    madvise(e->aligned_copy, bytes, MADV_HUGEPAGE);
  } else {
    e->aligned_copy = lx_xmalloc(bytes ? bytes : 1);
  }
  synth_job j = {e->aligned_copy, e->t.dtype, e->t.numel, -0.1f, 0.1f, 0};
  if (ndim >= 2) {
    float a = sqrtf(3.0f / (float)shape[ndim - 1]);
    j.lo = -a, j.hi = a;
  } else if (strstr(name, "norm")) {
    j.lo = 0.9f, j.hi = 1.1f;
  }
  unsigned long long h = w->seed; /* FNV-1a of the name: a tensor's values depend on its name */
  for (const char *c = name; *c; c++) h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
  j.seed = h;
  size_t chunks = (e->t.numel + SYNTH_CHUNK - 1) / SYNTH_CHUNK;
  lx_parallel_for((int)chunks, 1, synth_fill, &j);
  e->t.data = e->aligned_copy;
  return &e->t;
}

void lx_weights_close(lx_weights *w) {
  if (!w) return;
  if (w->map) munmap(w->map, w->map_len);
  free_entries(w->entries, w->count);
  free(w->path);
  free(w);
}

static int parse_dtype(const char *s, lx_dtype *out) {
  if (strcmp(s, "F32") == 0)
    *out = LX_F32;
  else if (strcmp(s, "F16") == 0)
    *out = LX_F16;
  else if (strcmp(s, "BF16") == 0)
    *out = LX_BF16;
  else
    return -1;
  return 0;
}

/* Reads a JSON number that must be a non-negative integer of at most 2^53: 0, or -1 when it is
 * not a non-negative integer, or -2 when it is larger (JSON's numbers are doubles: above 2^53 they
 * are no longer exact, so the value could not be trusted). */
static int json_size(const cJSON *v, size_t *out) {
  if (!cJSON_IsNumber(v)) return -1;
  double d = v->valuedouble;
  if (!(d >= 0) || d != floor(d)) return -1;
  if (d > 9007199254740992.0) return -2;
  *out = (size_t)d;
  return 0;
}

/* The reason json_size gave code rc. */
static const char *size_problem(int rc) {
  return rc == -2 ? "is too large (above 2^53, where JSON numbers stop being exact)"
                  : "is not a non-negative integer";
}

static int parse_entry(const char *path, const cJSON *item, size_t data_len, entry *e,
                       lx_error *err) {
  const char *name = item->string;
  if (!cJSON_IsObject(item))
    return lx_errorf(err, "%s: tensor '%s': header entry is not a JSON object", path, name);
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
  const cJSON *sh = cJSON_GetObjectItemCaseSensitive(item, "shape");
  const cJSON *off = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
  if (!cJSON_IsString(dt))
    return lx_errorf(err, "%s: tensor '%s': missing or non-string \"dtype\"", path, name);
  if (parse_dtype(dt->valuestring, &e->t.dtype))
    return lx_errorf(
        err, "%s: tensor '%s': dtype %s is not supported (lynxeval reads F32, F16 and BF16)", path,
        name, dt->valuestring);
  if (!cJSON_IsArray(sh))
    return lx_errorf(err, "%s: tensor '%s': missing or non-array \"shape\"", path, name);
  int nd = cJSON_GetArraySize(sh);
  if (nd > LX_MAX_DIMS)
    return lx_errorf(err, "%s: tensor '%s': %d dimensions, at most %d supported", path, name, nd,
                     LX_MAX_DIMS);
  e->t.ndim = nd;
  size_t numel = 1;
  for (int i = 0; i < nd; i++) {
    size_t d;
    int bad = json_size(cJSON_GetArrayItem(sh, i), &d);
    if (bad)
      return lx_errorf(err, "%s: tensor '%s': shape[%d] %s", path, name, i, size_problem(bad));
    e->t.shape[i] = (int64_t)d;
    if (lx_mul_size(numel, d, &numel))
      return lx_errorf(err, "%s: tensor '%s': shape overflows", path, name);
  }
  e->t.numel = numel;
  if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
    return lx_errorf(err, "%s: tensor '%s': \"data_offsets\" must be two non-negative integers",
                     path, name);
  for (int k = 0; k < 2; k++) {
    int bad = json_size(cJSON_GetArrayItem(off, k), k ? &e->end : &e->begin);
    if (bad)
      return lx_errorf(err, "%s: tensor '%s': data_offsets[%d] %s", path, name, k,
                       size_problem(bad));
  }
  if (e->begin > e->end)
    return lx_errorf(err, "%s: tensor '%s': data_offsets [%zu, %zu] end before they begin", path,
                     name, e->begin, e->end);
  if (e->end > data_len)
    return lx_errorf(err,
                     "%s: tensor '%s': data_offsets [%zu, %zu] run past the end of the data "
                     "(%zu bytes): the file is truncated or the header is wrong",
                     path, name, e->begin, e->end, data_len);
  size_t want;
  if (lx_mul_size(numel, lx_dtype_size(e->t.dtype), &want) || want != e->end - e->begin)
    return lx_errorf(err,
                     "%s: tensor '%s': %zu bytes at data_offsets, but shape and dtype %s need %zu",
                     path, name, e->end - e->begin, dt->valuestring, want);
  e->t.name = lx_xstrdup(name);
  return LX_OK;
}

static int check_layout(const char *path, entry *entries, size_t n, size_t data_len,
                        lx_error *err) {
  /* Names: sorted, no duplicates. */
  qsort(entries, n, sizeof *entries, cmp_name);
  for (size_t i = 1; i < n; i++)
    if (strcmp(entries[i - 1].t.name, entries[i].t.name) == 0)
      return lx_errorf(err, "%s: tensor '%s' appears twice in the header", path, entries[i].t.name);
  /* Offsets: no overlap, no gap, the data section exactly covered. */
  const entry **by_off = lx_xcalloc(n ? n : 1, sizeof *by_off);
  for (size_t i = 0; i < n; i++) by_off[i] = &entries[i];
  qsort(by_off, n, sizeof *by_off, cmp_begin);
  size_t pos = 0;
  int rc = LX_OK;
  for (size_t i = 0; i < n && rc == LX_OK; i++) {
    const entry *e = by_off[i];
    if (e->begin < pos)
      rc = lx_errorf(err, "%s: tensor '%s' (bytes %zu..%zu) overlaps tensor '%s' (bytes ..%zu)",
                     path, e->t.name, e->begin, e->end, by_off[i - 1]->t.name, pos);
    else if (e->begin > pos)
      rc = lx_errorf(err, "%s: %zu bytes before tensor '%s' (at %zu) belong to no tensor", path,
                     e->begin - pos, e->t.name, e->begin);
    else
      pos = e->end;
  }
  if (rc == LX_OK && pos != data_len)
    rc = lx_errorf(err, "%s: %zu bytes after the last tensor belong to no tensor", path,
                   data_len - pos);
  free(by_off);
  return rc;
}

int lx_weights_open(const char *path, lx_weights **out, lx_error *err) {
  *out = NULL;
  int fd;
  size_t size;
  if (lx_open_regular(path, O_RDONLY, &fd, &size, err)) return LX_ERR;
  if (size < 8) {
    close(fd);
    return lx_errorf(
        err,
        "%s: truncated: %zu bytes, but a safetensors file starts with an 8-byte header "
        "length",
        path, size);
  }
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  close(fd);
  if (map == MAP_FAILED) return lx_errorf(err, "%s: cannot map: %s", path, strerror(map_errno));
  /* Large read-only weights: ask for huge pages (reads are markedly faster with them). */
  madvise(map, size, MADV_HUGEPAGE);

  lx_weights *w = lx_xcalloc(1, sizeof *w);
  w->path = lx_xstrdup(path);
  w->map = map;
  w->map_len = size;

  const unsigned char *p = map;
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; i--) header_len = (header_len << 8) | p[i];
  cJSON *root = NULL;
  int rc = LX_OK;
  if (header_len > LX_SAFETENSORS_MAX_HEADER_BYTES) {
    rc = lx_errorf(err,
                   "%s: header length %llu is more than the %llu allowed: not a safetensors file",
                   path, (unsigned long long)header_len, LX_SAFETENSORS_MAX_HEADER_BYTES);
  } else if (header_len > size - 8) {
    rc = lx_errorf(err,
                   "%s: header length %llu runs past the end of the file (%zu bytes): truncated or "
                   "not a safetensors file",
                   path, (unsigned long long)header_len, size);
  } else if (header_len < 2 || p[8] != '{') {
    rc = lx_errorf(err, "%s: header does not start with a JSON object: not a safetensors file",
                   path);
  }
  if (rc == LX_OK) rc = lx_json_check_text(path, (const char *)p + 8, (size_t)header_len, err);
  if (rc == LX_OK) {
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts((const char *)p + 8, (size_t)header_len, &end, 0);
    if (!root || !cJSON_IsObject(root)) {
      rc = lx_errorf(err, "%s: header is not valid JSON", path);
    } else if (lx_json_check_unique_keys(path, root, err)) {
      rc = LX_ERR;
    } else {
      for (const char *q = end; q < (const char *)p + 8 + header_len; q++)
        if (*q != ' ' && *q != '\n' && *q != '\t' && *q != '\r' && *q != '\0') {
          rc = lx_errorf(err, "%s: unexpected bytes after the header's JSON object", path);
          break;
        }
    }
  }
  size_t data_off = 8 + (size_t)header_len;
  size_t data_len = size - data_off;
  if (rc == LX_OK) {
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) if (strcmp(item->string, "__metadata__") != 0) n++;
    w->entries = lx_xcalloc(n ? n : 1, sizeof *w->entries);
    cJSON_ArrayForEach(item, root) {
      if (strcmp(item->string, "__metadata__") == 0) {
        const cJSON *m;
        if (!cJSON_IsObject(item)) {
          rc = lx_errorf(err, "%s: \"__metadata__\" is not an object", path);
          break;
        }
        cJSON_ArrayForEach(m, item) if (!cJSON_IsString(m)) {
          rc = lx_errorf(err, "%s: \"__metadata__\" value '%s' is not a string", path, m->string);
          break;
        }
        if (rc) break;
        continue;
      }
      rc = parse_entry(path, item, data_len, &w->entries[w->count], err);
      if (rc) break;
      w->count++;
    }
  }
  if (rc == LX_OK) rc = check_layout(path, w->entries, w->count, data_len, err);
  if (rc == LX_OK) {
    for (size_t i = 0; i < w->count; i++) {
      entry *e = &w->entries[i];
      const unsigned char *src = p + data_off + e->begin;
      size_t align = lx_dtype_size(e->t.dtype);
      if ((uintptr_t)src % align != 0) {
        size_t nb = e->end - e->begin;
        e->aligned_copy = lx_xmalloc(nb ? nb : 1);
        memcpy(e->aligned_copy, src, nb);
        w->copied_bytes += nb;
        e->t.data = e->aligned_copy;
      } else {
        e->t.data = src;
      }
    }
  }
  cJSON_Delete(root);
  if (rc != LX_OK) {
    lx_weights_close(w);
    return rc;
  }
  *out = w;
  return LX_OK;
}

/* ---- binding ----------------------------------------------------------------------------------
 */

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
  size_t n = 0;
  n += (size_t)snprintf(buf + n, cap - n, "[");
  for (int i = 0; i < ndim && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, i ? ",%lld" : "%lld", (long long)shape[i]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
}

static const lx_tensor *vbind(lx_binder *b, int ndim, const int64_t *shape, const char *fmt,
                              va_list ap) __attribute__((format(printf, 4, 0)));
static const lx_tensor *vbind(lx_binder *b, int ndim, const int64_t *shape, const char *fmt,
                              va_list ap) {
  if (b->failed) return NULL;
  char name[256];
  vsnprintf(name, sizeof name, fmt, ap);
  char want[128], have[128];
  format_shape(want, sizeof want, ndim, shape);
  const lx_tensor *t = lx_weights_find(b->w, name);
  if (!t && b->w->synthetic) t = synth_create(b->w, name, ndim, shape);
  if (!t) {
    b->failed = 1;
    lx_errorf(b->err, "%s: tensor '%s' is missing (config.json expects shape %s)", b->w->path, name,
              want);
    return NULL;
  }
  int same = t->ndim == ndim;
  for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
  if (!same) {
    b->failed = 1;
    format_shape(have, sizeof have, t->ndim, t->shape);
    lx_errorf(b->err, "%s: tensor '%s' has shape %s, config.json says %s", b->w->path, name, have,
              want);
    return NULL;
  }
  ((entry *)t)->used = 1;
  return t;
}

lx_tensor lx_bind(lx_binder *b, int ndim, const int64_t *shape, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const lx_tensor *t = vbind(b, ndim, shape, fmt, ap);
  va_end(ap);
  lx_tensor z = {0};
  return t ? *t : z;
}

lx_tensor lx_bind_matrix(lx_binder *b, int64_t rows, int64_t cols, const char *fmt, ...) {
  int64_t shape[2] = {rows, cols};
  va_list ap;
  va_start(ap, fmt);
  const lx_tensor *t = vbind(b, 2, shape, fmt, ap);
  va_end(ap);
  lx_tensor z = {0};
  return t ? *t : z;
}

const float *lx_bind_vector(lx_binder *b, int64_t n, const char *fmt, ...) {
  int64_t shape[1] = {n};
  va_list ap;
  va_start(ap, fmt);
  const lx_tensor *t = vbind(b, 1, shape, fmt, ap);
  va_end(ap);
  return t ? lx_weights_f32(b->w, t) : NULL;
}

const float *lx_bind_f32(lx_binder *b, int ndim, const int64_t *shape, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const lx_tensor *t = vbind(b, ndim, shape, fmt, ap);
  va_end(ap);
  return t ? lx_weights_f32(b->w, t) : NULL;
}

const char *lx_weights_first_unused(const lx_weights *w) {
  for (size_t i = 0; i < w->count; i++)
    if (!w->entries[i].used) return w->entries[i].t.name;
  return NULL;
}
