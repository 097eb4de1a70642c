/* webhook.h - Standard Webhooks secrets and signatures: secrets are "whsec_" + base64 of
 * random bytes; a delivery carries "webhook-signature: v1,<base64 HMAC-SHA256(secret bytes,
 * id "." timestamp "." body)>". Sending deliveries is the dispatcher's job; this module
 * only makes and checks the strings. Never logs a secret or a body. */
#ifndef CT_WEBHOOK_H
#define CT_WEBHOOK_H

#include <stddef.h>

#include "ct/err.h"

#define CT_WEBHOOK_SECRET_PREFIX "whsec_"
#define CT_WEBHOOK_SECRET_BYTES 24     /* random bytes in a secret we create */
#define CT_WEBHOOK_SECRET_BUFSIZE 39   /* "whsec_" + 32 base64 characters + NUL */
#define CT_WEBHOOK_KEY_MIN 24          /* decoded secret length accepted (Standard Webhooks) */
#define CT_WEBHOOK_KEY_MAX 64
#define CT_WEBHOOK_SIGNATURE_BUFSIZE 48 /* "v1," + 44 base64 characters + NUL */

/* Writes a new secret ("whsec_" + base64 of 24 bytes from RAND_bytes) and a NUL into out
 * (caller-owned, outlen >= CT_WEBHOOK_SECRET_BUFSIZE). 0, or -1 when out is too small or
 * RAND_bytes fails (out is then ""). */
int ct_webhook_secret_new(char *out, size_t outlen) CT_MUSTCHECK;

/* Decodes a secret (borrowed): an optional "whsec_" prefix (as the Standard Webhooks
 * libraries accept), then strict padded standard base64 of CT_WEBHOOK_KEY_MIN to
 * CT_WEBHOOK_KEY_MAX bytes, nothing else (no white space). *keylen is in/out: on entry
 * the capacity of key (caller-owned), on success the number of bytes written. -1 when
 * the secret is malformed, of a length outside that range, or does not fit in key. */
int ct_webhook_secret_decode(const char *secret, unsigned char *key, size_t *keylen) CT_MUSTCHECK;

/* Writes "v1," + base64(HMAC-SHA256(key, msg_id "." timestamp "." body)) and a NUL into
 * out (caller-owned, outlen >= CT_WEBHOOK_SIGNATURE_BUFSIZE). timestamp is written in
 * decimal (unix seconds); body is bodylen bytes (may be NULL when bodylen is 0). All
 * arguments are borrowed. 0, or -1 when out is too small or libcrypto fails. */
int ct_webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id,
                    long long timestamp, const char *body, size_t bodylen, char *out,
                    size_t outlen) CT_MUSTCHECK;

/* Receiver side (tests, local receivers): 1 when the webhook-signature header value
 * (space-separated "version,base64" entries) holds a "v1" entry equal to the signature of
 * (msg_id, timestamp, body) under key, compared in constant time; else 0. Checking that
 * the timestamp is recent is the caller's job. */
int ct_webhook_verify(const unsigned char *key, size_t keylen, const char *msg_id,
                      long long timestamp, const char *body, size_t bodylen,
                      const char *header);

#endif
