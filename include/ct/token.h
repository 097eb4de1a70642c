/* token.h - API tokens: "ct_" + 43 base62 characters (about 256 bits from RAND_bytes).
 * A token is shown once and stored only as its SHA-256 hash; lookups hash what the client
 * sends. Tokens are never logged. Storing and matching hashes is lib/db's and lib/http's. */
#ifndef CT_TOKEN_H
#define CT_TOKEN_H

#include <stddef.h>

#include "ct/err.h"

#define CT_TOKEN_PREFIX "ct_"
#define CT_TOKEN_RANDOM_CHARS 43                     /* base62 characters after the prefix */
#define CT_TOKEN_LEN (3 + CT_TOKEN_RANDOM_CHARS)     /* 46 characters in all */
#define CT_TOKEN_BUFSIZE (CT_TOKEN_LEN + 1)          /* with the NUL */
#define CT_TOKEN_HASH_HEX_LEN 64

/* Writes a new token and a NUL into out (caller-owned, outlen >= CT_TOKEN_BUFSIZE). Each
 * character is drawn uniformly from [0-9A-Za-z] by rejection sampling of random bytes.
 * 0 on success; -1 when out is too small or RAND_bytes fails (out is then ""). */
int ct_token_generate(char *out, size_t outlen) CT_MUSTCHECK;

/* Lower-case hex SHA-256 of the token string (borrowed, not NULL, any content) into out_hex
 * (65 bytes, NUL-terminated). Aborts only if libcrypto cannot allocate. */
void ct_token_hash(const char *token, char out_hex[CT_TOKEN_HASH_HEX_LEN + 1]);

/* 1 when s has a token's shape: the "ct_" prefix, exactly CT_TOKEN_LEN characters, base62
 * after the prefix; else 0 (also for NULL). Reads at most CT_TOKEN_LEN + 1 bytes of s, so
 * an overlong header costs nothing. Cheap pre-check before hashing and a database lookup. */
int ct_token_looks_valid(const char *s);

#endif
