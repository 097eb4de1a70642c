/* ytunnus.c - Finnish business ids (Y-tunnus "NNNNNNN-C") and Finnish VAT numbers
 * ("FI" + the same 7 digits + check digit). The check digit is mod 11 over the weights
 * 7, 9, 10, 5, 8, 4, 2: remainder 0 gives 0, remainder 1 is never issued, otherwise
 * 11 - remainder. Pure; foreign identifiers are the caller's business (kept as given). */
#include "ct/ytunnus.h"
#include "ct/text.h"

#include <stddef.h>
#include <string.h>

#define YT_LEN 9   /* NNNNNNN-C */
#define VAT_LEN 10 /* FINNNNNNNC */

static int check_digit(const char *digits7);
static int fail(char *out, const char **why, const char *msg);

/* The check digit 0..9 for seven ASCII digits, or -1 when the remainder is 1 (such
 * numbers are never issued, whatever check digit follows). */
static int check_digit(const char *digits7)
{
    static const int weight[7] = {7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 7; i++)
        sum += (digits7[i] - '0') * weight[i];
    int r = sum % 11;
    if (r == 0)
        return 0;
    if (r == 1)
        return -1;
    return 11 - r;
}

static int fail(char *out, const char **why, const char *msg)
{
    if (out)
        out[0] = '\0';
    if (why)
        *why = msg;
    return -1;
}

int ct_ytunnus_check(const char *s, const char **why)
{
    if (s == NULL)
        return fail(NULL, why, "business id is missing");
    size_t len = strnlen(s, YT_LEN + 1);
    if (len != YT_LEN || !ct_text_all_digits(s, 7) || s[7] != '-' || !ct_text_all_digits(s + 8, 1))
        return fail(NULL, why, "business id must have the form 1234567-8");
    int want = check_digit(s);
    if (want < 0)
        return fail(NULL, why, "business id is not a valid number (no check digit fits)");
    if (s[8] - '0' != want)
        return fail(NULL, why, "business id check digit is wrong");
    if (why)
        *why = NULL;
    return 0;
}

int ct_ytunnus_normalize(const char *s, char *out, const char **why)
{
    char buf[YT_LEN + 1];

    if (s == NULL)
        return fail(out, why, "business id is missing");
    size_t len;
    const char *start = ct_text_trim(s, &len);

    if (len == VAT_LEN && (start[0] == 'F' || start[0] == 'f') &&
        (start[1] == 'I' || start[1] == 'i')) {
        if (!ct_text_all_digits(start + 2, 8))
            return fail(out, why, "Finnish VAT number must be FI followed by 8 digits");
        memcpy(buf, start + 2, 7);
        buf[7] = '-';
        buf[8] = start[9];
    } else if (len == YT_LEN) {
        memcpy(buf, start, YT_LEN);
    } else {
        return fail(out, why, "business id must have the form 1234567-8 or FI12345678");
    }
    buf[YT_LEN] = '\0';

    if (ct_ytunnus_check(buf, why) != 0)
        return fail(out, NULL, NULL);
    if (out)
        memcpy(out, buf, YT_LEN + 1);
    return 0;
}
