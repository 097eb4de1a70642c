/* cpv.c - Common Procurement Vocabulary codes (Regulation (EC) 213/2008): eight digits,
 * optionally followed by "-" and a check digit. The check digit is accepted but not
 * verified: the algorithm documented for CPV 2008 does not reproduce the published check
 * digits (the Publications Office confirmed the error, OP-TED/ePO discussion #589), so no
 * rule can be established. Divisions are range-checked (03..98), not looked up. Pure. */
#include "ct/cpv.h"
#include "ct/text.h"

#include <stddef.h>
#include <string.h>

#define CPV_DIGITS 8
#define DIVISION_MIN 3
#define DIVISION_MAX 98

static int fail(char *out, const char **why, const char *msg);

static int fail(char *out, const char **why, const char *msg)
{
    if (out)
        out[0] = '\0';
    if (why)
        *why = msg;
    return -1;
}

int ct_cpv_parse(const char *s, char *out, const char **why)
{
    if (s == NULL)
        return fail(out, why, "CPV code is missing");
    size_t len;
    const char *start = ct_text_trim(s, &len);

    if (len != CPV_DIGITS && len != CPV_DIGITS + 2)
        return fail(out, why, "CPV code must be 8 digits, optionally followed by -C");
    if (!ct_text_all_digits(start, CPV_DIGITS))
        return fail(out, why, "CPV code must be 8 digits, optionally followed by -C");
    if (len == CPV_DIGITS + 2 && (start[CPV_DIGITS] != '-' || !ct_text_all_digits(start + 9, 1)))
        return fail(out, why, "CPV check must be a dash and one digit");
    int division = (start[0] - '0') * 10 + (start[1] - '0');
    if (division < DIVISION_MIN || division > DIVISION_MAX)
        return fail(out, why, "CPV division (first two digits) must be between 03 and 98");
    if (out) {
        memcpy(out, start, CPV_DIGITS);
        out[CPV_DIGITS] = '\0';
    }
    if (why)
        *why = NULL;
    return 0;
}

int ct_cpv_division(const char *code8)
{
    if (code8 == NULL || strnlen(code8, CPV_DIGITS + 1) != CPV_DIGITS ||
        !ct_text_all_digits(code8, CPV_DIGITS))
        return -1;
    int division = (code8[0] - '0') * 10 + (code8[1] - '0');
    if (division < DIVISION_MIN || division > DIVISION_MAX)
        return -1;
    return division;
}
