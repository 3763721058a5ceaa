/* sha256.h: SHA-256 (FIPS 180-4), for file and content hashes in manifests and tests. */
#ifndef LX_SHA256_H
#define LX_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct lx_error;

typedef struct lx_sha256 {
  uint32_t h[8];
  uint64_t bytes;
  unsigned char block[64];
  size_t fill;
} lx_sha256;

void lx_sha256_init(lx_sha256 *s);
void lx_sha256_update(lx_sha256 *s, const void *data, size_t len);
void lx_sha256_final(lx_sha256 *s, unsigned char digest[32]);
/* One-shot: hex digest (64 characters + NUL). */
void lx_sha256_hex(const void *data, size_t len, char hex[65]);

/* The hex digest of a whole file, read in blocks; *bytes receives its size. Fails naming the
 * file if it cannot be read. */
int lx_sha256_file(const char *path, char hex[65], long long *bytes, struct lx_error *err);

#endif
