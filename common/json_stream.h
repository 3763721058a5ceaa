/* json_stream.h: a large JSON file read piece by piece, in one pass, with the line of every piece.
 *
 * Benchmark files are big (VQAv2 val: 214k questions and 2.1M answers, COCO val2014: 202k
 * captions). Building the whole cJSON tree costs several times the file's size, and finding each
 * entry's line by rescanning the text is quadratic. A stream instead parses one top-level member,
 * or one element of an array, at a time: memory is the file's text plus the piece in hand, and
 * every step is linear in the bytes it passes over.
 *
 * The grammar around the pieces (braces, brackets, keys, colons, commas, trailing text) is checked
 * as the stream moves; every error reads "FILE:LINE:COLUMN: what is wrong". The text must be
 * UTF-8 (RFC 8259); a UTF-8 byte-order mark at the start is skipped, as cJSON does.
 *
 * Typical use, the top-level object {"images": [...], "annotations": [...], ...}:
 *
 *   lx_json_stream s;
 *   if (lx_json_stream_open(&s, path, max_bytes, err)) return LX_ERR;
 *   rc = lx_json_stream_enter_object(&s, err);
 *   while (!rc && !(rc = lx_json_stream_next_member(&s, &key, &more, err)) && more) {
 *     if (!strcmp(key, "images")) { rc = lx_json_stream_enter_array(&s, err);
 *       while (!rc && !(rc = lx_json_stream_next_element(&s, &item, &line, &more, err)) && more)
 *         { ...; cJSON_Delete(item); } }
 *     else rc = lx_json_stream_skip_value(&s, err);
 *   }
 *   if (!rc) rc = lx_json_stream_finish(&s, err);
 *   lx_json_stream_close(&s);
 */
#ifndef LX_JSON_STREAM_H
#define LX_JSON_STREAM_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define LX_JSON_STREAM_DEPTH 8 /* containers entered at once */

typedef struct lx_json_stream {
  const char *path; /* for messages; not owned */
  char *text;       /* the whole file, NUL-terminated */
  size_t len;
  size_t pos;                       /* the next byte to read */
  size_t line_pos;                  /* lines are counted up to this byte */
  size_t line_start;                /* the first byte of the line holding line_pos */
  int line;                         /* 1-based line of line_pos */
  int depth;                        /* containers entered: 0 at the top level */
  bool first[LX_JSON_STREAM_DEPTH]; /* per entered container: nothing read from it yet */
  char *key;                        /* the current member's key (heap) */
  size_t key_pos;                   /* where that key starts */
} lx_json_stream;

/* Reads path (at most max_bytes) and checks that it is UTF-8. On failure nothing is left to
 * close. */
int lx_json_stream_open(lx_json_stream *s, const char *path, size_t max_bytes, lx_error *err);
void lx_json_stream_close(lx_json_stream *s);

/* Whether the next value (at the top, or the current member's) is an object / an array, without
 * reading it. */
bool lx_json_stream_at_object(lx_json_stream *s);
bool lx_json_stream_at_array(lx_json_stream *s);

/* Enters the next value, which must be an object; fails "FILE:LINE:COL: expected an object"
 * otherwise, or when LX_JSON_STREAM_DEPTH containers are open already. */
int lx_json_stream_enter_object(lx_json_stream *s, lx_error *err);
/* The same for an array. */
int lx_json_stream_enter_array(lx_json_stream *s, lx_error *err);

/* In an entered object: reads the next key and its colon, leaving the stream at the member's
 * value, which the caller must then read (value, skip_value or enter_array). *more is false, and
 * the object is left, at its closing brace. *key stays valid until the next call. */
int lx_json_stream_next_member(lx_json_stream *s, const char **key, bool *more, lx_error *err);

/* Where a value starts: its 1-based line, and its 1-based column in bytes, or 0 when the value is
 * the first thing on its line (a pretty-printed file, where the line alone says it). */
typedef struct lx_json_place {
  int line;
  int column;
} lx_json_place;

/* In an entered array: parses the next element into *value (the caller deletes it) with the place
 * it starts. *more is false, *value NULL and the array left at its closing bracket. */
int lx_json_stream_next_element(lx_json_stream *s, cJSON **value, lx_json_place *at, bool *more,
                                lx_error *err);

/* Parses the next value whole (the caller deletes it), with its place (at may be NULL). */
int lx_json_stream_value(lx_json_stream *s, cJSON **value, lx_json_place *at, lx_error *err);
/* Checks and passes over the next value. */
int lx_json_stream_skip_value(lx_json_stream *s, lx_error *err);

/* After the top-level value: only whitespace may remain. */
int lx_json_stream_finish(lx_json_stream *s, lx_error *err);

/* The place of byte offset off: linear in the bytes since the last place asked for (an earlier
 * offset counts again from the start). */
lx_json_place lx_json_stream_place(lx_json_stream *s, size_t off);

/* ---- the common shapes, whole-file ---------------------------------------------------------- */

/* Called for each element of a streamed array: `which` is the index of its key in keys (0 for a
 * top-level array), `at` where the element starts. The element is deleted after the call. A
 * non-zero return stops the reading and is returned. */
typedef int (*lx_json_element_fn)(void *ctx, int which, const cJSON *element, lx_json_place at,
                                  lx_error *err);

/* Reads a file whose top level is an object and calls fn for each element of the arrays under
 * keys[0..n_keys), in file order. seen[k] (n_keys entries) tells whether keys[k] was there. The
 * other members are collected in *rest (a new object the caller deletes) when rest is not NULL,
 * else passed over. Fails, naming file, line and column, if the file is not a JSON object, a
 * key's value is not an array, or one of the keys occurs twice. */
int lx_json_read_arrays(const char *path, size_t max_bytes, const char *const *keys, int n_keys,
                        bool *seen, lx_json_element_fn fn, void *ctx, cJSON **rest, lx_error *err);

/* Called for each member of a top-level object: its key, its value (parsed; fn does not keep it)
 * and where the value starts. */
typedef int (*lx_json_member_fn)(void *ctx, const char *key, const cJSON *value,
                                 lx_json_place place, lx_error *err);

/* Reads a file whose top level is an object (GQA's questions, MM-Vet's, by id) and calls fn for
 * each member, in file order. */
int lx_json_read_members(const char *path, size_t max_bytes, lx_json_member_fn fn, void *ctx,
                         lx_error *err);

/* Reads a file whose top level is an array and calls fn for each element (which = 0). */
int lx_json_read_array(const char *path, size_t max_bytes, lx_json_element_fn fn, void *ctx,
                       lx_error *err);

#endif
