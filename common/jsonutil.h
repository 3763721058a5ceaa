/* jsonutil.h: typed, range-checked reads of cJSON objects with messages that name the file and the
 * key path ("config.json: llm.hidden_size: must be an integer in [1, 1048576], got 1.5").
 *
 * `file` and `where` (the dotted path of `obj`, "" at the top) only feed the messages.
 * "req" functions fail when the key is missing; "opt" functions store `dflt` instead.
 */
#ifndef LX_JSONUTIL_H
#define LX_JSONUTIL_H

#include <cJSON.h>
#include <stdbool.h>

#include "common/error.h"

typedef struct lx_json_at {
  const char *file;  /* shown first in messages */
  const char *where; /* dotted path of the object being read, "" for the root */
} lx_json_at;

int lx_json_req_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long *out,
                    lx_error *err);
int lx_json_opt_int(const cJSON *obj, lx_json_at at, const char *key, long lo, long hi, long dflt,
                    long *out, lx_error *err);
int lx_json_req_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double *out, lx_error *err);
int lx_json_opt_double(const cJSON *obj, lx_json_at at, const char *key, double lo, double hi,
                       double dflt, double *out, lx_error *err);
int lx_json_opt_bool(const cJSON *obj, lx_json_at at, const char *key, bool dflt, bool *out,
                     lx_error *err);
/* *out points into obj (valid while obj lives). */
int lx_json_req_string(const cJSON *obj, lx_json_at at, const char *key, const char **out,
                       lx_error *err);
int lx_json_opt_string(const cJSON *obj, lx_json_at at, const char *key, const char *dflt,
                       const char **out, lx_error *err);
int lx_json_req_object(const cJSON *obj, lx_json_at at, const char *key, const cJSON **out,
                       lx_error *err);
/* A string key with a fixed set of values[n]: *index receives its position. dflt is the index
 * taken when the key is absent, or -1 when it is required. Other strings are refused, listing
 * the values. */
int lx_json_choice(const cJSON *obj, lx_json_at at, const char *key, const char *const *values,
                   int n, int dflt, int *index, lx_error *err);
/* A JSON array of exactly n numbers. */
int lx_json_req_doubles(const cJSON *obj, lx_json_at at, const char *key, int n, double *out,
                        lx_error *err);

/* An id given as an integer or a non-empty string, written as text into buf[n] ("42", "a7").
 * `where` names the place in messages ("FILE:LINE"). */
int lx_json_id_text(const cJSON *obj, const char *key, const char *where, char *buf, size_t n,
                    lx_error *err);

/* For reading back lynxeval's own JSON (reports, results) where a missing key is simply absent:
 * the number at obj[key], or NaN; the string at obj[key], or "". */
double lx_json_number(const cJSON *obj, const char *key);
const char *lx_json_string(const cJSON *obj, const char *key);

/* Reads and parses a JSON file of at most max_bytes. A syntax error is reported as
 * "FILE:LINE:COLUMN: not valid JSON". *root and *text (the source) belong to the caller; text may
 * be NULL when the source is not wanted. Large files whose entries need their lines: see
 * json_stream.h. */
int lx_json_read_file(const char *path, size_t max_bytes, cJSON **root, char **text, lx_error *err);

/* Line and column (1-based) of byte offset off in text (linear in off). */
void lx_text_line_col(const char *text, size_t off, int *line, int *col);

/* What to add to "unexpected text after the JSON value" found at text[off]: when that text opens
 * a new value at the start of a line, the file is JSON Lines (one value per line) where one JSON
 * document was expected, and the hint says so; otherwise "". */
const char *lx_json_lines_hint(const char *text, size_t off);

/* JSON text must be UTF-8 (RFC 8259); cJSON itself passes any bytes through. Fails as
 * "PATH:LINE:COL: not valid UTF-8". */
int lx_json_check_utf8(const char *path, const char *src, size_t len, lx_error *err);

/* What cJSON accepts but RFC 8259 does not, or what it would change without a word, refused as
 * "PATH:LINE:COL: ...": text that is not UTF-8; numbers outside the grammar ("01", "1."); inside
 * strings, a raw control character (below U+0020), an unknown escape, a \u without four hex
 * digits, and \u0000, which would cut the string short (lynxeval's strings end at their first
 * NUL, so a NUL is refused by name). */
int lx_json_check_text(const char *path, const char *src, size_t len, lx_error *err);

/* A key twice in one object is refused: cJSON would take the first value and Python's json (which
 * the official scripts run) the last, so the same file would score differently. Fails as
 * "PATH: the key "K" appears twice in one object (under "PARENT")", PATH naming where value came
 * from ("f.json", "f.jsonl:12"). */
int lx_json_check_unique_keys(const char *path, const cJSON *value, lx_error *err);

/* Where a and b first differ, into buf: the dotted path and both values ("numerics.threads: 2
 * now, 1 in the directory's run", label_a "now", label_b "in the directory's run"), or a member
 * only one of them has ("seed (only now)"). */
void lx_json_first_difference(const cJSON *a, const cJSON *b, const char *label_a,
                              const char *label_b, char *buf, size_t n);

/* Writes value as indented JSON and a final newline, atomically (common/fileio.h). */
int lx_json_write_atomic(const char *path, const cJSON *value, lx_error *err);

/* Writes the items of a JSON array as JSON Lines (one compact object per line), atomically. */
int lx_json_write_lines_atomic(const char *path, const cJSON *array, lx_error *err);

/* JSON Lines: calls fn for each non-blank line of the file, in order, with the parsed object
 * (owned by the reader; fn must not keep it) and its 1-based line number; stops at the first
 * failure of fn. Lines that are not a JSON object fail as "FILE:LINE: not a JSON object". */
typedef int (*lx_jsonl_fn)(void *ctx, const cJSON *obj, int line, lx_error *err);
int lx_jsonl_read(const char *path, size_t max_bytes, lx_jsonl_fn fn, void *ctx, lx_error *err);

#endif
