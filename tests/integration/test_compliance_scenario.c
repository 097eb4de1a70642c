/* test_compliance_scenario.c - CONTRACT §7 end to end: a tender with a clause of each kind and a
 * 2025 contract (through the API), the supplier's reports, compliance at several as_of dates with
 * every number worked out by hand; compliance.changed exactly when today's status changes; the
 * janitor on a running contract and old idempotency keys; and privacy: no henkilötunnus in any
 * case in a pg_dump of the whole database or in the daemon's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Valid henkilötunnus values, check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYNNN mod 31]:
 *   131052-308T  131052308 mod 31 = 25 -> T        (person X)
 *   150875-123E  150875123 mod 31 = 14 -> E        (person Y, reported twice)
 *   010203A456R  010203456 mod 31 = 23 -> R        (person W, sent in lower case)
 *   290204B002D  290204002 mod 31 = 13 -> D        (person U)
 *   311299X7779  311299777 mod 31 = 9  -> 9        (person S) */
static const char *const hetus[] = {"131052-308T", "150875-123E", "010203A456R", "290204B002D", "311299X7779"};
#define NHETU (sizeof hetus / sizeof *hetus)

static struct it_daemon D;
static char *buyer_org, *buyer_tok, *sup_tok, *analyst_tok;
static char *tender_id, *contract_id, *clause[5];
static char *y_ref; /* person Y's pseudonym */

static const char *const clause_bodies[5] = {
    /* C1: 3 persons (the supplier commits to 4), 6 months each at >= 18 h/week */
    "{\"kind\": \"hire_persons\", \"target_groups\": [\"partially_able\", \"long_term_unemployed\"], \"quantity\": 3, "
    "\"min_months_per_person\": 6, \"min_weekly_hours\": 18, \"reporting\": \"monthly\", \"sanction_eur\": 5000}",
    /* C2: 12 FTE-months of young people */
    "{\"kind\": \"person_months\", \"target_groups\": [\"youth\"], \"quantity\": 12, \"reporting\": \"quarterly\"}",
    /* C3: 2 apprenticeships */
    "{\"kind\": \"apprenticeships\", \"target_groups\": [\"youth\", \"immigrant\"], \"quantity\": 2, \"reporting\": \"monthly\"}",
    /* C4: 2 work trials */
    "{\"kind\": \"work_trials\", \"target_groups\": [\"disabled\", \"other\"], \"quantity\": 2, \"reporting\": \"quarterly\"}",
    /* C5: 10 % of the value to social enterprises */
    "{\"kind\": \"social_enterprise_share\", \"target_groups\": [\"other\"], \"quantity\": 10, \"reporting\": \"quarterly\"}",
};

static void expect_status(struct it_resp *r, int status)
{
    if (r->status != status)
        fprintf(stderr, "expected %d, got %d: %s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
}

static char *post_ok(const char *path, const char *token, const char *body, const char *field)
{
    struct it_resp r;
    assert_int_equal(it_post(&D, path, token, body, &r), 0);
    expect_status(&r, 201);
    char *v = field ? it_json(r.body, field) : NULL;
    it_resp_free(&r);
    return v;
}

static char *placement(const char *person, const char *group, const char *starts, const char *ends, const char *hours,
                       const char *type)
{
    char *body = it_fmt("{\"person\": %s, \"target_group\": \"%s\", \"starts_on\": \"%s\", \"ends_on\": %s%s%s, "
                        "\"weekly_hours\": %s, \"employment_type\": \"%s\"}",
                        person, group, starts, ends ? "\"" : "", ends ? ends : "null", ends ? "\"" : "", hours, type);
    char *path = it_fmt("/v1/contracts/%s/placements", contract_id);
    char *id = post_ok(path, sup_tok, body, "id");
    free(body);
    free(path);
    return id;
}

/* The compliance.changed events of a contract, oldest first: "kind:previous>status ...". */
static char *changes(const char *contract)
{
    char *q = it_fmt("select coalesce(string_agg((data ->> 'kind') || ':' || coalesce(data ->> 'previous_status', '-') "
                     "|| '>' || (data ->> 'status'), ' ' order by seq), '') from outbox "
                     "where type = 'compliance.changed' and data ->> 'contract_id' = '%s'", contract);
    char *v = it_sql(&D, q);
    free(q);
    return v;
}

static char *compliance(const char *as_of, const char *token)
{
    struct it_resp r;
    char *path = as_of ? it_fmt("/v1/contracts/%s/compliance?as_of=%s", contract_id, as_of)
                       : it_fmt("/v1/contracts/%s/compliance", contract_id);
    assert_int_equal(it_get(&D, path, token, &r), 0);
    expect_status(&r, 200);
    free(path);
    char *body = strdup(r.body);
    it_resp_free(&r);
    return body;
}

/* One clause of a compliance answer, every member as the JSON text it must be. */
struct want {
    const char *kind, *unit, *required, *delivered, *in_progress, *expected, *percent, *status, *due, *overdue;
};

static void check(const char *body, int i, const struct want *w)
{
    const char *names[] = {"kind", "unit", "required", "delivered", "in_progress", "expected_by_now", "percent",
                           "status", "next_report_due", "report_overdue"};
    const char *vals[] = {w->kind, w->unit, w->required, w->delivered, w->in_progress, w->expected, w->percent,
                          w->status, w->due, w->overdue};
    char *p = it_fmt("clauses.%d.clause_id", i);
    char *id = it_json(body, p);
    assert_non_null(id);
    assert_string_equal(id, clause[i]);
    free(id);
    free(p);
    for (int k = 0; k < 10; k++) {
        p = it_fmt("clauses.%d.%s", i, names[k]);
        char *v = it_json(body, p);
        if (!v || strcmp(v, vals[k]) != 0)
            fprintf(stderr, "clause %d (%s): %s is %s, expected %s\n", i, w->kind, names[k], v ? v : "(absent)", vals[k]);
        assert_non_null(v);
        assert_string_equal(v, vals[k]);
        free(v);
        free(p);
    }
}

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "compliance");
    buyer_org = it_org(&D, "buyer", "Joensuun kaupunki", "0204819-8", "FI1D3");
    buyer_tok = it_token(&D, buyer_org);
    char *s = it_org(&D, "supplier", "Siivous Oy", "2345678-0", NULL);
    sup_tok = it_token(&D, s);
    free(s);
    s = it_org(&D, "analyst", "Kuntaliitto", NULL, NULL);
    analyst_tok = it_token(&D, s);
    free(s);
    static const char *const env[] = {"CLAUSETRACK_JANITOR_DELAY=86400", NULL};
    it_daemon_start(&D, env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(buyer_org); free(buyer_tok); free(sup_tok); free(analyst_tok);
    free(tender_id); free(contract_id); free(y_ref);
    for (int i = 0; i < 5; i++)
        free(clause[i]);
    return 0;
}

/* The buyer's tender, its five clauses and the contract for 2025, all through the API. */
static void test_tender_and_contract(void **state)
{
    (void)state;
    tender_id = post_ok("/v1/tenders", buyer_tok,
                        "{\"title\": \"Kiinteistöjen siivous 2025\", \"nature\": \"services\", \"cpv\": \"90910000\"}", "id");
    assert_non_null(tender_id);
    char *path = it_fmt("/v1/tenders/%s/clauses", tender_id);
    for (int i = 0; i < 5; i++) {
        clause[i] = post_ok(path, buyer_tok, clause_bodies[i], "id");
        assert_non_null(clause[i]);
    }
    free(path);
    /* 2025-01-01 .. 2025-12-31: 364 days from start to end; value 1 000 000 EUR */
    char *body = it_fmt("{\"supplier_business_id\": \"2345678-0\", \"contract_ref\": \"SII-2025-1\", "
                        "\"signed_on\": \"2024-12-01\", \"starts_on\": \"2025-01-01\", \"ends_on\": \"2025-12-31\", "
                        "\"value\": {\"amount\": 1000000, \"currency\": \"EUR\"}, "
                        "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 4}]}", clause[0]);
    path = it_fmt("/v1/tenders/%s/contracts", tender_id);
    contract_id = post_ok(path, buyer_tok, body, "id");
    assert_non_null(contract_id);
    free(path);
    free(body);
}

/* Before anything is reported, as of today (after the contract's end) every clause is breached:
 * the first statuses known, so five events with no previous status. */
static void test_nothing_reported(void **state)
{
    (void)state;
    char *body = compliance(NULL, sup_tok);
    for (int i = 0; i < 5; i++) {
        char *p = it_fmt("clauses.%d.status", i);
        char *v = it_json(body, p);
        assert_string_equal(v, "breached");
        free(v);
        free(p);
    }
    free(body);
    char *c = changes(contract_id);
    assert_string_equal(c, "hire_persons:->breached person_months:->breached apprenticeships:->breached "
                           "work_trials:->breached social_enterprise_share:->breached");
    free(c);
    /* asking again changes nothing */
    body = compliance(NULL, buyer_tok);
    free(body);
    c = changes(contract_id);
    assert_int_equal(strlen(c), strlen("hire_persons:->breached person_months:->breached apprenticeships:->breached "
                                       "work_trials:->breached social_enterprise_share:->breached"));
    free(c);
}

/* The supplier reports; statuses as of today change (and write events) exactly when a clause is
 * met: work trials with the second trial, apprenticeships with the second apprenticeship, the
 * social enterprise share with the fourth subcontract. */
static void test_reporting(void **state)
{
    (void)state;
    const char *x = "{\"hetu\": \"131052-308T\"}", *y = "{\"hetu\": \"150875-123E\"}";
    char *ids[9];
    ids[0] = placement(x, "partially_able", "2025-01-01", NULL, "37.5", "permanent");          /* P1 X */
    ids[1] = placement(y, "long_term_unemployed", "2025-03-01", NULL, "20", "fixed_term");     /* P2 Y, ended below */
    ids[2] = placement("{\"hetu\": \"150875-123e\"}", "long_term_unemployed", "2025-06-01", NULL, "20",
                       "wage_subsidised");                                                     /* P3 Y again */
    ids[3] = placement("{\"ref\": \"Z-1\"}", "partially_able", "2025-02-01", NULL, "10", "permanent"); /* P4 Z */
    ids[4] = placement("{\"hetu\": \" 010203a456r \"}", "youth", "2025-04-01", "2025-09-30", "30",
                       "apprenticeship");                                                      /* P5 W */
    ids[5] = placement("{\"ref\": \"V-7\"}", "youth", "2025-07-01", NULL, "37.5", "fixed_term");  /* P6 V */
    ids[6] = placement("{\"hetu\": \"290204B002D\"}", "disabled", "2025-05-01", "2025-05-31", "25",
                       "work_trial");                                                          /* P7 U */
    char *c = changes(contract_id);
    assert_null(strstr(c, "work_trials:breached>"));
    free(c);
    ids[7] = placement("{\"ref\": \"T-3\"}", "other", "2025-10-15", "2025-11-15", "20", "work_trial"); /* P8 T */
    c = changes(contract_id);
    assert_non_null(strstr(c, "social_enterprise_share:->breached work_trials:breached>fulfilled"));
    free(c);
    ids[8] = placement("{\"hetu\": \"311299X7779\"}", "immigrant", "2025-09-01", NULL, "37.5",
                       "apprenticeship");                                                      /* P9 S */

    /* Y's first job ended in May; the supplier says so */
    struct it_resp r;
    char *path = it_fmt("/v1/placements/%s", ids[1]);
    assert_int_equal(it_patch(&D, path, sup_tok, "{\"ends_on\": \"2025-05-31\", \"end_reason\": \"completed\", "
                                                 "\"continued_employment\": true}", &r), 0);
    expect_status(&r, 200);
    it_resp_free(&r);
    free(path);
    /* P2 and P3 are one person: one pseudonym */
    char *q = it_fmt("select count(distinct person_ref) from placements where id in ('%s', '%s')", ids[1], ids[2]);
    char *n = it_sql(&D, q);
    assert_string_equal(n, "1");
    free(n);
    free(q);
    q = it_fmt("select person_ref from placements where id = '%s'", ids[1]);
    y_ref = it_sql(&D, q);
    free(q);
    for (int i = 0; i < 9; i++)
        free(ids[i]);

    /* subcontracts: 60 000 + 25 000 to social enterprises = 8.5 %, then + 20 000 = 10.5 % */
    path = it_fmt("/v1/contracts/%s/subcontracts", contract_id);
    free(post_ok(path, sup_tok, "{\"business_id\": \"1112223-0\", \"name\": \"Työkeskus ry\", "
                                "\"value\": {\"amount\": 60000, \"currency\": \"EUR\"}, \"social_enterprise\": true}", NULL));
    free(post_ok(path, sup_tok, "{\"business_id\": \"5550001-0\", \"name\": \"Kone Oy\", "
                                "\"value\": {\"amount\": 200000}, \"social_enterprise\": false}", NULL));
    free(post_ok(path, sup_tok, "{\"business_id\": \"7654321-2\", \"name\": \"Osuuskunta Apu\", "
                                "\"value\": {\"amount\": 25000}, \"social_enterprise\": true}", NULL));
    c = changes(contract_id);
    assert_null(strstr(c, "social_enterprise_share:breached>"));
    free(c);
    free(post_ok(path, sup_tok, "{\"business_id\": \"8765432-1\", \"name\": \"Sosiaalinen Yritys Oy\", "
                                "\"value\": {\"amount\": 20000}, \"social_enterprise\": true}", NULL));
    free(path);
    /* period reports: three months and the first quarter */
    path = it_fmt("/v1/contracts/%s/period-reports", contract_id);
    const char *reports[] = {"{\"period\": \"2025-01\"}", "{\"period\": \"2025-02\", \"note\": \"X ja Y töissä\"}",
                             "{\"period\": \"2025-03\"}", "{\"period\": \"2025-Q1\"}"};
    for (int i = 0; i < 4; i++)
        free(post_ok(path, sup_tok, reports[i], NULL));
    assert_int_equal(it_post(&D, path, sup_tok, "{\"period\": \"2025-Q1\"}", &r), 0);
    expect_status(&r, 409);
    it_resp_free(&r);
    free(path);

    c = changes(contract_id);
    assert_string_equal(c, "hire_persons:->breached person_months:->breached apprenticeships:->breached "
                           "work_trials:->breached social_enterprise_share:->breached "
                           "work_trials:breached>fulfilled apprenticeships:breached>fulfilled "
                           "social_enterprise_share:breached>fulfilled");
    free(c);
    /* events carry no person data and reach the buyer */
    q = it_fmt("select count(*) from outbox where type = 'compliance.changed' and (has_person_data "
               "or buyer_org_id <> '%s' or tender_id <> '%s' or data::text like '%%person_ref%%')", buyer_org, tender_id);
    n = it_sql(&D, q);
    assert_string_equal(n, "0");
    free(n);
    free(q);
}

/* Before the start: nothing delivered, nothing expected; only the subcontracts' share (which
 * has no dates) is met already. Reports: 2025-01..03 and 2025-Q1 are in, so the next monthly one
 * is 2025-04's, due 2025-05-15, and the next quarterly one 2025-Q2's, due 2025-07-15. */
static void test_before_start(void **state)
{
    (void)state;
    char *b = compliance("2024-12-15", sup_tok);
    char *v = it_json(b, "as_of");
    assert_string_equal(v, "2024-12-15");
    free(v);
    v = it_json(b, "contract_id");
    assert_string_equal(v, contract_id);
    free(v);
    const struct want w[5] = {
        {"hire_persons", "persons", "4", "0", "0", "0", "0", "not_started", "2025-05-15", "false"},
        {"person_months", "person_months", "12", "0", "0", "0", "0", "not_started", "2025-07-15", "false"},
        {"apprenticeships", "contracts", "2", "0", "0", "0", "0", "not_started", "2025-05-15", "false"},
        {"work_trials", "contracts", "2", "0", "0", "0", "0", "not_started", "2025-07-15", "false"},
        /* 100 x (60000 + 25000 + 20000) / 1000000 = 10.5; 100 x 10.5 / 10 = 105 % */
        {"social_enterprise_share", "percent", "10", "10.5", "0", "0", "105", "fulfilled", "2025-07-15", "false"},
    };
    for (int i = 0; i < 5; i++)
        check(b, i, &w[i]);
    free(b);
}

/* As of 2025-06-30: 180 of 364 days have passed, elapsed = 180/364 = 0.494505.
 * C1 (required 4 by commitment): expected 4 x 0.494505 = 1.978022 -> 1.98.
 *    X: Jan 1..Jun 30 = 181 days = 181/30.4375 = 5.9466 months < 6: not yet.
 *    Y: Mar 1..May 31 (92 days) + Jun 1..30 (30) = 122 days = 4.008 months: not yet.
 *    Z works 10 h < 18 h: does not qualify. delivered 0; in_progress X and Y = 2;
 *    0 < 0.75 x 1.978: behind. Monthly reports: 2025-04 (due 05-15) and 2025-05 (06-15) are
 *    missing and past due: overdue; 2025-06 is due 2025-07-15 next.
 * C2: W Apr 1..Jun 30 = 91 days x FTE 30/37.5 = 0.8: 91 x 0.8 / 30.4375 = 2.391786 -> 2.39;
 *    V starts Jul 1: 0. expected 12 x 0.494505 = 5.934066 -> 5.93; 100 x 2.391786/12 = 19.93 %;
 *    2.39 < 0.75 x 5.93 = 4.45: behind. Quarterly: Q2 due 2025-07-15, nothing overdue.
 * C3: W's apprenticeship started Apr 1 (S's starts Sep 1): 1 >= 2 x 0.494505 = 0.989011 -> 0.99:
 *    on_track, 50 %; monthly reports as C1.
 * C4: U's trial (May 1) counts, T's (Oct 15) not yet: 1 >= 0.99: on_track, 50 %.
 * C5: 10.5 >= 10: fulfilled; expected 10 x 0.494505 = 4.945055 -> 4.95. */
static void test_mid_year(void **state)
{
    (void)state;
    char *b = compliance("2025-06-30", buyer_tok);
    const struct want w[5] = {
        {"hire_persons", "persons", "4", "0", "2", "1.98", "0", "behind", "2025-07-15", "true"},
        {"person_months", "person_months", "12", "2.39", "0", "5.93", "19.93", "behind", "2025-07-15", "false"},
        {"apprenticeships", "contracts", "2", "1", "0", "0.99", "50", "on_track", "2025-07-15", "true"},
        {"work_trials", "contracts", "2", "1", "0", "0.99", "50", "on_track", "2025-07-15", "false"},
        {"social_enterprise_share", "percent", "10", "10.5", "0", "4.95", "105", "fulfilled", "2025-07-15", "false"},
    };
    for (int i = 0; i < 5; i++)
        check(b, i, &w[i]);
    free(b);
    /* a due date on as_of itself is the next one, not overdue: 2025-06's report is due 2025-07-15 */
    b = compliance("2025-07-15", sup_tok);
    char *v = it_json(b, "clauses.0.next_report_due");
    assert_string_equal(v, "2025-07-15");
    free(v);
    v = it_json(b, "clauses.1.next_report_due");
    assert_string_equal(v, "2025-07-15");
    free(v);
    v = it_json(b, "clauses.1.report_overdue");
    assert_string_equal(v, "false");
    free(v);
    free(b);
}

/* As of 2025-10-31: 303 days passed, elapsed = 303/364 = 0.832418.
 * C1: expected 4 x 0.832418 = 3.329670 -> 3.33. X: 304 days = 9.99 months >= 6: hired.
 *    Y: 92 + Jun 1..Oct 31 (153) = 245 days = 8.05 months >= 6 (the two jobs add up: one person).
 *    delivered 2, in_progress 0; 2 < 0.75 x 3.33 = 2.497: behind; 50 %. Monthly: 2025-04..09 are
 *    overdue; 2025-10 is due 2025-11-15 next.
 * C2: W Apr 1..Sep 30 = 183 days x 0.8 / 30.4375 = 4.809856; V Jul 1..Oct 31 = 123 days x 1 /
 *    30.4375 = 4.041068; delivered 8.850924 -> 8.85; expected 12 x 0.832418 = 9.989011 -> 9.99;
 *    8.85 >= 0.75 x 9.99 = 7.49: at_risk; 100 x 8.850924 / 12 = 73.76 %. Quarterly: Q2 (due
 *    07-15) and Q3 (10-15) missing: overdue; Q4 due 2026-01-15 next.
 * C3: W and S started: 2 of 2: fulfilled. C4: U and T: fulfilled. C5: fulfilled (8.32 expected). */
static void test_autumn(void **state)
{
    (void)state;
    char *b = compliance("2025-10-31", analyst_tok);
    const struct want w[5] = {
        {"hire_persons", "persons", "4", "2", "0", "3.33", "50", "behind", "2025-11-15", "true"},
        {"person_months", "person_months", "12", "8.85", "0", "9.99", "73.76", "at_risk", "2026-01-15", "true"},
        {"apprenticeships", "contracts", "2", "2", "0", "1.66", "100", "fulfilled", "2025-11-15", "true"},
        {"work_trials", "contracts", "2", "2", "0", "1.66", "100", "fulfilled", "2026-01-15", "true"},
        {"social_enterprise_share", "percent", "10", "10.5", "0", "8.32", "105", "fulfilled", "2026-01-15", "true"},
    };
    for (int i = 0; i < 5; i++)
        check(b, i, &w[i]);
    free(b);
}

/* As of 2026-01-20, after the end: expected = required. Placement days stop at 2025-12-31.
 * C1: X 365 days, Y 92 + 214 = 306 days: 2 of 4: breached, 50 %.
 * C2: W 4.809856 + V Jul 1..Dec 31 = 184 days / 30.4375 = 6.045175: 10.855031 -> 10.86 of 12:
 *    breached, 90.46 %. Every report's due date (the last, 2026-01-15) has passed: no next one,
 *    and the missing ones are overdue. */
static void test_after_end(void **state)
{
    (void)state;
    char *b = compliance("2026-01-20", sup_tok);
    const struct want w[5] = {
        {"hire_persons", "persons", "4", "2", "0", "4", "50", "breached", "null", "true"},
        {"person_months", "person_months", "12", "10.86", "0", "12", "90.46", "breached", "null", "true"},
        {"apprenticeships", "contracts", "2", "2", "0", "2", "100", "fulfilled", "null", "true"},
        {"work_trials", "contracts", "2", "2", "0", "2", "100", "fulfilled", "null", "true"},
        {"social_enterprise_share", "percent", "10", "10.5", "0", "10", "105", "fulfilled", "null", "true"},
    };
    for (int i = 0; i < 5; i++)
        check(b, i, &w[i]);
    free(b);
    /* looking at past dates recorded nothing new: statuses are kept as of today */
    char *c = changes(contract_id);
    assert_string_equal(c, "hire_persons:->breached person_months:->breached apprenticeships:->breached "
                           "work_trials:->breached social_enterprise_share:->breached "
                           "work_trials:breached>fulfilled apprenticeships:breached>fulfilled "
                           "social_enterprise_share:breached>fulfilled");
    free(c);
    char *q = it_fmt("select string_agg(status, ',' order by c.created_at) from clause_status s "
                     "join clauses c on c.id = s.clause_id where s.contract_id = '%s'", contract_id);
    char *st = it_sql(&D, q);
    assert_string_equal(st, "breached,breached,fulfilled,fulfilled,fulfilled");
    free(st);
    free(q);
}

static void test_roles(void **state)
{
    (void)state;
    struct it_resp r;
    char *path = it_fmt("/v1/contracts/%s/placements", contract_id);
    assert_int_equal(it_get(&D, path, analyst_tok, &r), 0);
    expect_status(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, path, buyer_tok, &r), 0);
    expect_status(&r, 200);
    char *n = it_json(r.body, "items");
    assert_string_equal(n, "[9]");
    free(n);
    assert_non_null(strstr(r.body, y_ref));
    it_resp_free(&r);
    free(path);
}

/* The janitor: a contract running today, which nobody has asked about, gets its statuses (and
 * their events) from the first pass; idempotency keys older than 48 h go, younger ones stay. */
static void test_janitor(void **state)
{
    (void)state;
    assert_int_equal(it_daemon_stop(&D), 0);
    char *sql = it_fmt("insert into contracts (id, tender_id, supplier_org_id, contract_ref, starts_on, ends_on, value)"
                       " select 'f0f0f0f0-0000-4000-8000-0000000000f0', '%s', supplier_org_id, 'SII-2026-2',"
                       " (now() at time zone 'UTC')::date - 30, (now() at time zone 'UTC')::date + 335, 100000"
                       " from contracts where id = '%s';"
                       "insert into idempotency_keys (org_id, key, request_hash, status, body, created_at) values"
                       " ('%s', 'old', 'h', 201, '{}', now() - interval '49 hours'),"
                       " ('%s', 'young', 'h', 201, '{}', now() - interval '47 hours');",
                       tender_id, contract_id, buyer_org, buyer_org);
    it_exec(&D, sql);
    free(sql);
    static const char *const env[] = {"CLAUSETRACK_JANITOR_DELAY=1", NULL};
    it_daemon_start(&D, env);
    char *n = NULL;
    for (int i = 0; i < 150; i++) {
        free(n);
        n = it_sql(&D, "select count(*) from clause_status where contract_id = 'f0f0f0f0-0000-4000-8000-0000000000f0'");
        if (strcmp(n, "5") == 0)
            break;
        usleep(100 * 1000);
    }
    assert_string_equal(n, "5");
    free(n);
    /* 30 of 365 days passed, nothing delivered, something expected: every clause behind */
    char *c = changes("f0f0f0f0-0000-4000-8000-0000000000f0");
    assert_string_equal(c, "hire_persons:->behind person_months:->behind apprenticeships:->behind "
                           "work_trials:->behind social_enterprise_share:->behind");
    free(c);
    /* the 2025 contract ended long ago: not walked, no new events */
    c = changes(contract_id);
    assert_int_equal(strlen(c), strlen("hire_persons:->breached person_months:->breached apprenticeships:->breached "
                                       "work_trials:->breached social_enterprise_share:->breached "
                                       "work_trials:breached>fulfilled apprenticeships:breached>fulfilled "
                                       "social_enterprise_share:breached>fulfilled"));
    free(c);
    for (int i = 0; i < 50; i++) {
        n = it_sql(&D, "select count(*) from idempotency_keys where key = 'old'");
        int gone = strcmp(n, "0") == 0;
        free(n);
        if (gone)
            break;
        usleep(100 * 1000);
    }
    n = it_sql(&D, "select string_agg(key, ',') from idempotency_keys where key in ('old', 'young')");
    assert_string_equal(n, "young");
    free(n);
}

/* A clause change re-evaluates its tender's contracts in the background: lowering the
 * person-months clause to 1 (the 2025 contract delivered more than that) turns it from breached to
 * fulfilled, and a compliance.changed event says so without anybody asking for compliance. */
static void test_clause_change(void **state)
{
    (void)state;
    struct it_resp r;
    char *path = it_fmt("/v1/clauses/%s", clause[1]);
    assert_int_equal(it_patch(&D, path, buyer_tok, "{\"quantity\": 1}", &r), 0);
    expect_status(&r, 200);
    it_resp_free(&r);
    free(path);
    char *c = NULL;
    for (int i = 0; i < 100; i++) {
        free(c);
        c = changes(contract_id);
        if (strstr(c, "person_months:breached>fulfilled"))
            break;
        usleep(50 * 1000);
    }
    assert_non_null(strstr(c, "person_months:breached>fulfilled"));
    free(c);
    /* the 2026 contract delivered nothing: still behind, no new event for it */
    c = changes("f0f0f0f0-0000-4000-8000-0000000000f0");
    assert_null(strstr(c, "person_months:behind>"));
    free(c);
}

/* Privacy: the whole database as pg_dump writes it, and the daemon's log, hold no
 * henkilötunnus used in this scenario, in upper or lower case. */
static void test_privacy(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob("/usr/lib/postgresql/*/bin/pg_dump", 0, NULL, &g), 0);
    const char *pg_dump = g.gl_pathv[g.gl_pathc - 1];
    char *out = it_fmt("%s/%s.dump.sql", getenv("CT_IT_TMP"), D.dbname);
    pid_t pid = fork();
    if (pid == 0) {
        execl(pg_dump, pg_dump, "--no-owner", "-f", out, "-d", D.dburl, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    globfree(&g);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *dump = malloc((size_t)size + 1);
    assert_int_equal(fread(dump, 1, (size_t)size, f), (size_t)size);
    dump[size] = '\0';
    fclose(f);
    /* the dump does hold the data: Y's pseudonym is there */
    assert_non_null(strstr(dump, y_ref));
    for (size_t i = 0; i < NHETU; i++) {
        if (strcasestr(dump, hetus[i]))
            fprintf(stderr, "henkilötunnus %zu found in the database dump\n", i);
        assert_null(strcasestr(dump, hetus[i]));
    }
    free(dump);
    unlink(out);
    free(out);

    f = fopen(D.logfile, "r");
    assert_non_null(f);
    char line[8192];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        for (size_t i = 0; i < NHETU; i++)
            assert_null(strcasestr(line, hetus[i]));
    }
    fclose(f);
    assert_true(lines > 20);
    assert_int_equal(it_daemon_stop(&D), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tender_and_contract),
        cmocka_unit_test(test_nothing_reported),
        cmocka_unit_test(test_reporting),
        cmocka_unit_test(test_before_start),
        cmocka_unit_test(test_mid_year),
        cmocka_unit_test(test_autumn),
        cmocka_unit_test(test_after_end),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_janitor),
        cmocka_unit_test(test_clause_change),
        cmocka_unit_test(test_privacy),
    };
    return cmocka_run_group_tests_name("compliance_scenario", tests, setup, teardown);
}
