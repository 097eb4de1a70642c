/* compliance.c - CONTRACT.md §7 for one contract at one date: delivered, expected and status
 * per clause, and the state of its period reports. Pure: no I/O, no allocation, no clock.
 * The readings chosen where §7 leaves room are listed in include/ct/compliance.h; loading
 * the inputs and encoding the result are lib/db's and lib/json's jobs. */
#include "ct/compliance.h"
#include "ct/arena.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ct/clause.h"
#include "ct/dates.h"

/* At least this share of expected_by_now keeps a clause at_risk rather than behind (§7). */
#define AT_RISK_SHARE 0.75

static int day_in_range(int64_t day);
static int check_input(const struct ct_compliance_input *in, int64_t as_of, const char **why);
static int fail(const char **why, const char *msg);
static int in_groups(unsigned mask, unsigned group);
static int64_t clipped_end(const struct ct_compliance_placement *p, int64_t as_of,
                           int64_t contract_end);
static int64_t placement_days(const struct ct_compliance_placement *p, int64_t as_of,
                              int64_t contract_end);
static int active_at(const struct ct_compliance_placement *p, int64_t as_of);
static double fte(double weekly_hours);
static int hire_qualifies(const struct ct_compliance_clause *c,
                          const struct ct_compliance_placement *p);
static int by_person_then_start(const void *x, const void *y);
static void count_hires(const struct ct_compliance_input *in, const struct ct_compliance_clause *c,
                        int64_t as_of, double *delivered, size_t *in_progress);
static double person_months(const struct ct_compliance_input *in,
                            const struct ct_compliance_clause *c, int64_t as_of);
static double count_contracts(const struct ct_compliance_input *in,
                              const struct ct_compliance_clause *c, int employment_type,
                              int64_t as_of);
static double social_enterprise_share(const struct ct_compliance_input *in);
static double elapsed_fraction(const struct ct_compliance_contract *k, int64_t as_of);
static int status_of(const struct ct_compliance_contract *k, int64_t as_of, double delivered,
                     double required, double expected);
static int report_given(const struct ct_compliance_input *in, const struct ct_clause_period *p);
static void report_state(const struct ct_compliance_input *in,
                         const struct ct_compliance_clause *c, int64_t as_of, int64_t *next_due,
                         int *overdue);
static void compute_clause(const struct ct_compliance_input *in,
                           const struct ct_compliance_clause *c, int64_t as_of,
                           struct ct_compliance_result *r);

static const char *const status_names[CT_COMPLIANCE_STATUS_COUNT] = {
    "fulfilled", "breached", "not_started", "on_track", "at_risk", "behind",
};

/* ---- input checks ------------------------------------------------------------------------ */

/* 1 when day is a day number of 0001-01-01 .. 9999-12-31: keeps every difference far from
 * int64 overflow. */
static int day_in_range(int64_t day)
{
    return day >= ct_days_from_civil(1, 1, 1) && day <= ct_days_from_civil(9999, 12, 31);
}

static int fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return -1;
}

static int check_input(const struct ct_compliance_input *in, int64_t as_of, const char **why)
{
    if (!in)
        return fail(why, "no input");
    if (!day_in_range(as_of))
        return fail(why, "as_of is out of range");
    if (!day_in_range(in->contract.starts_on) || !day_in_range(in->contract.ends_on))
        return fail(why, "contract dates are out of range");
    if (in->contract.ends_on < in->contract.starts_on)
        return fail(why, "contract ends before it starts");
    if ((in->nclauses && !in->clauses) || (in->nplacements && !in->placements) ||
        (in->nsubcontracts && !in->subcontracts) || (in->nreports && !in->reports))
        return fail(why, "an array is missing");
    for (size_t i = 0; i < in->nclauses; i++) {
        const struct ct_compliance_clause *c = &in->clauses[i];
        if (!ct_clause_kind_name(c->kind))
            return fail(why, "unknown clause kind");
        if (!ct_clause_reporting_name(c->reporting))
            return fail(why, "unknown reporting");
    }
    for (size_t i = 0; i < in->nplacements; i++) {
        const struct ct_compliance_placement *p = &in->placements[i];
        if (!p->person_ref)
            return fail(why, "placement without person_ref");
        if (!day_in_range(p->starts_on) ||
            (p->ends_on != CT_COMPLIANCE_NO_DAY && !day_in_range(p->ends_on)))
            return fail(why, "placement dates are out of range");
    }
    return 0;
}

/* ---- placements -------------------------------------------------------------------------- */

/* 1 when a placement's group (one flag) lies within the clause's mask. */
static int in_groups(unsigned mask, unsigned group)
{
    return group != 0 && (group & ~mask) == 0;
}

/* min(ends_on, as_of, contract ends_on): the last day a placement counts. */
static int64_t clipped_end(const struct ct_compliance_placement *p, int64_t as_of,
                           int64_t contract_end)
{
    int64_t end = as_of < contract_end ? as_of : contract_end;
    if (p->ends_on != CT_COMPLIANCE_NO_DAY && p->ends_on < end)
        end = p->ends_on;
    return end;
}

/* §7: min(ends_on, as_of, contract ends_on) - starts_on + 1, or 0. */
static int64_t placement_days(const struct ct_compliance_placement *p, int64_t as_of,
                              int64_t contract_end)
{
    int64_t days = clipped_end(p, as_of, contract_end) - p->starts_on + 1;
    return days > 0 ? days : 0;
}

/* Started on or before as_of and not ended before it. */
static int active_at(const struct ct_compliance_placement *p, int64_t as_of)
{
    return p->starts_on <= as_of && (p->ends_on == CT_COMPLIANCE_NO_DAY || p->ends_on >= as_of);
}

/* FTE = min(weekly_hours / 37.5, 1). */
static double fte(double weekly_hours)
{
    double f = weekly_hours / CT_COMPLIANCE_FULL_TIME_HOURS;
    return f < 1.0 ? f : 1.0;
}

/* hire_persons: target group matches and weekly_hours >= min_weekly_hours. */
static int hire_qualifies(const struct ct_compliance_clause *c,
                          const struct ct_compliance_placement *p)
{
    return in_groups(c->target_groups, p->target_group) && p->weekly_hours >= c->min_weekly_hours;
}

/* Orders qualifying placements by person, then start: each person's placements become one run. */
static int by_person_then_start(const void *x, const void *y)
{
    const struct ct_compliance_placement *a = *(const struct ct_compliance_placement *const *)x;
    const struct ct_compliance_placement *b = *(const struct ct_compliance_placement *const *)y;
    int c = strcmp(a->person_ref, b->person_ref);
    if (c)
        return c;
    return (a->starts_on > b->starts_on) - (a->starts_on < b->starts_on);
}

/* hire_persons: delivered = distinct persons whose qualifying days (the union of their
 * placements' days, each clipped as placement_days clips it) reach min_months_per_person
 * months; in_progress = the other distinct persons with a qualifying placement active at
 * as_of. The qualifying placements are sorted by (person, start), so each person's union is
 * one sweep: O(n log n) for n placements. */
static void count_hires(const struct ct_compliance_input *in, const struct ct_compliance_clause *c,
                        int64_t as_of, double *delivered, size_t *in_progress)
{
    size_t done = 0, going = 0, n = 0;
    const struct ct_compliance_placement **q = ct_xmalloc((in->nplacements ? in->nplacements : 1) * sizeof *q);
    for (size_t i = 0; i < in->nplacements; i++)
        if (hire_qualifies(c, &in->placements[i]))
            q[n++] = &in->placements[i];
    qsort(q, n, sizeof *q, by_person_then_start);

    for (size_t i = 0; i < n;) {
        size_t j = i;
        int64_t total = 0, cursor = 0;
        int have_cursor = 0, active = 0;
        for (; j < n && strcmp(q[j]->person_ref, q[i]->person_ref) == 0; j++) {
            active = active || active_at(q[j], as_of);
            int64_t end = clipped_end(q[j], as_of, in->contract.ends_on);
            int64_t from = q[j]->starts_on;
            if (have_cursor && from <= cursor)
                from = cursor + 1;
            if (end < from)
                continue; /* empty, or already counted */
            total += end - from + 1;
            cursor = end;
            have_cursor = 1;
        }
        if ((double)total / CT_COMPLIANCE_MONTH_DAYS >= c->min_months_per_person)
            done++;
        else if (active)
            going++;
        i = j;
    }
    free(q);
    *delivered = (double)done;
    *in_progress = going;
}

/* person_months: sum of days / 30.4375 x FTE over placements in the clause's groups. */
static double person_months(const struct ct_compliance_input *in,
                            const struct ct_compliance_clause *c, int64_t as_of)
{
    double sum = 0.0;
    for (size_t i = 0; i < in->nplacements; i++) {
        const struct ct_compliance_placement *p = &in->placements[i];
        if (!in_groups(c->target_groups, p->target_group))
            continue;
        int64_t days = placement_days(p, as_of, in->contract.ends_on);
        sum += (double)days / CT_COMPLIANCE_MONTH_DAYS * fte(p->weekly_hours);
    }
    return sum;
}

/* apprenticeships / work_trials: placements of that type, in the groups, started by as_of. */
static double count_contracts(const struct ct_compliance_input *in,
                              const struct ct_compliance_clause *c, int employment_type,
                              int64_t as_of)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nplacements; i++) {
        const struct ct_compliance_placement *p = &in->placements[i];
        if (p->employment_type == employment_type &&
            in_groups(c->target_groups, p->target_group) && p->starts_on <= as_of)
            n++;
    }
    return (double)n;
}

/* 100 x (sum of subcontract values to social enterprises) / contract value; 0 without a
 * positive contract value. */
static double social_enterprise_share(const struct ct_compliance_input *in)
{
    double sum = 0.0;
    if (!(in->contract.value > 0.0))
        return 0.0;
    for (size_t i = 0; i < in->nsubcontracts; i++)
        if (in->subcontracts[i].social_enterprise)
            sum += in->subcontracts[i].value;
    return 100.0 * sum / in->contract.value;
}

/* ---- expectation and status -------------------------------------------------------------- */

/* clamp((as_of - starts_on) / (ends_on - starts_on), 0, 1) in plain days; a one-day contract
 * (ends_on == starts_on) counts as fully elapsed from its day on, not before. */
static double elapsed_fraction(const struct ct_compliance_contract *k, int64_t as_of)
{
    if (k->ends_on <= k->starts_on)
        return as_of >= k->ends_on ? 1.0 : 0.0;
    double f = (double)(as_of - k->starts_on) / (double)(k->ends_on - k->starts_on);
    if (f < 0.0)
        return 0.0;
    return f > 1.0 ? 1.0 : f;
}

static int status_of(const struct ct_compliance_contract *k, int64_t as_of, double delivered,
                     double required, double expected)
{
    if (delivered >= required)
        return CT_COMPLIANCE_FULFILLED;
    if (as_of > k->ends_on)
        return CT_COMPLIANCE_BREACHED;
    if (as_of < k->starts_on)
        return CT_COMPLIANCE_NOT_STARTED;
    if (delivered >= expected)
        return CT_COMPLIANCE_ON_TRACK;
    if (delivered >= AT_RISK_SHARE * expected)
        return CT_COMPLIANCE_AT_RISK;
    return CT_COMPLIANCE_BEHIND;
}

/* ---- reports ----------------------------------------------------------------------------- */

static int report_given(const struct ct_compliance_input *in, const struct ct_clause_period *p)
{
    char key[CT_CLAUSE_PERIOD_KEY_SIZE];
    ct_clause_period_format(p, key);
    for (size_t i = 0; i < in->nreports; i++)
        if (in->reports[i] && strcmp(in->reports[i], key) == 0)
            return 1;
    return 0;
}

/* Walks the clause's periods from the one holding the contract's start to the one holding its
 * end. A missing report due before as_of makes it overdue; the first missing one due on or
 * after as_of is the next due, and nothing after it can change either answer. */
static void report_state(const struct ct_compliance_input *in,
                         const struct ct_compliance_clause *c, int64_t as_of, int64_t *next_due,
                         int *overdue)
{
    struct ct_clause_period p, last;
    ct_clause_period_containing(c->reporting, in->contract.starts_on, &p);
    ct_clause_period_containing(c->reporting, in->contract.ends_on, &last);
    int64_t last_start = ct_clause_period_start(&last);

    *next_due = CT_COMPLIANCE_NO_DAY;
    *overdue = 0;
    for (;;) {
        int64_t due = ct_clause_period_due(&p);
        if (!report_given(in, &p)) {
            if (due < as_of) {
                *overdue = 1;
            } else {
                *next_due = due;
                return;
            }
        }
        if (ct_clause_period_start(&p) >= last_start)
            return;
        ct_clause_period_next(&p);
    }
}

/* ---- the whole --------------------------------------------------------------------------- */

static void compute_clause(const struct ct_compliance_input *in,
                           const struct ct_compliance_clause *c, int64_t as_of,
                           struct ct_compliance_result *r)
{
    memset(r, 0, sizeof *r);
    r->clause_id = c->id;
    r->kind = c->kind;
    r->unit = ct_clause_kind_unit(c->kind);
    r->required = c->has_commitment ? c->commitment : c->quantity;

    switch (c->kind) {
    case CT_CLAUSE_HIRE_PERSONS:
        count_hires(in, c, as_of, &r->delivered, &r->in_progress);
        break;
    case CT_CLAUSE_PERSON_MONTHS:
        r->delivered = person_months(in, c, as_of);
        break;
    case CT_CLAUSE_APPRENTICESHIPS:
        r->delivered = count_contracts(in, c, CT_CLAUSE_EMPLOYMENT_APPRENTICESHIP, as_of);
        break;
    case CT_CLAUSE_WORK_TRIALS:
        r->delivered = count_contracts(in, c, CT_CLAUSE_EMPLOYMENT_WORK_TRIAL, as_of);
        break;
    case CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE:
        r->delivered = social_enterprise_share(in);
        break;
    default:
        break; /* ruled out by check_input */
    }

    r->expected_by_now = r->required * elapsed_fraction(&in->contract, as_of);
    r->percent = r->required > 0.0 ? 100.0 * r->delivered / r->required : 100.0;
    r->status = status_of(&in->contract, as_of, r->delivered, r->required, r->expected_by_now);
    report_state(in, c, as_of, &r->next_report_due, &r->report_overdue);
}

void ct_compliance_clause_init(struct ct_compliance_clause *c)
{
    memset(c, 0, sizeof *c);
    c->id = NULL;
    c->kind = CT_CLAUSE_HIRE_PERSONS;
    c->min_months_per_person = CT_COMPLIANCE_DEFAULT_MIN_MONTHS;
    c->min_weekly_hours = 0.0;
    c->reporting = CT_CLAUSE_REPORTING_MONTHLY;
}

int ct_compliance_compute(const struct ct_compliance_input *in, int64_t as_of,
                          struct ct_compliance_result *out, const char **why)
{
    if (check_input(in, as_of, why))
        return -1;
    if (in->nclauses && !out)
        return fail(why, "no output");
    for (size_t i = 0; i < in->nclauses; i++)
        compute_clause(in, &in->clauses[i], as_of, &out[i]);
    return 0;
}

const char *ct_compliance_status_name(int status)
{
    return (status >= 0 && status < CT_COMPLIANCE_STATUS_COUNT) ? status_names[status] : NULL;
}

double ct_compliance_round2(double x)
{
    if (!isfinite(x))
        return x;
    double scaled = x * 100.0;
    if (!(fabs(scaled) < 0x1p52))
        return x; /* no fraction left at this size */
    /* A few ulps towards the away-from-zero side: 1.005 is stored as 1.00499999999999989... */
    scaled += copysign(fabs(scaled) * 4.0 * DBL_EPSILON, scaled);
    double r = round(scaled) / 100.0;
    return r == 0.0 ? 0.0 : r;
}
