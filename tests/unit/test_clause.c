/* test_clause.c - unit tests for lib/domain/clause.c: every name <-> enum pair of the clause
 * vocabulary (tables below), flag values, and reporting periods (strict parsing, day ranges,
 * due dates, the period holding a date, stepping across a year). Dates are compared as
 * "YYYY-MM-DD" strings so a failure reads plainly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/clause.h"
#include "ct/dates.h"

struct name_row {
    const char *name;
    int value;
};

static int64_t day(const char *s);
static void assert_day(int64_t got, const char *want);
static void check_table(const struct name_row *rows, size_t n, int (*parse)(const char *),
                        const char *(*name)(int), int count);
static void check_period(const char *key, int reporting, int year, int index, const char *start,
                         const char *end, const char *due);
static void test_kinds(void **state);
static void test_units(void **state);
static void test_groups(void **state);
static void test_reporting(void **state);
static void test_employment(void **state);
static void test_end_reasons(void **state);
static void test_supports(void **state);
static void test_period_valid(void **state);
static void test_period_invalid(void **state);
static void test_period_reporting_filter(void **state);
static void test_period_containing(void **state);
static void test_period_next(void **state);

static int64_t day(const char *s)
{
    int64_t d = 0;
    assert_int_equal(ct_date_parse(s, &d), 0);
    return d;
}

static void assert_day(int64_t got, const char *want)
{
    char buf[11];
    assert_string_equal(ct_date_format(got, buf), want);
}

/* Both directions for every row, then the misses: NULL, "", wrong case, out of range. */
static void check_table(const struct name_row *rows, size_t n, int (*parse)(const char *),
                        const char *(*name)(int), int count)
{
    assert_int_equal((int)n, count);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(parse(rows[i].name), rows[i].value);
        assert_non_null(name(rows[i].value));
        assert_string_equal(name(rows[i].value), rows[i].name);
    }
    assert_int_equal(parse(NULL), -1);
    assert_int_equal(parse(""), -1);
    assert_int_equal(parse("no_such_name"), -1);
    assert_null(name(-1));
    assert_null(name(count));
}

static void test_kinds(void **state)
{
    (void)state;
    static const struct name_row rows[] = {
        {"hire_persons", CT_CLAUSE_HIRE_PERSONS},
        {"person_months", CT_CLAUSE_PERSON_MONTHS},
        {"apprenticeships", CT_CLAUSE_APPRENTICESHIPS},
        {"work_trials", CT_CLAUSE_WORK_TRIALS},
        {"social_enterprise_share", CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE},
    };
    check_table(rows, sizeof rows / sizeof rows[0], ct_clause_kind_parse, ct_clause_kind_name,
                CT_CLAUSE_KIND_COUNT);
    assert_int_equal(ct_clause_kind_parse("Hire_persons"), -1);   /* case-sensitive */
    assert_int_equal(ct_clause_kind_parse("hire_persons "), -1);  /* exact */
    assert_int_equal(ct_clause_kind_parse("apprenticeship"), -1); /* the kind is plural */
}

static void test_units(void **state)
{
    (void)state;
    assert_string_equal(ct_clause_kind_unit(CT_CLAUSE_HIRE_PERSONS), "persons");
    assert_string_equal(ct_clause_kind_unit(CT_CLAUSE_PERSON_MONTHS), "person_months");
    assert_string_equal(ct_clause_kind_unit(CT_CLAUSE_APPRENTICESHIPS), "contracts");
    assert_string_equal(ct_clause_kind_unit(CT_CLAUSE_WORK_TRIALS), "contracts");
    assert_string_equal(ct_clause_kind_unit(CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE), "percent");
    assert_null(ct_clause_kind_unit(-1));
    assert_null(ct_clause_kind_unit(CT_CLAUSE_KIND_COUNT));
}

static void test_groups(void **state)
{
    (void)state;
    static const struct name_row rows[] = {
        {"partially_able", CT_CLAUSE_GROUP_PARTIALLY_ABLE},
        {"long_term_unemployed", CT_CLAUSE_GROUP_LONG_TERM_UNEMPLOYED},
        {"youth", CT_CLAUSE_GROUP_YOUTH},
        {"disabled", CT_CLAUSE_GROUP_DISABLED},
        {"immigrant", CT_CLAUSE_GROUP_IMMIGRANT},
        {"older_worker", CT_CLAUSE_GROUP_OLDER_WORKER},
        {"other", CT_CLAUSE_GROUP_OTHER},
    };
    unsigned all = 0;
    assert_int_equal(sizeof rows / sizeof rows[0], CT_CLAUSE_GROUP_COUNT);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned flag = (unsigned)rows[i].value;
        assert_int_equal(flag, 1u << i);      /* one bit each, in order */
        assert_int_equal(all & flag, 0);      /* distinct */
        all |= flag;
        assert_int_equal(ct_clause_group_parse(rows[i].name), rows[i].value);
        assert_string_equal(ct_clause_group_name(flag), rows[i].name);
    }
    assert_int_equal(all, CT_CLAUSE_GROUP_ALL);
    assert_int_equal(ct_clause_group_parse(NULL), -1);
    assert_int_equal(ct_clause_group_parse("Youth"), -1);
    assert_int_equal(ct_clause_group_parse("young"), -1);
    assert_null(ct_clause_group_name(0));
    /* A mask of two groups is not one group's flag. */
    assert_null(ct_clause_group_name(CT_CLAUSE_GROUP_YOUTH | CT_CLAUSE_GROUP_DISABLED));
    assert_null(ct_clause_group_name(1u << CT_CLAUSE_GROUP_COUNT));
}

static void test_reporting(void **state)
{
    (void)state;
    static const struct name_row rows[] = {
        {"monthly", CT_CLAUSE_REPORTING_MONTHLY},
        {"quarterly", CT_CLAUSE_REPORTING_QUARTERLY},
    };
    check_table(rows, 2, ct_clause_reporting_parse, ct_clause_reporting_name, 2);
    assert_int_equal(ct_clause_reporting_parse("yearly"), -1);
}

static void test_employment(void **state)
{
    (void)state;
    static const struct name_row rows[] = {
        {"permanent", CT_CLAUSE_EMPLOYMENT_PERMANENT},
        {"fixed_term", CT_CLAUSE_EMPLOYMENT_FIXED_TERM},
        {"apprenticeship", CT_CLAUSE_EMPLOYMENT_APPRENTICESHIP},
        {"work_trial", CT_CLAUSE_EMPLOYMENT_WORK_TRIAL},
        {"wage_subsidised", CT_CLAUSE_EMPLOYMENT_WAGE_SUBSIDISED},
    };
    check_table(rows, sizeof rows / sizeof rows[0], ct_clause_employment_parse,
                ct_clause_employment_name, CT_CLAUSE_EMPLOYMENT_COUNT);
    assert_int_equal(ct_clause_employment_parse("wage_subsidized"), -1); /* British spelling only */
}

static void test_end_reasons(void **state)
{
    (void)state;
    static const struct name_row rows[] = {
        {"completed", CT_CLAUSE_END_COMPLETED},
        {"resigned", CT_CLAUSE_END_RESIGNED},
        {"dismissed", CT_CLAUSE_END_DISMISSED},
        {"moved_to_open_market", CT_CLAUSE_END_MOVED_TO_OPEN_MARKET},
        {"other", CT_CLAUSE_END_OTHER},
    };
    check_table(rows, sizeof rows / sizeof rows[0], ct_clause_end_reason_parse,
                ct_clause_end_reason_name, CT_CLAUSE_END_REASON_COUNT);
}

static void test_supports(void **state)
{
    (void)state;
    assert_int_equal(ct_clause_support_parse("wage_subsidy"), CT_CLAUSE_SUPPORT_WAGE_SUBSIDY);
    assert_int_equal(ct_clause_support_parse("workplace_adjustment_subsidy"),
                     CT_CLAUSE_SUPPORT_WORKPLACE_ADJUSTMENT);
    assert_int_equal(ct_clause_support_parse("job_coach"), CT_CLAUSE_SUPPORT_JOB_COACH);
    assert_int_equal(CT_CLAUSE_SUPPORT_WAGE_SUBSIDY, 1);
    assert_int_equal(CT_CLAUSE_SUPPORT_WORKPLACE_ADJUSTMENT, 2);
    assert_int_equal(CT_CLAUSE_SUPPORT_JOB_COACH, 4);
    assert_int_equal(CT_CLAUSE_SUPPORT_ALL, 7);
    assert_string_equal(ct_clause_support_name(CT_CLAUSE_SUPPORT_WAGE_SUBSIDY), "wage_subsidy");
    assert_string_equal(ct_clause_support_name(CT_CLAUSE_SUPPORT_WORKPLACE_ADJUSTMENT),
                        "workplace_adjustment_subsidy");
    assert_string_equal(ct_clause_support_name(CT_CLAUSE_SUPPORT_JOB_COACH), "job_coach");
    assert_int_equal(ct_clause_support_parse("workplace_adjustment"), -1);
    assert_int_equal(ct_clause_support_parse(NULL), -1);
    assert_null(ct_clause_support_name(0));
    assert_null(ct_clause_support_name(3));
    assert_null(ct_clause_support_name(8));
}

/* Parses key, checks the fields, the first and last day, the due date (last day + 15) and
 * that formatting gives the key back. */
static void check_period(const char *key, int reporting, int year, int index, const char *start,
                         const char *end, const char *due)
{
    struct ct_clause_period p;
    char buf[CT_CLAUSE_PERIOD_KEY_SIZE];
    assert_int_equal(ct_clause_period_parse(key, -1, &p), 0);
    assert_int_equal(p.reporting, reporting);
    assert_int_equal(p.year, year);
    assert_int_equal(p.index, index);
    assert_day(ct_clause_period_start(&p), start);
    assert_day(ct_clause_period_end(&p), end);
    assert_day(ct_clause_period_due(&p), due);
    assert_string_equal(ct_clause_period_format(&p, buf), key);
}

static void test_period_valid(void **state)
{
    (void)state;
    const int M = CT_CLAUSE_REPORTING_MONTHLY, Q = CT_CLAUSE_REPORTING_QUARTERLY;
    /* October: 31 days; due 2026-10-31 + 15 = 2026-11-15. */
    check_period("2026-10", M, 2026, 10, "2026-10-01", "2026-10-31", "2026-11-15");
    /* November: 30 days; due 2026-11-30 + 15 = 2026-12-15 (the due date in §7's example). */
    check_period("2026-11", M, 2026, 11, "2026-11-01", "2026-11-30", "2026-12-15");
    /* December's report falls due in the next year: 2026-12-31 + 15 = 2027-01-15. */
    check_period("2026-12", M, 2026, 12, "2026-12-01", "2026-12-31", "2027-01-15");
    /* February of a leap year ends on the 29th: 2024-02-29 + 15 = 2024-03-15. */
    check_period("2024-02", M, 2024, 2, "2024-02-01", "2024-02-29", "2024-03-15");
    /* And of a common year on the 28th: 2026-02-28 + 15 = 2026-03-15. */
    check_period("2026-02", M, 2026, 2, "2026-02-01", "2026-02-28", "2026-03-15");
    check_period("2026-01", M, 2026, 1, "2026-01-01", "2026-01-31", "2026-02-15");
    /* Q1 = Jan-Mar, ends 03-31; due 04-15. */
    check_period("2026-Q1", Q, 2026, 1, "2026-01-01", "2026-03-31", "2026-04-15");
    /* Q2 = Apr-Jun, ends 06-30; due 06-30 + 15 = 07-15. */
    check_period("2026-Q2", Q, 2026, 2, "2026-04-01", "2026-06-30", "2026-07-15");
    /* Q3 = Jul-Sep, ends 09-30; due 10-15. */
    check_period("2026-Q3", Q, 2026, 3, "2026-07-01", "2026-09-30", "2026-10-15");
    /* Q4 = Oct-Dec, ends 12-31; due 2027-01-15. */
    check_period("2026-Q4", Q, 2026, 4, "2026-10-01", "2026-12-31", "2027-01-15");
    check_period("0001-01", M, 1, 1, "0001-01-01", "0001-01-31", "0001-02-15");
    check_period("9999-Q3", Q, 9999, 3, "9999-07-01", "9999-09-30", "9999-10-15");
}

static void test_period_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2026-13", "2026-Q5", "2026-1", "26-Q1", "2026-00", "2026-Q0", "0000-01", "0000-Q1",
        "2026-q1", "2026-10 ", " 2026-10", "2026/10", "2026-10-01", "", "2026", "2026-",
        "2026-Q", "2026-Q12", "2026-1a", "+026-10", "2026--1", "20261-1", "2026-Q-", "2026-W1",
        "2026-M1", "2026-99", "202a-10", "2026-Q3\n",
    };
    struct ct_clause_period p = {CT_CLAUSE_REPORTING_QUARTERLY, 1234, 3};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ct_clause_period_parse(bad[i], -1, &p) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(ct_clause_period_parse(NULL, -1, &p), -1);
    /* A rejected key leaves out untouched. */
    assert_int_equal(p.reporting, CT_CLAUSE_REPORTING_QUARTERLY);
    assert_int_equal(p.year, 1234);
    assert_int_equal(p.index, 3);
}

static void test_period_reporting_filter(void **state)
{
    (void)state;
    struct ct_clause_period p;
    assert_int_equal(ct_clause_period_parse("2026-10", CT_CLAUSE_REPORTING_MONTHLY, &p), 0);
    assert_int_equal(ct_clause_period_parse("2026-10", CT_CLAUSE_REPORTING_QUARTERLY, &p), -1);
    assert_int_equal(ct_clause_period_parse("2026-Q3", CT_CLAUSE_REPORTING_QUARTERLY, &p), 0);
    assert_int_equal(p.reporting, CT_CLAUSE_REPORTING_QUARTERLY);
    assert_int_equal(ct_clause_period_parse("2026-Q3", CT_CLAUSE_REPORTING_MONTHLY, &p), -1);
}

static void test_period_containing(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        int reporting;
        const char *key;
    } rows[] = {
        {"2026-11-30", CT_CLAUSE_REPORTING_MONTHLY, "2026-11"},
        {"2026-11-30", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q4"},
        {"2026-01-01", CT_CLAUSE_REPORTING_MONTHLY, "2026-01"},
        {"2026-01-01", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q1"},
        {"2026-03-31", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q1"}, /* last day of Q1 */
        {"2026-04-01", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q2"}, /* first day of Q2 */
        {"2026-06-30", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q2"},
        {"2026-07-01", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q3"},
        {"2026-12-31", CT_CLAUSE_REPORTING_QUARTERLY, "2026-Q4"},
        {"2024-02-29", CT_CLAUSE_REPORTING_MONTHLY, "2024-02"},
        {"2026-12-31", CT_CLAUSE_REPORTING_MONTHLY, "2026-12"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct ct_clause_period p;
        char buf[CT_CLAUSE_PERIOD_KEY_SIZE];
        int64_t d = day(rows[i].date);
        ct_clause_period_containing(rows[i].reporting, d, &p);
        assert_string_equal(ct_clause_period_format(&p, buf), rows[i].key);
        /* The period really holds the date. */
        assert_true(ct_clause_period_start(&p) <= d && d <= ct_clause_period_end(&p));
    }
}

static void test_period_next(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
    } rows[] = {
        {"2026-05", "2026-06"}, {"2026-12", "2027-01"}, {"2026-09", "2026-10"},
        {"2026-Q1", "2026-Q2"}, {"2026-Q4", "2027-Q1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct ct_clause_period p;
        char buf[CT_CLAUSE_PERIOD_KEY_SIZE];
        assert_int_equal(ct_clause_period_parse(rows[i].from, -1, &p), 0);
        int64_t end = ct_clause_period_end(&p);
        ct_clause_period_next(&p);
        assert_string_equal(ct_clause_period_format(&p, buf), rows[i].to);
        assert_true(ct_clause_period_start(&p) == end + 1); /* periods tile the calendar */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_reporting),
        cmocka_unit_test(test_employment),
        cmocka_unit_test(test_end_reasons),
        cmocka_unit_test(test_supports),
        cmocka_unit_test(test_period_valid),
        cmocka_unit_test(test_period_invalid),
        cmocka_unit_test(test_period_reporting_filter),
        cmocka_unit_test(test_period_containing),
        cmocka_unit_test(test_period_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
