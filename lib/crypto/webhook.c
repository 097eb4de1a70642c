/* webhook.c - Standard Webhooks signing (https://www.standardwebhooks.com): secrets,
 * their strict base64 decoding, "v1," HMAC-SHA256 signatures and their verification,
 * on OpenSSL 3 (EVP_MAC, EVP_EncodeBlock/EVP_DecodeBlock, RAND_bytes). Building the
 * payload, the headers and the HTTP request is the dispatcher's job. */
#include "ct/webhook.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define PREFIX_LEN (sizeof CT_WEBHOOK_SECRET_PREFIX - 1)
#define MAC_LEN 32
#define MAC_B64_LEN 44 /* 4 * ceil(32 / 3) */

static int is_b64(char c);
static int mac_message(const unsigned char *key, size_t keylen, const char *msg_id,
                       long long timestamp, const char *body, size_t bodylen,
                       unsigned char mac_out[MAC_LEN]);

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* HMAC-SHA256(key, msg_id "." timestamp "." body) into mac_out. 0, or -1. */
static int mac_message(const unsigned char *key, size_t keylen, const char *msg_id,
                       long long timestamp, const char *body, size_t bodylen,
                       unsigned char mac_out[MAC_LEN])
{
    char ts[32];
    int tslen = snprintf(ts, sizeof ts, "%lld", timestamp);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    size_t maclen = 0;
    int ok = ctx != NULL && tslen > 0 && msg_id != NULL && (body != NULL || bodylen == 0);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    /* An empty key is legal HMAC, but OpenSSL wants a non-NULL pointer. */
    ok = ok && EVP_MAC_init(ctx, key ? key : (const unsigned char *)"", key ? keylen : 0,
                            params) == 1;
    ok = ok && EVP_MAC_update(ctx, (const unsigned char *)msg_id, strlen(msg_id)) == 1;
    ok = ok && EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1;
    ok = ok && EVP_MAC_update(ctx, (const unsigned char *)ts, (size_t)tslen) == 1;
    ok = ok && EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1;
    ok = ok && (bodylen == 0 || EVP_MAC_update(ctx, (const unsigned char *)body, bodylen) == 1);
    ok = ok && EVP_MAC_final(ctx, mac_out, &maclen, MAC_LEN) == 1 && maclen == MAC_LEN;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

int ct_webhook_secret_new(char *out, size_t outlen)
{
    unsigned char raw[CT_WEBHOOK_SECRET_BYTES];

    if (out == NULL || outlen < CT_WEBHOOK_SECRET_BUFSIZE) {
        if (out && outlen > 0)
            out[0] = '\0';
        return -1;
    }
    if (RAND_bytes(raw, sizeof raw) != 1) {
        out[0] = '\0';
        return -1;
    }
    memcpy(out, CT_WEBHOOK_SECRET_PREFIX, PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)out + PREFIX_LEN, raw, (int)sizeof raw);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

int ct_webhook_secret_decode(const char *secret, unsigned char *key, size_t *keylen)
{
    /* Room for the largest accepted secret plus the padding bytes EVP_DecodeBlock emits. */
    unsigned char buf[CT_WEBHOOK_KEY_MAX + 3];
    size_t len, pad = 0;
    int n, rc = -1;

    if (secret == NULL || key == NULL || keylen == NULL)
        return -1;
    if (strncmp(secret, CT_WEBHOOK_SECRET_PREFIX, PREFIX_LEN) == 0)
        secret += PREFIX_LEN;
    len = strnlen(secret, 4 * ((CT_WEBHOOK_KEY_MAX + 2) / 3) + 1);
    if (len == 0 || len % 4 != 0 || len > 4 * ((CT_WEBHOOK_KEY_MAX + 2) / 3))
        return -1;
    if (secret[len - 1] == '=')
        pad = secret[len - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < len - pad; i++)
        if (!is_b64(secret[i]))
            return -1;
    n = EVP_DecodeBlock(buf, (const unsigned char *)secret, (int)len);
    if (n < 0 || (size_t)n < pad)
        goto out;
    n -= (int)pad;
    if (n < CT_WEBHOOK_KEY_MIN || n > CT_WEBHOOK_KEY_MAX || (size_t)n > *keylen)
        goto out;
    memcpy(key, buf, (size_t)n);
    *keylen = (size_t)n;
    rc = 0;
out:
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

int ct_webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id,
                    long long timestamp, const char *body, size_t bodylen, char *out,
                    size_t outlen)
{
    unsigned char mac[MAC_LEN];

    if (out == NULL || outlen < CT_WEBHOOK_SIGNATURE_BUFSIZE) {
        if (out && outlen > 0)
            out[0] = '\0';
        return -1;
    }
    if (mac_message(key, keylen, msg_id, timestamp, body, bodylen, mac) != 0) {
        out[0] = '\0';
        return -1;
    }
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, MAC_LEN);
    return 0;
}

int ct_webhook_verify(const unsigned char *key, size_t keylen, const char *msg_id,
                      long long timestamp, const char *body, size_t bodylen,
                      const char *header)
{
    unsigned char mac[MAC_LEN];
    char want[MAC_B64_LEN + 1];
    int found = 0;

    if (header == NULL ||
        mac_message(key, keylen, msg_id, timestamp, body, bodylen, mac) != 0)
        return 0;
    EVP_EncodeBlock((unsigned char *)want, mac, MAC_LEN);

    const char *p = header;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *tok = p;
        while (*p && *p != ' ')
            p++;
        size_t toklen = (size_t)(p - tok);
        if (toklen == 3 + MAC_B64_LEN && memcmp(tok, "v1,", 3) == 0 &&
            CRYPTO_memcmp(tok + 3, want, MAC_B64_LEN) == 0)
            found = 1; /* keep scanning: time does not depend on where the match is */
    }
    return found;
}
