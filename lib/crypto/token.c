/* token.c - generating API tokens ("ct_" + 43 uniform base62 characters), hashing them
 * with SHA-256 for storage and lookup, and a cheap shape check. Never logs a token.
 * Which organisation a hash belongs to is lib/db's business. */
#include "ct/token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const char alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define ALPHABET_LEN 62
/* Bytes below 248 = 4 * 62 map uniformly onto the alphabet; 248..255 are rejected. */
#define ACCEPT_BELOW (256 - 256 % ALPHABET_LEN)

static int is_base62(char c);

static int is_base62(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int ct_token_generate(char *out, size_t outlen)
{
    unsigned char pool[64];
    size_t used = sizeof pool; /* empty: refill on first use */
    size_t n = 0;
    int rc = -1;

    if (out == NULL || outlen < CT_TOKEN_BUFSIZE) {
        if (out && outlen > 0)
            out[0] = '\0';
        return -1;
    }
    memcpy(out, CT_TOKEN_PREFIX, 3);
    while (n < CT_TOKEN_RANDOM_CHARS) {
        if (used == sizeof pool) {
            if (RAND_bytes(pool, sizeof pool) != 1)
                goto out;
            used = 0;
        }
        unsigned char b = pool[used++];
        if (b < ACCEPT_BELOW)
            out[3 + n++] = alphabet[b % ALPHABET_LEN];
    }
    out[CT_TOKEN_LEN] = '\0';
    rc = 0;
out:
    OPENSSL_cleanse(pool, sizeof pool);
    if (rc != 0)
        OPENSSL_cleanse(out, CT_TOKEN_BUFSIZE);
    return rc;
}

void ct_token_hash(const char *token, char out_hex[CT_TOKEN_HASH_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        abort();
    for (unsigned int i = 0; i < mdlen; i++) {
        out_hex[2 * i] = digits[md[i] >> 4];
        out_hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    out_hex[2 * mdlen] = '\0';
}

int ct_token_looks_valid(const char *s)
{
    if (s == NULL || strncmp(s, CT_TOKEN_PREFIX, 3) != 0)
        return 0;
    for (size_t i = 3; i < CT_TOKEN_LEN; i++)
        if (!is_base62(s[i])) /* also stops at a NUL: too short */
            return 0;
    return s[CT_TOKEN_LEN] == '\0';
}
