/* test_deliveries.c - webhook deliveries end to end (CONTRACT §9) against receiver.c: the
 * subscription API (fields, roles, scope, secrets once), signatures, who gets what (no person for
 * the centre), retries (down/up, Retry-After, 3xx, 410, the 24 h window, redeliver), slow and huge
 * answers, HTTPS host checks, SIGKILL and SIGTERM mid-delivery, two daemons on one database,
 * impact.monthly, metrics and clean logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "receiver.h"

#define WAIT_MS 20000

static struct it_daemon D;
static struct rcv *R;  /* plain HTTP receiver */
static struct rcv *RT; /* HTTPS receiver with a certificate for "localhost" */
static char *admin_tok, *a_org, *a_tok, *b_org, *b_tok, *supplier_org, *supplier_tok, *analyst_tok, *centre_tok;
static char *cert_file, *key_file, *ca_env;
static const char *env[16];

/* strings to free at the end, subscriptions to delete after each test */
static char *garbage[4096];
static int ngarbage;
static char *subs[64];
static int nsubs;

static char *keep(char *s);
static int setup(void **state);
static int teardown(void **state);
static char *url_for(struct rcv *r, const char *path, int tls_host);
static char *sub_create(const char *tok, struct rcv *r, const char *path, const char *events);
static void subs_cleanup(void);
static void emit(const char *buyer, const char *type, const char *tag, int n, int person);
static char **event_ids(const char *tag, int *n);
static char *sql1(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int wait_sql(const char *want, int timeout_ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void expect_status(struct it_resp *r, int status);
static char *problem_field(const char *body);
static void check_order(struct rcv *r, const char *path, char **ids, int n);

static char *keep(char *s)
{
    if (ngarbage < (int)(sizeof garbage / sizeof *garbage))
        garbage[ngarbage++] = s;
    return s;
}

static char *sql1(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = NULL;
    if (vasprintf(&q, fmt, ap) < 0)
        q = NULL;
    va_end(ap);
    char *v = it_sql(&D, q);
    free(q);
    return keep(v ? v : strdup(""));
}

static int wait_sql(const char *want, int timeout_ms, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = NULL;
    if (vasprintf(&q, fmt, ap) < 0)
        q = NULL;
    va_end(ap);
    int64_t end = rcv_now_us() + (int64_t)timeout_ms * 1000;
    int ok = 0;
    while (!ok) {
        char *v = it_sql(&D, q);
        ok = v && strcmp(v, want) == 0;
        free(v);
        if (ok || rcv_now_us() > end)
            break;
        usleep(50000);
    }
    free(q);
    return ok ? 0 : -1;
}

static void expect_status(struct it_resp *r, int status)
{
    if (r->status != status)
        fprintf(stderr, "expected %d, got %d: %s\n", status, r->status, r->body);
    assert_int_equal(r->status, status);
}

static char *problem_field(const char *body)
{
    return keep(it_json(body, "errors.0.field"));
}

static char *url_for(struct rcv *r, const char *path, int tls_host)
{
    if (r == RT)
        return keep(it_fmt("https://%s:%d%s", tls_host ? "localhost" : "127.0.0.1", rcv_port(r), path));
    return keep(it_fmt("http://127.0.0.1:%d%s", rcv_port(r), path));
}

/* POST /v1/subscriptions for path on r; registers the returned secret with the receiver. */
static char *sub_create(const char *tok, struct rcv *r, const char *path, const char *events)
{
    struct it_resp resp;
    char *body = it_fmt("{\"url\": \"%s\", \"events\": %s}", url_for(r, path, 1), events);
    assert_int_equal(it_post(&D, "/v1/subscriptions", tok, body, &resp), 0);
    free(body);
    expect_status(&resp, 201);
    char *id = keep(it_json(resp.body, "id"));
    char *secret = keep(it_json(resp.body, "secret"));
    assert_non_null(id);
    assert_non_null(secret);
    assert_true(strncmp(secret, "whsec_", 6) == 0);
    rcv_secret(r, path, secret);
    it_resp_free(&resp);
    if (nsubs < 64)
        subs[nsubs++] = id;
    return id;
}

static void subs_cleanup(void)
{
    for (int i = 0; i < nsubs; i++) {
        struct it_resp r;
        char *p = it_fmt("/v1/subscriptions/%s", subs[i]);
        if (it_http(&D, "DELETE", p, admin_tok, NULL, NULL, 0, NULL, &r) == 0)
            it_resp_free(&r);
        free(p);
    }
    nsubs = 0;
}

/* n events of type for buyer in one transaction (data {"test": tag, "n": i}). */
static void emit(const char *buyer, const char *type, const char *tag, int n, int person)
{
    char *q = it_fmt("select api.emit('%s', %s%s%s, null, jsonb_build_object('test', '%s', 'n', g%s), %s) "
                     "from generate_series(1, %d) g",
                     type, buyer ? "'" : "", buyer ? buyer : "null", buyer ? "'::uuid" : "", tag,
                     person ? ", 'person_ref', lpad(to_hex(g), 64, '0')" : "", person ? "true" : "false", n);
    it_exec(&D, q);
    free(q);
}

/* The ids of the events tagged tag, in outbox order. */
static char **event_ids(const char *tag, int *n)
{
    char *all = sql1("select string_agg(id, ',' order by seq) from outbox where data ->> 'test' = '%s'", tag);
    static char *ids[256];
    *n = 0;
    for (char *p = all; *p && *n < 256;) {
        size_t len = strcspn(p, ",");
        ids[(*n)++] = keep(strndup(p, len));
        p += len;
        if (*p == ',')
            p++;
    }
    return ids;
}

/* The first arrivals at path follow ids' order (in order per subscription). */
static void check_order(struct rcv *r, const char *path, char **ids, int n)
{
    struct rcv_hit *h;
    int nh = rcv_hits(r, &h), next = 0;
    for (int i = 0; i < nh; i++) {
        if (strcmp(h[i].path, path) != 0)
            continue;
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(h[k].path, path) == 0 && strcmp(h[k].id, h[i].id) == 0;
        if (seen)
            continue;
        if (next >= n || strcmp(h[i].id, ids[next]) != 0)
            fprintf(stderr, "%s: arrival %d is %s, expected %s\n", path, next, h[i].id, next < n ? ids[next] : "none");
        assert_true(next < n && strcmp(h[i].id, ids[next]) == 0);
        next++;
    }
    rcv_hits_free(h, nh);
    assert_int_equal(next, n);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    it_db_create(&D, "deliveries");
    admin_tok = it_token(&D, keep(it_org(&D, "admin", "Ylläpito", NULL, NULL)));
    a_org = it_org(&D, "buyer", "Joensuun kaupunki", "0204819-8", "FI1D3");
    a_tok = it_token(&D, a_org);
    b_org = it_org(&D, "buyer", "Kuopion kaupunki", "2345678-0", "FI1D2");
    b_tok = it_token(&D, b_org);
    supplier_org = it_org(&D, "supplier", "Palvelu Oy", "1234567-1", NULL);
    supplier_tok = it_token(&D, supplier_org);
    analyst_tok = it_token(&D, keep(it_org(&D, "analyst", "Kuntaliitto", NULL, NULL)));
    centre_tok = it_token(&D, keep(it_org(&D, "centre", "Osaamiskeskus", NULL, NULL)));
    cert_file = it_fmt("%s/%s-cert.pem", getenv("CT_IT_TMP"), D.dbname);
    key_file = it_fmt("%s/%s-key.pem", getenv("CT_IT_TMP"), D.dbname);
    if (rcv_make_cert(cert_file, key_file, "localhost") != 0) {
        fprintf(stderr, "cannot make a certificate\n");
        return -1;
    }
    ca_env = it_fmt("CLAUSETRACK_CA_FILE=%s", cert_file);
    int n = 0;
    env[n++] = "CLAUSETRACK_DELIVERY_TIMEOUT=2";
    env[n++] = "CLAUSETRACK_DELIVERY_POLL_MS=100";
    env[n++] = "CLAUSETRACK_DELIVERY_BACKOFF_MS=100";
    env[n++] = "CLAUSETRACK_DELIVERY_BACKOFF_MAX=1";
    env[n++] = "CLAUSETRACK_DELIVERY_LEASE=7";
    env[n++] = "CLAUSETRACK_JANITOR_DELAY=86400";
    env[n++] = ca_env;
    env[n] = NULL;
    R = rcv_start(0, NULL, NULL);
    RT = rcv_start(0, cert_file, key_file);
    it_daemon_start(&D, env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    rcv_free(R);
    rcv_free(RT);
    for (int i = 0; i < ngarbage; i++)
        free(garbage[i]);
    free(admin_tok); free(a_org); free(a_tok); free(b_org); free(b_tok); free(supplier_org); free(supplier_tok);
    free(analyst_tok); free(centre_tok); free(cert_file); free(key_file); free(ca_env);
    return 0;
}

/* ---- the API ---- */

static void test_subscription_api(void **state)
{
    (void)state;
    struct it_resp r;
    long before = it_count(&D, "subscriptions"), audit = it_count(&D, "audit_log");
    const char *bad[][2] = {
        {"{\"url\": \"ftp://example.org/x\", \"events\": [\"tender.created\"]}", "url"},
        {"{\"url\": \"https://user:pw@example.org/x\", \"events\": [\"tender.created\"]}", "url"},
        {"{\"url\": \"https://example.org/x#frag\", \"events\": [\"tender.created\"]}", "url"},
        {"{\"url\": \"https:///x\", \"events\": [\"tender.created\"]}", "url"},
        {"{\"url\": \"https://example.org/a b\", \"events\": [\"tender.created\"]}", "url"},
        {"{\"events\": [\"tender.created\"]}", "url"},
        {"{\"url\": \"https://example.org/x\", \"events\": []}", "events"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.deleted\"]}", "events[0]"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\", \"tender.created\"]}", "events[1]"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\", \"impact.monthly\"]}", "events[1]"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\"], \"secret\": \"abc\"}", "secret"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\"], \"secret\": \"whsec_c2hvcnQ=\"}", "secret"},
        {"{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\"], \"colour\": 1}", "colour"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(it_post(&D, "/v1/subscriptions", a_tok, bad[i][0], &r), 0);
        expect_status(&r, 422);
        char *f = problem_field(r.body);
        if (!f || strcmp(f, bad[i][1]) != 0)
            fprintf(stderr, "case %zu: %s\n", i, r.body);
        assert_non_null(f);
        assert_string_equal(f, bad[i][1]);
        it_resp_free(&r);
    }
    char *long_url = it_fmt("{\"url\": \"https://example.org/%02000d\", \"events\": [\"tender.created\"]}", 0);
    assert_int_equal(it_post(&D, "/v1/subscriptions", a_tok, long_url, &r), 0);
    expect_status(&r, 422);
    it_resp_free(&r);
    free(long_url);
    /* placement events are not the centre's or analysts'; impact.monthly is the centre's alone */
    const char *placement = "{\"url\": \"https://example.org/x\", \"events\": [\"placement.reported\"]}";
    assert_int_equal(it_post(&D, "/v1/subscriptions", centre_tok, placement, &r), 0);
    expect_status(&r, 422);
    assert_string_equal(problem_field(r.body), "events[0]");
    it_resp_free(&r);
    assert_int_equal(it_post(&D, "/v1/subscriptions", analyst_tok,
                             "{\"url\": \"https://example.org/x\", \"events\": [\"impact.monthly\"]}", &r), 0);
    expect_status(&r, 422);
    it_resp_free(&r);
    /* suppliers may not subscribe at all */
    assert_int_equal(it_post(&D, "/v1/subscriptions", supplier_tok,
                             "{\"url\": \"https://example.org/x\", \"events\": [\"tender.created\"]}", &r), 0);
    expect_status(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/subscriptions", supplier_tok, &r), 0);
    expect_status(&r, 403);
    it_resp_free(&r);
    assert_int_equal(it_count(&D, "subscriptions"), before);
    assert_int_equal(it_count(&D, "audit_log"), audit);

    /* a given secret is kept; the scheme is stored in lower case */
    const char *given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    char *body = it_fmt("{\"url\": \"HTTPS://example.org/hook?k=1\", \"events\": [\"tender.created\", "
                        "\"contract.created\"], \"secret\": \"%s\"}", given);
    assert_int_equal(it_http(&D, "POST", "/v1/subscriptions", a_tok, "application/json", body, 0,
                             "Idempotency-Key: sub-1\r\n", &r), 0);
    expect_status(&r, 201);
    char *id = keep(it_json(r.body, "id"));
    assert_string_equal(keep(it_json(r.body, "secret")), given);
    assert_string_equal(keep(it_json(r.body, "url")), "https://example.org/hook?k=1");
    assert_string_equal(keep(it_json(r.body, "status")), "active");
    assert_string_equal(keep(it_json(r.body, "events.1")), "contract.created");
    assert_string_equal(keep(it_json(r.body, "org_id")), a_org);
    it_resp_free(&r);
    subs[nsubs++] = id;
    /* a replay gives the first answer without the secret */
    assert_int_equal(it_http(&D, "POST", "/v1/subscriptions", a_tok, "application/json", body, 0,
                             "Idempotency-Key: sub-1\r\n", &r), 0);
    expect_status(&r, 201);
    assert_string_equal(keep(it_json(r.body, "id")), id);
    assert_string_equal(keep(it_json(r.body, "secret")), "null");
    it_resp_free(&r);
    free(body);
    assert_int_equal(it_count(&D, "subscriptions"), before + 1);
    /* a made secret: whsec_ + base64 of 24 bytes */
    char *made = sub_create(b_tok, R, "/api-b", "[\"tender.created\"]");
    char *secret = sql1("select secret from subscriptions where id = '%s'", made);
    assert_int_equal((int)strlen(secret), 38);

    /* lists: one's own; an admin's all; never a secret */
    assert_int_equal(it_get(&D, "/v1/subscriptions", a_tok, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "items")), "[1]");
    assert_string_equal(keep(it_json(r.body, "items.0.id")), id);
    assert_null(strstr(r.body, "whsec_"));
    assert_null(strstr(r.body, "secret"));
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/v1/subscriptions?limit=1", admin_tok, &r), 0);
    expect_status(&r, 200);
    char *cursor = keep(it_json(r.body, "next_cursor"));
    assert_string_not_equal(cursor, "null");
    it_resp_free(&r);
    char *next = it_fmt("/v1/subscriptions?limit=1&cursor=%s", cursor);
    assert_int_equal(it_get(&D, next, admin_tok, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "items.0.id")), made);
    it_resp_free(&r);
    free(next);

    /* another buyer's subscription is not there for you */
    char *p = it_fmt("/v1/subscriptions/%s", id);
    char *pd = it_fmt("/v1/subscriptions/%s/deliveries", id);
    assert_int_equal(it_http(&D, "DELETE", p, b_tok, NULL, NULL, 0, NULL, &r), 0);
    expect_status(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, pd, b_tok, &r), 0);
    expect_status(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, pd, a_tok, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "items")), "[0]");
    it_resp_free(&r);
    /* delete: 204, then gone (404), audited */
    assert_int_equal(it_http(&D, "DELETE", p, a_tok, NULL, NULL, 0, NULL, &r), 0);
    expect_status(&r, 204);
    it_resp_free(&r);
    assert_int_equal(it_http(&D, "DELETE", p, a_tok, NULL, NULL, 0, NULL, &r), 0);
    expect_status(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, pd, a_tok, &r), 0);
    expect_status(&r, 404);
    it_resp_free(&r);
    assert_string_equal(sql1("select count(*) from audit_log where entity = 'subscription' and entity_id = '%s'", id),
                        "2");
    free(p);
    free(pd);
    subs_cleanup();
}

/* ---- what arrives, signed, and to whom ---- */

static void test_signed_delivery_and_scope(void **state)
{
    (void)state;
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    struct it_resp r;
    char *body = it_fmt("{\"url\": \"%s\", \"events\": [\"tender.created\"], \"secret\": \"%s\"}",
                        url_for(R, "/a1", 0), secret);
    assert_int_equal(it_post(&D, "/v1/subscriptions", a_tok, body, &r), 0);
    expect_status(&r, 201);
    subs[nsubs++] = keep(it_json(r.body, "id"));
    it_resp_free(&r);
    free(body);
    rcv_secret(R, "/a1", secret);
    sub_create(b_tok, R, "/b1", "[\"tender.created\"]");
    sub_create(analyst_tok, R, "/n1", "[\"tender.created\"]");
    sub_create(centre_tok, R, "/c1", "[\"tender.created\", \"compliance.changed\"]");
    sub_create(a_tok, R, "/a1-clauses", "[\"clause.created\"]");

    /* a real change through the API: the tender and its event commit together */
    assert_int_equal(it_post(&D, "/v1/tenders", a_tok, "{\"title\": \"Siivouspalvelut\"}", &r), 0);
    int64_t committed = rcv_now_us();
    expect_status(&r, 201);
    char *tender = keep(it_json(r.body, "id"));
    it_resp_free(&r);
    assert_int_equal(rcv_wait(R, "/a1", 1, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/n1", 1, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/c1", 1, WAIT_MS), 0);
    char *event = sql1("select id from outbox where type = 'tender.created' and tender_id = '%s'", tender);
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h), found = 0;
    for (int i = 0; i < nh; i++) {
        if (strcmp(h[i].path, "/a1") && strcmp(h[i].path, "/n1") && strcmp(h[i].path, "/c1"))
            continue;
        found++;
        assert_true(h[i].sig_ok);
        assert_string_equal(h[i].id, event); /* the same webhook-id on every subscription */
        assert_string_equal(h[i].type, "tender.created");
        assert_string_equal(h[i].ctype, "application/json");
        assert_true(strncmp(h[i].ua, "clausetrack", 11) == 0);
        assert_int_equal(h[i].status, 200);
        char *pid = it_json(h[i].body, "id"), *dt = it_json(h[i].body, "data.id"), *ca = it_json(h[i].body, "created_at");
        assert_string_equal(pid, event);
        assert_string_equal(dt, tender);
        assert_int_equal((int)strlen(ca), 20);
        free(pid);
        free(dt);
        free(ca);
        if (strcmp(h[i].path, "/a1") == 0)
            assert_true(h[i].t_in_us - committed < 5000000); /* within 5 s of the commit */
    }
    rcv_hits_free(h, nh);
    assert_int_equal(found, 3);
    /* the other buyer's subscription got nothing; a clause subscription no tender */
    usleep(300000);
    assert_int_equal(rcv_count(R, "/b1"), 0);
    assert_int_equal(rcv_count(R, "/a1-clauses"), 0);
    /* and the other way round */
    emit(b_org, "tender.created", "scope-b", 1, 0);
    assert_int_equal(rcv_wait(R, "/b1", 1, WAIT_MS), 0);
    usleep(300000);
    assert_int_equal(rcv_distinct(R, "/a1"), 1);
    /* delivered, one attempt, as the API shows it */
    char *p = it_fmt("/v1/subscriptions/%s/deliveries", subs[0]);
    assert_int_equal(wait_sql("delivered", WAIT_MS, "select status from deliveries where subscription_id = '%s'", subs[0]),
                     0);
    assert_int_equal(it_get(&D, p, a_tok, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "items.0.status")), "delivered");
    assert_string_equal(keep(it_json(r.body, "items.0.event_id")), event);
    assert_string_equal(keep(it_json(r.body, "items.0.event_type")), "tender.created");
    assert_string_equal(keep(it_json(r.body, "items.0.attempt_count")), "1");
    assert_string_equal(keep(it_json(r.body, "items.0.attempts.0.http_status")), "200");
    assert_non_null(keep(it_json(r.body, "items.0.attempts.0.latency_ms")));
    assert_string_equal(keep(it_json(r.body, "items.0.attempts.0.error")), "null");
    it_resp_free(&r);
    free(p);
    subs_cleanup();
}

static void test_person_data(void **state)
{
    (void)state;
    sub_create(a_tok, R, "/pa", "[\"placement.reported\", \"tender.created\"]");
    sub_create(admin_tok, R, "/padm", "[\"placement.reported\"]");
    char *centre = sub_create(centre_tok, R, "/pc", "[\"tender.created\", \"compliance.changed\"]");
    sub_create(analyst_tok, R, "/pn", "[\"tender.created\"]");
    emit(a_org, "placement.reported", "pd-placement", 1, 1);
    /* an event that should hold no person but does: stripped for the centre and analysts */
    it_exec(&D, "select api.emit('tender.created', (select id from organizations where name = 'Joensuun kaupunki'), "
                "null, jsonb_build_object('test', 'pd-tender', 'person_ref', repeat('a', 64), "
                "'nested', jsonb_build_object('person', jsonb_build_object('hetu', '131052-308T'), 'keep', 1)))");
    assert_int_equal(rcv_wait(R, "/pa", 2, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/padm", 1, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/pc", 1, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/pn", 1, WAIT_MS), 0);
    usleep(300000);
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h);
    for (int i = 0; i < nh; i++) {
        if (strcmp(h[i].path, "/pc") == 0 || strcmp(h[i].path, "/pn") == 0) {
            assert_string_equal(h[i].type, "tender.created");
            assert_false(h[i].person);
            assert_null(strstr(h[i].body, "hetu"));
            assert_null(strstr(h[i].body, "131052"));
            char *k = it_json(h[i].body, "data.nested.keep");
            assert_string_equal(k, "1");
            free(k);
            assert_true(h[i].sig_ok);
        } else if (strcmp(h[i].path, "/pa") == 0 || strcmp(h[i].path, "/padm") == 0) {
            assert_true(h[i].person); /* a buyer's own tenders, pseudonymous; an admin everything */
        }
    }
    rcv_hits_free(h, nh);
    assert_int_equal(rcv_distinct(R, "/pc"), 1);
    assert_int_equal(rcv_distinct(R, "/pn"), 1);
    /* the placement event made deliveries for the buyer and the admin only */
    assert_string_equal(sql1("select count(*) from deliveries d join outbox o on o.seq = d.event_seq "
                             "where o.data ->> 'test' = 'pd-placement'"), "2");
    assert_string_equal(sql1("select count(*) from deliveries where subscription_id = '%s'", centre), "1");
    subs_cleanup();
}

/* ---- retries ---- */

static void test_receiver_down_then_up(void **state)
{
    (void)state;
    struct rcv *r2 = rcv_start(0, NULL, NULL);
    char *sub = sub_create(a_tok, r2, "/d", "[\"tender.created\"]");
    rcv_down(r2);
    emit(a_org, "tender.created", "down", 12, 0);
    int n;
    char **ids = event_ids("down", &n);
    assert_int_equal(n, 12);
    /* refused, retried, and only the oldest is tried (in order) */
    assert_int_equal(wait_sql("t", WAIT_MS, "select count(*) >= 3 from delivery_attempts a join deliveries d "
                                            "on d.id = a.delivery_id where d.subscription_id = '%s'", sub), 0);
    assert_string_equal(sql1("select count(distinct a.delivery_id) from delivery_attempts a join deliveries d "
                             "on d.id = a.delivery_id where d.subscription_id = '%s'", sub), "1");
    char *err = sql1("select a.error from delivery_attempts a join deliveries d on d.id = a.delivery_id "
                     "where d.subscription_id = '%s' order by a.id limit 1", sub);
    assert_non_null(strstr(err, "connect"));
    assert_string_equal(sql1("select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id "
                             "where d.subscription_id = '%s' and a.http_status is not null", sub), "0");
    usleep(1000000);
    rcv_up(r2);
    assert_int_equal(rcv_wait(r2, "/d", 12, WAIT_MS), 0);
    check_order(r2, "/d", ids, n);
    struct rcv_hit *h;
    int nh = rcv_hits(r2, &h);
    for (int i = 0; i < nh; i++)
        assert_true(h[i].sig_ok);
    rcv_hits_free(h, nh);
    assert_int_equal(wait_sql("12", WAIT_MS, "select count(*) from deliveries where subscription_id = '%s' "
                                             "and status = 'delivered'", sub), 0);
    subs_cleanup();
    rcv_free(r2);
}

static void test_retry_after_and_order(void **state)
{
    (void)state;
    char *sub = sub_create(a_tok, R, "/r", "[\"tender.created\"]");
    rcv_behave(R, "/r", 200, 0, 0, "1");
    rcv_fail_next(R, "/r", 2, 503);
    emit(a_org, "tender.created", "retry", 3, 0);
    int n;
    char **ids = event_ids("retry", &n);
    assert_int_equal(rcv_wait(R, "/r", 3, WAIT_MS), 0);
    assert_int_equal(wait_sql("3", WAIT_MS, "select count(*) from deliveries where subscription_id = '%s' "
                                            "and status = 'delivered'", sub), 0);
    check_order(R, "/r", ids, n);
    /* the first event: 503, 503 (Retry-After: 1 honoured), then 200; the others once each */
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h), k = 0;
    int64_t at[3] = {0, 0, 0};
    for (int i = 0; i < nh; i++)
        if (strcmp(h[i].path, "/r") == 0) {
            assert_true(k < 5);
            if (k < 3) {
                assert_string_equal(h[i].id, ids[0]);
                assert_int_equal(h[i].status, k < 2 ? 503 : 200);
                at[k] = h[i].t_in_us;
            }
            k++;
        }
    rcv_hits_free(h, nh);
    assert_int_equal(k, 5);
    assert_true(at[1] - at[0] >= 900000);
    assert_true(at[2] - at[1] >= 900000);
    char *p = it_fmt("/v1/subscriptions/%s/deliveries?limit=1", sub);
    struct it_resp r;
    assert_int_equal(it_get(&D, p, a_tok, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "items.0.event_id")), ids[0]);
    assert_string_equal(keep(it_json(r.body, "items.0.attempt_count")), "3");
    assert_string_equal(keep(it_json(r.body, "items.0.attempts.0.http_status")), "503");
    assert_string_equal(keep(it_json(r.body, "items.0.attempts.0.error")), "HTTP 503");
    assert_string_equal(keep(it_json(r.body, "items.0.attempts.2.http_status")), "200");
    assert_string_not_equal(keep(it_json(r.body, "next_cursor")), "null");
    it_resp_free(&r);
    free(p);
    if (getenv("CT_IT_VERBOSE")) { /* what an operator sees: the whole list */
        p = it_fmt("/v1/subscriptions/%s/deliveries", sub);
        assert_int_equal(it_get(&D, p, a_tok, &r), 0);
        fprintf(stderr, "GET %s\n%s\n", p, r.body);
        it_resp_free(&r);
        free(p);
    }
    rcv_behave(R, "/r", 200, 0, 0, NULL);

    /* Retry-After as an HTTP date (3 s ahead); a 3xx is a failure, its Location not followed */
    char *dated = sub_create(a_tok, R, "/r-date", "[\"tender.created\"]");
    char date[64];
    time_t when = time(NULL) + 3;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    rcv_behave(R, "/r-date", 200, 0, 0, date);
    rcv_fail_next(R, "/r-date", 1, 429);
    sub_create(a_tok, R, "/r-redirect", "[\"tender.created\"]");
    rcv_fail_next(R, "/r-redirect", 1, 302);
    emit(a_org, "tender.created", "retry-date", 1, 0);
    assert_int_equal(wait_sql("delivered", WAIT_MS, "select status from deliveries where subscription_id = '%s'", dated),
                     0);
    assert_int_equal(rcv_count(R, "/r-date"), 2);
    nh = rcv_hits(R, &h);
    int64_t first = 0, second = 0;
    for (int i = 0; i < nh; i++)
        if (strcmp(h[i].path, "/r-date") == 0)
            *(first ? &second : &first) = h[i].t_in_us;
    rcv_hits_free(h, nh);
    assert_true(second - first >= 900000);
    assert_int_equal(rcv_wait(R, "/r-redirect", 1, WAIT_MS), 0);
    assert_int_equal(wait_sql("2", WAIT_MS, "select count(*) from delivery_attempts a join deliveries d on "
                                            "d.id = a.delivery_id join subscriptions s on s.id = d.subscription_id "
                                            "where s.url like '%%/r-redirect'"), 0);
    assert_string_equal(sql1("select a.error from delivery_attempts a join deliveries d on d.id = a.delivery_id "
                             "join subscriptions s on s.id = d.subscription_id where s.url like '%%/r-redirect' "
                             "order by a.id limit 1"), "HTTP 302 (redirects are not followed)");
    assert_int_equal(rcv_count(R, "/r-redirect"), 2);
    subs_cleanup();
}

static void test_gone_disables(void **state)
{
    (void)state;
    char *sub = sub_create(a_tok, R, "/g", "[\"tender.created\"]");
    rcv_behave(R, "/g", 410, 0, 0, NULL);
    emit(a_org, "tender.created", "gone", 2, 0);
    assert_int_equal(wait_sql("disabled", WAIT_MS, "select status from subscriptions where id = '%s'", sub), 0);
    usleep(300000);
    assert_int_equal(rcv_count(R, "/g"), 1);
    assert_string_equal(sql1("select string_agg(status, ',' order by event_seq) from deliveries "
                             "where subscription_id = '%s'", sub), "failed,failed");
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/subscriptions", a_tok, &r), 0);
    assert_string_equal(keep(it_json(r.body, "items.0.status")), "disabled");
    assert_non_null(strstr(keep(it_json(r.body, "items.0.disabled_reason")), "410"));
    it_resp_free(&r);
    /* no new deliveries for it, and no redelivery while it is disabled */
    emit(a_org, "tender.created", "gone-after", 1, 0);
    assert_string_equal(sql1("select count(*) from deliveries where subscription_id = '%s'", sub), "2");
    char *d = sql1("select id from deliveries where subscription_id = '%s' order by event_seq limit 1", sub);
    char *p = it_fmt("/v1/deliveries/%s/redeliver", d);
    assert_int_equal(it_post(&D, p, a_tok, NULL, &r), 0);
    expect_status(&r, 409);
    it_resp_free(&r);
    free(p);
    subs_cleanup();
}

static void test_window_then_redeliver(void **state)
{
    (void)state;
    struct it_resp r;
    char *sub = sub_create(a_tok, R, "/w", "[\"tender.created\"]");
    rcv_behave(R, "/w", 500, 0, 0, NULL);
    emit(a_org, "tender.created", "window", 1, 0);
    assert_int_equal(rcv_wait(R, "/w", 1, WAIT_MS), 0);
    /* the retry window (24 h) ran out: the next failure marks it failed */
    it_exec(&D, "update deliveries set first_attempt_at = now() - interval '25 hours' "
                "where subscription_id = (select id from subscriptions where url like '%/w')");
    assert_int_equal(wait_sql("failed", WAIT_MS, "select status from deliveries where subscription_id = '%s'", sub), 0);
    int tries = rcv_count(R, "/w");
    usleep(500000);
    assert_int_equal(rcv_count(R, "/w"), tries); /* no more attempts */
    char *d = sql1("select id from deliveries where subscription_id = '%s'", sub);
    assert_string_equal(sql1("select last_error from deliveries where id = '%s'", d), "HTTP 500");
    /* redeliver: not another buyer's (404), not a supplier (403) */
    char *p = it_fmt("/v1/deliveries/%s/redeliver", d);
    assert_int_equal(it_post(&D, p, b_tok, NULL, &r), 0);
    expect_status(&r, 404);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, p, supplier_tok, NULL, &r), 0);
    expect_status(&r, 403);
    it_resp_free(&r);
    rcv_behave(R, "/w", 200, 0, 0, NULL);
    assert_int_equal(it_post(&D, p, a_tok, NULL, &r), 0);
    expect_status(&r, 200);
    assert_string_equal(keep(it_json(r.body, "status")), "pending");
    it_resp_free(&r);
    assert_int_equal(wait_sql("delivered", WAIT_MS, "select status from deliveries where id = '%s'", d), 0);
    assert_int_equal(rcv_count(R, "/w"), tries + 1);
    /* a delivered one can be sent again too, with the same webhook-id; not while it is open (409) */
    rcv_behave(R, "/w", 200, 1000, 0, NULL);
    assert_int_equal(it_post(&D, p, a_tok, NULL, &r), 0);
    expect_status(&r, 200);
    it_resp_free(&r);
    assert_int_equal(it_post(&D, p, a_tok, NULL, &r), 0);
    expect_status(&r, 409);
    it_resp_free(&r);
    assert_int_equal(wait_sql("delivered", WAIT_MS, "select status from deliveries where id = '%s'", d), 0);
    usleep(200000);
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h), same = 0;
    for (int i = 0; i < nh; i++)
        same += strcmp(h[i].path, "/w") == 0 && strcmp(h[i].id, h[nh - 1].id) == 0;
    rcv_hits_free(h, nh);
    assert_true(same >= tries + 2);
    assert_string_equal(sql1("select count(*) from audit_log where action = 'redeliver' and entity_id = '%s'", d), "2");
    rcv_behave(R, "/w", 200, 0, 0, NULL);
    free(p);
    subs_cleanup();
}

/* ---- one subscription's trouble is not another's ---- */

static void test_slow_and_huge_do_not_stall(void **state)
{
    (void)state;
    char *slow = sub_create(a_tok, R, "/slow", "[\"tender.created\"]");
    char *huge = sub_create(b_tok, R, "/huge", "[\"tender.created\"]");
    sub_create(a_tok, R, "/fast", "[\"tender.created\"]");
    sub_create(b_tok, R, "/fast-b", "[\"tender.created\"]");
    rcv_behave(R, "/slow", 200, 10000, 0, NULL);          /* longer than delivery_timeout (2 s) */
    rcv_behave(R, "/huge", 200, 0, 8 * 1024 * 1024, NULL); /* far over the 64 KiB read limit */
    emit(a_org, "tender.created", "stall-a", 20, 0);
    emit(b_org, "tender.created", "stall-b", 20, 0);
    int64_t t0 = rcv_now_us();
    assert_int_equal(rcv_wait(R, "/fast", 20, WAIT_MS), 0);
    assert_int_equal(rcv_wait(R, "/fast-b", 20, WAIT_MS), 0);
    int64_t took = rcv_now_us() - t0;
    /* all forty arrived while the slow one's first request was still hanging (10 s) */
    assert_true(took < 8000000);
    assert_int_equal(rcv_distinct(R, "/slow"), 1);
    /* the huge answer's status counted; the body was not read */
    assert_int_equal(rcv_wait(R, "/huge", 20, WAIT_MS), 0);
    assert_int_equal(wait_sql("20", WAIT_MS, "select count(*) from deliveries where subscription_id = '%s' "
                                             "and status = 'delivered'", huge), 0);
    /* the slow one timed out after delivery_timeout and is retried */
    assert_int_equal(wait_sql("t", WAIT_MS, "select count(*) > 0 from delivery_attempts a join deliveries d on "
                                            "d.id = a.delivery_id where d.subscription_id = '%s' and a.error like "
                                            "'timed out%%'", slow), 0);
    char *lat = sql1("select max(a.latency_ms) from delivery_attempts a join deliveries d on d.id = a.delivery_id "
                     "where d.subscription_id = '%s'", slow);
    assert_true(atoi(lat) >= 1900 && atoi(lat) < 4000);
    rcv_behave(R, "/slow", 200, 0, 0, NULL);
    assert_int_equal(rcv_wait(R, "/slow", 20, WAIT_MS), 0);
    subs_cleanup();
    rcv_behave(R, "/huge", 200, 0, 0, NULL);
}

/* ---- HTTPS ---- */

static void test_https(void **state)
{
    (void)state;
    char *ok = sub_create(a_tok, RT, "/tls", "[\"tender.created\"]");
    /* the same receiver by IP address: its certificate names "localhost" only */
    struct it_resp r;
    char *body = it_fmt("{\"url\": \"%s\", \"events\": [\"tender.created\"]}", url_for(RT, "/tls-ip", 0));
    assert_int_equal(it_post(&D, "/v1/subscriptions", a_tok, body, &r), 0);
    expect_status(&r, 201);
    char *ip = keep(it_json(r.body, "id"));
    subs[nsubs++] = ip;
    it_resp_free(&r);
    free(body);
    emit(a_org, "tender.created", "tls", 1, 0);
    assert_int_equal(rcv_wait(RT, "/tls", 1, WAIT_MS), 0);
    struct rcv_hit *h;
    int nh = rcv_hits(RT, &h);
    assert_true(nh >= 1);
    assert_true(h[0].sig_ok);
    assert_string_equal(h[0].path, "/tls");
    rcv_hits_free(h, nh);
    assert_int_equal(wait_sql("delivered", WAIT_MS, "select status from deliveries where subscription_id = '%s'", ok), 0);
    assert_int_equal(wait_sql("t", WAIT_MS, "select count(*) > 0 from delivery_attempts a join deliveries d on "
                                            "d.id = a.delivery_id where d.subscription_id = '%s'", ip), 0);
    char *err = sql1("select a.error from delivery_attempts a join deliveries d on d.id = a.delivery_id "
                     "where d.subscription_id = '%s' order by a.id limit 1", ip);
    if (!strstr(err, "certificate"))
        fprintf(stderr, "TLS error: %s\n", err);
    assert_non_null(strstr(err, "certificate"));
    assert_int_equal(rcv_count(RT, "/tls-ip"), 0); /* nothing was sent to an unverified peer */
    subs_cleanup();
}

/* ---- crashes, restarts, two daemons ---- */

static void test_sigkill_mid_dispatch(void **state)
{
    (void)state;
    char *sub = sub_create(a_tok, R, "/k", "[\"tender.created\"]");
    rcv_behave(R, "/k", 200, 1500, 0, NULL);
    emit(a_org, "tender.created", "kill", 5, 0);
    int n;
    char **ids = event_ids("kill", &n);
    assert_int_equal(rcv_wait(R, "/k", 1, WAIT_MS), 0); /* the first is in flight now */
    kill(D.pid, SIGKILL);
    waitpid(D.pid, NULL, 0);
    D.pid = 0;
    rcv_behave(R, "/k", 200, 0, 0, NULL);
    assert_string_equal(sql1("select count(*) from deliveries where subscription_id = '%s' and status = 'delivering'",
                             sub), "1");
    it_daemon_start(&D, env);
    /* the lease (7 s) runs out, the new daemon sends it again, then the rest in order */
    assert_int_equal(rcv_wait(R, "/k", 5, WAIT_MS), 0);
    check_order(R, "/k", ids, n);
    assert_int_equal(wait_sql("5", WAIT_MS, "select count(*) from deliveries where subscription_id = '%s' "
                                            "and status = 'delivered'", sub), 0);
    assert_true(rcv_count(R, "/k") >= 5); /* at least once: the interrupted one may arrive twice */
    subs_cleanup();
}

static void test_two_daemons(void **state)
{
    (void)state;
    /* two deliveries in flight per daemon and four subscriptions: both must take part */
    const char *env2[20];
    int ne = 0;
    for (; env[ne]; ne++)
        env2[ne] = env[ne];
    env2[ne++] = "CLAUSETRACK_DELIVERY_CONCURRENCY=2";
    env2[ne] = NULL;
    assert_int_equal(it_daemon_stop(&D), 0);
    it_daemon_start(&D, env2);
    struct it_daemon D2 = D;
    D2.pid = 0;
    D2.port = 0;
    char *second = it_fmt("%s.second", D.logfile);
    snprintf(D2.logfile, sizeof D2.logfile, "%s", second);
    free(second);
    it_daemon_start(&D2, env2);
    const char *paths[] = {"/two0", "/two1", "/two2", "/two3"};
    for (int i = 0; i < 4; i++) {
        sub_create(i % 2 ? b_tok : a_tok, R, paths[i], "[\"tender.created\"]");
        rcv_behave(R, paths[i], 200, 150, 0, NULL);
    }
    emit(a_org, "tender.created", "two-a", 15, 0);
    emit(b_org, "tender.created", "two-b", 15, 0);
    int na, nb;
    char **ids_a = event_ids("two-a", &na);
    char *copy_a[15];
    for (int i = 0; i < na && i < 15; i++)
        copy_a[i] = ids_a[i];
    char **ids_b = event_ids("two-b", &nb);
    for (int i = 0; i < 4; i++)
        assert_int_equal(rcv_wait(R, paths[i], 15, WAIT_MS), 0);
    check_order(R, "/two0", copy_a, na);
    check_order(R, "/two1", ids_b, nb);
    /* never the same delivery in flight twice at once (and, with no failures, never twice at all) */
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h), dup = 0;
    for (int i = 0; i < nh; i++) {
        if (strncmp(h[i].path, "/two", 4) != 0)
            continue;
        for (int k = 0; k < i; k++) {
            if (strcmp(h[k].path, h[i].path) != 0 || strcmp(h[k].id, h[i].id) != 0)
                continue;
            dup++;
            assert_true(h[k].t_out_us != 0 && h[k].t_out_us <= h[i].t_in_us);
        }
    }
    rcv_hits_free(h, nh);
    assert_int_equal(dup, 0);
    /* both dispatchers did some of the work */
    assert_string_equal(sql1("select count(distinct a.worker) >= 2 from delivery_attempts a join deliveries d on "
                             "d.id = a.delivery_id join subscriptions s on s.id = d.subscription_id "
                             "where s.url like '%%/two%%'"), "t");
    assert_int_equal(it_daemon_stop(&D2), 0);
    for (int i = 0; i < 4; i++)
        rcv_behave(R, paths[i], 200, 0, 0, NULL);
    subs_cleanup();
    assert_int_equal(it_daemon_stop(&D), 0);
    it_daemon_start(&D, env);
}

static void test_sigterm_finishes_in_flight(void **state)
{
    (void)state;
    char *sub = sub_create(a_tok, R, "/term", "[\"tender.created\"]");
    rcv_behave(R, "/term", 200, 1000, 0, NULL);
    emit(a_org, "tender.created", "term", 1, 0);
    assert_int_equal(rcv_wait(R, "/term", 1, WAIT_MS), 0);
    int64_t t0 = rcv_now_us();
    assert_int_equal(it_daemon_stop(&D), 0);
    assert_true(rcv_now_us() - t0 < 5000000);
    /* the answer came, and was recorded before the daemon left */
    assert_string_equal(sql1("select status from deliveries where subscription_id = '%s'", sub), "delivered");
    assert_int_equal(rcv_count(R, "/term"), 1);
    rcv_behave(R, "/term", 200, 0, 0, NULL);
    it_daemon_start(&D, env);
    subs_cleanup();
}

/* ---- impact.monthly ---- */

static void test_impact_monthly(void **state)
{
    (void)state;
    char *sub = sub_create(centre_tok, R, "/im", "[\"impact.monthly\"]");
    char *other = sub_create(centre_tok, R, "/im-other", "[\"tender.created\"]");
    (void)other;
    int placements = strcmp(sql1("select to_regclass('placements') is not null"), "t") == 0;
    /* three regions: 2, 3 and 7 persons - the first two are suppressed together, never one alone */
    const char *regions[] = {"FI1D3", "FI197", "FI1B1"};
    const int persons[] = {2, 3, 7};
    for (int i = 0; i < 3; i++) {
        char *q = it_fmt("with t as (insert into tenders (buyer_org_id, title, region) values ('%s', 'Impact %d', '%s') "
                         "returning id), k as (insert into contracts (tender_id, supplier_org_id, starts_on, ends_on) "
                         "select id, '%s', current_date - 60, current_date + 300 from t returning id) "
                         "select count(*) from k",
                         a_org, i, regions[i], supplier_org);
        it_exec(&D, q);
        free(q);
        if (placements) {
            q = it_fmt("insert into placements (contract_id, person_ref, target_group, starts_on, weekly_hours, "
                       "employment_type) select k.id, lpad(to_hex(%d * 1000 + g), 64, '0'), 'youth', current_date - 30, "
                       "37.5, 'permanent' from contracts k join tenders t on t.id = k.tender_id, "
                       "generate_series(1, %d) g where t.title = 'Impact %d'",
                       i + 1, persons[i], i);
            it_exec(&D, q);
            free(q);
        }
    }
    char *month = sql1("select to_char(clock_timestamp() at time zone 'Europe/Helsinki', 'YYYY-MM')");
    const char *argv[] = {"deliver-impact", "--month", month, NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(it_cli(&D, argv, &out, &err), 0);
    out[strcspn(out, "\n")] = '\0';
    assert_true(strncmp(out, "evt_", 4) == 0);
    assert_int_equal(rcv_wait(R, "/im", 1, WAIT_MS), 0);
    struct rcv_hit *h;
    int nh = rcv_hits(R, &h), seen = 0;
    for (int i = 0; i < nh; i++) {
        if (strcmp(h[i].path, "/im") != 0)
            continue;
        seen++;
        assert_string_equal(h[i].id, out);
        assert_string_equal(h[i].type, "impact.monthly");
        assert_true(h[i].sig_ok);
        assert_false(h[i].person);
        char *m = it_json(h[i].body, "data.month");
        assert_string_equal(m, month);
        free(m);
        /* rows by region, sorted by code: FI197, FI1B1, FI1D3 (and the other tests' tenders' regions) */
        for (int k = 0; k < 10; k++) {
            char *path = it_fmt("data.rows.%d.key", k), *key = it_json(h[i].body, path);
            free(path);
            if (!key)
                break;
            char *ps = it_fmt("data.rows.%d.persons", k), *sp = it_fmt("data.rows.%d.suppressed", k);
            char *pv = it_json(h[i].body, ps), *sv = it_json(h[i].body, sp);
            if (placements && (strcmp(key, "FI1D3") == 0 || strcmp(key, "FI197") == 0)) {
                assert_string_equal(pv, "null");
                assert_string_equal(sv, "true");
            } else if (placements && strcmp(key, "FI1B1") == 0) {
                assert_string_equal(pv, "7");
                assert_string_equal(sv, "false");
            }
            free(key); free(ps); free(sp); free(pv); free(sv);
        }
        char *tp = it_json(h[i].body, "data.totals.persons");
        if (placements)
            assert_string_equal(tp, "12");
        free(tp);
    }
    rcv_hits_free(h, nh);
    assert_int_equal(seen, 1);
    /* the centre's impact subscription only */
    char *q = sql1("select count(*) from deliveries where event_id = '%s'", out);
    assert_string_equal(q, "1");
    assert_string_equal(sql1("select count(*) from deliveries where event_id = '%s' and subscription_id = '%s'", out,
                             sub), "1");
    free(err);
    /* once per month, unless forced */
    assert_int_equal(it_cli(&D, argv, NULL, &err), 1);
    assert_non_null(strstr(err, "sent already"));
    free(err);
    const char *force[] = {"deliver-impact", "--month", month, "--force", NULL};
    char *out2 = NULL;
    assert_int_equal(it_cli(&D, force, &out2, NULL), 0);
    assert_true(strncmp(out2, "evt_", 4) == 0 && strncmp(out2, out, strlen(out)) != 0);
    free(out2);
    free(out);
    assert_int_equal(rcv_wait(R, "/im", 2, WAIT_MS), 0);
    const char *future[] = {"deliver-impact", "--month", "2999-01", NULL};
    assert_int_equal(it_cli(&D, future, NULL, NULL), 1);
    const char *badm[] = {"deliver-impact", "--month", "2026-13", NULL};
    assert_int_equal(it_cli(&D, badm, NULL, NULL), 1);
    const char *none[] = {"deliver-impact", NULL};
    assert_int_equal(it_cli(&D, none, NULL, NULL), 2);

    /* the dispatcher's own run once the month has turned: the month that ended, once per database */
    char *prev = sql1("select to_char(date_trunc('month', clock_timestamp() at time zone 'Europe/Helsinki') "
                      "- interval '1 month', 'YYYY-MM')");
    assert_int_equal(it_daemon_stop(&D), 0);
    it_daemon_start(&D, env);
    assert_int_equal(wait_sql("1", WAIT_MS, "select count(*) from impact_months where to_char(month, 'YYYY-MM') = '%s'",
                              prev), 0);
    assert_int_equal(rcv_wait(R, "/im", 3, WAIT_MS), 0);
    assert_int_equal(it_daemon_stop(&D), 0);
    it_daemon_start(&D, env);
    usleep(3000000);
    assert_string_equal(sql1("select count(*) from outbox where type = 'impact.monthly' and data ->> 'month' = '%s'",
                             prev), "1");
    assert_int_equal(rcv_distinct(R, "/im"), 3);
    subs_cleanup();
}

/* ---- operations ---- */

static void test_metrics(void **state)
{
    (void)state;
    struct it_resp r;
    int64_t end = rcv_now_us() + 10000000;
    for (;;) {
        assert_int_equal(it_get(&D, "/metrics", NULL, &r), 0);
        expect_status(&r, 200);
        if (strstr(r.body, "clausetrack_deliveries_pending ") || rcv_now_us() > end)
            break;
        it_resp_free(&r);
        usleep(200000);
    }
    assert_non_null(strstr(r.body, "# TYPE clausetrack_deliveries_sent_total counter"));
    assert_non_null(strstr(r.body, "clausetrack_deliveries_delivered_total "));
    assert_non_null(strstr(r.body, "clausetrack_deliveries_failed_total "));
    assert_non_null(strstr(r.body, "clausetrack_deliveries_pending "));
    assert_non_null(strstr(r.body, "clausetrack_deliveries_oldest_pending_age_seconds "));
    it_resp_free(&r);
}

static void test_logs_clean(void **state)
{
    (void)state;
    const char *files[] = {D.logfile, keep(it_fmt("%s.second", D.logfile))};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        assert_non_null(f);
        char line[8192];
        while (fgets(line, sizeof line, f)) {
            if (strstr(line, "whsec_") || strstr(line, "AddressSanitizer") || strstr(line, "LeakSanitizer") ||
                strstr(line, "runtime error"))
                fprintf(stderr, "%s: %s", files[i], line);
            assert_null(strstr(line, "whsec_"));
            assert_null(strstr(line, "131052-308T"));
            assert_null(strstr(line, "AddressSanitizer"));
            assert_null(strstr(line, "LeakSanitizer"));
            assert_null(strstr(line, "runtime error"));
        }
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscription_api),
        cmocka_unit_test(test_signed_delivery_and_scope),
        cmocka_unit_test(test_person_data),
        cmocka_unit_test(test_receiver_down_then_up),
        cmocka_unit_test(test_retry_after_and_order),
        cmocka_unit_test(test_gone_disables),
        cmocka_unit_test(test_window_then_redeliver),
        cmocka_unit_test(test_slow_and_huge_do_not_stall),
        cmocka_unit_test(test_https),
        cmocka_unit_test(test_sigkill_mid_dispatch),
        cmocka_unit_test(test_two_daemons),
        cmocka_unit_test(test_sigterm_finishes_in_flight),
        cmocka_unit_test(test_impact_monthly),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_logs_clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
