/* sha256.h: SHA-256 through OpenSSL EVP, hex-encoded.
 *
 * Promises: lower-case 64-character hex digests; streaming and one-shot
 * forms give the same answer for the same bytes. */
#ifndef MEMTUI_SHA256_H
#define MEMTUI_SHA256_H

#include <stddef.h>

#define MT_SHA256_HEX 65   /* 64 hex digits and a NUL */

struct mt_sha256;  /* opaque streaming context */

struct mt_sha256 *mt_sha256_new(void);
void mt_sha256_update(struct mt_sha256 *c, const void *data, size_t n);
/* Writes the digest into hex and frees the context. */
void mt_sha256_final(struct mt_sha256 *c, char hex[MT_SHA256_HEX]);
void mt_sha256_hex(const void *data, size_t n, char hex[MT_SHA256_HEX]);

#endif
