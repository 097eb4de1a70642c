/* text.h - small byte-string helpers shared by the validators of lib/domain (henkilötunnus,
 * Y-tunnus, CPV): ASCII white space, trimming without copying, digit runs. Pure, no allocation. */
#ifndef CT_TEXT_H
#define CT_TEXT_H

#include <stddef.h>

/* 1 for ASCII white space (space, \t, \n, \r, \v, \f), else 0. */
int ct_text_is_space(char c);

/* The first non-space character of s (borrowed) and, in *len, the length up to and not
 * including the trailing white space. */
const char *ct_text_trim(const char *s, size_t *len);

/* 1 when s[0..n) are all ASCII digits, else 0. */
int ct_text_all_digits(const char *s, size_t n);

#endif
