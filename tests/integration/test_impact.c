/* test_impact.c - GET /v1/impact (CONTRACT §8) through the real daemon on a small data set whose
 * figures are worked out by hand below: every group_by, the year/region/target_group filters,
 * small-cell suppression (and that no total gives a suppressed figure away), a buyer's scope,
 * the supplier's 403, CSV, bad parameters; the SQL region labels against ct_nuts_label; and that
 * the trigger-kept counters equal a computation from scratch after API writes and a rebuild. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/nuts.h"
#include "harness.h"

static struct it_daemon D;
static char *analyst_tok, *centre_tok, *admin_tok, *supplier_tok, *buyer_a_tok, *buyer_c_tok, *other_supplier_tok;

/* The data set (dates in the past, so person-months do not depend on today).
 *
 * buyers: A Joensuu (FI1D3, 167), B Kuopio (FI1D2, 297), C Maarianhamina (FI200, 478)
 * tenders (year = deadline's year):
 *   T1 A FI1D3 167 cpv 79 2024  clause C1 hire_persons {long_term_unemployed, youth}  contract K1  status fulfilled
 *   T2 A FI1D3 167 cpv 90 2025  clause C2 person_months {partially_able}              contract K2  status on_track
 *   T3 A FI1D3 167 cpv 45 2025  no clause, no contract
 *   T4 B FI1D2 297 cpv 79 2024  clause C4 hire_persons {youth}                         contract K4  status fulfilled
 *   T5 C FI200 478 cpv 90 2025  clause C5 work_trials {immigrant}                      contract K5  status behind
 * placements (person, group, days, FTE; FTE-days):
 *   K1: a ltu 2024-04-01..05-30 60d 1 (60); b youth 2024-04 30d 1 (30); c youth 2024-05-01..30 30d 0.5 (15);
 *       a youth 2025-01-01..30 30d 1 (30)
 *   K2: d partially_able 2025-03-01..30 30d 1 (30); e partially_able same, 40 h/week -> FTE 1 (30)
 *   K4: f, 1, 2, 3 youth 2024-07-01..30 30d 1 (4 x 30); 4 ltu 2024-07-01..08-29 60d 1 (60)
 *   K5: 5, 6 immigrant 2025-02-01..03-02 30d 1 (2 x 30)
 * person-months = FTE-days / 30.4375. */
static const char *const SEED =
    "insert into organizations (id, name, kind, business_id, region, municipality_code) values"
    " ('10000000-0000-4000-8000-00000000000a', 'Joensuun kaupunki', 'buyer', '0204819-8', 'FI1D3', '167'),"
    " ('10000000-0000-4000-8000-00000000000b', 'Kuopion kaupunki', 'buyer', '0171076-8', 'FI1D2', '297'),"
    " ('10000000-0000-4000-8000-00000000000c', 'Maarianhaminan kaupunki', 'buyer', '0205000-1', 'FI200', '478'),"
    " ('10000000-0000-4000-8000-00000000000d', 'Palvelu Oy', 'supplier', '1234567-1', null, null);"
    "insert into tenders (id, buyer_org_id, title, region, municipality_code, cpv, deadline) values"
    " ('20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-00000000000a', 'Siivous', 'FI1D3', '167', '79620000', '2024-03-01'),"
    " ('20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-00000000000a', 'Viheralueet', 'FI1D3', '167', '90910000', '2025-02-01'),"
    " ('20000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-00000000000a', 'Korjaus', 'FI1D3', '167', '45000000', '2025-05-01'),"
    " ('20000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-00000000000b', 'Siivous', 'FI1D2', '297', '79620000', '2024-06-01'),"
    " ('20000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-00000000000c', 'Puistot', 'FI200', '478', '90910000', '2025-01-15');"
    "insert into clauses (id, tender_id, kind, target_groups, quantity) values"
    " ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 'hire_persons', '{long_term_unemployed,youth}', 3),"
    " ('30000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000002', 'person_months', '{partially_able}', 12),"
    " ('30000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000004', 'hire_persons', '{youth}', 4),"
    " ('30000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000005', 'work_trials', '{immigrant}', 2);"
    "insert into contracts (id, tender_id, supplier_org_id, starts_on, ends_on) values"
    " ('40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-00000000000d', '2024-04-01', '2025-03-31'),"
    " ('40000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-00000000000d', '2025-03-01', '2026-02-28'),"
    " ('40000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-00000000000d', '2024-07-01', '2024-12-31'),"
    " ('40000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-00000000000d', '2025-02-01', '2025-12-31');"
    "insert into clause_status (contract_id, clause_id, status, as_of, evaluated_at) values"
    " ('40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'fulfilled', '2025-01-01', now()),"
    " ('40000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000002', 'on_track', '2025-01-01', now()),"
    " ('40000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000004', 'fulfilled', '2025-01-01', now()),"
    " ('40000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000005', 'behind', '2025-01-01', now());"
    "insert into placements (contract_id, person_ref, target_group, starts_on, ends_on, weekly_hours, employment_type) values"
    " ('40000000-0000-4000-8000-000000000001', repeat('a', 64), 'long_term_unemployed', '2024-04-01', '2024-05-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000001', repeat('b', 64), 'youth', '2024-04-01', '2024-04-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000001', repeat('c', 64), 'youth', '2024-05-01', '2024-05-30', 18.75, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000001', repeat('a', 64), 'youth', '2025-01-01', '2025-01-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000002', repeat('d', 64), 'partially_able', '2025-03-01', '2025-03-30', 37.5, 'permanent'),"
    " ('40000000-0000-4000-8000-000000000002', repeat('e', 64), 'partially_able', '2025-03-01', '2025-03-30', 40, 'permanent'),"
    " ('40000000-0000-4000-8000-000000000004', repeat('f', 64), 'youth', '2024-07-01', '2024-07-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000004', '1' || repeat('0', 63), 'youth', '2024-07-01', '2024-07-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000004', '2' || repeat('0', 63), 'youth', '2024-07-01', '2024-07-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000004', '3' || repeat('0', 63), 'youth', '2024-07-01', '2024-07-30', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000004', '4' || repeat('0', 63), 'long_term_unemployed', '2024-07-01', '2024-08-29', 37.5, 'fixed_term'),"
    " ('40000000-0000-4000-8000-000000000005', '5' || repeat('0', 63), 'immigrant', '2025-02-01', '2025-03-02', 37.5, 'work_trial'),"
    " ('40000000-0000-4000-8000-000000000005', '6' || repeat('0', 63), 'immigrant', '2025-02-01', '2025-03-02', 37.5, 'work_trial');";

/* One expected row: "key|label|tenders|tenders_with_clauses|clauses|contracts|placements|persons|
 * person_months|clauses_fulfilled|fulfilment_rate|suppressed", values as the JSON writes them. */
static const char *const FIELDS[] = {"key", "label", "tenders", "tenders_with_clauses", "clauses", "contracts",
                                     "placements", "persons", "person_months", "clauses_fulfilled",
                                     "fulfilment_rate", "suppressed", NULL};

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "impact");
    it_exec(&D, SEED);
    char *o = it_org(&D, "analyst", "Kuntaliitto", "0926151-4", NULL);
    analyst_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "centre", "Osaamiskeskus", NULL, NULL);
    centre_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "admin", "Ylläpito", NULL, NULL);
    admin_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "supplier", "Toinen Oy", "7654321-2", NULL);
    other_supplier_tok = it_token(&D, o);
    free(o);
    supplier_tok = it_token(&D, "10000000-0000-4000-8000-00000000000d");
    buyer_a_tok = it_token(&D, "10000000-0000-4000-8000-00000000000a");
    buyer_c_tok = it_token(&D, "10000000-0000-4000-8000-00000000000c");
    static const char *const env[] = {"CLAUSETRACK_JANITOR_DELAY=86400", NULL};
    it_daemon_start(&D, env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(analyst_tok); free(centre_tok); free(admin_tok); free(supplier_tok); free(other_supplier_tok);
    free(buyer_a_tok); free(buyer_c_tok);
    return 0;
}

/* GET path with token; expects 200 JSON; returns the body (caller frees). */
static char *get_ok(const char *path, const char *token)
{
    struct it_resp r;
    assert_int_equal(it_get(&D, path, token, &r), 0);
    if (r.status != 200)
        fprintf(stderr, "GET %s: %d %s\n", path, r.status, r.body);
    assert_int_equal(r.status, 200);
    char *ct = it_header(&r, "content-type");
    assert_non_null(ct);
    assert_non_null(strstr(ct, "application/json"));
    free(ct);
    char *body = strdup(r.body);
    it_resp_free(&r);
    return body;
}

/* Compare one object (rows.N or totals) field by field with a "a|b|c" line. */
static void expect_obj(const char *body, const char *prefix, const char *line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    char *save = NULL, *tok = strtok_r(buf, "|", &save);
    for (int i = 0; FIELDS[i]; i++) {
        assert_non_null(tok);
        char *path = it_fmt("%s.%s", prefix, FIELDS[i]);
        char *got = it_json(body, path);
        if (!got || strcmp(got, tok) != 0)
            fail_msg("%s: expected %s, got %s\nbody: %s", path, tok, got ? got : "(absent)", body);
        free(got);
        free(path);
        tok = strtok_r(NULL, "|", &save);
    }
}

/* The answer's rows in order, then the totals. */
static void expect_answer(const char *path, const char *token, const char *const *rows, const char *totals)
{
    char *body = get_ok(path, token);
    int n = 0;
    for (; rows[n]; n++) {
        char *prefix = it_fmt("rows.%d", n);
        expect_obj(body, prefix, rows[n]);
        free(prefix);
    }
    char *extra = it_fmt("rows.%d.key", n);
    char *x = it_json(body, extra);
    if (x)
        fail_msg("%s: more rows than expected (%s)", path, body);
    free(extra);
    expect_obj(body, "totals", totals);
    free(body);
}

static void test_labels_match_nuts(void **state)
{
    (void)state;
    char *n = it_sql(&D, "select count(*) from impact_region");
    assert_string_equal(n, "19");
    free(n);
    for (int i = 0; ct_nuts_finnish_code(i); i++) {
        char *sql = it_fmt("select label from impact_region where code = '%s'", ct_nuts_finnish_code(i));
        char *label = it_sql(&D, sql);
        assert_non_null(label);
        assert_string_equal(label, ct_nuts_label(ct_nuts_finnish_code(i)));
        free(label);
        free(sql);
    }
}

/* Regions: FI1D2 = T4, K4: 5 placements, 5 persons, 180/30.4375 = 5.91 pm, C4 fulfilled.
 * FI1D3 = T1..T3: 3 tenders, 2 with clauses, C1 fulfilled of 2 (0.5), 6 placements of 5 persons
 * (a twice), 60+30+15+30+30+30 = 195 FTE-days = 6.41 pm. FI200: 2 persons -> suppressed; so the
 * totals' person figures are suppressed too (else 13 - 5 - 6 = 2 placements would show). */
static void test_region(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "FI1D2|Pohjois-Savo|1|1|1|1|5|5|5.91|1|1|false",
        "FI1D3|Pohjois-Karjala|3|2|2|2|6|5|6.41|1|0.5|false",
        "FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=region", analyst_tok, rows, "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
    expect_answer("/v1/impact", centre_tok, rows, "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
    expect_answer("/v1/impact?group_by=region", admin_tok, rows, "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
    char *body = get_ok("/v1/impact?group_by=region", analyst_tok);
    char *v = it_json(body, "group_by");
    assert_string_equal(v, "region");
    free(v);
    v = it_json(body, "suppressed_below");
    assert_string_equal(v, "5");
    free(v);
    free(body);
}

/* Years: persons by the placement's start year, tenders by their year.
 * 2024: T1, T4 (both with a fulfilled clause); placements a, b, c (K1), f, 1, 2, 3, 4 (K4) = 8 of
 *       8 persons, 60+30+15+120+60 = 285 FTE-days = 9.36 pm.
 * 2025: T2, T3, T5 (2 with clauses, none fulfilled); a, d, e, 5, 6 = 5 placements, 5 persons,
 *       30+30+30+60 = 150 = 4.93 pm.
 * No row suppressed: totals 13 placements, 12 distinct persons (a in both years), 435 = 14.29 pm. */
static void test_year(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "2024|2024|2|2|2|2|8|8|9.36|2|1|false",
        "2025|2025|3|2|2|2|5|5|4.93|0|0|false",
        NULL};
    expect_answer("/v1/impact?group_by=year", analyst_tok, rows, "total|Yhteensä|5|4|4|4|13|12|14.29|2|0.5|false");
}

/* Target groups: persons by the placement's group; tender figures of the tenders whose clauses
 * name the group (clauses naming it, contracts bound by such a clause).
 * immigrant: T5/C5/K5, 2 persons -> suppressed. long_term_unemployed: T1/C1/K1 (fulfilled),
 * a and 4 -> suppressed. partially_able: T2/C2/K2, d and e -> suppressed. youth: T1, T4, both
 * clauses fulfilled; b, c, a, f, 1, 2, 3 = 7 placements, 7 persons, 30+15+30+120 = 195 = 6.41 pm.
 * Totals: the tenders of the whole population (5, T3 has no clause). */
static void test_target_group(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "immigrant|immigrant|1|1|1|1|null|null|null|0|0|true",
        "long_term_unemployed|long_term_unemployed|1|1|1|1|null|null|null|1|1|true",
        "partially_able|partially_able|1|1|1|1|null|null|null|0|0|true",
        "youth|youth|2|2|2|2|7|7|6.41|2|1|false",
        NULL};
    expect_answer("/v1/impact?group_by=target_group", analyst_tok, rows,
                  "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
}

/* Municipalities mirror the regions here (labels are the codes). */
static void test_municipality(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "167|167|3|2|2|2|6|5|6.41|1|0.5|false",
        "297|297|1|1|1|1|5|5|5.91|1|1|false",
        "478|478|1|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=municipality", analyst_tok, rows,
                  "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
}

/* CPV divisions: 45 = T3 (no clause, no placement: 0 persons is not a small cell); 79 = T1, T4:
 * K1 + K4 = 9 placements of 8 persons, 135 + 180 = 315 FTE-days = 10.35 pm; 90 = T2, T5: d, e, 5, 6
 * = 4 persons -> suppressed. */
static void test_cpv_division(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "45|45|1|0|0|0|0|0|0|0|null|false",
        "79|79|2|2|2|2|9|8|10.35|2|1|false",
        "90|90|2|2|2|2|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=cpv_division", analyst_tok, rows,
                  "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
}

/* Filters. year=2024 by region: FI1D2 = T4 + its 5 persons (5.91); FI1D3 = T1 + a, b, c -> 3
 * persons, suppressed. year=2025: FI1D3 = T2, T3 + a, d, e (suppressed); FI200 = T5 + 5, 6
 * (suppressed); FI1D2 has nothing in 2025 and is absent. */
static void test_filters(void **state)
{
    (void)state;
    static const char *const y2024[] = {
        "FI1D2|Pohjois-Savo|1|1|1|1|5|5|5.91|1|1|false",
        "FI1D3|Pohjois-Karjala|1|1|1|1|null|null|null|1|1|true",
        NULL};
    expect_answer("/v1/impact?group_by=region&year=2024", analyst_tok, y2024,
                  "total|Yhteensä|2|2|2|2|null|null|null|2|1|true");
    static const char *const y2025[] = {
        "FI1D3|Pohjois-Karjala|2|1|1|1|null|null|null|0|0|true",
        "FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=region&year=2025", analyst_tok, y2025,
                  "total|Yhteensä|3|2|2|2|null|null|null|0|0|true");
    /* one region: its row and totals equal to it */
    static const char *const d3[] = {"FI1D3|Pohjois-Karjala|3|2|2|2|6|5|6.41|1|0.5|false", NULL};
    expect_answer("/v1/impact?group_by=region&region=FI1D3", analyst_tok, d3,
                  "total|Yhteensä|3|2|2|2|6|5|6.41|1|0.5|false");
    /* a region by year: 2024 = T1 + a, b, c; 2025 = T2, T3 + a, d, e; both small */
    static const char *const d3y[] = {
        "2024|2024|1|1|1|1|null|null|null|1|1|true",
        "2025|2025|2|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=year&region=FI1D3", analyst_tok, d3y,
                  "total|Yhteensä|3|2|2|2|null|null|null|1|0.5|true");
    /* youth only, by region: FI1D2 = T4 + f, 1, 2, 3 (4 persons: small); FI1D3 = T1 + b, c, a */
    static const char *const youth[] = {
        "FI1D2|Pohjois-Savo|1|1|1|1|null|null|null|1|1|true",
        "FI1D3|Pohjois-Karjala|1|1|1|1|null|null|null|1|1|true",
        NULL};
    expect_answer("/v1/impact?group_by=region&target_group=youth", analyst_tok, youth,
                  "total|Yhteensä|2|2|2|2|null|null|null|2|1|true");
    /* youth in 2024 by target group: b, c, f, 1, 2, 3 = 6 persons, 30+15+120 = 165 = 5.42 pm */
    static const char *const youth24[] = {"youth|youth|2|2|2|2|6|6|5.42|2|1|false", NULL};
    expect_answer("/v1/impact?group_by=target_group&target_group=youth&year=2024", analyst_tok, youth24,
                  "total|Yhteensä|2|2|2|2|6|6|5.42|2|1|false");
    /* a region with no data: no rows, zero totals */
    static const char *const none[] = {NULL};
    expect_answer("/v1/impact?group_by=region&region=FI1C1", analyst_tok, none,
                  "total|Yhteensä|0|0|0|0|0|0|0|0|null|false");
}

/* Suppression: the threshold comes from the configuration and cannot be set from the query; a
 * region alone with 1..4 persons is null and so are the totals; no answer in a sweep of groupings
 * and filters shows totals' person figures while a row is suppressed. */
static void test_suppression(void **state)
{
    (void)state;
    static const char *const c[] = {"FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|null|null|null|0|0|true", NULL};
    expect_answer("/v1/impact?group_by=region&region=FI200", analyst_tok, c,
                  "total|Yhteensä|1|1|1|1|null|null|null|0|0|true");
    static const char *const rows[] = {
        "FI1D2|Pohjois-Savo|1|1|1|1|5|5|5.91|1|1|false",
        "FI1D3|Pohjois-Karjala|3|2|2|2|6|5|6.41|1|0.5|false",
        "FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=region&_suppress_below=1&suppress_below=1", analyst_tok, rows,
                  "total|Yhteensä|5|4|4|4|null|null|null|2|0.5|true");
    /* with a threshold of 2 (as the daemon passes it from suppress_below) FI200's 2 persons show */
    char *body = it_sql(&D, "select body from api.impact('{\"_role\": \"analyst\", \"group_by\": \"region\", "
                            "\"_suppress_below\": \"2\"}')");
    expect_obj(body, "rows.2", "FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|2|2|1.97|0|0|false");
    expect_obj(body, "totals", "total|Yhteensä|5|4|4|4|13|12|14.29|2|0.5|false");
    free(body);

    static const char *const groupings[] = {"region", "municipality", "target_group", "year", "cpv_division"};
    static const char *const filters[] = {"", "&year=2024", "&year=2025", "&region=FI1D3", "&region=FI200",
                                          "&target_group=youth", "&year=2024&region=FI1D2"};
    for (size_t g = 0; g < 5; g++)
        for (size_t f = 0; f < sizeof filters / sizeof *filters; f++) {
            char *path = it_fmt("/v1/impact?group_by=%s%s", groupings[g], filters[f]);
            char *b = get_ok(path, analyst_tok);
            int any = 0;
            for (int i = 0;; i++) {
                char *p = it_fmt("rows.%d.suppressed", i);
                char *s = it_json(b, p);
                free(p);
                if (!s)
                    break;
                if (strcmp(s, "true") == 0) {
                    any = 1;
                    char *q = it_fmt("rows.%d.persons", i);
                    char *pv = it_json(b, q);
                    assert_string_equal(pv, "null");
                    free(pv);
                    free(q);
                }
                free(s);
            }
            char *tp = it_json(b, "totals.placements");
            char *ts = it_json(b, "totals.suppressed");
            if (any && (strcmp(tp, "null") != 0 || strcmp(ts, "true") != 0))
                fail_msg("%s: a row is suppressed but the totals show person figures: %s", path, b);
            free(tp);
            free(ts);
            free(b);
            free(path);
        }
}

/* A buyer sees its own tenders only: Joensuu's three (FI1D3, 6 placements of 5 persons); the
 * totals are its own. Maarianhamina's one region is small: suppressed for it too. */
static void test_buyer_scope(void **state)
{
    (void)state;
    static const char *const a[] = {"FI1D3|Pohjois-Karjala|3|2|2|2|6|5|6.41|1|0.5|false", NULL};
    expect_answer("/v1/impact?group_by=region", buyer_a_tok, a, "total|Yhteensä|3|2|2|2|6|5|6.41|1|0.5|false");
    static const char *const ay[] = {
        "2024|2024|1|1|1|1|null|null|null|1|1|true",
        "2025|2025|2|1|1|1|null|null|null|0|0|true",
        NULL};
    expect_answer("/v1/impact?group_by=year", buyer_a_tok, ay, "total|Yhteensä|3|2|2|2|null|null|null|1|0.5|true");
    static const char *const none[] = {NULL};
    expect_answer("/v1/impact?group_by=region&region=FI1D2", buyer_a_tok, none,
                  "total|Yhteensä|0|0|0|0|0|0|0|0|null|false");
    static const char *const c[] = {"FI200|Ahvenanmaa/\xC3\x85land|1|1|1|1|null|null|null|0|0|true", NULL};
    expect_answer("/v1/impact", buyer_c_tok, c, "total|Yhteensä|1|1|1|1|null|null|null|0|0|true");
}

static void expect_status(const char *path, const char *token, int status, const char *field)
{
    struct it_resp r;
    assert_int_equal(it_get(&D, path, token, &r), 0);
    if (r.status != status)
        fail_msg("%s: expected %d, got %d: %s", path, status, r.status, r.body);
    char *ct = it_header(&r, "content-type");
    assert_string_equal(ct, "application/problem+json");
    free(ct);
    if (field) {
        char *f = it_json(r.body, "errors.0.field");
        if (!f || strcmp(f, field) != 0)
            fail_msg("%s: expected the error to name %s: %s", path, field, r.body);
        free(f);
    }
    it_resp_free(&r);
}

static void test_roles_and_bad_input(void **state)
{
    (void)state;
    expect_status("/v1/impact", supplier_tok, 403, NULL);
    expect_status("/v1/impact?group_by=region", other_supplier_tok, 403, NULL);
    expect_status("/v1/impact", NULL, 401, NULL);
    expect_status("/v1/impact?group_by=supplier", analyst_tok, 400, "group_by");
    expect_status("/v1/impact?group_by=", analyst_tok, 400, "group_by");
    expect_status("/v1/impact?group_by=region&year=26", analyst_tok, 400, "year");
    expect_status("/v1/impact?group_by=region&year=20266", analyst_tok, 400, "year");
    expect_status("/v1/impact?group_by=region&year=0000", analyst_tok, 400, "year");
    expect_status("/v1/impact?group_by=region&year=abcd", analyst_tok, 400, "year");
    expect_status("/v1/impact?region=fi1d3", analyst_tok, 400, "region");
    expect_status("/v1/impact?target_group=kids", analyst_tok, 400, "target_group");
    expect_status("/v1/impact?format=xml", analyst_tok, 400, "format");
    expect_status("/v1/impact?group_by=supplier&format=csv", analyst_tok, 400, "group_by");
}

/* CSV: the same rows and totals (a last row keyed "total"), RFC 4180 with CRLF and quoted text. */
static void test_csv(void **state)
{
    (void)state;
    static const char *const want =
        "key,label,tenders,tenders_with_clauses,clauses,contracts,placements,persons,person_months,"
        "clauses_fulfilled,fulfilment_rate,suppressed\r\n"
        "\"FI1D2\",\"Pohjois-Savo\",1,1,1,1,5,5,5.91,1,1,false\r\n"
        "\"FI1D3\",\"Pohjois-Karjala\",3,2,2,2,6,5,6.41,1,0.5,false\r\n"
        "\"FI200\",\"Ahvenanmaa/\xC3\x85land\",1,1,1,1,,,,0,0,true\r\n"
        "\"total\",\"Yhteensä\",5,4,4,4,,,,2,0.5,true\r\n";
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/impact?group_by=region&format=csv", analyst_tok, &r), 0);
    assert_int_equal(r.status, 200);
    char *ct = it_header(&r, "content-type");
    assert_non_null(ct);
    assert_string_equal(ct, "text/csv; charset=utf-8; header=present");
    free(ct);
    char *cd = it_header(&r, "content-disposition");
    assert_non_null(cd);
    assert_string_equal(cd, "attachment; filename=\"impact-region.csv\"");
    free(cd);
    assert_string_equal(r.body, want);
    it_resp_free(&r);

    /* by Accept, with a year: same figures as the JSON of the same query */
    assert_int_equal(it_http(&D, "GET", "/v1/impact?group_by=year&year=2024", analyst_tok, NULL, NULL, 0,
                             "Accept: text/csv, application/json;q=0.5\r\n", &r), 0);
    assert_int_equal(r.status, 200);
    cd = it_header(&r, "content-disposition");
    assert_string_equal(cd, "attachment; filename=\"impact-year-2024.csv\"");
    free(cd);
    assert_string_equal(r.body, "key,label,tenders,tenders_with_clauses,clauses,contracts,placements,persons,"
                                "person_months,clauses_fulfilled,fulfilment_rate,suppressed\r\n"
                                "\"2024\",\"2024\",2,2,2,2,8,8,9.36,2,1,false\r\n"
                                "\"total\",\"Yhteensä\",2,2,2,2,8,8,9.36,2,1,false\r\n");
    it_resp_free(&r);

    /* JSON stays the default, and is chosen when preferred */
    assert_int_equal(it_http(&D, "GET", "/v1/impact", analyst_tok, NULL, NULL, 0,
                             "Accept: application/json, text/csv\r\n", &r), 0);
    ct = it_header(&r, "content-type");
    assert_non_null(strstr(ct, "application/json"));
    free(ct);
    it_resp_free(&r);
    /* the buyer's CSV holds its own rows only */
    assert_int_equal(it_get(&D, "/v1/impact?format=csv", buyer_a_tok, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"FI1D3\",\"Pohjois-Karjala\",3,2,2,2,6,5,6.41,1,0.5,false\r\n"));
    assert_null(strstr(r.body, "FI1D2"));
    it_resp_free(&r);
}

/* The dashboard is public and comes with a strict CSP; its script and style exist. */
static void test_dashboard_assets(void **state)
{
    (void)state;
    static const struct {
        const char *path, *type, *needle;
    } assets[] = {
        {"/", "text/html; charset=utf-8", "<table id=\"impact-table\">"},
        {"/dashboard/app.js", "text/javascript; charset=utf-8", "sessionStorage"},
        {"/dashboard/style.css", "text/css; charset=utf-8", ":focus-visible"},
        {"/dashboard/icon.svg", "image/svg+xml", "<svg"},
    };
    for (size_t i = 0; i < sizeof assets / sizeof *assets; i++) {
        struct it_resp r;
        assert_int_equal(it_get(&D, assets[i].path, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        char *ct = it_header(&r, "content-type");
        assert_string_equal(ct, assets[i].type);
        free(ct);
        char *csp = it_header(&r, "content-security-policy");
        assert_non_null(csp);
        assert_non_null(strstr(csp, "default-src 'none'"));
        assert_non_null(strstr(csp, "script-src 'self'"));
        assert_null(strstr(csp, "unsafe-inline"));
        free(csp);
        assert_non_null(strstr(r.body, assets[i].needle));
        it_resp_free(&r);
    }
    struct it_resp r;
    assert_int_equal(it_get(&D, "/dashboard/../migrations/0008_impact.sql", NULL, &r), 0);
    assert_int_equal(r.status, 404);
    it_resp_free(&r);
}

/* The counters follow writes made through the API, and equal a computation from scratch. */
static void test_counters_follow_writes(void **state)
{
    (void)state;
    char *v = it_sql(&D, "select api.impact_verify()");
    assert_string_equal(v, "0");
    free(v);

    /* the supplier reports one more youth placement on K2 (FI1D3, 2025): 30 days full time */
    struct it_resp r;
    assert_int_equal(it_post(&D, "/v1/contracts/40000000-0000-4000-8000-000000000002/placements", supplier_tok,
                             "{\"person\": {\"ref\": \"emp-77\"}, \"target_group\": \"youth\", \"starts_on\": "
                             "\"2025-04-01\", \"ends_on\": \"2025-04-30\", \"weekly_hours\": 37.5, "
                             "\"employment_type\": \"fixed_term\"}", &r), 0);
    if (r.status != 201)
        fprintf(stderr, "placement: %d %s\n", r.status, r.body);
    assert_int_equal(r.status, 201);
    char *pid = it_json(r.body, "id");
    it_resp_free(&r);
    /* FI1D3: 7 placements, 6 persons, 225 FTE-days = 7.39 pm */
    char *body = get_ok("/v1/impact?group_by=region&region=FI1D3", analyst_tok);
    char *pl = it_json(body, "rows.0.placements"), *pe = it_json(body, "rows.0.persons"),
         *pm = it_json(body, "rows.0.person_months");
    assert_string_equal(pl, "7");
    assert_string_equal(pe, "6");
    assert_string_equal(pm, "7.39");
    free(pl); free(pe); free(pm); free(body);

    /* it ended after 10 days instead: 205 FTE-days = 6.74 pm */
    char *path = it_fmt("/v1/placements/%s", pid);
    assert_int_equal(it_patch(&D, path, supplier_tok, "{\"ends_on\": \"2025-04-10\", \"end_reason\": \"resigned\"}", &r),
                     0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    free(path);
    free(pid);
    body = get_ok("/v1/impact?group_by=region&region=FI1D3", analyst_tok);
    pm = it_json(body, "rows.0.person_months");
    assert_string_equal(pm, "6.74");
    free(pm);
    free(body);

    /* T3 moves to Kuopio's region: FI1D2 gets a second tender, FI1D3 keeps two */
    assert_int_equal(it_patch(&D, "/v1/tenders/20000000-0000-4000-8000-000000000003", admin_tok,
                              "{\"region\": \"FI1D2\", \"municipality_code\": \"297\"}", &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    body = get_ok("/v1/impact?group_by=region", analyst_tok);
    char *t0 = it_json(body, "rows.0.tenders"), *t1 = it_json(body, "rows.1.tenders");
    assert_string_equal(t0, "2");
    assert_string_equal(t1, "2");
    free(t0); free(t1); free(body);

    /* a clause on T3 through the API: FI1D2 has 2 tenders with clauses now */
    assert_int_equal(it_post(&D, "/v1/tenders/20000000-0000-4000-8000-000000000003/clauses", admin_tok,
                             "{\"kind\": \"apprenticeships\", \"target_groups\": [\"youth\", \"older_worker\"], "
                             "\"quantity\": 2}", &r), 0);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    body = get_ok("/v1/impact?group_by=region&region=FI1D2", analyst_tok);
    t0 = it_json(body, "rows.0.tenders_with_clauses");
    assert_string_equal(t0, "2");
    free(t0);
    free(body);
    body = get_ok("/v1/impact?group_by=target_group&target_group=older_worker", analyst_tok);
    expect_obj(body, "rows.0", "older_worker|older_worker|1|1|1|0|0|0|0|0|0|false");
    free(body);

    v = it_sql(&D, "select api.impact_verify()");
    assert_string_equal(v, "0");
    free(v);
    /* the incremental counters equal a rebuild from the base tables */
    it_exec(&D, "create table impact_snapshot as select * from impact_sum where (tenders, tenders_with_clauses, "
                "clauses, contracts, clauses_fulfilled, placements, persons, hour_days, hours_active) "
                "<> (0, 0, 0, 0, 0, 0, 0, 0, 0); select api.impact_rebuild()");
    v = it_sql(&D, "select count(*) from ((select * from impact_snapshot except select * from impact_sum) union all "
                   "(select * from impact_sum except select * from impact_snapshot)) x");
    assert_string_equal(v, "0");
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_match_nuts),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_year),
        cmocka_unit_test(test_target_group),
        cmocka_unit_test(test_municipality),
        cmocka_unit_test(test_cpv_division),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_suppression),
        cmocka_unit_test(test_buyer_scope),
        cmocka_unit_test(test_roles_and_bad_input),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_dashboard_assets),
        cmocka_unit_test(test_counters_follow_writes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
