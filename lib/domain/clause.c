/* clause.c - names <-> enums for the clause vocabulary, and reporting periods as day ranges.
 * Pure: no I/O, no allocation; all strings are static tables in enum order (or bit order for
 * the flag sets). Day numbers come from lib/core/dates.c; time zones are not involved. */
#include "ct/clause.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ct/dates.h"

/* Days between a period's last day and its report's due date (CONTRACT.md §7). */
#define REPORT_GRACE_DAYS 15

static const char *const kind_names[CT_CLAUSE_KIND_COUNT] = {
    "hire_persons", "person_months", "apprenticeships", "work_trials", "social_enterprise_share",
};
static const char *const kind_units[CT_CLAUSE_KIND_COUNT] = {
    "persons", "person_months", "contracts", "contracts", "percent",
};
/* Index i names the flag 1u << i. */
static const char *const group_names[CT_CLAUSE_GROUP_COUNT] = {
    "partially_able", "long_term_unemployed", "youth", "disabled", "immigrant", "older_worker",
    "other",
};
static const char *const reporting_names[2] = {"monthly", "quarterly"};
static const char *const employment_names[CT_CLAUSE_EMPLOYMENT_COUNT] = {
    "permanent", "fixed_term", "apprenticeship", "work_trial", "wage_subsidised",
};
static const char *const end_reason_names[CT_CLAUSE_END_REASON_COUNT] = {
    "completed", "resigned", "dismissed", "moved_to_open_market", "other",
};
/* Index i names the flag 1u << i. */
static const char *const support_names[CT_CLAUSE_SUPPORT_COUNT] = {
    "wage_subsidy", "workplace_adjustment_subsidy", "job_coach",
};

static int table_find(const char *const *names, int n, const char *s);
static const char *table_name(const char *const *names, int n, int i);
static int flag_bit(unsigned flag, int n);
static int two_digits(const char *s, int *out);
static int first_month(const struct ct_clause_period *p);
static int last_month(const struct ct_clause_period *p);

/* Index of s in names[0..n), or -1. */
static int table_find(const char *const *names, int n, const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static const char *table_name(const char *const *names, int n, int i)
{
    return (i >= 0 && i < n) ? names[i] : NULL;
}

/* The bit number of a single-bit flag below 1 << n, or -1 if flag is not exactly one such bit. */
static int flag_bit(unsigned flag, int n)
{
    for (int i = 0; i < n; i++)
        if (flag == 1u << i)
            return i;
    return -1;
}

int ct_clause_kind_parse(const char *s)
{
    return table_find(kind_names, CT_CLAUSE_KIND_COUNT, s);
}

const char *ct_clause_kind_name(int kind)
{
    return table_name(kind_names, CT_CLAUSE_KIND_COUNT, kind);
}

const char *ct_clause_kind_unit(int kind)
{
    return table_name(kind_units, CT_CLAUSE_KIND_COUNT, kind);
}

int ct_clause_group_parse(const char *s)
{
    int i = table_find(group_names, CT_CLAUSE_GROUP_COUNT, s);
    return i < 0 ? -1 : (int)(1u << i);
}

const char *ct_clause_group_name(unsigned flag)
{
    return table_name(group_names, CT_CLAUSE_GROUP_COUNT, flag_bit(flag, CT_CLAUSE_GROUP_COUNT));
}

int ct_clause_reporting_parse(const char *s)
{
    return table_find(reporting_names, 2, s);
}

const char *ct_clause_reporting_name(int r)
{
    return table_name(reporting_names, 2, r);
}

int ct_clause_employment_parse(const char *s)
{
    return table_find(employment_names, CT_CLAUSE_EMPLOYMENT_COUNT, s);
}

const char *ct_clause_employment_name(int t)
{
    return table_name(employment_names, CT_CLAUSE_EMPLOYMENT_COUNT, t);
}

int ct_clause_end_reason_parse(const char *s)
{
    return table_find(end_reason_names, CT_CLAUSE_END_REASON_COUNT, s);
}

const char *ct_clause_end_reason_name(int r)
{
    return table_name(end_reason_names, CT_CLAUSE_END_REASON_COUNT, r);
}

int ct_clause_support_parse(const char *s)
{
    int i = table_find(support_names, CT_CLAUSE_SUPPORT_COUNT, s);
    return i < 0 ? -1 : (int)(1u << i);
}

const char *ct_clause_support_name(unsigned flag)
{
    return table_name(support_names, CT_CLAUSE_SUPPORT_COUNT,
                      flag_bit(flag, CT_CLAUSE_SUPPORT_COUNT));
}

/* ---- periods ----------------------------------------------------------------------------- */

/* Two ASCII digits into *out; -1 if either is not a digit (a NUL included). */
static int two_digits(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

/* First and last calendar month (1..12) of a period. */
static int first_month(const struct ct_clause_period *p)
{
    return p->reporting == CT_CLAUSE_REPORTING_QUARTERLY ? 3 * p->index - 2 : p->index;
}

static int last_month(const struct ct_clause_period *p)
{
    return p->reporting == CT_CLAUSE_REPORTING_QUARTERLY ? 3 * p->index : p->index;
}

int ct_clause_period_parse(const char *s, int reporting, struct ct_clause_period *out)
{
    int hi, lo, year, index, kind;

    /* Each check reads a character only after every one before it was not NUL. */
    if (!s || two_digits(s, &hi) || two_digits(s + 2, &lo) || s[4] != '-')
        return -1;
    year = hi * 100 + lo;
    if (year < 1)
        return -1;
    if (s[5] == 'Q') {
        if (s[6] < '1' || s[6] > '4')
            return -1;
        kind = CT_CLAUSE_REPORTING_QUARTERLY;
        index = s[6] - '0';
    } else {
        if (two_digits(s + 5, &index) || index < 1 || index > 12)
            return -1;
        kind = CT_CLAUSE_REPORTING_MONTHLY;
    }
    if (s[7] != '\0')
        return -1;
    if (reporting >= 0 && reporting != kind)
        return -1;
    out->reporting = kind;
    out->year = year;
    out->index = index;
    return 0;
}

char *ct_clause_period_format(const struct ct_clause_period *p, char *out)
{
    /* Reduced into range so the output always fits; a valid period is unchanged by this. */
    unsigned year = (unsigned)p->year % 10000u;
    if (p->reporting == CT_CLAUSE_REPORTING_QUARTERLY)
        snprintf(out, CT_CLAUSE_PERIOD_KEY_SIZE, "%04u-Q%u", year, (unsigned)p->index % 10u);
    else
        snprintf(out, CT_CLAUSE_PERIOD_KEY_SIZE, "%04u-%02u", year, (unsigned)p->index % 100u);
    return out;
}

void ct_clause_period_containing(int reporting, int64_t day, struct ct_clause_period *out)
{
    int y, m;
    ct_civil_from_days(day, &y, &m, NULL);
    out->reporting = reporting == CT_CLAUSE_REPORTING_QUARTERLY ? CT_CLAUSE_REPORTING_QUARTERLY
                                                                : CT_CLAUSE_REPORTING_MONTHLY;
    out->year = y;
    out->index = out->reporting == CT_CLAUSE_REPORTING_QUARTERLY ? (m - 1) / 3 + 1 : m;
}

int64_t ct_clause_period_start(const struct ct_clause_period *p)
{
    return ct_days_from_civil(p->year, first_month(p), 1);
}

int64_t ct_clause_period_end(const struct ct_clause_period *p)
{
    int m = last_month(p);
    return ct_days_from_civil(p->year, m, ct_days_in_month(p->year, m));
}

int64_t ct_clause_period_due(const struct ct_clause_period *p)
{
    return ct_clause_period_end(p) + REPORT_GRACE_DAYS;
}

void ct_clause_period_next(struct ct_clause_period *p)
{
    int last = p->reporting == CT_CLAUSE_REPORTING_QUARTERLY ? 4 : 12;
    if (p->index >= last) {
        p->year++;
        p->index = 1;
    } else {
        p->index++;
    }
}
