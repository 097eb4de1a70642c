/* pseudonym.h - the server's pseudonym key and the pseudonyms made with it: a person's
 * henkilötunnus and a supplier's own person reference become HMAC-SHA256 values (hex), so
 * the identity itself is never stored. Validating a henkilötunnus is lib/domain/hetu.h's
 * job; these functions take the canonical form it produces. */
#ifndef CT_PSEUDONYM_H
#define CT_PSEUDONYM_H

#include "ct/err.h"

#define CT_PSEUDONYM_KEY_LEN 32 /* bytes; the key file holds them as 64 hex characters */
#define CT_PSEUDONYM_HEX_LEN 64 /* characters of a pseudonym, without the NUL */

/* Reads the key file at path (borrowed) into key: exactly 64 hex characters (either case)
 * on one line, optionally followed by one newline ("\n" or "\r\n"). The file must be a
 * regular file that neither group nor others may read, write or execute (mode & 077 == 0).
 * 0 on success; -1 with e (caller-owned) set to status 500 and a detail naming the path
 * and the reason (missing, unreadable, not a regular file, too open, malformed), never
 * the file's content. On failure key is zeroed. */
int ct_pseudonym_key_load(const char *path, unsigned char key[CT_PSEUDONYM_KEY_LEN],
                          struct ct_err *e) CT_MUSTCHECK;

/* Creates a new key file at path (borrowed) for first start: 32 bytes from RAND_bytes as
 * 64 lower-case hex characters and a newline, mode 0600, never replacing an existing file
 * (O_EXCL; a symbolic link at path is refused too). 0 on success; -1 with e set (status
 * 500, detail naming the path) when the file exists, cannot be written, or no randomness
 * is available; a half-written file is removed. */
int ct_pseudonym_key_create(const char *path, struct ct_err *e) CT_MUSTCHECK;

/* person_ref of a person: lower-case hex HMAC-SHA256(key, canonical_hetu) into out_hex
 * (65 bytes, NUL-terminated). canonical_hetu is the upper-case, trimmed form from
 * ct_hetu_parse (borrowed, not NULL; the century sign is part of it, so 100190-999P and
 * 100190Y999P give different pseudonyms). Cannot fail short of libcrypto running out of
 * memory, which aborts. */
void ct_pseudonym_person(const unsigned char key[CT_PSEUDONYM_KEY_LEN],
                         const char *canonical_hetu, char out_hex[CT_PSEUDONYM_HEX_LEN + 1]);

/* person_ref for a supplier's own reference: lower-case hex HMAC-SHA256 over
 * "ref" NUL supplier_org_id NUL trimmed(ref). The NUL bytes keep the message apart from
 * any henkilötunnus (which has none) and from other (org, ref) pairs, so pseudonyms are
 * per supplier and never equal a person pseudonym. Surrounding white space of ref is
 * ignored; case is kept. Arguments are borrowed and not NULL; out_hex and failure as for
 * ct_pseudonym_person. */
void ct_pseudonym_supplier_ref(const unsigned char key[CT_PSEUDONYM_KEY_LEN],
                               const char *supplier_org_id, const char *ref,
                               char out_hex[CT_PSEUDONYM_HEX_LEN + 1]);

#endif
