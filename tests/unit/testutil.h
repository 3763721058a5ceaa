/* testutil.h: small helpers shared by the Check suites. */
#ifndef LX_TESTUTIL_H
#define LX_TESTUTIL_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh private directory under $TMPDIR (or /tmp); caller frees the string. */
char *tu_tempdir(void);
/* Removes a directory tree made by tu_tempdir and frees the string. */
void tu_rmtree(char *dir);
/* Writes len bytes to dir/name and returns the heap path. */
char *tu_write(const char *dir, const char *name, const void *data, size_t len);
/* Writes a safetensors file: header JSON as given (padded to 8), then `data`. */
char *tu_write_safetensors(const char *dir, const char *name, const char *header_json,
                           const void *data, size_t data_len);
/* ||a - b|| / ||b|| in double. */
double tu_rel_err(const float *a, const float *b, size_t n);
/* Deterministic pseudo-random floats in [-1, 1). */
void tu_fill(float *x, size_t n, unsigned seed);
/* Resident set size in bytes (from /proc/self/status). */
long long tu_rss_bytes(void);

struct cJSON;
/* Reads and parses dir/name (at most 64 MiB); on failure prints why to stderr and returns NULL. */
struct cJSON *tu_load_json(const char *dir, const char *name);

struct Suite;
/* Runs a Check suite (forking per test unless no_fork) and returns the process exit status. */
int tu_run_suite(struct Suite *s, int no_fork);

#endif
