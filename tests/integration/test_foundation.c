/* test_foundation.c - the foundation through real HTTP against a real PostgreSQL: health,
 * auth (no/unknown/malformed/revoked token), roles and scope, router errors (404, 405),
 * body checks (413, 415, 400 malformed JSON and invalid UTF-8), validation (422 naming every
 * field, nothing written), idempotency replay and conflict, cursor pagination, audit, metrics,
 * the CLI's rules, and a clean SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "harness.h"

static struct it_daemon D;
static char *admin_org, *admin_tok, *buyer_org, *buyer_tok, *supplier_tok, *analyst_tok, *centre_tok;

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "foundation");
    admin_org = it_org(&D, "admin", "Ylläpito", NULL, NULL);
    admin_tok = it_token(&D, admin_org);
    buyer_org = it_org(&D, "buyer", "Joensuun kaupunki", "0204819-8", "FI1D3");
    buyer_tok = it_token(&D, buyer_org);
    char *s = it_org(&D, "supplier", "Palvelu Oy", "1234567-1", NULL);
    supplier_tok = it_token(&D, s);
    free(s);
    s = it_org(&D, "analyst", "Kuntaliitto", "0926151-4", NULL);
    analyst_tok = it_token(&D, s);
    free(s);
    s = it_org(&D, "centre", "Osaamiskeskus", NULL, NULL);
    centre_tok = it_token(&D, s);
    free(s);
    it_daemon_start(&D, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(admin_org); free(admin_tok); free(buyer_org); free(buyer_tok);
    free(supplier_tok); free(analyst_tok); free(centre_tok);
    return 0;
}

static void expect_problem(struct it_resp *r, int status)
{
    if (r->status != status)
        fprintf(stderr, "expected %d, got %d: %s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
    char *ct = it_header(r, "content-type");
    assert_non_null(ct);
    assert_string_equal(ct, "application/problem+json");
    free(ct);
    char *st = it_json(r->body, "status");
    assert_non_null(st);
    assert_int_equal(atoi(st), status);
    free(st);
}

static void test_health(void **state)
{
    (void)state;
    struct it_resp r;
    assert_int_equal(it_get(&D, "/healthz", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/readyz", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
}

static void test_me_each_role(void **state)
{
    (void)state;
    const char *toks[] = {admin_tok, buyer_tok, supplier_tok, analyst_tok, centre_tok};
    const char *roles[] = {"admin", "buyer", "supplier", "analyst", "centre"};
    for (int i = 0; i < 5; i++) {
        struct it_resp r;
        assert_int_equal(it_get(&D, "/v1/me", toks[i], &r), 0);
        assert_int_equal(r.status, 200);
        char *role = it_json(r.body, "role");
        assert_string_equal(role, roles[i]);
        char *kind = it_json(r.body, "org.kind");
        assert_string_equal(kind, roles[i]);
        free(role);
        free(kind);
        it_resp_free(&r);
    }
}

static void test_auth_401(void **state)
{
    (void)state;
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/me", NULL, &r), 0);
    expect_problem(&r, 401);
    char *wa = it_header(&r, "www-authenticate");
    assert_non_null(wa);
    assert_true(strncmp(wa, "Bearer", 6) == 0);
    free(wa);
    it_resp_free(&r);
    /* well-formed but unknown */
    assert_int_equal(it_get(&D, "/v1/me", "ct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r), 0);
    expect_problem(&r, 401);
    it_resp_free(&r);
    /* malformed */
    assert_int_equal(it_get(&D, "/v1/me", "nonsense", &r), 0);
    expect_problem(&r, 401);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "GET", "/v1/me", NULL, NULL, NULL, 0, "Authorization: Basic Zm9vOmJhcg==\r\n", &r), 0);
    expect_problem(&r, 401);
    it_resp_free(&r);
}

static void test_revoked_key(void **state)
{
    (void)state;
    struct it_resp r;
    char *path = it_fmt("/v1/organizations/%s/keys", buyer_org);
    assert_int_equal(it_post(&D, path, admin_tok, "{\"label\": \"temporary\"}", &r), 0);
    assert_int_equal(r.status, 201);
    char *tok = it_json(r.body, "token");
    char *kid = it_json(r.body, "id");
    assert_non_null(tok);
    assert_true(strncmp(tok, "ct_", 3) == 0 && strlen(tok) >= 35);
    it_resp_free(&r);
    /* stored only as its hash */
    char *sql = it_fmt("select count(*) from api_keys where token_hash = '%s'", tok);
    char *n = it_sql(&D, sql);
    assert_string_equal(n, "0");
    free(n);
    free(sql);
    assert_int_equal(it_get(&D, "/v1/me", tok, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    /* revoke with the CLI (another process): the daemon's cache must let go within a second */
    const char *argv[] = {"key", "revoke", kid, NULL};
    assert_int_equal(it_cli(&D, argv, NULL, NULL), 0);
    usleep(1000 * 1000);
    assert_int_equal(it_get(&D, "/v1/me", tok, &r), 0);
    expect_problem(&r, 401);
    it_resp_free(&r);
    /* and through the API */
    assert_int_equal(it_post(&D, path, admin_tok, "{}", &r), 0);
    char *tok2 = it_json(r.body, "token");
    char *kid2 = it_json(r.body, "id");
    it_resp_free(&r);
    char *del = it_fmt("/v1/keys/%s", kid2);
    assert_int_equal(it_http(&D, "DELETE", del, admin_tok, NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 204);
    it_resp_free(&r);
    usleep(1000 * 1000);
    assert_int_equal(it_get(&D, "/v1/me", tok2, &r), 0);
    expect_problem(&r, 401);
    it_resp_free(&r);
    free(del); free(tok2); free(kid2); free(tok); free(kid); free(path);
}

static void test_roles_403_404(void **state)
{
    (void)state;
    struct it_resp r;
    const char *body = "{\"name\":\"X\",\"kind\":\"analyst\"}";
    const char *toks[] = {buyer_tok, supplier_tok, analyst_tok, centre_tok};
    long before = it_count(&D, "organizations");
    for (int i = 0; i < 4; i++) {
        assert_int_equal(it_post(&D, "/v1/organizations", toks[i], body, &r), 0);
        expect_problem(&r, 403);
        it_resp_free(&r);
        assert_int_equal(it_get(&D, "/v1/organizations", toks[i], &r), 0);
        expect_problem(&r, 403);
        it_resp_free(&r);
    }
    assert_int_equal(it_count(&D, "organizations"), before);
    /* unknown id and non-UUID id */
    assert_int_equal(it_get(&D, "/v1/organizations/00000000-0000-0000-0000-000000000000", admin_tok, &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/organizations/not-a-uuid", admin_tok, &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    char *p = it_fmt("/v1/organizations/%s", buyer_org);
    assert_int_equal(it_get(&D, p, admin_tok, &r), 0);
    assert_int_equal(r.status, 200);
    char *bid = it_json(r.body, "business_id");
    assert_string_equal(bid, "0204819-8");
    free(bid);
    free(p);
    it_resp_free(&r);
}

static void test_router(void **state)
{
    (void)state;
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/nothing-here", admin_tok, &r), 0);
    expect_problem(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "PUT", "/v1/organizations", admin_tok, NULL, NULL, 0, NULL, &r), 0);
    expect_problem(&r, 405);
    char *allow = it_header(&r, "allow");
    assert_non_null(allow);
    assert_non_null(strstr(allow, "GET"));
    assert_non_null(strstr(allow, "POST"));
    free(allow);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "PATCH", "/v1/me", admin_tok, "application/json", "{}", 0, NULL, &r), 0);
    expect_problem(&r, 405);
    it_resp_free(&r);
}

static void test_bodies(void **state)
{
    (void)state;
    struct it_resp r;
    long before = it_count(&D, "organizations");
    /* 415 */
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "text/plain", "{}", 0, NULL, &r), 0);
    expect_problem(&r, 415);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, NULL, "{}", 0, NULL, &r), 0);
    expect_problem(&r, 415);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json; charset=latin1", "{}", 0,
                             NULL, &r), 0);
    expect_problem(&r, 415);
    it_resp_free(&r);
    /* 400 malformed and invalid UTF-8 */
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, "{\"name\": ", &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, "{\"name\": \"\xc3\x28\", \"kind\": \"admin\"}", &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, "[1,2]", &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
    /* 413: over max_json_body (1 MiB) */
    size_t big = 1100 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json", huge, big, NULL, &r), 0);
    expect_problem(&r, 413);
    it_resp_free(&r);
    free(huge);
    assert_int_equal(it_count(&D, "organizations"), before);
}

static void test_validation_422(void **state)
{
    (void)state;
    struct it_resp r;
    long before = it_count(&D, "organizations"), audit = it_count(&D, "audit_log");
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok,
                             "{\"name\": \"\", \"kind\": \"buyer\", \"business_id\": \"1234567-2\", \"region\": \"FI999\", "
                             "\"municipality_code\": \"12\", \"extra\": 1}", &r), 0);
    expect_problem(&r, 422);
    const char *want[] = {"extra", "name", "business_id", "region", "municipality_code"};
    for (int i = 0; i < 5; i++) {
        char *path = it_fmt("errors.%d.field", i);
        char *f = it_json(r.body, path);
        assert_non_null(f);
        assert_string_equal(f, want[i]);
        free(f);
        free(path);
    }
    it_resp_free(&r);
    /* a buyer needs a region; a Finnish supplier a business id */
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, "{\"name\": \"K\", \"kind\": \"buyer\", \"business_id\": \"0204819-8\"}", &r), 0);
    expect_problem(&r, 422);
    char *f = it_json(r.body, "errors.0.field");
    assert_string_equal(f, "region");
    free(f);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, "{\"name\": \"S\", \"kind\": \"supplier\"}", &r), 0);
    expect_problem(&r, 422);
    it_resp_free(&r);
    /* duplicate business id: 409 */
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok,
                             "{\"name\": \"Toinen\", \"kind\": \"supplier\", \"business_id\": \"FI12345671\"}", &r), 0);
    expect_problem(&r, 409);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "organizations"), before);
    assert_int_equal(it_count(&D, "audit_log"), audit);
    /* a foreign organisation keeps its identifier and NUTS code */
    assert_int_equal(it_post(&D, "/v1/organizations", admin_tok,
                             "{\"name\": \"Leverantör AB\", \"kind\": \"supplier\", \"country\": \"SWE\", "
                             "\"business_id\": \"556677-8899\", \"region\": \"SE110\"}", &r), 0);
    assert_int_equal(r.status, 201);
    char *bid = it_json(r.body, "business_id");
    assert_string_equal(bid, "556677-8899");
    free(bid);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "audit_log"), audit + 1);
}

static void test_idempotency(void **state)
{
    (void)state;
    struct it_resp r1, r2, r3;
    const char *body = "{\"name\": \"Kitee\", \"kind\": \"buyer\", \"business_id\": \"0165808-2\", \"region\": \"FI1D3\", \"municipality_code\": \"260\"}";
    long before = it_count(&D, "organizations");
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json", body, 0,
                             "Idempotency-Key: org-kitee-1\r\n", &r1), 0);
    assert_int_equal(r1.status, 201);
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json", body, 0,
                             "Idempotency-Key: org-kitee-1\r\n", &r2), 0);
    assert_int_equal(r2.status, 201);
    assert_string_equal(r1.body, r2.body);
    assert_int_equal(it_count(&D, "organizations"), before + 1);
    const char *other = "{\"name\": \"Kitee 2\", \"kind\": \"analyst\"}";
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json", other, 0,
                             "Idempotency-Key: org-kitee-1\r\n", &r3), 0);
    expect_problem(&r3, 409);
    assert_int_equal(it_count(&D, "organizations"), before + 1);
    it_resp_free(&r1);
    it_resp_free(&r2);
    it_resp_free(&r3);
    /* the same key from another organisation is another key */
    assert_int_equal(it_http(&D, "POST", "/v1/organizations", admin_tok, "application/json", "{\"name\":\"A\",\"kind\":\"analyst\"}", 0,
                             "Idempotency-Key: \r\n", &r1), 0);
    expect_problem(&r1, 400);
    it_resp_free(&r1);
}

static void test_pagination(void **state)
{
    (void)state;
    for (int i = 0; i < 7; i++) {
        struct it_resp r;
        char *b = it_fmt("{\"name\": \"Analyysi %d\", \"kind\": \"analyst\"}", i);
        assert_int_equal(it_post(&D, "/v1/organizations", admin_tok, b, &r), 0);
        assert_int_equal(r.status, 201);
        it_resp_free(&r);
        free(b);
    }
    long total = it_count(&D, "organizations");
    long seen = 0;
    char *cursor = NULL;
    char *last_id = NULL;
    for (int page = 0; page < 100; page++) {
        struct it_resp r;
        char *path = cursor ? it_fmt("/v1/organizations?limit=3&cursor=%s", cursor) : it_fmt("/v1/organizations?limit=3");
        assert_int_equal(it_get(&D, path, admin_tok, &r), 0);
        assert_int_equal(r.status, 200);
        char *n = it_json(r.body, "items");
        int count = atoi(n + 1);
        free(n);
        assert_true(count <= 3);
        for (int i = 0; i < count; i++) {
            char *p = it_fmt("items.%d.id", i);
            char *id = it_json(r.body, p);
            if (last_id)
                assert_string_not_equal(id, last_id);
            free(last_id);
            last_id = id;
            free(p);
        }
        seen += count;
        free(cursor);
        cursor = it_json(r.body, "next_cursor");
        it_resp_free(&r);
        free(path);
        if (!cursor || strcmp(cursor, "null") == 0)
            break;
    }
    free(cursor);
    free(last_id);
    assert_int_equal(seen, total);
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/organizations?limit=0", admin_tok, &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/organizations?limit=501", admin_tok, &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/organizations?cursor=%%%%garbage", admin_tok, &r), 0);
    expect_problem(&r, 400);
    it_resp_free(&r);
}

static void test_metrics(void **state)
{
    (void)state;
    struct it_resp r;
    assert_int_equal(it_get(&D, "/metrics", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "clausetrack_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"200\"}"));
    assert_non_null(strstr(r.body, "clausetrack_http_request_duration_seconds_bucket"));
    assert_non_null(strstr(r.body, "clausetrack_db_pool_connections"));
    it_resp_free(&r);
}

static void test_cli_rules(void **state)
{
    (void)state;
    char *err = NULL;
    const char *bad[] = {"org", "add", "--name", "Bad", "--kind", "buyer", "--business-id", "1234567-2", "--region", "FI1D3", NULL};
    assert_int_equal(it_cli(&D, bad, NULL, &err), 1);
    assert_non_null(strstr(err, "--business-id"));
    free(err);
    const char *usage[] = {"org", "add", "--name", NULL};
    assert_int_equal(it_cli(&D, usage, NULL, NULL), 2);
    const char *help[] = {"--help", NULL};
    char *out = NULL;
    assert_int_equal(it_cli(&D, help, &out, NULL), 0);
    assert_non_null(strstr(out, "migrate"));
    free(out);
    const char *mig[] = {"migrate", NULL};
    assert_int_equal(it_cli(&D, mig, &out, NULL), 0);
    assert_non_null(strstr(out, "0 applied"));
    free(out);
}

static void test_logs_clean(void **state)
{
    (void)state;
    FILE *f = fopen(D.logfile, "r");
    assert_non_null(f);
    char line[4096];
    int requests = 0;
    while (fgets(line, sizeof line, f)) {
        assert_null(strstr(line, admin_tok));
        assert_null(strstr(line, buyer_tok));
        if (strstr(line, " request "))
            requests++;
    }
    fclose(f);
    assert_true(requests > 10);
}

/* SIGHUP reloads the reloadable keys from the configuration file; a broken file keeps the old
 * configuration. Runs its own daemon on the same database. */
static void test_sighup_reload(void **state)
{
    (void)state;
    struct it_daemon h = D;
    h.pid = 0;
    h.port = 0;
    char *cfg = it_fmt("%s.conf", D.keyfile);
    h.config = cfg;
    FILE *f = fopen(cfg, "w");
    fputs("# test configuration\nmax_json_body = 2048\nlog_level = info\n", f);
    fclose(f);
    it_daemon_start(&h, NULL);
    char body[4096];
    memset(body, ' ', sizeof body - 1);
    body[0] = '{';
    body[sizeof body - 2] = '}';
    body[sizeof body - 1] = '\0';
    struct it_resp r;
    assert_int_equal(it_http(&h, "POST", "/v1/organizations", admin_tok, "application/json", body, 0, NULL, &r), 0);
    expect_problem(&r, 413);
    it_resp_free(&r);
    f = fopen(cfg, "w");
    fputs("max_json_body = 1048576\n", f);
    fclose(f);
    kill(h.pid, SIGHUP);
    usleep(300 * 1000);
    assert_int_equal(it_http(&h, "POST", "/v1/organizations", admin_tok, "application/json", body, 0, NULL, &r), 0);
    expect_problem(&r, 422); /* read now: an empty object misses name and kind */
    it_resp_free(&r);
    /* a broken file: logged, the running configuration stays */
    f = fopen(cfg, "w");
    fputs("max_json_body = lots\n", f);
    fclose(f);
    kill(h.pid, SIGHUP);
    usleep(300 * 1000);
    assert_int_equal(it_http(&h, "POST", "/v1/organizations", admin_tok, "application/json", body, 0, NULL, &r), 0);
    expect_problem(&r, 422);
    it_resp_free(&r);
    assert_int_equal(it_daemon_stop(&h), 0);
    unlink(cfg);
    free(cfg);
}

static void test_sigterm(void **state)
{
    (void)state;
    assert_int_equal(it_daemon_stop(&D), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_me_each_role),
        cmocka_unit_test(test_auth_401),
        cmocka_unit_test(test_revoked_key),
        cmocka_unit_test(test_roles_403_404),
        cmocka_unit_test(test_router),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_validation_422),
        cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_cli_rules),
        cmocka_unit_test(test_logs_clean),
        cmocka_unit_test(test_sighup_reload),
        cmocka_unit_test(test_sigterm),
    };
    return cmocka_run_group_tests_name("foundation", tests, setup, teardown);
}
