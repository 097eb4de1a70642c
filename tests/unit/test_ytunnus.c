/* test_ytunnus.c - table-driven tests of the Y-tunnus mod-11 check and of Finnish VAT
 * numbers. Check digits were computed by hand from the weights 7 9 10 5 8 4 2, e.g.
 * 0112038: 0+9+10+10+0+12+16 = 57, 57 mod 11 = 2, 11-2 = 9 -> 0112038-9;
 * 1572860: 7+45+70+10+64+24+0 = 220, mod 11 = 0 -> check 0 -> 1572860-0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/ytunnus.h"

struct valid_case {
    const char *in;
    const char *canonical;
};

static const struct valid_case valid[] = {
    {"0112038-9", "0112038-9"},
    {"0201256-6", "0201256-6"},
    {"1572860-0", "1572860-0"},     /* remainder 0 -> check digit 0 */
    {"0245437-2", "0245437-2"},
    {"2331972-7", "2331972-7"},
    {"0737546-2", "0737546-2"},
    {"9999999-2", "9999999-2"},
    {"0100002-9", "0100002-9"},
    {"2617416-4", "2617416-4"},
    {"0000001-9", "0000001-9"},
    {"1000000-4", "1000000-4"},
    {"7654321-2", "7654321-2"},
    {"1000002-0", "1000002-0"},     /* remainder 0 */
    {"1000010-0", "1000010-0"},     /* remainder 0 */
    {"1000029-0", "1000029-0"},     /* remainder 0 */
    {"1234567-1", "1234567-1"},     /* 153 mod 11 = 10 -> check digit 1 */
    /* surrounding white space */
    {" 0112038-9", "0112038-9"},
    {"0112038-9 ", "0112038-9"},
    {"\t0112038-9\r\n", "0112038-9"},
    /* Finnish VAT numbers carry the same id */
    {"FI01120389", "0112038-9"},
    {"fi01120389", "0112038-9"},
    {"Fi01120389", "0112038-9"},
    {"fI15728600", "1572860-0"},
    {"FI26174164", "2617416-4"},
    {"  FI02012566  ", "0201256-6"},
    {"FI12345671", "1234567-1"},
};

struct invalid_case {
    const char *in;
    const char *reason; /* a word the reason must contain */
};

static const struct invalid_case invalid[] = {
    /* wrong check digit */
    {"0112038-8", "check digit"},
    {"0112038-0", "check digit"},
    {"1572860-1", "check digit"},
    {"2617416-5", "check digit"},
    {"0000001-1", "check digit"},
    {"FI01120388", "check digit"},
    {"FI15728601", "check digit"},
    /* remainder 1: no check digit fits */
    {"1234567-0", "check digit"},  /* 153 mod 11 = 10 -> the check digit is 1 */
    {"3141592-0", "no check digit"},
    {"3141592-1", "no check digit"},
    {"2718281-7", "no check digit"},
    {"1000008-0", "no check digit"},
    {"1000016-1", "no check digit"},
    {"1000024-9", "no check digit"},
    {"FI12345670", "check digit"},
    {"FI27182817", "no check digit"},
    /* shape */
    {"", "form"},
    {"   ", "form"},
    {"0112038", "form"},
    {"01120389", "form"},           /* no dash, not VAT */
    {"112038-9", "form"},           /* six digits */
    {"00112038-9", "form"},
    {"0112038_9", "form"},
    {"0112038 9", "form"},
    {"0112038--9", "form"},
    {"0112038-", "form"},
    {"0112038-X", "form"},
    {"O112038-9", "form"},          /* letter O */
    {"01120a8-9", "form"},
    {"0112038-9-", "form"},
    {"0112 038-9", "form"},
    {"-0112038-9", "form"},
    {"FI0112038-9", "form"},
    {"FI 01120389", "form"},        /* 11 characters */
    {"FI0112038", "form"},          /* 7 digits */
    {"FI011203891", "form"},        /* 9 digits */
    {"SE01120389", "form"},
    {"FIA1120389", "FI followed by 8 digits"},
    {"FI0112038X", "FI followed by 8 digits"},
    {"FI0112038-", "FI followed by 8 digits"},
    {"\xEF\xBC\x90" "112038-9", "form"},  /* full-width zero */
};

static void test_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char out[10] = "junk";
        const char *why = "unset";
        if (ct_ytunnus_normalize(valid[i].in, out, &why) != 0)
            fail_msg("valid case %zu (%s) refused: %s", i, valid[i].in, why ? why : "(null)");
        if (strcmp(out, valid[i].canonical) != 0)
            fail_msg("valid case %zu (%s) normalised to %s", i, valid[i].in, out);
        /* The canonical form passes the strict check. */
        if (ct_ytunnus_check(out, &why) != 0)
            fail_msg("canonical form of case %zu fails the check: %s", i, why);
    }
}

static void test_invalid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char out[10] = "junk";
        const char *why = NULL;
        if (ct_ytunnus_normalize(invalid[i].in, out, &why) != -1)
            fail_msg("invalid case %zu (%s) accepted as %s", i, invalid[i].in, out);
        if (why == NULL || strstr(why, invalid[i].reason) == NULL)
            fail_msg("invalid case %zu (%s): reason \"%s\" lacks \"%s\"", i, invalid[i].in,
                     why ? why : "(null)", invalid[i].reason);
        if (out[0] != '\0')
            fail_msg("invalid case %zu left output behind", i);
        /* Whatever normalize refuses, check refuses too. */
        if (ct_ytunnus_check(invalid[i].in, NULL) != -1)
            fail_msg("invalid case %zu passes ct_ytunnus_check", i);
    }
}

/* ct_ytunnus_check takes only the exact canonical form. */
static void test_check_is_strict(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(ct_ytunnus_check("0112038-9", &why), 0);
    assert_int_equal(ct_ytunnus_check("1572860-0", NULL), 0);
    assert_int_equal(ct_ytunnus_check(" 0112038-9", &why), -1);
    assert_non_null(why);
    assert_int_equal(ct_ytunnus_check("0112038-9 ", NULL), -1);
    assert_int_equal(ct_ytunnus_check("FI01120389", NULL), -1);
    assert_int_equal(ct_ytunnus_check("fi01120389", NULL), -1);
    assert_int_equal(ct_ytunnus_check(NULL, &why), -1);
    assert_non_null(why);
}

/* Every single-digit change of the check digit of a valid id is caught. */
static void test_every_wrong_check_digit(void **state)
{
    (void)state;
    for (size_t i = 0; i < 16; i++) { /* the plain, canonical rows of valid[] */
        char id[10];
        memcpy(id, valid[i].canonical, sizeof id);
        char right = id[8];
        for (char d = '0'; d <= '9'; d++) {
            id[8] = d;
            int rc = ct_ytunnus_check(id, NULL);
            if ((d == right) != (rc == 0))
                fail_msg("case %zu with check digit %c: rc %d", i, d, rc);
        }
    }
}

/* Check digits over a whole range, against the rule written out independently here. */
static void test_rule_over_range(void **state)
{
    (void)state;
    int accepted = 0;
    for (long n = 0; n < 20000; n += 7) {
        char id[10];
        long v = n * 499 % 10000000; /* spread over the whole 7-digit space */
        int sum = 0, d[7];
        for (int k = 6; k >= 0; k--) {
            d[k] = (int)(v % 10);
            v /= 10;
        }
        sum = d[0] * 7 + d[1] * 9 + d[2] * 10 + d[3] * 5 + d[4] * 8 + d[5] * 4 + d[6] * 2;
        int r = sum % 11;
        for (int k = 0; k < 7; k++)
            id[k] = (char)('0' + d[k]);
        id[7] = '-';
        id[9] = '\0';
        for (int c = 0; c <= 9; c++) {
            id[8] = (char)('0' + c);
            int want = r == 1 ? 0 : (r == 0 ? c == 0 : c == 11 - r);
            int got = ct_ytunnus_check(id, NULL) == 0;
            if (want != got)
                fail_msg("%s: expected %s", id, want ? "valid" : "invalid");
            accepted += got;
        }
    }
    assert_true(accepted > 2000); /* most numbers have a check digit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_table),
        cmocka_unit_test(test_invalid_table),
        cmocka_unit_test(test_check_is_strict),
        cmocka_unit_test(test_every_wrong_check_digit),
        cmocka_unit_test(test_rule_over_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
