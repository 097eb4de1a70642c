/* hetu.h - Finnish personal identity codes (henkilötunnus): full validation and the
 * canonical form that is pseudonymised. A henkilötunnus is never stored or logged:
 * callers keep it only in request memory, pass the canonical form to lib/crypto, and
 * never copy it into an error. Pure, no I/O. */
#ifndef CT_HETU_H
#define CT_HETU_H

#include <stdint.h>

/* Validates s (surrounding white space allowed, any case): DDMMYY, a century sign
 * (+ 1800s; - Y X W V U 1900s; A B C D E F 2000s), a real date, individual number
 * 002-999, and the check character. Writes the canonical upper-case 11-character form
 * into out (at least 12 bytes; "" on failure). 0 on success; -1 with *why set to a static
 * English message that never quotes the input. out and why may be NULL (validation only). */
int ct_hetu_parse(const char *s, char *out, const char **why);

/* The date of birth of a valid henkilötunnus (any form ct_hetu_parse accepts; borrowed)
 * as a day number (see dates.h) into *days, e.g. for age-bound target groups. 0, or -1
 * when s is not valid (nothing written). */
int ct_hetu_birth_date(const char *s, int64_t *days);

#endif
