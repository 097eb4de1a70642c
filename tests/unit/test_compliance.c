/* test_compliance.c - unit tests for lib/domain/compliance.c (CONTRACT.md §7): every clause
 * kind, every status and the 0.75 boundary, FTE, the union of one person's days, the caps at
 * as_of and the contract's end, report due dates, commitments, and bad input. Each expected
 * number is worked out by hand in the comment above it (a month is 30.4375 days). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/clause.h"
#include "ct/compliance.h"
#include "ct/dates.h"

#define NO_DAY CT_COMPLIANCE_NO_DAY
#define PA CT_CLAUSE_GROUP_PARTIALLY_ABLE
#define LTU CT_CLAUSE_GROUP_LONG_TERM_UNEMPLOYED
#define YOUTH CT_CLAUSE_GROUP_YOUTH
#define DIS CT_CLAUSE_GROUP_DISABLED
#define IMM CT_CLAUSE_GROUP_IMMIGRANT
#define OTHER CT_CLAUSE_GROUP_OTHER
#define PERM CT_CLAUSE_EMPLOYMENT_PERMANENT
#define FIXED CT_CLAUSE_EMPLOYMENT_FIXED_TERM
#define APPR CT_CLAUSE_EMPLOYMENT_APPRENTICESHIP
#define TRIAL CT_CLAUSE_EMPLOYMENT_WORK_TRIAL
#define MONTHLY CT_CLAUSE_REPORTING_MONTHLY
#define QUARTERLY CT_CLAUSE_REPORTING_QUARTERLY
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define assert_near(got, want) assert_near_at((got), (want), __FILE__, __LINE__)
#define assert_due(got, want) assert_due_at((got), (want), __FILE__, __LINE__)
#define assert_status(r, want) assert_string_equal(ct_compliance_status_name((r).status), (want))

static int64_t day(const char *s);
static void assert_near_at(double got, double want, const char *file, int line);
static void assert_due_at(int64_t got, const char *want, const char *file, int line);
static struct ct_compliance_placement pl(const char *ref, unsigned group, const char *from,
                                         const char *to, double hours, int type);
static struct ct_compliance_clause mk_clause(int kind, unsigned groups, double quantity,
                                             int reporting);
static struct ct_compliance_input mk_input(const char *starts, const char *ends, double value);
static struct ct_compliance_result run1(struct ct_compliance_input in,
                                        const struct ct_compliance_clause *c, const char *as_of);
static struct ct_compliance_result run_apprentices(size_t n, const char *as_of);
static struct ct_compliance_result run_reports(const char *starts, const char *ends,
                                               int reporting, const char *const *reports,
                                               size_t nreports, const char *as_of);

static void test_hire_persons_example(void **state);
static void test_hire_persons_six_month_boundary(void **state);
static void test_hire_persons_weekly_hours(void **state);
static void test_hire_persons_union_of_days(void **state);
static void test_hire_persons_contract_end(void **state);
static void test_person_months_fte(void **state);
static void test_person_months_contract_end(void **state);
static void test_open_ended(void **state);
static void test_apprenticeships(void **state);
static void test_work_trials(void **state);
static void test_social_enterprise_share(void **state);
static void test_social_enterprise_zero_value(void **state);
static void test_status_boundaries(void **state);
static void test_as_of_before_start(void **state);
static void test_commitment(void **state);
static void test_one_day_contract(void **state);
static void test_required_zero(void **state);
static void test_reports_monthly(void **state);
static void test_reports_quarterly(void **state);
static void test_bad_input(void **state);
static void test_status_names(void **state);
static void test_round2(void **state);
static void test_clause_init(void **state);

/* ---- helpers ----------------------------------------------------------------------------- */

static int64_t day(const char *s)
{
    int64_t d = 0;
    if (ct_date_parse(s, &d) != 0)
        fail_msg("bad date in test: %s", s);
    return d;
}

static void assert_near_at(double got, double want, const char *file, int line)
{
    if (!(fabs(got - want) <= 1e-9))
        fail_msg("%s:%d: got %.12f, want %.12f", file, line, got, want);
}

/* want is "YYYY-MM-DD" or NULL for "no date". */
static void assert_due_at(int64_t got, const char *want, const char *file, int line)
{
    char buf[11];
    if (!want) {
        if (got != NO_DAY)
            fail_msg("%s:%d: got %s, want none", file, line, ct_date_format(got, buf));
        return;
    }
    if (got == NO_DAY)
        fail_msg("%s:%d: got none, want %s", file, line, want);
    if (strcmp(ct_date_format(got, buf), want) != 0)
        fail_msg("%s:%d: got %s, want %s", file, line, buf, want);
}

/* A placement; to == NULL is open-ended. */
static struct ct_compliance_placement pl(const char *ref, unsigned group, const char *from,
                                         const char *to, double hours, int type)
{
    struct ct_compliance_placement p;
    memset(&p, 0, sizeof p);
    p.person_ref = ref;
    p.target_group = group;
    p.starts_on = day(from);
    p.ends_on = to ? day(to) : NO_DAY;
    p.weekly_hours = hours;
    p.employment_type = type;
    return p;
}

static struct ct_compliance_clause mk_clause(int kind, unsigned groups, double quantity,
                                             int reporting)
{
    struct ct_compliance_clause c;
    ct_compliance_clause_init(&c);
    c.id = "clause-1";
    c.kind = kind;
    c.target_groups = groups;
    c.quantity = quantity;
    c.reporting = reporting;
    return c;
}

static struct ct_compliance_input mk_input(const char *starts, const char *ends, double value)
{
    struct ct_compliance_input in;
    memset(&in, 0, sizeof in);
    in.contract.starts_on = day(starts);
    in.contract.ends_on = day(ends);
    in.contract.value = value;
    return in;
}

/* Computes one clause over in (its other arrays as set) at as_of; fails the test on -1. */
static struct ct_compliance_result run1(struct ct_compliance_input in,
                                        const struct ct_compliance_clause *c, const char *as_of)
{
    struct ct_compliance_result r;
    const char *why = NULL;
    in.clauses = c;
    in.nclauses = 1;
    memset(&r, 0xa5, sizeof r); /* everything must be written */
    if (ct_compliance_compute(&in, day(as_of), &r, &why) != 0)
        fail_msg("compute failed: %s", why ? why : "(no reason)");
    assert_ptr_equal(r.clause_id, c->id);
    assert_int_equal(r.kind, c->kind);
    assert_string_equal(r.unit, ct_clause_kind_unit(c->kind));
    return r;
}

/* ---- hire_persons ------------------------------------------------------------------------ */

/* §7's own example. Contract 2026-06-01 .. 2027-05-31: ends - starts = 364 days; at as_of
 * 2026-11-30, as_of - starts = 30+31+31+30+31 (Jun..Oct) + 29 = 182, fraction 182/364 = 0.5. */
static void test_hire_persons_example(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-06-01", "2027-05-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA | LTU, 3, MONTHLY);
    c.min_weekly_hours = 18;
    struct ct_compliance_placement p[] = {
        /* A: 2026-11-30 - 2026-06-01 + 1 = 183 days = 6.0123 months >= 6: delivered. */
        pl("A", PA, "2026-06-01", NULL, 30, PERM),
        /* B: 30+31+30 = 91 days = 2.99 months, still running: in progress. */
        pl("B", LTU, "2026-09-01", NULL, 37.5, FIXED),
        /* C: youth is not among the clause's groups. */
        pl("C", YOUTH, "2026-06-01", NULL, 37.5, PERM),
        /* D: 10 h a week < 18: not qualifying. */
        pl("D", PA, "2026-06-01", NULL, 10, PERM),
        /* E: 30+31+31 = 92 days = 3.02 months and ended: neither. */
        pl("E", PA, "2026-06-01", "2026-08-31", 30, FIXED),
    };
    /* Reports for June..October given; October's was due 2026-11-15. */
    const char *reports[] = {"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"};
    in.placements = p;
    in.nplacements = N(p);
    in.reports = reports;
    in.nreports = N(reports);

    struct ct_compliance_result r = run1(in, &c, "2026-11-30");
    assert_string_equal(r.unit, "persons");
    assert_near(r.required, 3);
    assert_near(r.delivered, 1);
    assert_int_equal(r.in_progress, 1);
    /* 3 x 0.5 = 1.5 */
    assert_near(r.expected_by_now, 1.5);
    /* 100 x 1 / 3 = 33.333...; the encoder shows 33.33. */
    assert_near(r.percent, 100.0 / 3.0);
    assert_near(ct_compliance_round2(r.percent), 33.33);
    /* 1 < 1.5 and 1 < 0.75 x 1.5 = 1.125: behind. */
    assert_status(r, "behind");
    /* November's report: 2026-11-30 + 15 = 2026-12-15; nothing earlier is missing. */
    assert_due(r.next_report_due, "2026-12-15");
    assert_false(r.report_overdue);
}

/* 6 months = 182.625 days: 182 days fall short, 183 days make it. */
static void test_hire_persons_six_month_boundary(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-06-01", "2027-05-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 4, MONTHLY);
    struct ct_compliance_placement p[] = {
        /* F: 2026-11-29 - 2026-06-01 + 1 = 182 days = 5.9795 months; ended before as_of. */
        pl("F", PA, "2026-06-01", "2026-11-29", 37.5, FIXED),
        /* G: 183 days = 6.0123 months: delivered (ends on as_of). */
        pl("G", PA, "2026-06-01", "2026-11-30", 37.5, FIXED),
        /* H: 2026-11-30 - 2026-06-02 + 1 = 182 days, still running: in progress. */
        pl("H", PA, "2026-06-02", NULL, 37.5, PERM),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-11-30");
    assert_near(r.delivered, 1);
    assert_int_equal(r.in_progress, 1);
    /* expected 4 x 0.5 = 2; 1 < 0.75 x 2 = 1.5: behind. percent 100 x 1/4 = 25. */
    assert_near(r.expected_by_now, 2);
    assert_near(r.percent, 25);
    assert_status(r, "behind");

    /* With min_months_per_person 5.9 (= 179.58 days), F's 182 days count too. */
    c.min_months_per_person = 5.9;
    r = run1(in, &c, "2026-11-30");
    assert_near(r.delivered, 3);
    assert_int_equal(r.in_progress, 0);
}

/* weekly_hours >= min_weekly_hours qualifies; an inch below does not. FTE is not applied to
 * hire_persons: 18 h a week still counts full calendar months. */
static void test_hire_persons_weekly_hours(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-06-01", "2027-05-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 2, MONTHLY);
    c.min_weekly_hours = 18;
    struct ct_compliance_placement p[] = {
        /* J: 18 h (= min), 183 days = 6.0123 months. With FTE (0.48) it would be 2.89. */
        pl("J", PA, "2026-06-01", NULL, 18, PERM),
        /* K: 17.99 h < 18: neither delivered nor in progress although running. */
        pl("K", PA, "2026-06-01", NULL, 17.99, PERM),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-11-30");
    assert_near(r.delivered, 1);
    assert_int_equal(r.in_progress, 0);
    /* expected 2 x 0.5 = 1; delivered 1 >= 1: on_track. */
    assert_near(r.expected_by_now, 1);
    assert_status(r, "on_track");
}

/* One person's placements: the union of their days counts, never a day twice; successive
 * placements add up; each person counts once; only qualifying placements count. */
static void test_hire_persons_union_of_days(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-06-01", "2027-05-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 5, MONTHLY);
    struct ct_compliance_placement p[] = {
        /* P overlaps: Aug 1..Oct 31 (31+30+31 = 92) listed first, Jun 1..Aug 31 (30+31+31 =
         * 92) second. Union Jun 1..Oct 31 = 30+31+31+30+31 = 153 days = 5.03 months < 6.
         * (Summed, 184 days = 6.05 months would wrongly count.) Ended: not in progress. */
        pl("P", PA, "2026-08-01", "2026-10-31", 37.5, FIXED),
        pl("P", PA, "2026-06-01", "2026-08-31", 37.5, FIXED),
        /* Q succeeds itself: Jun 1..Aug 31 = 92, Sep 1..Nov 30 = 30+31+30 = 91; 183 days =
         * 6.01 months: delivered. */
        pl("Q", PA, "2026-06-01", "2026-08-31", 37.5, FIXED),
        pl("Q", PA, "2026-09-01", "2026-11-30", 37.5, FIXED),
        /* R twice over the same 183 days: delivered, once. */
        pl("R", PA, "2026-06-01", NULL, 37.5, PERM),
        pl("R", PA, "2026-06-01", NULL, 20, PERM),
        /* S: Jun 1..Nov 28 = 181 days as youth (not qualifying), then Nov 29..30 = 2
         * qualifying days, running: in progress, not delivered. */
        pl("S", YOUTH, "2026-06-01", "2026-11-28", 37.5, FIXED),
        pl("S", PA, "2026-11-29", NULL, 37.5, PERM),
        /* T nested: Jul 1..31 (31) inside Jun 1..Nov 20 (30+31+31+30+31+20 = 173 days =
         * 5.68 months < 6; summed 204 days = 6.70 would count). Ended: neither. */
        pl("T", PA, "2026-07-01", "2026-07-31", 37.5, FIXED),
        pl("T", PA, "2026-06-01", "2026-11-20", 37.5, FIXED),
        /* U overlaps by exactly the month of September: Sep 1..Nov 30 (91) listed first,
         * Jun 1..Sep 30 (30+31+31+30 = 122). Union Jun 1..Nov 30 = 183 days = 6.01 months:
         * delivered, by one day (182 days would be 5.98). */
        pl("U", PA, "2026-09-01", "2026-11-30", 37.5, FIXED),
        pl("U", PA, "2026-06-01", "2026-09-30", 37.5, FIXED),
        /* V in three overlapping links, each starting on the last day of the one before:
         * Jun 1..Jul 31, Jul 31..Sep 30, Sep 30..Nov 30: union Jun 1..Nov 30 = 183 days
         * (summed 61 + 62 + 62 = 185): delivered. */
        pl("V", PA, "2026-09-30", "2026-11-30", 37.5, FIXED),
        pl("V", PA, "2026-06-01", "2026-07-31", 37.5, FIXED),
        pl("V", PA, "2026-07-31", "2026-09-30", 37.5, FIXED),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-11-30");
    /* Q, R, U and V. */
    assert_near(r.delivered, 4);
    /* S (R is running too but already delivered). */
    assert_int_equal(r.in_progress, 1);
    /* expected 5 x 0.5 = 2.5; 4 >= 2.5: on_track. percent 100 x 4/5 = 80. */
    assert_near(r.expected_by_now, 2.5);
    assert_near(r.percent, 80);
    assert_status(r, "on_track");
}

/* Days stop at the contract's end even when as_of is later; a placement running on after
 * the contract still counts as "active at as_of" for in_progress (its own dates). */
static void test_hire_persons_contract_end(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 2, MONTHLY);
    struct ct_compliance_placement p[] = {
        /* U: 2026-12-31 - 2026-08-01 + 1 = 31+30+31+30+31 = 153 days = 5.03 months < 6.
         * Up to as_of it would be 213 days = 7.0 months. Still running: in progress. */
        pl("U", PA, "2026-08-01", NULL, 37.5, PERM),
        /* V: capped at 2026-12-31: 365 days = 11.99 months: delivered. */
        pl("V", PA, "2026-01-01", NULL, 37.5, PERM),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2027-03-01");
    assert_near(r.delivered, 1);
    assert_int_equal(r.in_progress, 1);
    /* as_of past the end: fraction clamps to 1, expected = 2; 1 < 2 and as_of > ends_on. */
    assert_near(r.expected_by_now, 2);
    assert_near(r.percent, 50);
    assert_status(r, "breached");
}

/* ---- person_months ----------------------------------------------------------------------- */

/* Contract 2026-01-01 .. 2026-12-31 (364 days apart), as_of 2026-03-31 (89 days in). */
static void test_person_months_fte(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_PERSON_MONTHS, YOUTH | IMM, 12, MONTHLY);
    /* min_weekly_hours belongs to hire_persons: it must not filter person_months. */
    c.min_weekly_hours = 30;
    struct ct_compliance_placement p[] = {
        /* 45 h: FTE = min(45/37.5 = 1.2, 1) = 1; Jan 1..Mar 31 = 31+28+31 = 90 days:
         * 90 / 30.4375 x 1 = 2.956879 */
        pl("P1", YOUTH, "2026-01-01", NULL, 45, PERM),
        /* 18.75 h: FTE 0.5; Feb 1..28 = 28 days: 28 / 30.4375 x 0.5 = 0.459959 */
        pl("P2", IMM, "2026-02-01", "2026-02-28", 18.75, FIXED),
        /* disabled: not in the groups */
        pl("P3", DIS, "2026-01-01", NULL, 37.5, PERM),
        /* starts after as_of: 2026-03-31 - 2026-04-01 + 1 = 0 days */
        pl("P4", YOUTH, "2026-04-01", NULL, 37.5, PERM),
        /* one person, two overlapping placements, both counted (a plain sum per §7):
         * Mar 1..31 = 31 days x FTE 1 + 31 days x FTE 0.5 = 46.5 days -> 1.527721 */
        pl("M2", IMM, "2026-03-01", "2026-03-31", 37.5, FIXED),
        pl("M2", IMM, "2026-03-01", "2026-03-31", 18.75, FIXED),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-03-31");
    assert_string_equal(r.unit, "person_months");
    /* (90 + 14 + 46.5) / 30.4375 = 150.5 / 30.4375 = 4.944558521560575 */
    assert_near(r.delivered, 4.944558521560575);
    assert_int_equal(r.in_progress, 0);
    /* 12 x 89/364 = 2.934065934065934; delivered above it: on_track */
    assert_near(r.expected_by_now, 2.934065934065934);
    /* 100 x 4.944558521560575 / 12 = 41.204654346338124 -> 41.2 */
    assert_near(r.percent, 41.204654346338124);
    assert_near(ct_compliance_round2(r.percent), 41.2);
    assert_status(r, "on_track");
}

/* A placement crossing the contract's end counts up to ends_on only. */
static void test_person_months_contract_end(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_PERSON_MONTHS, YOUTH, 10, QUARTERLY);
    struct ct_compliance_placement p[] = {
        /* min(open, 2027-03-01, 2026-12-31) - 2026-10-01 + 1 = 31+30+31 = 92 days,
         * FTE min(45/37.5, 1) = 1: 92 / 30.4375 = 3.02258726899384 */
        pl("Y", YOUTH, "2026-10-01", NULL, 45, PERM),
        /* ended 2027-02-15, after the contract: still 92 days */
        pl("Z", YOUTH, "2026-10-01", "2027-02-15", 37.5, FIXED),
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2027-03-01");
    /* 2 x 3.02258726899384 = 6.04517453798768 */
    assert_near(r.delivered, 6.04517453798768);
    assert_near(r.expected_by_now, 10);
    assert_status(r, "breached");
}

/* An open-ended placement runs to as_of, then to the contract's end at most. */
static void test_open_ended(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_PERSON_MONTHS, OTHER, 12, MONTHLY);
    struct ct_compliance_placement p[] = {pl("O", OTHER, "2026-01-01", NULL, 37.5, PERM)};
    in.placements = p;
    in.nplacements = 1;
    /* Jan..Jun = 31+28+31+30+31+30 = 181 days: 181 / 30.4375 = 5.946611909650924 */
    struct ct_compliance_result r = run1(in, &c, "2026-06-30");
    assert_near(r.delivered, 5.946611909650924);
    /* 12 x 180/364 = 5.934065934; delivered above: on_track */
    assert_near(r.expected_by_now, 12.0 * 180.0 / 364.0);
    assert_status(r, "on_track");
    /* Capped at 2026-12-31: 365 / 30.4375 = 11.991786447638603 < 12: breached. */
    r = run1(in, &c, "2027-06-30");
    assert_near(r.delivered, 11.991786447638603);
    assert_status(r, "breached");
}

/* ---- apprenticeships / work_trials ------------------------------------------------------- */

/* Contract 2026-01-01 .. 2026-12-31; as_of 2026-07-02 is 182 of 364 days in: fraction 0.5. */
static void test_apprenticeships(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c =
        mk_clause(CT_CLAUSE_APPRENTICESHIPS, YOUTH | IMM, 8, QUARTERLY);
    struct ct_compliance_placement p[] = {
        pl("X1", YOUTH, "2026-02-01", "2026-04-30", 37.5, APPR), /* counts (ended: still) */
        pl("X1", YOUTH, "2026-05-01", NULL, 37.5, APPR),         /* counts: not persons */
        pl("X2", IMM, "2026-07-02", NULL, 37.5, APPR),           /* counts: starts on as_of */
        pl("X3", YOUTH, "2026-07-03", NULL, 37.5, APPR),         /* starts after as_of */
        pl("X4", DIS, "2026-02-01", NULL, 37.5, APPR),           /* group not in the clause */
        pl("X5", YOUTH, "2026-02-01", NULL, 37.5, TRIAL),        /* a work trial */
        pl("X6", YOUTH, "2026-02-01", NULL, 37.5, FIXED),        /* plain employment */
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-07-02");
    assert_string_equal(r.unit, "contracts");
    assert_near(r.delivered, 3);
    assert_int_equal(r.in_progress, 0);
    /* expected 8 x 0.5 = 4; 3 >= 0.75 x 4 = 3 exactly: at_risk. percent 100 x 3/8 = 37.5. */
    assert_near(r.expected_by_now, 4);
    assert_near(r.percent, 37.5);
    assert_status(r, "at_risk");
    /* A day later X3 has started: 4 contracts. */
    r = run1(in, &c, "2026-07-03");
    assert_near(r.delivered, 4);
}

static void test_work_trials(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_WORK_TRIALS, OTHER, 2, MONTHLY);
    struct ct_compliance_placement p[] = {
        pl("W1", OTHER, "2026-03-01", "2026-03-31", 20, TRIAL), /* counts */
        pl("W2", OTHER, "2026-06-01", NULL, 20, TRIAL),         /* counts */
        pl("W3", OTHER, "2026-03-01", NULL, 20, APPR),          /* apprenticeship */
        pl("W4", YOUTH, "2026-03-01", NULL, 20, TRIAL),         /* group */
    };
    in.placements = p;
    in.nplacements = N(p);
    struct ct_compliance_result r = run1(in, &c, "2026-07-02");
    assert_string_equal(r.unit, "contracts");
    /* 2 >= 2: fulfilled, percent 100 x 2/2 = 100. */
    assert_near(r.delivered, 2);
    assert_near(r.percent, 100);
    assert_status(r, "fulfilled");
    /* On 2026-05-31 only W1: expected 2 x 150/364 = 0.824176; 1 >= it: on_track. */
    r = run1(in, &c, "2026-05-31");
    assert_near(r.delivered, 1);
    assert_near(r.expected_by_now, 2.0 * 150.0 / 364.0);
    assert_status(r, "on_track");
}

/* ---- social_enterprise_share ------------------------------------------------------------- */

static void test_social_enterprise_share(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 200000);
    struct ct_compliance_subcontract s[] = {{10000, 1}, {5000, 1}, {50000, 0}};
    struct ct_compliance_clause c[2];
    struct ct_compliance_result r[2];
    c[0] = mk_clause(CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE, 0, 5, QUARTERLY);
    c[0].id = "five";
    c[1] = mk_clause(CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE, 0, 10, QUARTERLY);
    c[1].id = "ten";
    in.subcontracts = s;
    in.nsubcontracts = N(s);
    in.clauses = c;
    in.nclauses = 2;
    assert_int_equal(ct_compliance_compute(&in, day("2026-07-02"), r, NULL), 0);
    /* 100 x (10000 + 5000) / 200000 = 7.5 percent (the 50000 is not a social enterprise) */
    assert_string_equal(r[0].clause_id, "five");
    assert_string_equal(r[0].unit, "percent");
    assert_near(r[0].delivered, 7.5);
    /* 7.5 >= 5: fulfilled; percent 100 x 7.5 / 5 = 150, not capped */
    assert_near(r[0].percent, 150);
    assert_status(r[0], "fulfilled");
    /* second clause: 7.5 < 10; expected 10 x 0.5 = 5; 7.5 >= 5: on_track; 75 percent */
    assert_string_equal(r[1].clause_id, "ten");
    assert_near(r[1].delivered, 7.5);
    assert_near(r[1].expected_by_now, 5);
    assert_near(r[1].percent, 75);
    assert_status(r[1], "on_track");
}

static void test_social_enterprise_zero_value(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 0);
    struct ct_compliance_subcontract s[] = {{10000, 1}};
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE, 0, 5, MONTHLY);
    in.subcontracts = s;
    in.nsubcontracts = 1;
    struct ct_compliance_result r = run1(in, &c, "2026-07-02");
    /* contract value 0: delivered 0 (no division); expected 5 x 0.5 = 2.5; 0 < 1.875: behind */
    assert_near(r.delivered, 0);
    assert_near(r.percent, 0);
    assert_true(isfinite(r.delivered) && isfinite(r.percent));
    assert_status(r, "behind");
}

/* ---- statuses ---------------------------------------------------------------------------- */

/* n apprenticeships (youth) started 2026-01-15 under contract 2026-01-01 .. 2026-12-31,
 * clause quantity 8, at as_of. */
static struct ct_compliance_result run_apprentices(size_t n, const char *as_of)
{
    struct ct_compliance_placement p[10];
    static const char *const refs[10] = {"a0", "a1", "a2", "a3", "a4",
                                         "a5", "a6", "a7", "a8", "a9"};
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_APPRENTICESHIPS, YOUTH, 8, MONTHLY);
    assert_true(n <= 10);
    for (size_t i = 0; i < n; i++)
        p[i] = pl(refs[i], YOUTH, "2026-01-15", NULL, 37.5, APPR);
    in.placements = n ? p : NULL;
    in.nplacements = n;
    return run1(in, &c, as_of);
}

static void test_status_boundaries(void **state)
{
    (void)state;
    struct ct_compliance_result r;

    /* 2026-07-02: 182/364 = 0.5, expected 8 x 0.5 = 4 exactly; 0.75 x 4 = 3 exactly. */
    r = run_apprentices(4, "2026-07-02"); /* 4 >= 4 */
    assert_near(r.expected_by_now, 4);
    assert_status(r, "on_track");
    r = run_apprentices(3, "2026-07-02"); /* 3 < 4, 3 >= 3: the boundary is at_risk */
    assert_status(r, "at_risk");
    r = run_apprentices(2, "2026-07-02"); /* 2 < 3 */
    assert_status(r, "behind");

    /* A day later: expected 8 x 183/364 = 4.021978; 0.75 x that = 3.016484. */
    r = run_apprentices(4, "2026-07-03"); /* 4 < 4.021978, 4 >= 3.016484 */
    assert_near(r.expected_by_now, 8.0 * 183.0 / 364.0);
    assert_status(r, "at_risk");
    r = run_apprentices(3, "2026-07-03"); /* 3 < 3.016484 */
    assert_status(r, "behind");

    /* On ends_on itself (not after it): expected 8; 7 >= 6: at_risk, not breached. */
    r = run_apprentices(7, "2026-12-31");
    assert_near(r.expected_by_now, 8);
    assert_status(r, "at_risk");
    /* The day after: breached. */
    r = run_apprentices(7, "2027-01-01");
    assert_status(r, "breached");
    /* delivered >= required wins over everything, after the end too: 8 >= 8. */
    r = run_apprentices(8, "2027-01-01");
    assert_near(r.percent, 100);
    assert_status(r, "fulfilled");
    r = run_apprentices(9, "2026-02-01"); /* 9 >= 8: fulfilled early, percent 112.5 */
    assert_near(r.percent, 112.5);
    assert_status(r, "fulfilled");
    /* Before the start: nothing has begun, 0 < 8: not_started. */
    r = run_apprentices(0, "2025-12-31");
    assert_status(r, "not_started");
    /* On the first day: fraction 0/364, expected 0; 0 >= 0: on_track. */
    r = run_apprentices(0, "2026-01-01");
    assert_near(r.expected_by_now, 0);
    assert_status(r, "on_track");
}

/* as_of before the contract starts: nothing counts yet, expected clamps to 0, the first report
 * is next; but a clause already met is fulfilled (that test comes first). */
static void test_as_of_before_start(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 100000);
    struct ct_compliance_subcontract s[] = {{6000, 1}};
    struct ct_compliance_clause c[2];
    struct ct_compliance_result r[2];
    struct ct_compliance_placement p[] = {pl("A", PA, "2026-01-01", NULL, 37.5, PERM)};
    c[0] = mk_clause(CT_CLAUSE_PERSON_MONTHS, PA, 6, MONTHLY);
    c[1] = mk_clause(CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE, 0, 5, MONTHLY);
    in.placements = p;
    in.nplacements = 1;
    in.subcontracts = s;
    in.nsubcontracts = 1;
    in.clauses = c;
    in.nclauses = 2;
    assert_int_equal(ct_compliance_compute(&in, day("2025-12-15"), r, NULL), 0);
    /* min(open, 2025-12-15, 2026-12-31) - 2026-01-01 + 1 = -16 -> 0 days */
    assert_near(r[0].delivered, 0);
    /* (2025-12-15 - 2026-01-01) / 364 = -17/364 clamps to 0 */
    assert_near(r[0].expected_by_now, 0);
    assert_near(r[0].percent, 0);
    assert_status(r[0], "not_started");
    /* January's report is the first: 2026-01-31 + 15 = 2026-02-15; none overdue. */
    assert_due(r[0].next_report_due, "2026-02-15");
    assert_false(r[0].report_overdue);
    /* 100 x 6000 / 100000 = 6 >= 5: fulfilled even before the start. */
    assert_near(r[1].delivered, 6);
    assert_status(r[1], "fulfilled");
}

/* A supplier's commitment above the clause's quantity is what is required. */
static void test_commitment(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 3, MONTHLY);
    struct ct_compliance_placement p[] = {
        /* each: 2026-07-02 - 2026-01-01 + 1 = 183 days = 6.01 months: 4 persons delivered */
        pl("A", PA, "2026-01-01", NULL, 37.5, PERM),
        pl("B", PA, "2026-01-01", NULL, 37.5, PERM),
        pl("C", PA, "2026-01-01", NULL, 37.5, PERM),
        pl("D", PA, "2026-01-01", NULL, 37.5, PERM),
    };
    in.placements = p;
    in.nplacements = N(p);
    c.has_commitment = 1;
    c.commitment = 5;
    struct ct_compliance_result r = run1(in, &c, "2026-07-02");
    /* required 5 (not 3): 4 < 5; expected 5 x 0.5 = 2.5; 4 >= 2.5: on_track; 80 percent */
    assert_near(r.required, 5);
    assert_near(r.delivered, 4);
    assert_near(r.expected_by_now, 2.5);
    assert_near(r.percent, 80);
    assert_status(r, "on_track");
    /* Without the flag the stored number is ignored: required 3, 4 >= 3: fulfilled. */
    c.has_commitment = 0;
    r = run1(in, &c, "2026-07-02");
    assert_near(r.required, 3);
    assert_status(r, "fulfilled");
}

/* ends_on == starts_on: the fraction is 0 before that day and 1 from it on. */
static void test_one_day_contract(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-06-15", "2026-06-15", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_APPRENTICESHIPS, YOUTH, 2, MONTHLY);
    struct ct_compliance_placement p[] = {pl("A", YOUTH, "2026-06-15", NULL, 37.5, APPR)};
    in.placements = p;
    in.nplacements = 1;
    struct ct_compliance_result r = run1(in, &c, "2026-06-14");
    assert_near(r.expected_by_now, 0);
    assert_status(r, "not_started");
    /* On the day: expected 2 x 1 = 2; 1 < 0.75 x 2 = 1.5: behind. */
    r = run1(in, &c, "2026-06-15");
    assert_near(r.delivered, 1);
    assert_near(r.expected_by_now, 2);
    assert_status(r, "behind");
    r = run1(in, &c, "2026-06-16");
    assert_near(r.expected_by_now, 2);
    assert_status(r, "breached");
    /* June's report, due 2026-07-15, is the only one. */
    assert_due(r.next_report_due, "2026-07-15");
}

/* Nothing required: percent 100 (not a division by zero) and fulfilled. */
static void test_required_zero(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_WORK_TRIALS, OTHER, 0, MONTHLY);
    struct ct_compliance_result r = run1(in, &c, "2026-07-02");
    assert_near(r.delivered, 0);
    assert_near(r.percent, 100);
    assert_status(r, "fulfilled");
}

/* ---- reports ----------------------------------------------------------------------------- */

/* A work_trials clause with the given rhythm over a contract, with reports, at as_of. */
static struct ct_compliance_result run_reports(const char *starts, const char *ends,
                                               int reporting, const char *const *reports,
                                               size_t nreports, const char *as_of)
{
    struct ct_compliance_input in = mk_input(starts, ends, 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_WORK_TRIALS, OTHER, 1, reporting);
    in.reports = reports;
    in.nreports = nreports;
    return run1(in, &c, as_of);
}

/* Monthly over 2026-01-01 .. 2026-12-31: month m is due on the 15th of m + 1. */
static void test_reports_monthly(void **state)
{
    (void)state;
    const char *const jan[] = {"2026-01"};
    const char *const feb[] = {"2026-02"};
    const char *const q1[] = {"2026-Q1"};
    const char *const junk[] = {NULL, "2026-1", "garbage", "2026-01"};
    const char *const all[] = {"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
                               "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"};
    const char *s = "2026-01-01", *e = "2026-12-31";
    struct ct_compliance_result r;

    /* January given; February (due 03-15) is next; nothing overdue. */
    r = run_reports(s, e, MONTHLY, jan, 1, "2026-03-10");
    assert_due(r.next_report_due, "2026-03-15");
    assert_false(r.report_overdue);
    /* None given: January's 02-15 < 03-10 is overdue; February's is still next. */
    r = run_reports(s, e, MONTHLY, NULL, 0, "2026-03-10");
    assert_due(r.next_report_due, "2026-03-15");
    assert_true(r.report_overdue);
    /* On the due day itself it is not yet overdue, and it is the next. */
    r = run_reports(s, e, MONTHLY, NULL, 0, "2026-02-15");
    assert_due(r.next_report_due, "2026-02-15");
    assert_false(r.report_overdue);
    /* The day after: overdue; next is February's. */
    r = run_reports(s, e, MONTHLY, NULL, 0, "2026-02-16");
    assert_due(r.next_report_due, "2026-03-15");
    assert_true(r.report_overdue);
    /* February given ahead, January missing: overdue, and next is March's (04-15). */
    r = run_reports(s, e, MONTHLY, feb, 1, "2026-03-10");
    assert_due(r.next_report_due, "2026-04-15");
    assert_true(r.report_overdue);
    /* A quarterly key does not stand in for monthly ones. */
    r = run_reports(s, e, MONTHLY, q1, 1, "2026-03-10");
    assert_true(r.report_overdue);
    /* NULLs and junk among the keys are skipped; the real "2026-01" still counts. */
    r = run_reports(s, e, MONTHLY, junk, N(junk), "2026-03-10");
    assert_false(r.report_overdue);
    /* All twelve given: none left (December's was due 2027-01-15). */
    r = run_reports(s, e, MONTHLY, all, 12, "2027-01-15");
    assert_due(r.next_report_due, NULL);
    assert_false(r.report_overdue);
    /* December missing, as_of on its due day: next is 2027-01-15, not overdue. */
    r = run_reports(s, e, MONTHLY, all, 11, "2027-01-15");
    assert_due(r.next_report_due, "2027-01-15");
    assert_false(r.report_overdue);
    /* ...and a day later: overdue, nothing left to be next. */
    r = run_reports(s, e, MONTHLY, all, 11, "2027-01-16");
    assert_due(r.next_report_due, NULL);
    assert_true(r.report_overdue);
}

/* Quarterly over 2026-05-20 .. 2026-08-05: Q2 (due 06-30 + 15 = 07-15) and Q3 (due 09-30 + 15
 * = 10-15, though the contract ends in August). */
static void test_reports_quarterly(void **state)
{
    (void)state;
    const char *const q2[] = {"2026-Q2"};
    const char *const both[] = {"2026-Q2", "2026-Q3"};
    const char *const months[] = {"2026-04", "2026-05", "2026-06"};
    const char *const may_aug[] = {"2026-05", "2026-06", "2026-07", "2026-08"};
    const char *s = "2026-05-20", *e = "2026-08-05";
    struct ct_compliance_result r;

    r = run_reports(s, e, QUARTERLY, NULL, 0, "2026-07-01");
    assert_due(r.next_report_due, "2026-07-15");
    assert_false(r.report_overdue);
    r = run_reports(s, e, QUARTERLY, NULL, 0, "2026-07-16");
    assert_due(r.next_report_due, "2026-10-15");
    assert_true(r.report_overdue);
    r = run_reports(s, e, QUARTERLY, q2, 1, "2026-07-16");
    assert_due(r.next_report_due, "2026-10-15");
    assert_false(r.report_overdue);
    r = run_reports(s, e, QUARTERLY, both, 2, "2026-10-16");
    assert_due(r.next_report_due, NULL);
    assert_false(r.report_overdue);
    /* Monthly keys covering Q2 do not count for a quarterly clause. */
    r = run_reports(s, e, QUARTERLY, months, 3, "2026-07-16");
    assert_true(r.report_overdue);
    /* The same contract with a monthly clause: May..Aug, August due 09-15. */
    r = run_reports(s, e, MONTHLY, may_aug, 3, "2026-09-01");
    assert_due(r.next_report_due, "2026-09-15");
    assert_false(r.report_overdue);
    r = run_reports(s, e, MONTHLY, may_aug, 4, "2026-09-16");
    assert_due(r.next_report_due, NULL);
    assert_false(r.report_overdue);
}

/* ---- input errors, names, rounding ------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    struct ct_compliance_input in = mk_input("2026-01-01", "2026-12-31", 1e6);
    struct ct_compliance_clause c = mk_clause(CT_CLAUSE_HIRE_PERSONS, PA, 1, MONTHLY);
    struct ct_compliance_placement p[] = {pl("A", PA, "2026-01-01", NULL, 37.5, PERM)};
    struct ct_compliance_result r;
    const char *why = NULL;
    int64_t as_of = day("2026-06-01");
    in.clauses = &c;
    in.nclauses = 1;
    in.placements = p;
    in.nplacements = 1;
    assert_int_equal(ct_compliance_compute(&in, as_of, &r, &why), 0);

    assert_int_equal(ct_compliance_compute(NULL, as_of, &r, &why), -1);
    assert_non_null(why);
    assert_int_equal(ct_compliance_compute(&in, as_of, NULL, NULL), -1);
    assert_int_equal(ct_compliance_compute(&in, INT64_MIN, &r, NULL), -1);

    struct ct_compliance_input bad = in;
    bad.contract.ends_on = day("2025-12-31"); /* ends before it starts */
    why = NULL;
    memset(&r, 0x5a, sizeof r);
    struct ct_compliance_result before = r;
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, &why), -1);
    assert_string_equal(why, "contract ends before it starts");
    assert_memory_equal(&r, &before, sizeof r); /* out untouched on -1 */

    bad = in;
    bad.clauses = NULL; /* nclauses 1 */
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, NULL), -1);

    struct ct_compliance_clause bc = c;
    bc.kind = CT_CLAUSE_KIND_COUNT;
    bad = in;
    bad.clauses = &bc;
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, &why), -1);
    assert_string_equal(why, "unknown clause kind");
    bc = c;
    bc.reporting = 2;
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, &why), -1);
    assert_string_equal(why, "unknown reporting");

    struct ct_compliance_placement bp = p[0];
    bp.person_ref = NULL;
    bad = in;
    bad.placements = &bp;
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, &why), -1);
    assert_string_equal(why, "placement without person_ref");
    bp = p[0];
    bp.ends_on = INT64_MAX;
    assert_int_equal(ct_compliance_compute(&bad, as_of, &r, NULL), -1);

    /* No clauses at all is fine, and out may then be NULL. */
    bad = in;
    bad.clauses = NULL;
    bad.nclauses = 0;
    assert_int_equal(ct_compliance_compute(&bad, as_of, NULL, NULL), 0);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_FULFILLED), "fulfilled");
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_BREACHED), "breached");
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_NOT_STARTED), "not_started");
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_ON_TRACK), "on_track");
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_AT_RISK), "at_risk");
    assert_string_equal(ct_compliance_status_name(CT_COMPLIANCE_BEHIND), "behind");
    assert_null(ct_compliance_status_name(-1));
    assert_null(ct_compliance_status_name(CT_COMPLIANCE_STATUS_COUNT));
}

static void test_round2(void **state)
{
    (void)state;
    assert_true(ct_compliance_round2(100.0 / 3.0) == 33.33);
    assert_true(ct_compliance_round2(200.0 / 3.0) == 66.67);
    assert_true(ct_compliance_round2(6.012320328542095) == 6.01);
    assert_true(ct_compliance_round2(150) == 150);
    assert_true(ct_compliance_round2(0.125) == 0.13);   /* exact half: away from zero */
    assert_true(ct_compliance_round2(-0.125) == -0.13);
    assert_true(ct_compliance_round2(1.005) == 1.01);   /* stored as 1.00499999999999989 */
    assert_true(ct_compliance_round2(2.675) == 2.68);   /* stored as 2.67499999999999982 */
    assert_true(ct_compliance_round2(-1.005) == -1.01);
    assert_true(ct_compliance_round2(1.0049) == 1.0);
    double z = ct_compliance_round2(-0.004); /* rounds to zero, never -0 */
    assert_true(z == 0.0 && !signbit(z));
    assert_true(ct_compliance_round2(1e300) == 1e300);
    assert_true(isnan(ct_compliance_round2(NAN)));
    assert_true(isinf(ct_compliance_round2(INFINITY)));
}

static void test_clause_init(void **state)
{
    (void)state;
    struct ct_compliance_clause c;
    memset(&c, 0x5a, sizeof c);
    ct_compliance_clause_init(&c);
    assert_near(c.min_months_per_person, 6);
    assert_near(c.min_weekly_hours, 0);
    assert_int_equal(c.reporting, MONTHLY);
    assert_int_equal(c.has_commitment, 0);
    assert_int_equal(c.target_groups, 0);
    assert_null(c.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hire_persons_example),
        cmocka_unit_test(test_hire_persons_six_month_boundary),
        cmocka_unit_test(test_hire_persons_weekly_hours),
        cmocka_unit_test(test_hire_persons_union_of_days),
        cmocka_unit_test(test_hire_persons_contract_end),
        cmocka_unit_test(test_person_months_fte),
        cmocka_unit_test(test_person_months_contract_end),
        cmocka_unit_test(test_open_ended),
        cmocka_unit_test(test_apprenticeships),
        cmocka_unit_test(test_work_trials),
        cmocka_unit_test(test_social_enterprise_share),
        cmocka_unit_test(test_social_enterprise_zero_value),
        cmocka_unit_test(test_status_boundaries),
        cmocka_unit_test(test_as_of_before_start),
        cmocka_unit_test(test_commitment),
        cmocka_unit_test(test_one_day_contract),
        cmocka_unit_test(test_required_zero),
        cmocka_unit_test(test_reports_monthly),
        cmocka_unit_test(test_reports_quarterly),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_round2),
        cmocka_unit_test(test_clause_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
