/* sha256.c: SHA-256 through OpenSSL 3 EVP; see sha256.h. */
#include "memtui/base/sha256.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "memtui/base/util.h"

struct mt_sha256 {
    EVP_MD_CTX *ctx;
};

/* EVP digests do not fail in practice; if one does, a wrong hash in the
 * manifest would be worse than stopping. Straight to stderr, not an event:
 * the process stops here (a front end's history would die with it). */
static void die_ssl(const char *what)
{
    fprintf(stderr, "memtui: OpenSSL %s failed", what);
    unsigned long e = ERR_get_error();
    if (e) {
        char msg[256];
        ERR_error_string_n(e, msg, sizeof msg);
        fprintf(stderr, ": %s", msg);
    }
    fputc('\n', stderr);
    abort();
}

struct mt_sha256 *mt_sha256_new(void)
{
    struct mt_sha256 *c = xmalloc(sizeof(*c));
    c->ctx = EVP_MD_CTX_new();
    if (!c->ctx) die_ssl("EVP_MD_CTX_new");
    if (EVP_DigestInit_ex(c->ctx, EVP_sha256(), NULL) != 1) die_ssl("EVP_DigestInit_ex");
    return c;
}

void mt_sha256_update(struct mt_sha256 *c, const void *data, size_t n)
{
    if (n && EVP_DigestUpdate(c->ctx, data, n) != 1) die_ssl("EVP_DigestUpdate");
}

void mt_sha256_final(struct mt_sha256 *c, char hex[MT_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(c->ctx, md, &len) != 1 || len != 32) die_ssl("EVP_DigestFinal_ex");
    for (unsigned i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    EVP_MD_CTX_free(c->ctx);
    free(c);
}

void mt_sha256_hex(const void *data, size_t n, char hex[MT_SHA256_HEX])
{
    struct mt_sha256 *c = mt_sha256_new();
    mt_sha256_update(c, data, n);
    mt_sha256_final(c, hex);
}
