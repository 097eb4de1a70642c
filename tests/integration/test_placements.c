/* test_placements.c - CONTRACT §6 over real HTTP and PostgreSQL: placement scope (only the
 * contract's supplier reports, buyers read their own, analysts and the centre never), 422 naming
 * the field with nothing written, one person_ref per person (the century sign counts), never an
 * echoed henkilötunnus, PATCH, subcontracts, period reports (409), Idempotency-Key, compliance
 * scope, the placement bound. Tenders, clauses and contracts are set up by SQL (it_exec). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

#define TENDER "11111111-1111-4111-8111-111111111111"
#define CLAUSE "22222222-2222-4222-8222-222222222222"
#define K_A "aaaaaaaa-0000-4000-8000-00000000000a" /* supplier A's contract */
#define K_B "bbbbbbbb-0000-4000-8000-00000000000b" /* supplier B's, same tender */
#define K_OTHER "cccccccc-0000-4000-8000-00000000000c" /* supplier B's, another buyer's tender */
#define NO_CONTRACT "dddddddd-0000-4000-8000-00000000000d"

/* Valid henkilötunnus values (check character = "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYNNN mod 31]):
 *   131052-308T  131052308 mod 31 = 25 -> T
 *   100190-999P  100190999 mod 31 = 22 -> P   (born 1990)
 *   100190Y999P  the same digits and check; century sign Y (also 1900s): another person */
#define HETU_1 "131052-308T"
#define HETU_MINUS "100190-999P"
#define HETU_Y "100190Y999P"
#define HETU_BAD_CHECK "131052-308A"

static struct it_daemon D;
static char *admin_tok, *buyer_a_tok, *buyer_b_tok, *sup_a_tok, *sup_b_tok, *analyst_tok, *centre_tok;
static char *placement_id; /* supplier A's first placement */

static void expect_problem(struct it_resp *r, int status)
{
    if (r->status != status)
        fprintf(stderr, "expected %d, got %d: %s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
    char *ct = it_header(r, "content-type");
    assert_non_null(ct);
    assert_string_equal(ct, "application/problem+json");
    free(ct);
}

/* The problem names field among its errors. */
static void expect_field(struct it_resp *r, const char *field)
{
    for (int i = 0; i < 16; i++) {
        char *p = it_fmt("errors.%d.field", i);
        char *f = it_json(r->body, p);
        free(p);
        if (!f)
            break;
        int same = strcmp(f, field) == 0;
        free(f);
        if (same)
            return;
    }
    fprintf(stderr, "no error for field %s in %s\n", field, r->body);
    fail();
}

static char *placement_body(const char *person, const char *extra)
{
    return it_fmt("{\"person\": %s, \"target_group\": \"partially_able\", \"starts_on\": \"2026-02-01\", "
                  "\"weekly_hours\": 30, \"employment_type\": \"permanent\"%s%s}",
                  person, extra ? ", " : "", extra ? extra : "");
}

/* POST a placement; returns the response's person_ref (new string) after asserting 201. */
static char *post_person(const char *token, const char *contract, const char *person)
{
    struct it_resp r;
    char *path = it_fmt("/v1/contracts/%s/placements", contract);
    char *body = placement_body(person, NULL);
    assert_int_equal(it_post(&D, path, token, body, &r), 0);
    if (r.status != 201)
        fprintf(stderr, "POST %s: %d %s\n", path, r.status, r.body);
    assert_int_equal(r.status, 201);
    char *ref = it_json(r.body, "person_ref");
    assert_non_null(ref);
    assert_int_equal(strlen(ref), 64);
    assert_int_equal(strspn(ref, "0123456789abcdef"), 64);
    it_resp_free(&r);
    free(body);
    free(path);
    return ref;
}

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "placements");
    char *admin = it_org(&D, "admin", "Ylläpito", NULL, NULL);
    char *buyer_a = it_org(&D, "buyer", "Joensuun kaupunki", "0204819-8", "FI1D3");
    char *buyer_b = it_org(&D, "buyer", "Kiteen kaupunki", "0165808-2", "FI1D3");
    char *sup_a = it_org(&D, "supplier", "Siivous Oy", "2345678-0", NULL);
    char *sup_b = it_org(&D, "supplier", "Kiinteistöhuolto Oy", "7654321-2", NULL);
    char *analyst = it_org(&D, "analyst", "Kuntaliitto", NULL, NULL);
    char *centre = it_org(&D, "centre", "Osaamiskeskus", NULL, NULL);
    admin_tok = it_token(&D, admin);
    buyer_a_tok = it_token(&D, buyer_a);
    buyer_b_tok = it_token(&D, buyer_b);
    sup_a_tok = it_token(&D, sup_a);
    sup_b_tok = it_token(&D, sup_b);
    analyst_tok = it_token(&D, analyst);
    centre_tok = it_token(&D, centre);
    char *sql = it_fmt(
        "insert into tenders (id, buyer_org_id, title) values ('%s', '%s', 'Siivouspalvelut 2026-2027'),"
        " ('eeeeeeee-0000-4000-8000-00000000000e', '%s', 'Kiinteistöhuolto');"
        "insert into clauses (id, tender_id, kind, target_groups, quantity, reporting) values"
        " ('%s', '%s', 'hire_persons', '{partially_able,long_term_unemployed}', 2, 'monthly');"
        "insert into contracts (id, tender_id, supplier_org_id, starts_on, ends_on, value) values"
        " ('%s', '%s', '%s', '2026-01-01', '2027-12-31', 500000),"
        " ('%s', '%s', '%s', '2026-01-01', '2027-12-31', 300000),"
        " ('%s', 'eeeeeeee-0000-4000-8000-00000000000e', '%s', '2026-01-01', '2026-12-31', 100000);",
        TENDER, buyer_a, buyer_b, CLAUSE, TENDER, K_A, TENDER, sup_a, K_B, TENDER, sup_b, K_OTHER, sup_b);
    it_exec(&D, sql);
    free(sql);
    free(admin); free(buyer_a); free(buyer_b); free(sup_a); free(sup_b); free(analyst); free(centre);
    /* the janitor stays out of the way: "nothing written" counts the whole outbox */
    static const char *const env[] = {"CLAUSETRACK_JANITOR_DELAY=86400", NULL};
    it_daemon_start(&D, env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(admin_tok); free(buyer_a_tok); free(buyer_b_tok); free(sup_a_tok); free(sup_b_tok);
    free(analyst_tok); free(centre_tok); free(placement_id);
    return 0;
}

static void test_create(void **state)
{
    (void)state;
    struct it_resp r;
    long audit = it_count(&D, "audit_log");
    long events = it_count(&D, "outbox where type = 'placement.reported' and has_person_data");
    char *body = placement_body("{\"hetu\": \"" HETU_1 "\"}", "\"ends_on\": null, \"supports\": [\"wage_subsidy\", \"job_coach\"]");
    assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", sup_a_tok, body, &r), 0);
    free(body);
    if (r.status != 201)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 201);
    assert_null(strcasestr(r.body, HETU_1));
    placement_id = it_json(r.body, "id");
    assert_non_null(placement_id);
    const char *const want[][2] = {{"contract_id", K_A}, {"target_group", "partially_able"}, {"starts_on", "2026-02-01"},
                                   {"ends_on", "null"}, {"weekly_hours", "30"}, {"employment_type", "permanent"},
                                   {"supports.1", "job_coach"}, {"end_reason", "null"}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char *v = it_json(r.body, want[i][0]);
        assert_non_null(v);
        assert_string_equal(v, want[i][1]);
        free(v);
    }
    char *ref = it_json(r.body, "person_ref");
    assert_int_equal(strlen(ref), 64);
    it_resp_free(&r);
    /* stored as the pseudonym; audit and event in the same transaction */
    char *q = it_fmt("select person_ref from placements where id = '%s'", placement_id);
    char *stored = it_sql(&D, q);
    assert_string_equal(stored, ref);
    free(stored);
    free(q);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
    assert_int_equal(it_count(&D, "outbox where type = 'placement.reported' and has_person_data"), events + 1);
    q = it_fmt("select data ->> 'person_ref' from outbox where type = 'placement.reported' and data ->> 'id' = '%s'",
               placement_id);
    stored = it_sql(&D, q);
    assert_string_equal(stored, ref);
    free(stored);
    free(q);
    free(ref);
}

static void test_same_person_two_suppliers(void **state)
{
    (void)state;
    /* the same henkilötunnus, upper- and lower-case, with white space, from two suppliers */
    char *a = post_person(sup_a_tok, K_A, "{\"hetu\": \"" HETU_1 "\"}");
    char *b = post_person(sup_b_tok, K_B, "{\"hetu\": \"  131052-308t \"}");
    assert_string_equal(a, b);
    /* a supplier's own reference is pseudonymised per supplier */
    char *ra = post_person(sup_a_tok, K_A, "{\"ref\": \"emp-0042\"}");
    char *rb = post_person(sup_b_tok, K_B, "{\"ref\": \"emp-0042\"}");
    char *ra2 = post_person(sup_a_tok, K_A, "{\"ref\": \" emp-0042 \"}");
    assert_string_not_equal(ra, rb);
    assert_string_equal(ra, ra2);
    assert_string_not_equal(ra, a);
    free(a); free(b); free(ra); free(rb); free(ra2);
}

static void test_century_sign(void **state)
{
    (void)state;
    /* 100190-999P and 100190Y999P are both valid (same digits, check P) and two people */
    char *minus = post_person(sup_a_tok, K_A, "{\"hetu\": \"" HETU_MINUS "\"}");
    char *y = post_person(sup_a_tok, K_A, "{\"hetu\": \"" HETU_Y "\"}");
    assert_string_not_equal(minus, y);
    char *again = post_person(sup_b_tok, K_B, "{\"hetu\": \"100190y999p\"}");
    assert_string_equal(again, y);
    free(minus); free(y); free(again);
}

static void test_scope(void **state)
{
    (void)state;
    struct it_resp r;
    long before = it_count(&D, "placements"), audit = it_count(&D, "audit_log"), outbox = it_count(&D, "outbox");
    char *body = placement_body("{\"hetu\": \"" HETU_1 "\"}", NULL);
    /* another supplier's contract: 404, as an unknown one */
    assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", sup_b_tok, body, &r), 0);
    expect_problem(&r, 404);
    assert_null(strcasestr(r.body, HETU_1));
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/contracts/" NO_CONTRACT "/placements", sup_a_tok, body, &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    /* buyers, staff: not theirs to report */
    const char *toks[] = {buyer_a_tok, analyst_tok, centre_tok, admin_tok};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", toks[i], body, &r), 0);
        expect_problem(&r, 403);
        it_resp_free(&r);
    }
    free(body);
    assert_int_equal(it_count(&D, "placements"), before);
    assert_int_equal(it_count(&D, "audit_log"), audit);
    assert_int_equal(it_count(&D, "outbox"), outbox);
}

/* Each bad body: 422 naming the field, and nothing written anywhere. */
static void test_validation(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"ends_on\": \"2026-02-28\", \"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "ends_on"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 81, \"employment_type\": \"permanent\"}", "weekly_hours"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 0, \"employment_type\": \"permanent\"}", "weekly_hours"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"pensioners\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "target_group"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"gig\"}", "employment_type"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\", \"supports\": [\"job_coach\", \"free_lunch\"]}",
         "supports[1]"},
        /* the contract starts on 2026-01-01 (checked by the database) */
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2025-12-31\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "starts_on"},
        {"{\"person\": {\"hetu\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2028-01-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "starts_on"},
        {"{\"person\": {\"hetu\": \"" HETU_BAD_CHECK "\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person.hetu"},
        {"{\"person\": {\"hetu\": \"311352-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person.hetu"},
        {"{\"person\": {\"hetu\": \"131052G308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person.hetu"},
        {"{\"person\": {\"hetu\": \"131052-308T\", \"ref\": \"x\"}, \"target_group\": \"youth\", \"starts_on\": "
         "\"2026-03-01\", \"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person"},
        {"{\"person\": {\"ref\": \"131052-308T\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person.ref"},
        {"{\"person\": {}, \"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "person"},
        {"{\"target_group\": \"youth\", \"starts_on\": \"2026-03-01\", \"weekly_hours\": 30, "
         "\"employment_type\": \"permanent\"}", "person"},
        {"{\"person\": {\"ref\": \"a\"}, \"name\": \"Matti\", \"target_group\": \"youth\", \"starts_on\": "
         "\"2026-03-01\", \"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "name"},
        {"{\"person\": {\"ref\": \"a\"}, \"target_group\": \"youth\", \"starts_on\": \"2026-02-30\", "
         "\"weekly_hours\": 30, \"employment_type\": \"permanent\"}", "starts_on"},
    };
    long before = it_count(&D, "placements"), audit = it_count(&D, "audit_log"), outbox = it_count(&D, "outbox");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct it_resp r;
        assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", sup_a_tok, cases[i][0], &r), 0);
        expect_problem(&r, 422);
        expect_field(&r, cases[i][1]);
        /* an error never quotes a henkilötunnus, valid or not */
        assert_null(strcasestr(r.body, "131052-308"));
        assert_null(strcasestr(r.body, "311352"));
        assert_null(strcasestr(r.body, "131052G"));
        it_resp_free(&r);
    }
    /* a henkilötunnus where a key belongs is not echoed either */
    struct it_resp r;
    assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", sup_a_tok,
                             "{\"131052-308T\": 1, \"person\": {\"ref\": \"a\"}}", &r), 0);
    expect_problem(&r, 422);
    assert_null(strcasestr(r.body, HETU_1));
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/contracts/" K_A "/placements", sup_a_tok,
                             "{\"131052-308T\": 1, \"131052-308T\": 2}", &r), 0);
    expect_problem(&r, 400);
    assert_null(strcasestr(r.body, HETU_1));
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "placements"), before);
    assert_int_equal(it_count(&D, "audit_log"), audit);
    assert_int_equal(it_count(&D, "outbox"), outbox);
}

static void test_list_roles(void **state)
{
    (void)state;
    struct it_resp r;
    /* analysts and the centre never see placement rows */
    assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements", analyst_tok, &r), 0);
    expect_problem(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements", centre_tok, &r), 0);
    expect_problem(&r, 403);
    it_resp_free(&r);
    /* the buyer of the tender, the supplier of the contract, admin: yes; others: 404 */
    const char *yes[] = {buyer_a_tok, sup_a_tok, admin_tok};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements", yes[i], &r), 0);
        assert_int_equal(r.status, 200);
        char *n = it_json(r.body, "items");
        assert_string_equal(n, "[6]");
        free(n);
        char *first = it_json(r.body, "items.0.id");
        assert_string_equal(first, placement_id);
        free(first);
        char *ref = it_json(r.body, "items.0.person_ref");
        assert_int_equal(strlen(ref), 64);
        free(ref);
        it_resp_free(&r);
    }
    const char *no[] = {buyer_b_tok, sup_b_tok};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements", no[i], &r), 0);
        expect_problem(&r, 404);
        it_resp_free(&r);
    }
    /* pages of 4 then 2, in creation order */
    assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements?limit=4", buyer_a_tok, &r), 0);
    assert_int_equal(r.status, 200);
    char *cursor = it_json(r.body, "next_cursor");
    assert_non_null(cursor);
    assert_string_not_equal(cursor, "null");
    it_resp_free(&r);
    char *path = it_fmt("/v1/contracts/" K_A "/placements?limit=4&cursor=%s", cursor);
    assert_int_equal(it_get(&D, path, buyer_a_tok, &r), 0);
    assert_int_equal(r.status, 200);
    char *n = it_json(r.body, "items");
    assert_string_equal(n, "[2]");
    free(n);
    char *next = it_json(r.body, "next_cursor");
    assert_string_equal(next, "null");
    free(next);
    it_resp_free(&r);
    free(path);
    free(cursor);
    assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/placements?limit=0", buyer_a_tok, &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
}

static void test_patch(void **state)
{
    (void)state;
    struct it_resp r;
    char *path = it_fmt("/v1/placements/%s", placement_id);
    long audit = it_count(&D, "audit_log"), outbox = it_count(&D, "outbox where type = 'placement.updated'");
    /* before it started: 422, nothing written */
    assert_int_equal(it_patch(&D, path, sup_a_tok, "{\"ends_on\": \"2026-01-31\"}", &r), 0);
    expect_problem(&r, 422);
    expect_field(&r, "ends_on");
    it_resp_free(&r);
    assert_int_equal(it_patch(&D, path, sup_a_tok, "{\"end_reason\": \"retired\"}", &r), 0);
    expect_problem(&r, 422);
    expect_field(&r, "end_reason");
    it_resp_free(&r);
    assert_int_equal(it_patch(&D, path, sup_a_tok, "{\"starts_on\": \"2026-03-01\"}", &r), 0);
    expect_problem(&r, 422);
    expect_field(&r, "starts_on");
    it_resp_free(&r);
    /* not theirs */
    assert_int_equal(it_patch(&D, path, sup_b_tok, "{\"ends_on\": \"2026-06-30\"}", &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_patch(&D, path, buyer_a_tok, "{\"ends_on\": \"2026-06-30\"}", &r), 0);
    expect_problem(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "audit_log"), audit);
    /* the supplier ends it */
    assert_int_equal(it_patch(&D, path, sup_a_tok,
                              "{\"ends_on\": \"2026-06-30\", \"end_reason\": \"moved_to_open_market\", "
                              "\"continued_employment\": true}", &r), 0);
    assert_int_equal(r.status, 200);
    char *v = it_json(r.body, "ends_on");
    assert_string_equal(v, "2026-06-30");
    free(v);
    v = it_json(r.body, "end_reason");
    assert_string_equal(v, "moved_to_open_market");
    free(v);
    v = it_json(r.body, "continued_employment");
    assert_string_equal(v, "true");
    free(v);
    v = it_json(r.body, "target_group");
    assert_string_equal(v, "partially_able");
    free(v);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
    assert_int_equal(it_count(&D, "outbox where type = 'placement.updated' and has_person_data"), outbox + 1);
    /* the same again changes nothing and writes nothing */
    assert_int_equal(it_patch(&D, path, sup_a_tok, "{\"ends_on\": \"2026-06-30\"}", &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
    /* null clears */
    assert_int_equal(it_patch(&D, path, sup_a_tok, "{\"end_reason\": null}", &r), 0);
    assert_int_equal(r.status, 200);
    v = it_json(r.body, "end_reason");
    assert_string_equal(v, "null");
    free(v);
    it_resp_free(&r);
    assert_int_equal(it_patch(&D, "/v1/placements/" NO_CONTRACT, sup_a_tok, "{\"ends_on\": null}", &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    free(path);
}

static void test_period_reports(void **state)
{
    (void)state;
    struct it_resp r;
    const char *path = "/v1/contracts/" K_A "/period-reports";
    assert_int_equal(it_post(&D, path, sup_a_tok, "{\"period\": \"2026-03\", \"note\": \"Kaksi henkilöä töissä.\"}", &r), 0);
    assert_int_equal(r.status, 201);
    char *v = it_json(r.body, "period");
    assert_string_equal(v, "2026-03");
    free(v);
    it_resp_free(&r);
    long before = it_count(&D, "period_reports"), audit = it_count(&D, "audit_log");
    /* the second report for a period */
    assert_int_equal(it_post(&D, path, sup_a_tok, "{\"period\": \"2026-03\"}", &r), 0);
    expect_problem(&r, 409);
    it_resp_free(&r);
    /* no quarterly clause binds the contract; outside its periods; not a period; a note with a hetu */
    static const char *const bad[][2] = {
        {"{\"period\": \"2026-Q1\"}", "period"},
        {"{\"period\": \"2025-12\"}", "period"},
        {"{\"period\": \"2028-01\"}", "period"},
        {"{\"period\": \"2026-13\"}", "period"},
        {"{\"period\": \"2026-3\"}", "period"},
        {"{\"period\": \"2026-04\", \"note\": \"Henkilö 131052-308T aloitti.\"}", "note"},
        {"{\"period\": \"2026-04\", \"when\": \"now\"}", "when"},
        {"{}", "period"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(it_post(&D, path, sup_a_tok, bad[i][0], &r), 0);
        expect_problem(&r, 422);
        expect_field(&r, bad[i][1]);
        assert_null(strcasestr(r.body, HETU_1));
        it_resp_free(&r);
    }
    assert_int_equal(it_post(&D, path, sup_b_tok, "{\"period\": \"2026-04\"}", &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, path, buyer_a_tok, "{\"period\": \"2026-04\"}", &r), 0);
    expect_problem(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "period_reports"), before);
    assert_int_equal(it_count(&D, "audit_log"), audit);
}

static void test_subcontracts(void **state)
{
    (void)state;
    struct it_resp r;
    const char *path = "/v1/contracts/" K_A "/subcontracts";
    assert_int_equal(it_post(&D, path, sup_a_tok,
                             "{\"business_id\": \"FI11122230\", \"name\": \"Työkeskus ry\", "
                             "\"value\": {\"amount\": 42000.50, \"currency\": \"EUR\"}, \"social_enterprise\": true}", &r), 0);
    if (r.status != 201)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 201);
    const char *const want[][2] = {{"business_id", "1112223-0"}, {"value.amount", "42000.5"}, {"value.currency", "EUR"},
                                   {"social_enterprise", "true"}, {"contract_id", K_A}, {"country", "FIN"}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char *v = it_json(r.body, want[i][0]);
        assert_non_null(v);
        assert_string_equal(v, want[i][1]);
        free(v);
    }
    it_resp_free(&r);
    /* the currency defaults to the contract's */
    assert_int_equal(it_post(&D, path, sup_a_tok,
                             "{\"business_id\": \"5550001-0\", \"name\": \"Alihankinta Oy\", \"value\": {\"amount\": 1000}}", &r), 0);
    assert_int_equal(r.status, 201);
    char *v = it_json(r.body, "social_enterprise");
    assert_string_equal(v, "false");
    free(v);
    it_resp_free(&r);
    long before = it_count(&D, "subcontracts"), audit = it_count(&D, "audit_log");
    static const char *const bad[][2] = {
        {"{\"business_id\": \"1112223-1\", \"name\": \"X\", \"value\": {\"amount\": 1}}", "business_id"},
        {"{\"business_id\": \"1112223-0\", \"name\": \"X\", \"value\": {\"amount\": 1, \"currency\": \"USD\"}}", "value.currency"},
        {"{\"business_id\": \"1112223-0\", \"name\": \"X\", \"value\": {\"amount\": -1}}", "value.amount"},
        {"{\"business_id\": \"1112223-0\", \"name\": \"X\", \"value\": 100}", "value"},
        {"{\"business_id\": \"1112223-0\", \"name\": \"\", \"value\": {\"amount\": 1}}", "name"},
        {"{\"business_id\": \"1112223-0\", \"value\": {\"amount\": 1}}", "name"},
        {"{\"business_id\": \"1112223-0\", \"name\": \"X\", \"value\": {\"amount\": 1}, \"vat\": 24}", "vat"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(it_post(&D, path, sup_a_tok, bad[i][0], &r), 0);
        expect_problem(&r, 422);
        expect_field(&r, bad[i][1]);
        it_resp_free(&r);
    }
    /* a foreign subcontractor keeps its own identifier */
    assert_int_equal(it_post(&D, path, sup_a_tok,
                             "{\"country\": \"SWE\", \"business_id\": \"556677-8899\", \"name\": \"Arbetsintegrerande AB\", "
                             "\"value\": {\"amount\": 5000}, \"social_enterprise\": true}", &r), 0);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, path, sup_b_tok, "{\"business_id\": \"1112223-0\", \"name\": \"X\", \"value\": {\"amount\": 1}}", &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "subcontracts"), before + 1);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
}

static void test_idempotency(void **state)
{
    (void)state;
    struct it_resp r1, r2, r3;
    char *body = placement_body("{\"hetu\": \"" HETU_MINUS "\"}", "\"ends_on\": \"2026-12-31\"");
    long before = it_count(&D, "placements"), events = it_count(&D, "outbox where type = 'placement.reported'");
    assert_int_equal(it_http(&D, "POST", "/v1/contracts/" K_A "/placements", sup_a_tok, "application/json", body, 0,
                             "Idempotency-Key: hire-2026-02-0001\r\n", &r1), 0);
    assert_int_equal(r1.status, 201);
    assert_int_equal(it_http(&D, "POST", "/v1/contracts/" K_A "/placements", sup_a_tok, "application/json", body, 0,
                             "Idempotency-Key: hire-2026-02-0001\r\n", &r2), 0);
    assert_int_equal(r2.status, 201);
    assert_string_equal(r1.body, r2.body);
    assert_int_equal(it_count(&D, "placements"), before + 1);
    assert_int_equal(it_count(&D, "outbox where type = 'placement.reported'"), events + 1);
    /* another person under the same key */
    char *other = placement_body("{\"hetu\": \"" HETU_Y "\"}", "\"ends_on\": \"2026-12-31\"");
    assert_int_equal(it_http(&D, "POST", "/v1/contracts/" K_A "/placements", sup_a_tok, "application/json", other, 0,
                             "Idempotency-Key: hire-2026-02-0001\r\n", &r3), 0);
    expect_problem(&r3, 409);
    assert_int_equal(it_count(&D, "placements"), before + 1);
    it_resp_free(&r1);
    it_resp_free(&r2);
    it_resp_free(&r3);
    /* the same key from another supplier is its own key */
    assert_int_equal(it_http(&D, "POST", "/v1/contracts/" K_B "/placements", sup_b_tok, "application/json", body, 0,
                             "Idempotency-Key: hire-2026-02-0001\r\n", &r1), 0);
    assert_int_equal(r1.status, 201);
    it_resp_free(&r1);
    /* what the idempotency store keeps is about the pseudonym only */
    char *n = it_sql(&D, "select count(*) from idempotency_keys where body ilike '%100190%'");
    assert_string_equal(n, "0");
    free(n);
    free(body);
    free(other);
}

static void test_compliance_scope(void **state)
{
    (void)state;
    struct it_resp r;
    const char *yes[] = {sup_a_tok, buyer_a_tok, analyst_tok, centre_tok, admin_tok};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/compliance?as_of=2026-06-30", yes[i], &r), 0);
        if (r.status != 200)
            fprintf(stderr, "%s\n", r.body);
        assert_int_equal(r.status, 200);
        char *v = it_json(r.body, "contract_id");
        assert_string_equal(v, K_A);
        free(v);
        v = it_json(r.body, "as_of");
        assert_string_equal(v, "2026-06-30");
        free(v);
        v = it_json(r.body, "clauses.0.clause_id");
        assert_string_equal(v, CLAUSE);
        free(v);
        assert_null(strstr(r.body, "person_ref"));
        it_resp_free(&r);
    }
    const char *no[] = {sup_b_tok, buyer_b_tok};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(it_get(&D, "/v1/contracts/" K_A "/compliance", no[i], &r), 0);
        expect_problem(&r, 404);
        it_resp_free(&r);
    }
    assert_int_equal(it_get(&D, "/v1/contracts/" NO_CONTRACT "/compliance", admin_tok, &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    const char *bad[] = {"2026-02-30", "yesterday", "2026-6-30", ""};
    for (int i = 0; i < 4; i++) {
        char *p = it_fmt("/v1/contracts/" K_A "/compliance?as_of=%s", bad[i]);
        assert_int_equal(it_get(&D, p, sup_a_tok, &r), 0);
        expect_problem(&r, 400);
        expect_field(&r, "as_of");
        it_resp_free(&r);
        free(p);
    }
    /* a contract without a clause on its tender has none to show */
    assert_int_equal(it_get(&D, "/v1/contracts/" K_OTHER "/compliance", sup_b_tok, &r), 0);
    assert_int_equal(r.status, 200);
    char *v = it_json(r.body, "clauses");
    assert_string_equal(v, "[0]");
    free(v);
    it_resp_free(&r);
}

/* A contract holds at most api.max_placements() placements (compliance loads them all at once):
 * one more is refused; should more get in some other way, compliance says 500, not a guess. */
static void test_placement_bound(void **state)
{
    (void)state;
    struct it_resp r;
    /* fill the contract up to the cap (api.max_placements()) less one, then the last one by HTTP;
     * the bulk fill skips the triggers (impact counters, OCDS releases): only the count matters here */
    it_exec(&D, "set session_replication_role = replica;"
                "insert into placements (contract_id, person_ref, target_group, starts_on, weekly_hours, employment_type)"
                " select '" K_OTHER "', lpad(to_hex(i), 64, '0'), 'youth', '2026-02-01', 20, 'permanent'"
                " from generate_series(1, api.max_placements() - 1) i;"
                "set session_replication_role = origin");
    char *last = post_person(sup_b_tok, K_OTHER, "{\"ref\": \"the last one\"}");
    free(last);
    long before = it_count(&D, "placements");
    char *body = placement_body("{\"ref\": \"one too many\"}", NULL);
    assert_int_equal(it_post(&D, "/v1/contracts/" K_OTHER "/placements", sup_b_tok, body, &r), 0);
    expect_problem(&r, 422);
    it_resp_free(&r);
    free(body);
    assert_int_equal(it_count(&D, "placements"), before);
    assert_int_equal(it_get(&D, "/v1/contracts/" K_OTHER "/compliance", sup_b_tok, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    it_exec(&D, "insert into placements (contract_id, person_ref, target_group, starts_on, weekly_hours, employment_type)"
                " values ('" K_OTHER "', repeat('f', 64), 'youth', '2026-02-01', 20, 'permanent')");
    assert_int_equal(it_get(&D, "/v1/contracts/" K_OTHER "/compliance", sup_b_tok, &r), 0);
    expect_problem(&r, 500);
    it_resp_free(&r);
}

static void test_logs_and_database_clean(void **state)
{
    (void)state;
    const char *ids[] = {HETU_1, HETU_MINUS, HETU_Y};
    FILE *f = fopen(D.logfile, "r");
    assert_non_null(f);
    char line[8192];
    while (fgets(line, sizeof line, f))
        for (int i = 0; i < 3; i++)
            assert_null(strcasestr(line, ids[i]));
    fclose(f);
    /* every text-like column of every table, and every jsonb document, as text */
    char *n = it_sql(&D, "select count(*) from (select to_jsonb(x)::text t from placements x union all "
                         "select to_jsonb(x)::text from audit_log x union all select to_jsonb(x)::text from outbox x "
                         "union all select to_jsonb(x)::text from idempotency_keys x union all "
                         "select to_jsonb(x)::text from period_reports x) s "
                         "where t ilike '%131052%' or t ilike '%100190%'");
    assert_string_equal(n, "0");
    free(n);
    assert_int_equal(it_daemon_stop(&D), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_same_person_two_suppliers),
        cmocka_unit_test(test_century_sign),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_list_roles),
        cmocka_unit_test(test_patch),
        cmocka_unit_test(test_period_reports),
        cmocka_unit_test(test_subcontracts),
        cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_compliance_scope),
        cmocka_unit_test(test_placement_bound),
        cmocka_unit_test(test_logs_and_database_clean),
    };
    return cmocka_run_group_tests_name("placements", tests, setup, teardown);
}
