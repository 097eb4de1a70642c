/* compliance.h - CONTRACT.md §7: how far one contract has delivered on each of its clauses at
 * a given date, and whether its period reports are in. One pure function over plain arrays:
 * no I/O, no clock (the caller passes as_of); one temporary array per hire_persons clause. Loading the inputs from the
 * database and encoding the result as JSON (rounded with ct_compliance_round2) are others' jobs.
 *
 * Readings of §7 where it leaves room (each one pinned by tests/unit/test_compliance.c):
 * - hire_persons: a person's months are the UNION of the days of their qualifying placements
 *   (each placement's days as §7 defines them), divided by 30.4375. Overlapping placements of
 *   one person do not count a day twice: "months employed" is calendar time, and FTE is not
 *   applied here (§7 applies FTE to person_months only).
 * - person_months: a plain sum over placements, as §7 writes it; two overlapping placements of
 *   one person both count (each already weighted by its own FTE). min_weekly_hours and
 *   min_months_per_person do not apply to person_months, apprenticeships or work_trials: §7
 *   names the weekly-hours filter for hire_persons only.
 * - "active at as_of" (hire_persons in_progress): starts_on <= as_of and (open-ended or
 *   ends_on >= as_of). It is the placement's own dates; the contract's end does not enter.
 * - A clause whose target_groups mask is 0 matches no placement.
 * - min_months_per_person 0 is taken literally: every person with a qualifying placement has
 *   ">= 0 months", even one not started yet. Validating §5 input (rejecting 0) is not ours.
 * - apprenticeships / work_trials count placements (not distinct persons), without a cap at
 *   the contract's end: §7 asks only "started on or before as_of".
 * - expected_by_now when contract ends_on == starts_on: the elapsed fraction is 1 when
 *   as_of >= ends_on, else 0 (no division by zero).
 * - social_enterprise_share: delivered is 0 when the contract value is 0 or less. It does not
 *   depend on as_of (subcontracts have no dates).
 * - percent when required is 0 (or less): 100. It cannot be infinite in JSON; with nothing
 *   required the clause is fulfilled anyway.
 * - Reports: the contract's period reports are a list of keys; a monthly clause looks for its
 *   month keys ("2026-10"), a quarterly clause for its quarter keys ("2026-Q3") only. Three
 *   monthly reports do not stand in for a quarter's.
 * - required is the commitment whenever the clause has one, even if (against §6) it is lower
 *   than the quantity: rejecting such a commitment is the contract endpoint's job. */
#ifndef CT_COMPLIANCE_H
#define CT_COMPLIANCE_H

#include <stddef.h>
#include <stdint.h>

#include "ct/err.h"

/* "No date": an open-ended placement's ends_on, or a result's next_report_due when no report
 * is left to give. Never a real day number of 0001..9999. */
#define CT_COMPLIANCE_NO_DAY INT64_MIN

/* Default of a clause's min_months_per_person (§5). */
#define CT_COMPLIANCE_DEFAULT_MIN_MONTHS 6.0

/* Days in a month and full-time weekly hours for FTE (§7). */
#define CT_COMPLIANCE_MONTH_DAYS 30.4375
#define CT_COMPLIANCE_FULL_TIME_HOURS 37.5

enum ct_compliance_status {
    CT_COMPLIANCE_FULFILLED = 0,   /* "fulfilled": delivered >= required (checked first) */
    CT_COMPLIANCE_BREACHED = 1,    /* "breached": not fulfilled and as_of > contract ends_on */
    CT_COMPLIANCE_NOT_STARTED = 2, /* "not_started": as_of < contract starts_on */
    CT_COMPLIANCE_ON_TRACK = 3,    /* "on_track": delivered >= expected_by_now */
    CT_COMPLIANCE_AT_RISK = 4,     /* "at_risk": delivered >= 0.75 x expected_by_now */
    CT_COMPLIANCE_BEHIND = 5       /* "behind": below that */
};
#define CT_COMPLIANCE_STATUS_COUNT 6

/* The contract: its running time (day numbers, inclusive) and its value. */
struct ct_compliance_contract {
    int64_t starts_on;
    int64_t ends_on;      /* >= starts_on */
    double value;         /* any unit, the same as the subcontracts' values */
};

/* One clause binding the contract. Set it up with ct_compliance_clause_init for the defaults. */
struct ct_compliance_clause {
    const char *id;               /* borrowed; copied (as a pointer) into the result; may be NULL */
    int kind;                     /* enum ct_clause_kind */
    unsigned target_groups;       /* mask of CT_CLAUSE_GROUP_* */
    double quantity;              /* in the kind's unit (ct_clause_kind_unit) */
    double min_months_per_person; /* hire_persons only; default 6 */
    double min_weekly_hours;      /* hire_persons only (see above); default 0 */
    int reporting;                /* enum ct_clause_reporting */
    int has_commitment;           /* 1 when the supplier committed to a quantity for it */
    double commitment;            /* that quantity; used as `required` when has_commitment */
};

/* One placement under the contract. */
struct ct_compliance_placement {
    const char *person_ref;  /* borrowed; the pseudonym identifying the person; not NULL */
    unsigned target_group;   /* exactly one CT_CLAUSE_GROUP_* flag */
    int64_t starts_on;
    int64_t ends_on;         /* last day worked, inclusive; CT_COMPLIANCE_NO_DAY when open */
    double weekly_hours;
    int employment_type;     /* enum ct_clause_employment */
};

/* One subcontract: its value and whether the subcontractor is a social enterprise. */
struct ct_compliance_subcontract {
    double value;
    int social_enterprise;   /* 0 or 1 */
};

/* Everything §7 needs about one contract. The arrays are borrowed; a count of 0 allows a NULL
 * array. */
struct ct_compliance_input {
    struct ct_compliance_contract contract;
    const struct ct_compliance_clause *clauses;
    size_t nclauses;
    const struct ct_compliance_placement *placements;
    size_t nplacements;
    const struct ct_compliance_subcontract *subcontracts;
    size_t nsubcontracts;
    const char *const *reports; /* period keys given ("2026-10", "2026-Q3"); NULLs are skipped */
    size_t nreports;
};

/* The answer for one clause. Numbers are unrounded: statuses come from these values, and the
 * encoder rounds each to two decimals (ct_compliance_round2). */
struct ct_compliance_result {
    const char *clause_id;   /* borrowed from the clause */
    int kind;                /* enum ct_clause_kind, as in the clause */
    const char *unit;        /* static: ct_clause_kind_unit(kind) */
    double required;
    double delivered;
    size_t in_progress;      /* hire_persons only; 0 for the other kinds */
    double expected_by_now;
    double percent;          /* 100 x delivered / required, not capped */
    int status;              /* enum ct_compliance_status */
    int64_t next_report_due; /* day number, or CT_COMPLIANCE_NO_DAY */
    int report_overdue;      /* 0 or 1 */
};

/* Fills *c with a zero clause carrying §5's defaults: min_months_per_person 6,
 * min_weekly_hours 0, monthly reporting, no commitment, no target groups. */
void ct_compliance_clause_init(struct ct_compliance_clause *c);

/* Computes §7 for every clause of in at as_of (a day number) into out[0 .. in->nclauses), in
 * the clauses' order; out is the caller's. Borrows in. Cost is O(n log n) in the placements
 * per hire_persons clause (they are sorted by person), O(n) for the other kinds; callers bound n.
 * Returns 0, or -1 with *why (may be NULL) set to a static message when the input cannot be
 * computed: NULL pointers, ends_on before starts_on, a date outside 0001-01-01..9999-12-31
 * (as_of included), an unknown kind or reporting, a placement without person_ref. Everything
 * is checked before anything is written: on -1 out is untouched. */
int ct_compliance_compute(const struct ct_compliance_input *in, int64_t as_of,
                          struct ct_compliance_result *out, const char **why) CT_MUSTCHECK;

/* "fulfilled", "breached", ... ; NULL when status is out of range. */
const char *ct_compliance_status_name(int status);

/* x rounded to two decimals, halves away from zero, forgiving binary representation error of
 * a few units in the last place (1.005 -> 1.01, 2.675 -> 2.68). Never returns -0.0; NaN and
 * infinities come back unchanged. */
double ct_compliance_round2(double x);

#endif
