/* ytunnus.h - Finnish business ids (Y-tunnus, "1234567-8") with the mod-11 check digit,
 * and Finnish VAT numbers ("FI12345678"), which carry the same id. Pure, no I/O. */
#ifndef CT_YTUNNUS_H
#define CT_YTUNNUS_H

/* Validates s as a Y-tunnus "NNNNNNN-C" (surrounding spaces allowed) or a Finnish VAT
 * number "FI" + 8 digits (any case), and writes the canonical "NNNNNNN-C" into out
 * (at least 10 bytes; "" on failure). 0 on success; -1 with *why set to a static English
 * message. A number whose weighted sum leaves remainder 1 is invalid whatever its check
 * digit. out and why may be NULL. */
int ct_ytunnus_normalize(const char *s, char *out, const char **why);

/* 0 when s is exactly a valid canonical "NNNNNNN-C" (no white space, no VAT form); else -1
 * with *why (may be NULL). */
int ct_ytunnus_check(const char *s, const char **why);

#endif
