/* hetu.c - validation and canonical form of the Finnish henkilötunnus (DDMMYYCNNNK).
 * Pure: no I/O, no allocation, no logging. The input never leaves this file except as the
 * canonical copy the caller asked for; every error is a static message that does not
 * quote it. Pseudonymisation of the canonical form is lib/crypto/pseudonym.c's job. */
#include "ct/hetu.h"
#include "ct/text.h"

#include <stddef.h>
#include <string.h>

#include "ct/dates.h"

#define HETU_LEN 11

/* Check characters indexed by (DDMMYYNNN mod 31); G I O Q Z are never used. */
static const char check_chars[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

static char to_upper(char c);
static int century_of(char sign);
static int read_digits(const char *s, int n, long *out);
static int fail(char *out, const char **why, const char *msg);

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* The first year of the century a (canonical, upper-case) sign stands for; -1 if none. */
static int century_of(char sign)
{
    switch (sign) {
    case '+':
        return 1800;
    case '-': case 'Y': case 'X': case 'W': case 'V': case 'U':
        return 1900;
    case 'A': case 'B': case 'C': case 'D': case 'E': case 'F':
        return 2000;
    default:
        return -1;
    }
}

/* n ASCII digits at s into *out; -1 on anything else. */
static int read_digits(const char *s, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int fail(char *out, const char **why, const char *msg)
{
    if (out)
        out[0] = '\0';
    if (why)
        *why = msg;
    return -1;
}

int ct_hetu_parse(const char *s, char *out, const char **why)
{
    char c[HETU_LEN + 1];
    long date6, day, month, yy, indiv;

    if (s == NULL)
        return fail(out, why, "henkilötunnus is missing");

    /* Trim surrounding white space without copying more than 11 characters. */
    size_t len;
    const char *start = ct_text_trim(s, &len);
    if (len == 0)
        return fail(out, why, "henkilötunnus is empty");
    if (len != HETU_LEN)
        return fail(out, why, "henkilötunnus must be 11 characters (DDMMYYCNNNK)");

    for (size_t i = 0; i < HETU_LEN; i++)
        c[i] = to_upper(start[i]);
    c[HETU_LEN] = '\0';

    if (read_digits(c, 6, &date6))
        return fail(out, why, "henkilötunnus must start with a date of six digits (DDMMYY)");
    int century = century_of(c[6]);
    if (century < 0)
        return fail(out, why, "henkilötunnus has an unknown century sign");
    if (read_digits(c + 7, 3, &indiv))
        return fail(out, why, "henkilötunnus individual number must be three digits");

    day = date6 / 10000;
    month = date6 / 100 % 100;
    yy = date6 % 100;
    if (!ct_date_valid(century + (int)yy, (int)month, (int)day))
        return fail(out, why, "henkilötunnus does not hold a real date of birth");
    if (indiv < 2)
        return fail(out, why, "henkilötunnus individual number must be between 002 and 999");

    char expect = check_chars[(date6 * 1000 + indiv) % 31];
    if (c[10] != expect)
        return fail(out, why, "henkilötunnus check character is wrong");

    if (out)
        memcpy(out, c, HETU_LEN + 1);
    if (why)
        *why = NULL;
    return 0;
}

int ct_hetu_birth_date(const char *s, int64_t *days)
{
    char c[HETU_LEN + 1];
    long date6;

    if (ct_hetu_parse(s, c, NULL) != 0 || read_digits(c, 6, &date6) != 0)
        return -1;
    int year = century_of(c[6]) + (int)(date6 % 100);
    *days = ct_days_from_civil(year, (int)(date6 / 100 % 100), (int)(date6 / 10000));
    return 0;
}
