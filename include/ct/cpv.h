/* cpv.h - Common Procurement Vocabulary codes: "79620000" or "79620000-6". Pure. */
#ifndef CT_CPV_H
#define CT_CPV_H

/* Validates s (surrounding white space allowed) as 8 digits with an optional "-C", where C
 * is any single digit: the check digit is accepted but NOT verified, because the algorithm
 * documented for CPV 2008 does not reproduce the published check digits (see cpv.c). The
 * division (first two digits) must lie in 03..98. Writes the 8-digit code into out (at
 * least 9 bytes; "" on failure). 0, or -1 with *why set to a static English message.
 * out and why may be NULL. */
int ct_cpv_parse(const char *s, char *out, const char **why);

/* The division (first two digits) of a valid code, as a number 3..98; -1 if code8 is not
 * exactly 8 digits with a division in that range. */
int ct_cpv_division(const char *code8);

#endif
