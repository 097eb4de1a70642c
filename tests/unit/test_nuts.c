/* test_nuts.c - the 19 Finnish NUTS-3 (2021) codes and labels exactly as CONTRACT.md §3
 * lists them (FI200 as "Ahvenanmaa/Åland"), lookups of other codes, and the shape check
 * used for other countries' codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/nuts.h"

static const struct {
    const char *code;
    const char *label;
} expected[] = {
    {"FI1B1", "Helsinki-Uusimaa"},  {"FI1C1", "Varsinais-Suomi"}, {"FI1C2", "Kanta-Häme"},
    {"FI1C3", "Päijät-Häme"},       {"FI1C4", "Kymenlaakso"},     {"FI1C5", "Etelä-Karjala"},
    {"FI193", "Keski-Suomi"},       {"FI194", "Etelä-Pohjanmaa"}, {"FI195", "Pohjanmaa"},
    {"FI196", "Satakunta"},         {"FI197", "Pirkanmaa"},       {"FI1D1", "Etelä-Savo"},
    {"FI1D2", "Pohjois-Savo"},      {"FI1D3", "Pohjois-Karjala"}, {"FI1D5", "Keski-Pohjanmaa"},
    {"FI1D7", "Lappi"},             {"FI1D8", "Kainuu"},          {"FI1D9", "Pohjois-Pohjanmaa"},
    {"FI200", "Ahvenanmaa/\xC3\x85land"},
};

#define NEXPECTED (sizeof expected / sizeof expected[0])

static void test_labels(void **state)
{
    (void)state;
    for (size_t i = 0; i < NEXPECTED; i++) {
        const char *label = ct_nuts_label(expected[i].code);
        if (label == NULL)
            fail_msg("%s has no label", expected[i].code);
        if (strcmp(label, expected[i].label) != 0)
            fail_msg("%s is labelled %s", expected[i].code, label);
        assert_int_equal(ct_nuts_is_finnish(expected[i].code), 1);
        assert_int_equal(ct_nuts_valid_format(expected[i].code), 1);
    }
}

/* Iteration yields exactly the 19 codes, in the contract's order, then NULL. */
static void test_iteration(void **state)
{
    (void)state;
    size_t n = 0;
    for (int i = 0; ct_nuts_finnish_code(i) != NULL; i++, n++) {
        assert_true(n < NEXPECTED);
        assert_string_equal(ct_nuts_finnish_code(i), expected[n].code);
    }
    assert_int_equal(n, 19);
    assert_null(ct_nuts_finnish_code(-1));
    assert_null(ct_nuts_finnish_code(19));
    assert_null(ct_nuts_finnish_code(1000));
}

static void test_not_finnish(void **state)
{
    (void)state;
    static const char *const others[] = {
        "FI1D4",  /* no such region (2021) */
        "FI1D6",
        "FI181",  /* Uusimaa before the 2021 revision */
        "FI1B",   /* NUTS-2 */
        "FI1D",
        "FI1",
        "FI",
        "FI20",
        "FI2000",
        "fi1d3",  /* codes are upper case */
        "Fi1D3",
        "FI1d3",
        " FI1D3",
        "FI1D3 ",
        "SE110",
        "EE001",
        "DE300",
        "",
        "Ahvenanmaa",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (ct_nuts_label(others[i]) != NULL)
            fail_msg("case %zu (%s) has a label", i, others[i]);
        if (ct_nuts_is_finnish(others[i]) != 0)
            fail_msg("case %zu (%s) taken as Finnish", i, others[i]);
    }
    assert_null(ct_nuts_label(NULL));
    assert_int_equal(ct_nuts_is_finnish(NULL), 0);
}

static void test_valid_format(void **state)
{
    (void)state;
    static const char *const good[] = {
        "FI", "SE", "FI1", "FI1D", "FI1D3", "SE110", "DE300", "EE001", "ZZZZZ", "EL301",
        "NL32A", "FRK26", "IE061", "ITC4C", "PL911", "FIZZZ",
    };
    static const char *const bad[] = {
        "", "F", "fi", "Fi1D3", "fI1D3", "FI1d3", "FI1D34", "FI1D3 ", " FI1D3", "1I1D3",
        "F11D3", "FI-1D", "FI1_3", "FI\xC3\x84", "FI 1D", "FIABCD", "FI1D3\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (ct_nuts_valid_format(good[i]) != 1)
            fail_msg("good case %zu (%s) refused", i, good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ct_nuts_valid_format(bad[i]) != 0)
            fail_msg("bad case %zu accepted", i);
    assert_int_equal(ct_nuts_valid_format(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_not_finnish),
        cmocka_unit_test(test_valid_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
