/* clause.h - the vocabulary of employment clauses (CONTRACT.md §5, §6): clause kinds and
 * their units, target groups, reporting rhythms, employment types, end reasons, supports,
 * each with its exact JSON name; and reporting periods ("2026-10", "2026-Q3") as day ranges.
 * Pure: no I/O, no allocation. Every returned string is static. Names are case-sensitive.
 * What the clauses demand at a given date is compliance.h's business. */
#ifndef CT_CLAUSE_H
#define CT_CLAUSE_H

#include <stdint.h>

/* ---- clause kinds ------------------------------------------------------------------------ */

enum ct_clause_kind {
    CT_CLAUSE_HIRE_PERSONS = 0,            /* "hire_persons": persons employed long enough */
    CT_CLAUSE_PERSON_MONTHS = 1,           /* "person_months": FTE-weighted months of work */
    CT_CLAUSE_APPRENTICESHIPS = 2,         /* "apprenticeships": apprenticeship contracts */
    CT_CLAUSE_WORK_TRIALS = 3,             /* "work_trials": work trial contracts */
    CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE = 4  /* "social_enterprise_share": % of contract value
                                              subcontracted to social enterprises */
};
#define CT_CLAUSE_KIND_COUNT 5

/* The enum value for a kind name, or -1 when s is NULL or not a kind. */
int ct_clause_kind_parse(const char *s);
/* The name of a kind ("hire_persons"), or NULL when kind is out of range. */
const char *ct_clause_kind_name(int kind);
/* The unit of a kind's quantity: "persons", "person_months", "contracts", "contracts",
 * "percent" in enum order; NULL when kind is out of range. */
const char *ct_clause_kind_unit(int kind);

/* ---- target groups (bit flags; a clause holds a mask, a placement exactly one) ----------- */

enum ct_clause_group {
    CT_CLAUSE_GROUP_PARTIALLY_ABLE = 1u << 0,       /* "partially_able": partial work ability */
    CT_CLAUSE_GROUP_LONG_TERM_UNEMPLOYED = 1u << 1, /* "long_term_unemployed" */
    CT_CLAUSE_GROUP_YOUTH = 1u << 2,                /* "youth": young people */
    CT_CLAUSE_GROUP_DISABLED = 1u << 3,             /* "disabled" */
    CT_CLAUSE_GROUP_IMMIGRANT = 1u << 4,            /* "immigrant" */
    CT_CLAUSE_GROUP_OLDER_WORKER = 1u << 5,         /* "older_worker" */
    CT_CLAUSE_GROUP_OTHER = 1u << 6                 /* "other": any other group */
};
#define CT_CLAUSE_GROUP_COUNT 7
#define CT_CLAUSE_GROUP_ALL ((1u << CT_CLAUSE_GROUP_COUNT) - 1u)

/* The flag for a group name (a positive value), or -1 when s is NULL or not a group. */
int ct_clause_group_parse(const char *s);
/* The name of one flag ("youth"), or NULL unless flag is exactly one known bit. */
const char *ct_clause_group_name(unsigned flag);

/* ---- reporting rhythm -------------------------------------------------------------------- */

enum ct_clause_reporting {
    CT_CLAUSE_REPORTING_MONTHLY = 0,  /* "monthly": one report per calendar month ("2026-10") */
    CT_CLAUSE_REPORTING_QUARTERLY = 1 /* "quarterly": one report per calendar quarter ("2026-Q3") */
};

/* The enum value for "monthly" / "quarterly", or -1. */
int ct_clause_reporting_parse(const char *s);
/* "monthly" / "quarterly", or NULL when r is out of range. */
const char *ct_clause_reporting_name(int r);

/* ---- employment types of a placement ----------------------------------------------------- */

enum ct_clause_employment {
    CT_CLAUSE_EMPLOYMENT_PERMANENT = 0,      /* "permanent": open-ended employment */
    CT_CLAUSE_EMPLOYMENT_FIXED_TERM = 1,     /* "fixed_term": fixed-term employment */
    CT_CLAUSE_EMPLOYMENT_APPRENTICESHIP = 2, /* "apprenticeship": apprenticeship contract */
    CT_CLAUSE_EMPLOYMENT_WORK_TRIAL = 3,     /* "work_trial": work trial (not employment proper) */
    CT_CLAUSE_EMPLOYMENT_WAGE_SUBSIDISED = 4 /* "wage_subsidised": subsidised employment */
};
#define CT_CLAUSE_EMPLOYMENT_COUNT 5

/* The enum value for an employment type name, or -1. */
int ct_clause_employment_parse(const char *s);
/* The name of an employment type, or NULL when t is out of range. */
const char *ct_clause_employment_name(int t);

/* ---- why a placement ended --------------------------------------------------------------- */

enum ct_clause_end_reason {
    CT_CLAUSE_END_COMPLETED = 0,            /* "completed": ran its agreed course */
    CT_CLAUSE_END_RESIGNED = 1,             /* "resigned": the person left */
    CT_CLAUSE_END_DISMISSED = 2,            /* "dismissed": the employer ended it */
    CT_CLAUSE_END_MOVED_TO_OPEN_MARKET = 3, /* "moved_to_open_market": unsubsidised job elsewhere */
    CT_CLAUSE_END_OTHER = 4                 /* "other" */
};
#define CT_CLAUSE_END_REASON_COUNT 5

/* The enum value for an end reason name, or -1. */
int ct_clause_end_reason_parse(const char *s);
/* The name of an end reason, or NULL when r is out of range. */
const char *ct_clause_end_reason_name(int r);

/* ---- supports received (bit flags; a placement holds a mask) ----------------------------- */

enum ct_clause_support {
    CT_CLAUSE_SUPPORT_WAGE_SUBSIDY = 1u << 0,          /* "wage_subsidy" (palkkatuki) */
    CT_CLAUSE_SUPPORT_WORKPLACE_ADJUSTMENT = 1u << 1,  /* "workplace_adjustment_subsidy" */
    CT_CLAUSE_SUPPORT_JOB_COACH = 1u << 2              /* "job_coach" */
};
#define CT_CLAUSE_SUPPORT_COUNT 3
#define CT_CLAUSE_SUPPORT_ALL ((1u << CT_CLAUSE_SUPPORT_COUNT) - 1u)

/* The flag for a support name (a positive value), or -1. */
int ct_clause_support_parse(const char *s);
/* The name of one flag, or NULL unless flag is exactly one known bit. */
const char *ct_clause_support_name(unsigned flag);

/* ---- reporting periods ------------------------------------------------------------------- */

/* A calendar month or quarter. Plain value; copy freely. */
struct ct_clause_period {
    int reporting; /* CT_CLAUSE_REPORTING_MONTHLY (index is a month) or _QUARTERLY (a quarter) */
    int year;      /* 1..9999 */
    int index;     /* month 1..12, or quarter 1..4 */
};

/* Bytes a formatted period key needs, with its NUL ("2026-10", "2026-Q3"). */
#define CT_CLAUSE_PERIOD_KEY_SIZE 8

/* Parses a period key strictly: exactly "YYYY-MM" (month 01..12) or "YYYY-QN" (N 1..4),
 * year 0001..9999, nothing before or after. reporting is CT_CLAUSE_REPORTING_MONTHLY or
 * _QUARTERLY to demand that form, or -1 to accept either. 0 with *out set, or -1 (out
 * untouched). */
int ct_clause_period_parse(const char *s, int reporting, struct ct_clause_period *out);

/* Writes the period's key and a NUL into out (at least CT_CLAUSE_PERIOD_KEY_SIZE bytes).
 * Returns out. */
char *ct_clause_period_format(const struct ct_clause_period *p, char *out);

/* The period of the given rhythm that contains day (a ct_days_from_civil day number). */
void ct_clause_period_containing(int reporting, int64_t day, struct ct_clause_period *out);

/* First and last day (inclusive) of the period, as day numbers. */
int64_t ct_clause_period_start(const struct ct_clause_period *p);
int64_t ct_clause_period_end(const struct ct_clause_period *p);

/* The day its report is due: 15 days after the period's last day (2026-10 -> 2026-11-15). */
int64_t ct_clause_period_due(const struct ct_clause_period *p);

/* Moves p to the following period of the same rhythm (2026-12 -> 2027-01, 2026-Q4 -> 2027-Q1). */
void ct_clause_period_next(struct ct_clause_period *p);

#endif
