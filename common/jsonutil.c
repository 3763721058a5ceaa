#include "common/jsonutil.h"

#include <math.h>
#include <stdio.h>

static const char *sep(lx_json_at at) {
  return at.where[0] ? "." : "";
}

static const cJSON *get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int missing(lx_json_at at, const char *key, lx_error *err) {
  return lx_errorf(err, "%s: %s%s%s: required key is missing", at.file, at.where, sep(at), key);
}

static int read_int(const cJSON *v, lx_json_at at, const char *key, long lo, long hi, long *out,
                    lx_error *err) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (!cJSON_IsNumber(v) || d != floor(d) || d < (double)lo || d > (double)hi)
    return lx_errorf(err, "%s: %s%s%s: must be an integer in [%ld, %ld]", at.file, at.where,
                     sep(at), key, lo, hi);
  *out = (long)d;
  return LX_OK;
}

int lx_json_req_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long *out,
                    lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  return read_int(v, at, key, lo, hi, out, err);
}

int lx_json_opt_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long dflt,
                    long *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return read_int(v, at, key, lo, hi, out, err);
}

static int read_double(const cJSON *v, lx_json_at at, const char *key, double lo, double hi,
                       double *out, lx_error *err) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
    return lx_errorf(err, "%s: %s%s%s: must be a number in [%g, %g]", at.file, at.where, sep(at),
                     key, lo, hi);
  *out = v->valuedouble;
  return LX_OK;
}

int lx_json_req_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  return read_double(v, at, key, lo, hi, out, err);
}

int lx_json_opt_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double dflt, double *out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return read_double(v, at, key, lo, hi, out, err);
}

int lx_json_opt_bool(const cJSON *obj, lx_json_at at, const char *key, bool dflt, bool *out,
                     lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  if (!cJSON_IsBool(v))
    return lx_errorf(err, "%s: %s%s%s: must be true or false", at.file, at.where, sep(at), key);
  *out = cJSON_IsTrue(v);
  return LX_OK;
}

int lx_json_req_string(const cJSON *obj, lx_json_at at, const char *key, const char **out,
                       lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsString(v))
    return lx_errorf(err, "%s: %s%s%s: must be a string", at.file, at.where, sep(at), key);
  *out = v->valuestring;
  return LX_OK;
}

int lx_json_opt_string(const cJSON *obj, lx_json_at at, const char *key, const char *dflt,
                       const char **out, lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v || cJSON_IsNull(v)) {
    *out = dflt;
    return LX_OK;
  }
  return lx_json_req_string(obj, at, key, out, err);
}

int lx_json_req_object(const cJSON *obj, lx_json_at at, const char *key, const cJSON **out,
                       lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsObject(v))
    return lx_errorf(err, "%s: %s%s%s: must be an object", at.file, at.where, sep(at), key);
  *out = v;
  return LX_OK;
}

int lx_json_req_doubles(const cJSON *obj, lx_json_at at, const char *key, int n, double *out,
                        lx_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) return missing(at, key, err);
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != n)
    return lx_errorf(err, "%s: %s%s%s: must be an array of %d numbers", at.file, at.where, sep(at),
                     key, n);
  int i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, v) {
    if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
      return lx_errorf(err, "%s: %s%s%s[%d]: must be a finite number", at.file, at.where, sep(at),
                       key, i);
    out[i++] = e->valuedouble;
  }
  return LX_OK;
}
