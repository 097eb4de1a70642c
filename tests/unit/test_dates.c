/* test_dates.c - civil-day arithmetic and strict date parsing (lib/core/dates.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ct/dates.h"

static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(ct_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ct_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ct_days_from_civil(2026, 11, 30), 20787);
    assert_int_equal(ct_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ct_days_from_civil(1900, 1, 1), -25567);
}

static void test_roundtrip(void **state)
{
    (void)state;
    for (int64_t d = -800000; d < 800000; d += 37) {
        int y, m, dd;
        ct_civil_from_days(d, &y, &m, &dd);
        assert_true(ct_date_valid(y, m, dd) || y < 1);
        assert_int_equal(ct_days_from_civil(y, m, dd), d);
    }
}

static void test_parse(void **state)
{
    (void)state;
    static const char *good[] = {"2026-02-01", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"};
    static const char *bad[] = {"2026-02-30", "2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10",
                                "2026-1-01", "2026-01-1", "20260101", "2026-01-01T00:00", " 2026-01-01",
                                "", "0000-01-01", "2026/01/01", "2026-01-32", "abcd-ef-gh"};
    int64_t d;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        assert_int_equal(ct_date_parse(good[i], &d), 0);
        char out[11];
        assert_string_equal(ct_date_format(d, out), good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ct_date_parse(bad[i], &d), -1);
    assert_int_equal(ct_date_parse(NULL, &d), -1);
}

static void test_days_in_month(void **state)
{
    (void)state;
    assert_int_equal(ct_days_in_month(2024, 2), 29);
    assert_int_equal(ct_days_in_month(2100, 2), 28);
    assert_int_equal(ct_days_in_month(2000, 2), 29);
    assert_int_equal(ct_days_in_month(2026, 4), 30);
    assert_int_equal(ct_days_in_month(2026, 12), 31);
    assert_int_equal(ct_days_in_month(2026, 13), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_days_in_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
