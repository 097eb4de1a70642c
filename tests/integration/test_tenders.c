/* test_tenders.c - tenders, clauses and contracts (CONTRACT §4-§6) through real HTTP against a
 * real PostgreSQL: create, read, list, patch; every role's scope (404 for what is not visible,
 * 403 for what a role may not do); validation naming every bad field with nothing written;
 * idempotency; cursor pagination; list filters; clause deletion rules; commitments; and the
 * audit rows and outbox events each write leaves in its own transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GC_MAX 8192
#define F(...) keep(it_fmt(__VA_ARGS__))

/* Tables whose row counts prove that a failed request wrote nothing. */
static const char *const tables[] = {"tenders", "lots", "clauses", "contracts", "commitments", "organizations",
                                     "outbox", "audit_log", "idempotency_keys", NULL};
#define NTABLES 9

struct snap {
    long n[NTABLES];
};

static struct it_daemon D;
static char *gc[GC_MAX];
static int ngc;
static const char *admin_tok, *analyst_tok, *centre_tok;
static const char *A_org, *A_tok, *B_org, *B_tok, *C_org, *C_tok, *S1_org, *S1_tok, *S2_org, *S2_tok;
static const char *TA, *TB, *T2031, *C1, *C2, *CB, *K1, *K2;

static char *keep(char *s);
static const char *js(const char *body, const char *path);
static const char *call(const char *method, const char *path, const char *tok, const char *body, int want);
static const char *call_h(const char *method, const char *path, const char *tok, const char *body,
                          const char *headers, int want);
static void expect_str(const char *body, const char *path, const char *want);
static void expect_num(const char *body, const char *path, double want);
static void expect_fields(const char *body, const char *const *want);
static void snap(struct snap *s);
static void same(const struct snap *before);
static long sql_long(const char *sql);
static void exec_sql(const char *sql);
static const char *cli_org(const char *const *argv);
static int setup(void **state);
static int teardown(void **state);

/* ---- helpers ------------------------------------------------------------------------------ */

static char *keep(char *s)
{
    assert_true(ngc < GC_MAX);
    gc[ngc++] = s;
    return s;
}

static const char *js(const char *body, const char *path)
{
    return keep(it_json(body, path));
}

static const char *call_h(const char *method, const char *path, const char *tok, const char *body,
                          const char *headers, int want)
{
    struct it_resp r;
    int rc = it_http(&D, method, path, tok, body ? "application/json" : NULL, body, 0, headers, &r);
    assert_int_equal(rc, 0);
    if (r.status != want)
        fprintf(stderr, "%s %s: expected %d, got %d: %s\n", method, path, want, r.status, r.body);
    assert_int_equal(r.status, want);
    if (want >= 400) {
        char *ct = it_header(&r, "content-type");
        assert_non_null(ct);
        assert_string_equal(ct, "application/problem+json");
        free(ct);
    }
    char *out = keep(r.body);
    r.body = NULL;
    it_resp_free(&r);
    return out;
}

static const char *call(const char *method, const char *path, const char *tok, const char *body, int want)
{
    return call_h(method, path, tok, body, NULL, want);
}

static void expect_str(const char *body, const char *path, const char *want)
{
    const char *v = js(body, path);
    if (!v || strcmp(v, want) != 0)
        fprintf(stderr, "%s: expected %s, got %s in %s\n", path, want, v ? v : "(absent)", body);
    assert_non_null(v);
    assert_string_equal(v, want);
}

static void expect_num(const char *body, const char *path, double want)
{
    const char *v = js(body, path);
    assert_non_null(v);
    assert_true(atof(v) == want);
}

/* The problem's errors[] name exactly these fields (in any order). */
static void expect_fields(const char *body, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    const char *count = js(body, "errors");
    if (!count || (size_t)atoi(count + 1) != n)
        fprintf(stderr, "expected %zu field errors: %s\n", n, body);
    assert_non_null(count);
    assert_int_equal(atoi(count + 1), n);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < n && !found; j++) {
            const char *f = js(body, F("errors.%zu.field", j));
            found = f && strcmp(f, want[i]) == 0;
        }
        if (!found)
            fprintf(stderr, "no error for %s: %s\n", want[i], body);
        assert_true(found);
    }
}

static void snap(struct snap *s)
{
    for (int i = 0; i < NTABLES; i++)
        s->n[i] = it_count(&D, tables[i]);
}

static void same(const struct snap *before)
{
    struct snap now;
    snap(&now);
    for (int i = 0; i < NTABLES; i++) {
        if (now.n[i] != before->n[i])
            fprintf(stderr, "%s: %ld rows, expected %ld\n", tables[i], now.n[i], before->n[i]);
        assert_int_equal(now.n[i], before->n[i]);
    }
}

static long sql_long(const char *sql)
{
    char *v = it_sql(&D, sql);
    long n = v ? atol(v) : -1;
    free(v);
    return n;
}

/* A statement without rows (DDL), which it_sql does not take. */
static void exec_sql(const char *sql)
{
    PGconn *c = PQconnectdb(D.dburl);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
}

static const char *cli_org(const char *const *argv)
{
    char *out = NULL;
    assert_int_equal(it_cli(&D, argv, &out, NULL), 0);
    out[strcspn(out, "\r\n")] = '\0';
    return keep(out);
}

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "tenders");
    const char *admin = keep(it_org(&D, "admin", "Ylläpito", NULL, NULL));
    admin_tok = keep(it_token(&D, admin));
    const char *a_argv[] = {"org", "add", "--name", "Joensuun kaupunki", "--kind", "buyer", "--business-id",
                            "0204819-8", "--region", "FI1D3", "--municipality", "167", NULL};
    A_org = cli_org(a_argv);
    A_tok = keep(it_token(&D, A_org));
    B_org = keep(it_org(&D, "buyer", "Helsingin kaupunki", "2345678-0", "FI1B1"));
    B_tok = keep(it_token(&D, B_org));
    C_org = keep(it_org(&D, "buyer", "Kuopion kaupunki", "4567890-7", "FI1D2"));
    C_tok = keep(it_token(&D, C_org));
    S1_org = keep(it_org(&D, "supplier", "Palvelu Oy", "1234567-1", NULL));
    S1_tok = keep(it_token(&D, S1_org));
    const char *analyst = keep(it_org(&D, "analyst", "Kuntaliitto", "0926151-4", NULL));
    analyst_tok = keep(it_token(&D, analyst));
    const char *centre = keep(it_org(&D, "centre", "Osaamiskeskus", NULL, NULL));
    centre_tok = keep(it_token(&D, centre));
    it_daemon_start(&D, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    for (int i = 0; i < ngc; i++)
        free(gc[i]);
    ngc = 0;
    return 0;
}

/* ---- tenders ------------------------------------------------------------------------------ */

static const char *tender_a =
    "{\"title\": \"Siivouspalvelut 2026\", \"description\": \"Kaupungin kiinteistöjen siivous\", "
    "\"procedure_id\": \"proc-joensuu-1\", \"nature\": \"services\", \"cpv\": \"90910000-9\", "
    "\"estimated_value\": {\"amount\": 125000.00, \"currency\": \"EUR\"}, \"deadline\": \"2026-03-31\", "
    "\"lots\": [{\"lot_ref\": \"LOT-0001\", \"title\": \"Keskusta\", \"cpv\": \"90911200\", "
    "\"estimated_value\": {\"amount\": 60000}}, {\"lot_ref\": \"LOT-0002\", \"title\": \"Reuna-alueet\"}]}";

static void test_tender_create_read(void **state)
{
    (void)state;
    struct snap s;
    snap(&s);
    const char *b = call("POST", "/v1/tenders", A_tok, tender_a, 201);
    TA = js(b, "id");
    assert_non_null(TA);
    expect_str(b, "buyer_org_id", A_org);
    expect_str(b, "title", "Siivouspalvelut 2026");
    expect_str(b, "cpv", "90910000");
    expect_str(b, "nature", "services");
    expect_str(b, "region", "FI1D3");          /* from the buyer */
    expect_str(b, "municipality_code", "167"); /* from the buyer */
    expect_str(b, "status", "open");
    expect_str(b, "source", "api");
    expect_str(b, "deadline", "2026-03-31");
    expect_str(b, "procedure_id", "proc-joensuu-1");
    expect_num(b, "estimated_value.amount", 125000);
    expect_str(b, "estimated_value.currency", "EUR");
    expect_str(b, "lots", "[2]");
    expect_str(b, "lots.0.lot_ref", "LOT-0001");
    expect_str(b, "lots.0.cpv", "90911200");
    expect_num(b, "lots.0.estimated_value.amount", 60000);
    expect_str(b, "lots.0.estimated_value.currency", "EUR");
    expect_str(b, "lots.1.lot_ref", "LOT-0002");
    expect_str(b, "lots.1.estimated_value", "null");
    expect_str(b, "signals", "[0]");
    const char *created = js(b, "created_at");
    assert_int_equal(strlen(created), 20);
    assert_int_equal(created[19], 'Z');

    /* one tender, two lots, one event and one audit row, nothing else */
    struct snap now;
    snap(&now);
    assert_int_equal(now.n[0], s.n[0] + 1);
    assert_int_equal(now.n[1], s.n[1] + 2);
    assert_int_equal(now.n[6], s.n[6] + 1);
    assert_int_equal(now.n[7], s.n[7] + 1);
    assert_int_equal(sql_long(F("select count(*) from outbox where type = 'tender.created' and tender_id = '%s' "
                                "and buyer_org_id = '%s' and data ->> 'id' = '%s' and data -> 'lots' -> 1 ->> "
                                "'lot_ref' = 'LOT-0002'", TA, A_org, TA)), 1);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'tender' and entity_id = '%s' and "
                                "action = 'create' and actor_org_id = '%s' and actor_key_id is not null and "
                                "after ->> 'title' = 'Siivouspalvelut 2026'", TA, A_org)), 1);

    /* read back: the owner and staff see it as created; others do not see it at all */
    const char *path = F("/v1/tenders/%s", TA);
    assert_string_equal(call("GET", path, A_tok, NULL, 200), b);
    assert_string_equal(call("GET", path, analyst_tok, NULL, 200), b);
    assert_string_equal(call("GET", path, centre_tok, NULL, 200), b);
    assert_string_equal(call("GET", path, admin_tok, NULL, 200), b);
    call("GET", path, B_tok, NULL, 404);
    call("GET", path, S1_tok, NULL, 404);
    call("GET", path, NULL, NULL, 401);
}

static void test_tender_create_rules(void **state)
{
    (void)state;
    struct snap s;
    snap(&s);
    /* an admin must name a buyer organisation */
    expect_fields(call("POST", "/v1/tenders", admin_tok, "{\"title\": \"X\"}", 422),
                  (const char *[]){"buyer_org_id", NULL});
    expect_fields(call("POST", "/v1/tenders", admin_tok, F("{\"title\": \"X\", \"buyer_org_id\": \"%s\"}", S1_org), 422),
                  (const char *[]){"buyer_org_id", NULL});
    expect_fields(call("POST", "/v1/tenders", admin_tok,
                       "{\"title\": \"X\", \"buyer_org_id\": \"00000000-0000-0000-0000-000000000000\"}", 422),
                  (const char *[]){"buyer_org_id", NULL});
    /* a buyer creates for itself only */
    expect_fields(call("POST", "/v1/tenders", A_tok, F("{\"title\": \"X\", \"buyer_org_id\": \"%s\"}", B_org), 422),
                  (const char *[]){"buyer_org_id", NULL});
    /* the procedure id is unique */
    const char *b = call("POST", "/v1/tenders", A_tok, "{\"title\": \"Toinen\", \"procedure_id\": \"proc-joensuu-1\"}", 409);
    expect_str(b, "errors.0.field", "procedure_id");
    same(&s);

    b = call("POST", "/v1/tenders", admin_tok, F("{\"title\": \"Rakennusurakka\", \"buyer_org_id\": \"%s\", "
                                                 "\"nature\": \"works\", \"cpv\": \"45000000\"}", B_org), 201);
    TB = js(b, "id");
    expect_str(b, "buyer_org_id", B_org);
    expect_str(b, "region", "FI1B1");
    expect_str(b, "municipality_code", "null");
    expect_str(b, "estimated_value", "null");
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'tender' and entity_id = '%s' "
                                "and actor_org_id <> '%s'", TB, B_org)), 1); /* the admin did it */
    /* a buyer's own region given: no municipality of the buyer's (another region) */
    b = call("POST", "/v1/tenders", A_tok, "{\"title\": \"Kuljetus\", \"region\": \"FI1D2\", \"deadline\": \"2031-05-01\", "
                                           "\"status\": \"planned\"}", 201);
    T2031 = js(b, "id");
    expect_str(b, "region", "FI1D2");
    expect_str(b, "municipality_code", "null");
    expect_str(b, "status", "planned");
    /* a buyer may name itself */
    b = call("POST", "/v1/tenders", A_tok, F("{\"title\": \"Itse\", \"buyer_org_id\": \"%s\", \"region\": \"FI1D3\", "
                                             "\"municipality_code\": \"276\"}", A_org), 201);
    expect_str(b, "municipality_code", "276");
}

static void test_tender_roles(void **state)
{
    (void)state;
    struct snap s;
    snap(&s);
    const char *body = "{\"title\": \"Ei saa\"}";
    call("POST", "/v1/tenders", S1_tok, body, 403);
    call("POST", "/v1/tenders", analyst_tok, body, 403);
    call("POST", "/v1/tenders", centre_tok, body, 403);
    call("POST", "/v1/tenders", NULL, body, 401);
    const char *path = F("/v1/tenders/%s", TA);
    call("PATCH", path, analyst_tok, body, 403);
    call("PATCH", path, S1_tok, body, 403);
    call("PATCH", path, centre_tok, body, 403);
    /* another buyer: not found, never forbidden */
    call("PATCH", path, B_tok, body, 404);
    call("POST", F("/v1/tenders/%s/clauses", TA), B_tok,
         "{\"kind\": \"hire_persons\", \"target_groups\": [\"youth\"], \"quantity\": 1}", 404);
    call("POST", F("/v1/tenders/%s/clauses", TA), S1_tok,
         "{\"kind\": \"hire_persons\", \"target_groups\": [\"youth\"], \"quantity\": 1}", 403);
    call("POST", F("/v1/tenders/%s/contracts", TA), B_tok,
         "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-01-01\", \"ends_on\": \"2026-12-31\"}", 404);
    call("POST", F("/v1/tenders/%s/contracts", TA), S1_tok,
         "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-01-01\", \"ends_on\": \"2026-12-31\"}", 403);
    same(&s);
}

static void test_tender_validation(void **state)
{
    (void)state;
    struct snap s;
    snap(&s);
    const char *b = call("POST", "/v1/tenders", A_tok,
        "{\"title\": \"\", \"nature\": \"food\", \"cpv\": \"123\", \"estimated_value\": {\"amount\": -1, "
        "\"currency\": \"eur\"}, \"region\": \"FI999\", \"municipality_code\": \"12\", \"deadline\": \"2026-02-30\", "
        "\"status\": \"done\", \"lots\": [{\"lot_ref\": \"L1\", \"cpv\": \"79620000\"}, {\"lot_ref\": \"L1\", "
        "\"cpv\": \"abc\", \"extra\": true}, {\"title\": \"no ref\"}], \"colour\": \"red\"}", 422);
    expect_fields(b, (const char *[]){"colour", "title", "nature", "cpv", "estimated_value.amount",
                                      "estimated_value.currency", "region", "municipality_code", "deadline", "status",
                                      "lots[1].extra", "lots[1].lot_ref", "lots[1].cpv", "lots[2].lot_ref", NULL});
    /* title missing; lots not an array; a lot not an object */
    expect_fields(call("POST", "/v1/tenders", A_tok, "{\"lots\": {}}", 422), (const char *[]){"title", "lots", NULL});
    expect_fields(call("POST", "/v1/tenders", A_tok, "{\"title\": \"T\", \"lots\": [1]}", 422),
                  (const char *[]){"lots[0]", NULL});
    /* one currency for all of a tender's values */
    expect_fields(call("POST", "/v1/tenders", A_tok,
                       "{\"title\": \"T\", \"estimated_value\": {\"amount\": 1, \"currency\": \"EUR\"}, \"lots\": "
                       "[{\"lot_ref\": \"A\", \"estimated_value\": {\"amount\": 1, \"currency\": \"SEK\"}}]}", 422),
                  (const char *[]){"lots[0].estimated_value.currency", NULL});
    expect_fields(call("POST", "/v1/tenders", A_tok, "{\"title\": \"T\", \"estimated_value\": 5}", 422),
                  (const char *[]){"estimated_value", NULL});
    expect_fields(call("POST", "/v1/tenders", A_tok, "{\"title\": \"T\", \"estimated_value\": {\"currency\": \"EUR\", "
                                                     "\"cents\": 5}}", 422),
                  (const char *[]){"estimated_value.cents", "estimated_value.amount", NULL});
    /* not JSON, not an object, not JSON content */
    call("POST", "/v1/tenders", A_tok, "{\"title\": ", 400);
    call("POST", "/v1/tenders", A_tok, "[]", 400);
    struct it_resp r;
    assert_int_equal(it_http(&D, "POST", "/v1/tenders", A_tok, "text/plain", "{}", 0, NULL, &r), 0);
    assert_int_equal(r.status, 415);
    it_resp_free(&r);
    same(&s);
}

static void test_tender_patch(void **state)
{
    (void)state;
    const char *path = F("/v1/tenders/%s", TA);
    long audits = sql_long(F("select count(*) from audit_log where entity_id = '%s'", TA));
    const char *b = call("PATCH", path, A_tok,
        "{\"title\": \"Siivouspalvelut 2026-2027\", \"status\": \"awarded\", \"deadline\": null, "
        "\"estimated_value\": {\"amount\": 130000, \"currency\": \"EUR\"}, \"lots\": [{\"lot_ref\": \"LOT-0001\", "
        "\"title\": \"Keskusta\", \"cpv\": \"90911200\", \"estimated_value\": {\"amount\": 65000}}, "
        "{\"lot_ref\": \"LOT-0002\", \"title\": \"Reuna-alueet\"}, {\"lot_ref\": \"LOT-0003\", \"title\": \"Uusi\"}]}", 200);
    expect_str(b, "id", TA);
    expect_str(b, "title", "Siivouspalvelut 2026-2027");
    expect_str(b, "status", "awarded");
    expect_str(b, "deadline", "null");
    expect_str(b, "description", "Kaupungin kiinteistöjen siivous"); /* untouched */
    expect_str(b, "cpv", "90910000");
    expect_num(b, "estimated_value.amount", 130000);
    expect_str(b, "lots", "[3]");
    expect_num(b, "lots.0.estimated_value.amount", 65000);
    expect_str(b, "lots.2.lot_ref", "LOT-0003");
    assert_string_equal(call("GET", path, analyst_tok, NULL, 200), b);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity_id = '%s' and action = 'update' and "
                                "before ->> 'status' = 'open' and after ->> 'status' = 'awarded'", TA)), 1);
    /* a patch that changes nothing writes nothing */
    struct snap s;
    snap(&s);
    assert_string_equal(call("PATCH", path, A_tok, "{}", 200), b);
    assert_string_equal(call("PATCH", path, A_tok, "{\"status\": \"awarded\"}", 200), b);
    same(&s);
    /* bad patches */
    expect_fields(call("PATCH", path, A_tok, "{\"title\": null, \"status\": null, \"lots\": null}", 422),
                  (const char *[]){"title", "status", "lots", NULL});
    expect_fields(call("PATCH", path, A_tok, F("{\"id\": \"%s\", \"buyer_org_id\": \"%s\", \"owner\": 1}", TA, B_org), 422),
                  (const char *[]){"owner", "id", "buyer_org_id", NULL});
    expect_fields(call("PATCH", path, A_tok, "{\"region\": \"FI999\", \"cpv\": \"7962\"}", 422),
                  (const char *[]){"region", "cpv", NULL});
    /* the lots keep their euros: another currency for the tender alone is refused */
    expect_fields(call("PATCH", path, A_tok, "{\"estimated_value\": {\"amount\": 1, \"currency\": \"SEK\"}}", 422),
                  (const char *[]){"estimated_value.currency", NULL});
    call("PATCH", path, B_tok, "{\"title\": \"Kaapattu\"}", 404);
    call("PATCH", "/v1/tenders/00000000-0000-0000-0000-000000000000", A_tok, "{\"title\": \"X\"}", 404);
    same(&s);
    /* the admin may change any tender */
    b = call("PATCH", path, admin_tok, "{\"description\": null}", 200);
    expect_str(b, "description", "null");
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity_id = '%s'", TA)), audits + 2);
    /* updates are not events (CONTRACT §9 has no tender.updated) */
    assert_int_equal(sql_long(F("select count(*) from outbox where tender_id = '%s'", TA)), 1);
}

static void test_idempotency(void **state)
{
    (void)state;
    const char *body = "{\"title\": \"Ruokapalvelut\", \"cpv\": \"55520000\"}";
    long tenders = it_count(&D, "tenders"), events = it_count(&D, "outbox"), audit = it_count(&D, "audit_log");
    const char *h = "Idempotency-Key: tender-ruoka-1\r\n";
    const char *b1 = call_h("POST", "/v1/tenders", A_tok, body, h, 201);
    const char *b2 = call_h("POST", "/v1/tenders", A_tok, body, h, 201);
    assert_string_equal(b1, b2);
    assert_int_equal(it_count(&D, "tenders"), tenders + 1);
    assert_int_equal(it_count(&D, "outbox"), events + 1);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
    call_h("POST", "/v1/tenders", A_tok, "{\"title\": \"Jotain muuta\"}", h, 409);
    assert_int_equal(it_count(&D, "tenders"), tenders + 1);
    /* the same key from another buyer is another key */
    const char *b3 = call_h("POST", "/v1/tenders", B_tok, body, h, 201);
    assert_string_not_equal(js(b3, "id"), js(b1, "id"));
    /* a failed request under a key keeps nothing: the key is free for a good request */
    const char *h2 = "Idempotency-Key: tender-bad-1\r\n";
    call_h("POST", "/v1/tenders", A_tok, "{\"title\": \"T\", \"procedure_id\": \"proc-joensuu-1\"}", h2, 409);
    call_h("POST", "/v1/tenders", A_tok, "{\"title\": \"T\", \"procedure_id\": \"proc-joensuu-2\"}", h2, 201);
}

static void test_pagination(void **state)
{
    (void)state;
    for (int i = 0; i < 7; i++)
        call("POST", "/v1/tenders", C_tok, F("{\"title\": \"Kuopio %d\"}", i), 201);
    const char *toks[] = {C_tok, analyst_tok};
    const int limits[] = {3, 4};
    const long totals[] = {7, it_count(&D, "tenders")};
    for (int k = 0; k < 2; k++) {
        const char *ids[512];
        long seen = 0;
        int pages = 0;
        const char *cursor = NULL;
        for (;;) {
            const char *path = cursor ? F("/v1/tenders?limit=%d&cursor=%s", limits[k], cursor)
                                      : F("/v1/tenders?limit=%d", limits[k]);
            const char *b = call("GET", path, toks[k], NULL, 200);
            int n = atoi(js(b, "items") + 1);
            assert_true(n <= limits[k]);
            for (int i = 0; i < n; i++) {
                const char *id = js(b, F("items.%d.id", i));
                for (long j = 0; j < seen; j++)
                    assert_string_not_equal(ids[j], id);
                assert_true(seen < 512);
                ids[seen++] = id;
                if (k == 0)
                    expect_str(b, F("items.%d.buyer_org_id", i), C_org);
            }
            pages++;
            cursor = js(b, "next_cursor");
            if (strcmp(cursor, "null") == 0)
                break;
            assert_int_equal(n, limits[k]); /* a page before the last is full */
        }
        assert_int_equal(seen, totals[k]);
        assert_int_equal(pages, (totals[k] + limits[k] - 1) / limits[k]);
    }
    expect_fields(call("GET", "/v1/tenders?limit=0", A_tok, NULL, 400), (const char *[]){"limit", NULL});
    call("GET", "/v1/tenders?limit=501", A_tok, NULL, 400);
    expect_fields(call("GET", "/v1/tenders?cursor=%%%%garbage", A_tok, NULL, 400), (const char *[]){"cursor", NULL});
}

static void test_filters(void **state)
{
    (void)state;
    /* signals come from notice imports; put two in place directly */
    exec_sql(F("insert into tender_signals (tender_id, code, source, text) values "
               "('%s', 'employment-condition', 'BT-70', 'Työllistämisehto'), ('%s', 'social-objective:opp', 'BT-775', null)",
               T2031, TB));
    const char *b = call("GET", F("/v1/tenders/%s", T2031), A_tok, NULL, 200);
    expect_str(b, "signals.0.code", "employment-condition");
    expect_str(b, "signals.0.source", "BT-70");

    /* region: a code or the start of one */
    b = call("GET", "/v1/tenders?region=FI1B1&limit=500", admin_tok, NULL, 200);
    int n = atoi(js(b, "items") + 1);
    assert_int_equal(n, sql_long("select count(*) from tenders where region = 'FI1B1'"));
    assert_true(n >= 2);
    for (int i = 0; i < n; i++)
        expect_str(b, F("items.%d.region", i), "FI1B1");
    b = call("GET", "/v1/tenders?region=FI1D&limit=500", analyst_tok, NULL, 200);
    assert_int_equal(atoi(js(b, "items") + 1), sql_long("select count(*) from tenders where region like 'FI1D%'"));
    expect_fields(call("GET", "/v1/tenders?region=fi1b1", admin_tok, NULL, 400), (const char *[]){"region", NULL});
    call("GET", "/v1/tenders?region=", admin_tok, NULL, 400);

    /* year: the deadline's, else the year the tender was created */
    b = call("GET", "/v1/tenders?year=2031", A_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", T2031);
    const char *year = keep(it_sql(&D, "select extract(year from now() at time zone 'UTC')::int::text"));
    b = call("GET", F("/v1/tenders?year=%s&limit=500", year), analyst_tok, NULL, 200);
    assert_int_equal(atoi(js(b, "items") + 1),
                     sql_long(F("select count(*) from tenders where extract(year from coalesce(deadline, "
                                "(created_at at time zone 'UTC')::date)) = %s", year)));
    expect_fields(call("GET", "/v1/tenders?year=abc", A_tok, NULL, 400), (const char *[]){"year", NULL});
    call("GET", "/v1/tenders?year=20261", A_tok, NULL, 400);

    /* status */
    b = call("GET", "/v1/tenders?status=awarded", A_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", TA);
    b = call("GET", "/v1/tenders?status=planned", analyst_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_fields(call("GET", "/v1/tenders?status=done", A_tok, NULL, 400), (const char *[]){"status", NULL});

    /* signal: the code, or the part before ':' */
    b = call("GET", "/v1/tenders?signal=employment-condition", analyst_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", T2031);
    b = call("GET", "/v1/tenders?signal=social-objective", analyst_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", TB);
    b = call("GET", "/v1/tenders?signal=social-objective:opp", admin_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    b = call("GET", "/v1/tenders?signal=social", admin_tok, NULL, 200);
    expect_str(b, "items", "[0]");
    b = call("GET", "/v1/tenders?signal=social-objective", A_tok, NULL, 200); /* B's tender: not A's to see */
    expect_str(b, "items", "[0]");
    call("GET", "/v1/tenders?signal=", A_tok, NULL, 400);

    /* has_clauses, and with the signal the officers' review queue */
    b = call("GET", "/v1/tenders?signal=employment-condition&has_clauses=false", centre_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    call("POST", F("/v1/tenders/%s/clauses", T2031), A_tok,
         "{\"kind\": \"person_months\", \"target_groups\": [\"partially_able\"], \"quantity\": 24}", 201);
    b = call("GET", "/v1/tenders?signal=employment-condition&has_clauses=false", centre_tok, NULL, 200);
    expect_str(b, "items", "[0]");
    b = call("GET", "/v1/tenders?signal=employment-condition&has_clauses=true", centre_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    b = call("GET", "/v1/tenders?has_clauses=true&limit=500", analyst_tok, NULL, 200);
    assert_int_equal(atoi(js(b, "items") + 1), sql_long("select count(distinct tender_id) from clauses"));
    b = call("GET", "/v1/tenders?has_clauses=false&limit=500", analyst_tok, NULL, 200);
    assert_int_equal(atoi(js(b, "items") + 1),
                     sql_long("select count(*) from tenders t where not exists (select 1 from clauses c where c.tender_id = t.id)"));
    expect_fields(call("GET", "/v1/tenders?has_clauses=maybe", A_tok, NULL, 400), (const char *[]){"has_clauses", NULL});

    /* buyer_org_id, and each buyer's scope */
    b = call("GET", F("/v1/tenders?buyer_org_id=%s&limit=500", B_org), analyst_tok, NULL, 200);
    n = atoi(js(b, "items") + 1);
    assert_int_equal(n, sql_long(F("select count(*) from tenders where buyer_org_id = '%s'", B_org)));
    b = call("GET", "/v1/tenders?limit=500", B_tok, NULL, 200);
    assert_int_equal(atoi(js(b, "items") + 1), n);
    for (int i = 0; i < n; i++)
        expect_str(b, F("items.%d.buyer_org_id", i), B_org);
    expect_fields(call("GET", "/v1/tenders?buyer_org_id=nope", analyst_tok, NULL, 400),
                  (const char *[]){"buyer_org_id", NULL});
    /* a supplier without contracts sees no tenders */
    b = call("GET", "/v1/tenders", S1_tok, NULL, 200);
    expect_str(b, "items", "[0]");
    expect_str(b, "next_cursor", "null");
    /* filters combine */
    b = call("GET", "/v1/tenders?region=FI1D3&status=awarded&year=2026&has_clauses=false", A_tok, NULL, 200);
    expect_str(b, "items", "[1]");
}

/* ---- clauses ------------------------------------------------------------------------------ */

static void test_clauses(void **state)
{
    (void)state;
    const char *list = F("/v1/tenders/%s/clauses", TA);
    struct snap s;
    snap(&s);
    const char *b = call("POST", list, A_tok,
        "{\"kind\": \"hire_persons\", \"target_groups\": [\"long_term_unemployed\", \"partially_able\"], "
        "\"quantity\": 3, \"description\": \"Työllistämisehto\"}", 201);
    C1 = js(b, "id");
    expect_str(b, "tender_id", TA);
    expect_str(b, "lot_ref", "null");
    expect_str(b, "kind", "hire_persons");
    expect_str(b, "unit", "persons");
    expect_str(b, "target_groups.1", "partially_able");
    expect_str(b, "quantity", "3");
    expect_str(b, "min_months_per_person", "6"); /* defaults */
    expect_str(b, "min_weekly_hours", "0");
    expect_str(b, "reporting", "monthly");
    expect_str(b, "sanction_eur", "null");
    b = call("POST", list, A_tok,
        "{\"lot_ref\": \"LOT-0001\", \"kind\": \"person_months\", \"target_groups\": [\"youth\"], \"quantity\": 12.5, "
        "\"min_weekly_hours\": 18, \"reporting\": \"quarterly\", \"sanction_eur\": 5000}", 201);
    C2 = js(b, "id");
    expect_str(b, "lot_ref", "LOT-0001");
    expect_str(b, "unit", "person_months");
    expect_str(b, "quantity", "12.5");
    expect_str(b, "min_weekly_hours", "18");
    expect_str(b, "reporting", "quarterly");
    expect_str(b, "sanction_eur", "5000");
    struct snap now;
    snap(&now);
    assert_int_equal(now.n[2], s.n[2] + 2);
    assert_int_equal(now.n[6], s.n[6] + 2);
    assert_int_equal(now.n[7], s.n[7] + 2);
    assert_int_equal(sql_long(F("select count(*) from outbox where type = 'clause.created' and tender_id = '%s' and "
                                "buyer_org_id = '%s' and data ->> 'id' in ('%s', '%s')", TA, A_org, C1, C2)), 2);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'clause' and action = 'create' and "
                                "entity_id in ('%s', '%s')", C1, C2)), 2);

    /* bad clauses: every field named, nothing written */
    snap(&s);
    expect_fields(call("POST", list, A_tok, "{\"lot_ref\": \"NOPE\", \"kind\": \"work_trials\", \"target_groups\": "
                                            "[\"youth\"], \"quantity\": 2}", 422),
                  (const char *[]){"lot_ref", NULL});
    expect_fields(call("POST", list, A_tok,
                       "{\"kind\": \"hire_everyone\", \"target_groups\": [\"youth\", \"aliens\", \"youth\"], \"quantity\": 0, "
                       "\"min_months_per_person\": 0, \"min_weekly_hours\": 81, \"reporting\": \"weekly\", "
                       "\"sanction_eur\": -1, \"extra\": 1}", 422),
                  (const char *[]){"extra", "kind", "target_groups[1]", "target_groups[2]", "quantity",
                                   "min_months_per_person", "min_weekly_hours", "reporting", "sanction_eur", NULL});
    expect_fields(call("POST", list, A_tok, "{\"kind\": \"social_enterprise_share\", \"target_groups\": [\"other\"], "
                                            "\"quantity\": 150}", 422),
                  (const char *[]){"quantity", NULL});
    expect_fields(call("POST", list, A_tok, "{\"kind\": \"hire_persons\", \"target_groups\": [], \"quantity\": 2.5}", 422),
                  (const char *[]){"target_groups", "quantity", NULL});
    expect_fields(call("POST", list, A_tok, "{}", 422), (const char *[]){"kind", "target_groups", "quantity", NULL});
    expect_fields(call("POST", list, A_tok, "{\"kind\": \"work_trials\", \"target_groups\": [3], \"quantity\": \"2\"}", 422),
                  (const char *[]){"target_groups[0]", "quantity", NULL});
    call("POST", "/v1/tenders/00000000-0000-0000-0000-000000000000/clauses", A_tok,
         "{\"kind\": \"work_trials\", \"target_groups\": [\"youth\"], \"quantity\": 2}", 404);
    same(&s);

    /* reading: owner and staff; not another buyer, nor a supplier without a contract */
    b = call("GET", list, A_tok, NULL, 200);
    expect_str(b, "items", "[2]");
    expect_str(b, "items.0.id", C1);
    expect_str(b, "items.1.id", C2);
    expect_str(b, "next_cursor", "null");
    b = call("GET", F("%s?limit=1", list), analyst_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    b = call("GET", F("%s?limit=1&cursor=%s", list, js(b, "next_cursor")), analyst_tok, NULL, 200);
    expect_str(b, "items.0.id", C2);
    expect_str(b, "next_cursor", "null");
    call("GET", list, B_tok, NULL, 404);
    call("GET", list, S1_tok, NULL, 404);
    const char *one = F("/v1/clauses/%s", C1);
    b = call("GET", one, centre_tok, NULL, 200);
    expect_str(b, "id", C1);
    call("GET", one, B_tok, NULL, 404);
    call("GET", one, S1_tok, NULL, 404);
    call("GET", "/v1/clauses/00000000-0000-0000-0000-000000000000", admin_tok, NULL, 404);

    /* patching */
    b = call("PATCH", one, A_tok, "{\"quantity\": 4, \"reporting\": \"quarterly\", \"sanction_eur\": 2500}", 200);
    expect_str(b, "quantity", "4");
    expect_str(b, "reporting", "quarterly");
    expect_str(b, "sanction_eur", "2500");
    expect_str(b, "description", "Työllistämisehto");
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'clause' and entity_id = '%s' and "
                                "action = 'update' and before ->> 'quantity' = '3' and after ->> 'quantity' = '4'", C1)), 1);
    snap(&s);
    call("PATCH", one, B_tok, "{\"quantity\": 5}", 404);
    call("PATCH", one, S1_tok, "{\"quantity\": 5}", 403);
    call("PATCH", one, analyst_tok, "{\"quantity\": 5}", 403);
    expect_fields(call("PATCH", one, A_tok, F("{\"tender_id\": \"%s\", \"unit\": \"x\"}", TB), 422),
                  (const char *[]){"tender_id", "unit", NULL});
    /* the kind stays hire_persons: whole persons only (checked against the stored record) */
    expect_fields(call("PATCH", one, A_tok, "{\"quantity\": 2.5}", 422), (const char *[]){"quantity", NULL});
    expect_fields(call("PATCH", one, A_tok, "{\"lot_ref\": \"LOT-0009\"}", 422), (const char *[]){"lot_ref", NULL});
    expect_fields(call("PATCH", one, A_tok, "{\"kind\": null, \"target_groups\": [\"youth\", \"youth\"]}", 422),
                  (const char *[]){"kind", "target_groups[1]", NULL});
    /* lots with clauses cannot be removed */
    b = call("PATCH", F("/v1/tenders/%s", TA), A_tok, "{\"lots\": [{\"lot_ref\": \"LOT-0002\"}]}", 409);
    expect_str(b, "errors.0.field", "lots");
    same(&s);
    /* unreferenced ones can */
    b = call("PATCH", F("/v1/tenders/%s", TA), A_tok,
             "{\"lots\": [{\"lot_ref\": \"LOT-0001\", \"title\": \"Keskusta\", \"cpv\": \"90911200\", "
             "\"estimated_value\": {\"amount\": 65000}}, {\"lot_ref\": \"LOT-0002\", \"title\": \"Reuna-alueet\"}]}", 200);
    expect_str(b, "lots", "[2]");
    /* an admin clause on B's tender, for the contracts test */
    b = call("POST", F("/v1/tenders/%s/clauses", TB), admin_tok,
             "{\"kind\": \"apprenticeships\", \"target_groups\": [\"youth\"], \"quantity\": 2}", 201);
    CB = js(b, "id");
    assert_int_equal(sql_long(F("select count(*) from outbox where type = 'clause.created' and buyer_org_id = '%s' "
                                "and data ->> 'id' = '%s'", B_org, CB)), 1);
}

/* ---- contracts ---------------------------------------------------------------------------- */

static void test_contracts(void **state)
{
    (void)state;
    const char *path = F("/v1/tenders/%s/contracts", TA);
    struct snap s;
    snap(&s);
    const char *bad[] = {
        /* below the clause's quantity (4) */
        F("{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\", "
          "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 3}]}", C1),
        /* a clause of another tender */
        F("{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\", "
          "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 4}, {\"clause_id\": \"%s\", \"quantity\": 2}]}", C1, CB),
        /* a clause of lot LOT-0001 on a contract for the whole tender */
        F("{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\", "
          "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 20}]}", C2),
        "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2026-01-31\"}",
        "{\"supplier_business_id\": \"1234567-2\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\"}",
        "{\"lot_ref\": \"NOPE\", \"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", "
        "\"ends_on\": \"2027-01-31\"}",
        /* a new supplier needs a name */
        "{\"supplier_business_id\": \"5678901-2\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\"}",
        /* a business id that is a buyer's */
        "{\"supplier_business_id\": \"4567890-7\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\"}",
        "{\"supplier_business_id\": \"x\", \"starts_on\": \"2026-13-01\", \"value\": {\"amount\": \"1\"}, "
        "\"commitments\": [{\"clause_id\": \"nope\", \"quantity\": 0}, {\"quantity\": 1}], \"supplier\": {}}",
        F("{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-02-01\", \"ends_on\": \"2027-01-31\", "
          "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 4}, {\"clause_id\": \"%s\", \"quantity\": 5}]}", C1, C1),
    };
    const char *const *fields[] = {
        (const char *[]){"commitments[0].quantity", NULL},
        (const char *[]){"commitments[1].clause_id", NULL},
        (const char *[]){"commitments[0].clause_id", NULL},
        (const char *[]){"ends_on", NULL},
        (const char *[]){"supplier_business_id", NULL},
        (const char *[]){"lot_ref", NULL},
        (const char *[]){"supplier_name", NULL},
        (const char *[]){"supplier_business_id", NULL},
        (const char *[]){"supplier", "supplier_business_id", "starts_on", "ends_on", "value.amount",
                         "commitments[0].clause_id", "commitments[0].quantity", "commitments[1].clause_id", NULL},
        (const char *[]){"commitments[1].clause_id", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_fields(call("POST", path, A_tok, bad[i], 422), fields[i]);
    same(&s);

    /* a new supplier (given by its VAT number) is created */
    const char *b = call("POST", path, A_tok,
        F("{\"lot_ref\": \"LOT-0001\", \"supplier_business_id\": \"FI78901239\", \"supplier_name\": \"Uusi Rakennus Oy\", "
          "\"contract_ref\": \"K-1\", \"signed_on\": \"2026-01-10\", \"starts_on\": \"2026-02-01\", "
          "\"ends_on\": \"2027-01-31\", \"value\": {\"amount\": 60000, \"currency\": \"EUR\"}, \"commitments\": "
          "[{\"clause_id\": \"%s\", \"quantity\": 5}, {\"clause_id\": \"%s\", \"quantity\": 12.5}]}", C1, C2), 201);
    K1 = js(b, "id");
    S2_org = js(b, "supplier_org_id");
    expect_str(b, "tender_id", TA);
    expect_str(b, "buyer_org_id", A_org);
    expect_str(b, "lot_ref", "LOT-0001");
    expect_str(b, "supplier_business_id", "7890123-9");
    expect_str(b, "supplier_name", "Uusi Rakennus Oy");
    expect_str(b, "contract_ref", "K-1");
    expect_str(b, "signed_on", "2026-01-10");
    expect_str(b, "starts_on", "2026-02-01");
    expect_str(b, "ends_on", "2027-01-31");
    expect_num(b, "value.amount", 60000);
    expect_str(b, "value.currency", "EUR");
    expect_str(b, "commitments", "[2]");
    expect_str(b, "commitments.0.clause_id", C1);
    expect_str(b, "commitments.0.quantity", "5");
    expect_str(b, "commitments.1.quantity", "12.5");
    assert_int_equal(sql_long(F("select count(*) from organizations where id = '%s' and kind = 'supplier' and "
                                "business_id = '7890123-9' and country = 'FIN'", S2_org)), 1);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'organization' and entity_id = '%s'",
                                S2_org)), 1);
    S2_tok = keep(it_token(&D, S2_org));

    /* a known supplier by its Y-tunnus, for the whole tender */
    b = call("POST", path, A_tok, F("{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-03-01\", "
                                    "\"ends_on\": \"2026-12-31\", \"commitments\": [{\"clause_id\": \"%s\", "
                                    "\"quantity\": 4}]}", C1), 201);
    K2 = js(b, "id");
    expect_str(b, "supplier_org_id", S1_org);
    expect_str(b, "supplier_name", "Palvelu Oy");
    expect_str(b, "value", "null");
    expect_str(b, "lot_ref", "null");
    /* the same contract twice */
    snap(&s);
    expect_fields(call("POST", path, A_tok, "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-03-01\", "
                                            "\"ends_on\": \"2026-12-31\"}", 409),
                  (const char *[]){"contract_ref", NULL});
    same(&s);
    assert_int_equal(sql_long(F("select count(*) from outbox where type = 'contract.created' and tender_id = '%s' and "
                                "buyer_org_id = '%s' and data ->> 'id' in ('%s', '%s')", TA, A_org, K1, K2)), 2);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'contract' and action = 'create' and "
                                "entity_id in ('%s', '%s')", K1, K2)), 2);
    assert_int_equal(sql_long(F("select count(*) from commitments where contract_id in ('%s', '%s')", K1, K2)), 3);

    /* a supplier sees its own contracts, and the tender and clauses they are on */
    b = call("GET", "/v1/contracts", S1_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", K2);
    b = call("GET", "/v1/contracts", S2_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", K1);
    assert_string_equal(js(call("GET", F("/v1/contracts/%s", K2), S1_tok, NULL, 200), "id"), K2);
    call("GET", F("/v1/contracts/%s", K1), S1_tok, NULL, 404);
    call("GET", F("/v1/tenders/%s", TA), S1_tok, NULL, 200);
    expect_str(call("GET", F("/v1/tenders/%s/clauses", TA), S1_tok, NULL, 200), "items", "[2]");
    call("GET", F("/v1/clauses/%s", C1), S1_tok, NULL, 200);
    call("GET", F("/v1/tenders/%s", TB), S1_tok, NULL, 404);
    b = call("GET", "/v1/tenders", S1_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", TA);
    /* the buyer sees the contracts on its tenders; another buyer none of them */
    b = call("GET", "/v1/contracts", A_tok, NULL, 200);
    expect_str(b, "items", "[2]");
    expect_str(b, "items.0.id", K1);
    expect_str(b, "items.1.id", K2);
    expect_str(call("GET", "/v1/contracts", B_tok, NULL, 200), "items", "[0]");
    call("GET", F("/v1/contracts/%s", K1), B_tok, NULL, 404);
    call("GET", "/v1/contracts/00000000-0000-0000-0000-000000000000", admin_tok, NULL, 404);
    /* staff see all, with filters */
    expect_str(call("GET", "/v1/contracts", analyst_tok, NULL, 200), "items", "[2]");
    expect_str(call("GET", F("/v1/contracts?tender_id=%s", TA), centre_tok, NULL, 200), "items", "[2]");
    expect_str(call("GET", F("/v1/contracts?tender_id=%s", TB), centre_tok, NULL, 200), "items", "[0]");
    b = call("GET", F("/v1/contracts?supplier_org_id=%s", S1_org), admin_tok, NULL, 200);
    expect_str(b, "items", "[1]");
    expect_str(b, "items.0.id", K2);
    b = call("GET", "/v1/contracts?limit=1", analyst_tok, NULL, 200);
    expect_str(b, "items.0.id", K1);
    b = call("GET", F("/v1/contracts?limit=1&cursor=%s", js(b, "next_cursor")), analyst_tok, NULL, 200);
    expect_str(b, "items.0.id", K2);
    expect_str(b, "next_cursor", "null");
    expect_fields(call("GET", "/v1/contracts?tender_id=nope", analyst_tok, NULL, 400), (const char *[]){"tender_id", NULL});
    expect_fields(call("GET", "/v1/contracts?supplier_org_id=1", analyst_tok, NULL, 400),
                  (const char *[]){"supplier_org_id", NULL});
    /* supplier filter inside a supplier's scope shows nothing more */
    expect_str(call("GET", F("/v1/contracts?supplier_org_id=%s", S2_org), S1_tok, NULL, 200), "items", "[0]");

    /* with contracts in place the clauses' obligations hold */
    snap(&s);
    const char *one = F("/v1/clauses/%s", C1);
    expect_fields(call("PATCH", one, A_tok, "{\"quantity\": 5}", 409), (const char *[]){"quantity", NULL});
    expect_fields(call("PATCH", one, A_tok, "{\"kind\": \"work_trials\"}", 409), (const char *[]){"kind", NULL});
    expect_fields(call("PATCH", F("/v1/clauses/%s", C2), A_tok, "{\"lot_ref\": null}", 409),
                  (const char *[]){"lot_ref", NULL});
    same(&s);
    b = call("PATCH", one, A_tok, "{\"quantity\": 4, \"min_weekly_hours\": 20}", 200);
    expect_str(b, "min_weekly_hours", "20");
    /* contracts on a cancelled tender are refused */
    call("PATCH", F("/v1/tenders/%s", T2031), A_tok, "{\"status\": \"cancelled\"}", 200);
    call("POST", F("/v1/tenders/%s/contracts", T2031), A_tok,
         "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-03-01\", \"ends_on\": \"2026-12-31\"}", 409);
}

static void test_clause_delete(void **state)
{
    (void)state;
    const char *t = js(call("POST", "/v1/tenders", A_tok, "{\"title\": \"Poistettava\"}", 201), "id");
    const char *c = js(call("POST", F("/v1/tenders/%s/clauses", t), A_tok,
                            "{\"kind\": \"work_trials\", \"target_groups\": [\"immigrant\"], \"quantity\": 2}", 201), "id");
    const char *path = F("/v1/clauses/%s", c);
    struct snap s;
    snap(&s);
    call("DELETE", path, B_tok, NULL, 404);
    call("DELETE", path, S1_tok, NULL, 403);
    call("DELETE", path, analyst_tok, NULL, 403);
    /* clauses of a tender with contracts stay */
    const char *b = call("DELETE", F("/v1/clauses/%s", C1), A_tok, NULL, 409);
    assert_non_null(js(b, "detail"));
    call("DELETE", F("/v1/clauses/%s", C2), admin_tok, NULL, 409);
    same(&s);
    call("DELETE", path, A_tok, NULL, 204);
    call("GET", path, A_tok, NULL, 404);
    call("DELETE", path, A_tok, NULL, 404);
    assert_int_equal(it_count(&D, "clauses"), s.n[2] - 1);
    assert_int_equal(sql_long(F("select count(*) from audit_log where entity = 'clause' and entity_id = '%s' and "
                                "action = 'delete' and before ->> 'kind' = 'work_trials' and after is null", c)), 1);
    call("GET", F("/v1/clauses/%s", C1), A_tok, NULL, 200);
}

/* A change and its event commit together: when the event cannot be written, the change is gone. */
static void test_events_atomic(void **state)
{
    (void)state;
    exec_sql("create function it_refuse_event() returns trigger language plpgsql as $$ begin "
             "if new.data ->> 'title' = 'FAIL-OUTBOX' then raise exception 'outbox refused'; end if; "
             "return new; end $$");
    exec_sql("create trigger it_refuse_event before insert on outbox for each row execute function it_refuse_event()");
    struct snap s;
    snap(&s);
    call("POST", "/v1/tenders", A_tok,
         "{\"title\": \"FAIL-OUTBOX\", \"lots\": [{\"lot_ref\": \"L1\"}]}", 500);
    same(&s);
    exec_sql("drop trigger it_refuse_event on outbox");
    exec_sql("drop function it_refuse_event()");

    /* every API write left exactly its event */
    assert_int_equal(sql_long("select count(*) from outbox where type = 'tender.created'"), it_count(&D, "tenders"));
    assert_int_equal(sql_long("select count(*) from outbox where type = 'contract.created'"), it_count(&D, "contracts"));
    assert_int_equal(sql_long("select count(*) from outbox where type = 'clause.created'"),
                     it_count(&D, "clauses") + 1); /* one was deleted since */
    assert_int_equal(sql_long("select count(*) from outbox o where type = 'clause.created' and buyer_org_id is "
                              "distinct from (select buyer_org_id from tenders t where t.id = o.tender_id)"), 0);
    assert_int_equal(sql_long("select count(*) from audit_log where entity = 'tender' and action = 'create'"),
                     it_count(&D, "tenders"));
    assert_int_equal(sql_long("select count(*) from audit_log where entity = 'contract' and action = 'create'"),
                     it_count(&D, "contracts"));
}

static void test_not_found(void **state)
{
    (void)state;
    call("GET", "/v1/tenders/00000000-0000-0000-0000-000000000000", admin_tok, NULL, 404);
    call("GET", "/v1/tenders/not-a-uuid", admin_tok, NULL, 404);
    call("GET", "/v1/tenders/00000000-0000-0000-0000-000000000000/clauses", admin_tok, NULL, 404);
    call("POST", "/v1/tenders/00000000-0000-0000-0000-000000000000/contracts", admin_tok,
         "{\"supplier_business_id\": \"1234567-1\", \"starts_on\": \"2026-03-01\", \"ends_on\": \"2026-12-31\"}", 404);
    call("GET", "/v1/contracts/not-a-uuid", admin_tok, NULL, 404);
    struct it_resp r;
    assert_int_equal(it_http(&D, "PUT", F("/v1/tenders/%s", TA), A_tok, "application/json", "{}", 0, NULL, &r), 0);
    assert_int_equal(r.status, 405);
    char *allow = it_header(&r, "allow");
    assert_non_null(allow);
    assert_non_null(strstr(allow, "PATCH"));
    free(allow);
    it_resp_free(&r);
}

static void test_sigterm(void **state)
{
    (void)state;
    assert_int_equal(it_daemon_stop(&D), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tender_create_read),
        cmocka_unit_test(test_tender_create_rules),
        cmocka_unit_test(test_tender_roles),
        cmocka_unit_test(test_tender_validation),
        cmocka_unit_test(test_tender_patch),
        cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_clauses),
        cmocka_unit_test(test_contracts),
        cmocka_unit_test(test_clause_delete),
        cmocka_unit_test(test_events_atomic),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_sigterm),
    };
    return cmocka_run_group_tests_name("tenders", tests, setup, teardown);
}
