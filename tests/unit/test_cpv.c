/* test_cpv.c - CPV codes: eight digits with an optional "-C" check digit, which is
 * accepted but not verified (see lib/domain/cpv.c for why), divisions 03..98, white
 * space and shape errors, and ct_cpv_division. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/cpv.h"

struct valid_case {
    const char *in;
    const char *code;
    int division;
};

static const struct valid_case valid[] = {
    {"79620000", "79620000", 79},
    {"79620000-6", "79620000", 79},   /* as published */
    {"79620000-0", "79620000", 79},   /* any check digit: it is not verified */
    {"79620000-9", "79620000", 79},
    {"03000000-1", "03000000", 3},    /* lowest division */
    {"03300000-2", "03300000", 3},
    {"98000000-3", "98000000", 98},   /* highest division */
    {"45000000-7", "45000000", 45},   /* works */
    {"45210000-2", "45210000", 45},
    {"85000000-9", "85000000", 85},
    {"80530000-8", "80530000", 80},
    {"90910000-9", "90910000", 90},
    {"09000000", "09000000", 9},
    {"48000000", "48000000", 48},
    {"  79620000  ", "79620000", 79},
    {"\t79620000-6\n", "79620000", 79},
};

struct invalid_case {
    const char *in;
    const char *reason;
};

static const struct invalid_case invalid[] = {
    {"", "8 digits"},
    {"   ", "8 digits"},
    {"7962000", "8 digits"},
    {"796200000", "8 digits"},
    {"79620000-", "8 digits"},
    {"79620000-66", "8 digits"},
    {"79620000 6", "dash and one digit"},
    {"79620000_6", "dash and one digit"},
    {"79620000-X", "dash and one digit"},
    {"79620000--", "dash and one digit"},
    {"7962000a", "8 digits"},
    {"7962 000", "8 digits"},
    {"79-620000", "8 digits"},
    {"7962000-06", "8 digits"},
    {"-79620000", "8 digits"},
    {"00000000", "division"},
    {"01000000", "division"},
    {"02000000-1", "division"},
    {"99000000", "division"},
    {"99999999-9", "division"},
    {"\xEF\xBC\x97" "9620000", "8 digits"}, /* full-width seven, 10 bytes */
};

static void test_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char out[9] = "junk";
        const char *why = "unset";
        if (ct_cpv_parse(valid[i].in, out, &why) != 0)
            fail_msg("valid case %zu refused: %s", i, why ? why : "(null)");
        if (strcmp(out, valid[i].code) != 0)
            fail_msg("valid case %zu parsed to %s", i, out);
        if (ct_cpv_division(out) != valid[i].division)
            fail_msg("valid case %zu: division %d", i, ct_cpv_division(out));
    }
}

static void test_invalid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char out[9] = "junk";
        const char *why = NULL;
        if (ct_cpv_parse(invalid[i].in, out, &why) != -1)
            fail_msg("invalid case %zu (%s) accepted", i, invalid[i].in);
        if (why == NULL || strstr(why, invalid[i].reason) == NULL)
            fail_msg("invalid case %zu (%s): reason \"%s\" lacks \"%s\"", i, invalid[i].in,
                     why ? why : "(null)", invalid[i].reason);
        if (out[0] != '\0')
            fail_msg("invalid case %zu left output behind", i);
    }
}

/* Every check digit is accepted, and none changes the code. */
static void test_check_digit_not_verified(void **state)
{
    (void)state;
    char in[] = "45210000-0";
    for (char d = '0'; d <= '9'; d++) {
        char out[9];
        in[9] = d;
        assert_int_equal(ct_cpv_parse(in, out, NULL), 0);
        assert_string_equal(out, "45210000");
    }
}

static void test_division(void **state)
{
    (void)state;
    assert_int_equal(ct_cpv_division("03000000"), 3);
    assert_int_equal(ct_cpv_division("98000000"), 98);
    assert_int_equal(ct_cpv_division("79620000"), 79);
    assert_int_equal(ct_cpv_division("02999999"), -1);
    assert_int_equal(ct_cpv_division("99000000"), -1);
    assert_int_equal(ct_cpv_division("00000000"), -1);
    assert_int_equal(ct_cpv_division("79620000-6"), -1); /* code8 only */
    assert_int_equal(ct_cpv_division("7962000"), -1);
    assert_int_equal(ct_cpv_division("7962000x"), -1);
    assert_int_equal(ct_cpv_division(" 79620000"), -1);
    assert_int_equal(ct_cpv_division(""), -1);
    assert_int_equal(ct_cpv_division(NULL), -1);
}

static void test_null(void **state)
{
    (void)state;
    char out[9] = "junk";
    const char *why = NULL;
    assert_int_equal(ct_cpv_parse(NULL, out, &why), -1);
    assert_non_null(why);
    assert_string_equal(out, "");
    assert_int_equal(ct_cpv_parse("79620000", NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_table),
        cmocka_unit_test(test_invalid_table),
        cmocka_unit_test(test_check_digit_not_verified),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
