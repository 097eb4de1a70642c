/* test_ocds.c - the OCDS export (CONTRACT §10): tender, award+contract and implementationUpdate
 * releases from notices, the API and placements (one per subject per transaction), the clause
 * mapping, packages valid against ../shared/ocds (skipped when absent), the cursor walk under
 * writers committing out of order, no person reference, suppression, scope, immutability, prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/arena.h"
#include "ct/json.h"
#include "harness.h"

#define MAX_RELEASES 4096
#define PREFIX "213czf"

static struct it_daemon D;
static char *admin_tok, *analyst_tok, *buyer_tok, *other_buyer_tok, *supplier_tok;
static char *tender_id;   /* the tender of clausenotice_valid.xml */
static char *contract_id; /* a contract made through the API on it, running since 2020 */
static char *clause_c1, *clause_c3;

/* One walk of the feed: every release seen, in order, parsed into one arena. */
struct walk {
    struct ct_arena *a;
    const struct ct_json *rel[MAX_RELEASES];
    size_t n;
    int pages;
    char resume[128];
};

static const struct ct_json *jget(const struct ct_json *j, const char *path);
static const char *jstr(const struct ct_json *j, const char *path);
static size_t jcount(const struct ct_json *j, const char *path);
static const struct ct_json *parse(struct ct_arena *a, const char *body);
static void walk_feed(const char *token, const char *cursor, int limit, const char *since, struct walk *w);
static void walk_free(struct walk *w);
static const struct ct_json *find_release(const struct walk *w, const char *ocid_tender, const char *tag0,
                                          int last);
static size_t count_release_id(const struct walk *w, const char *id);
static char *fixture(const char *name, size_t *len);
static const char *shared_ocds(void);
static int validate_package(const char *body, size_t len);
static PGconn *conn(void);
static void pq_ok(PGconn *c, const char *sql);

/* ---- helpers ---- */

static const struct ct_json *jget(const struct ct_json *j, const char *path)
{
    char seg[128];
    const char *p = path;
    while (j && *p) {
        size_t n = strcspn(p, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, p);
        p += n;
        if (*p == '.')
            p++;
        if (j->type == CT_JSON_ARRAY) {
            size_t i = (size_t)atoi(seg);
            j = i < j->array.count ? j->array.items[i] : NULL;
        } else if (j->type == CT_JSON_OBJECT) {
            j = ct_json_get(j, seg);
        } else {
            j = NULL;
        }
    }
    return j;
}

static const char *jstr(const struct ct_json *j, const char *path)
{
    const struct ct_json *v = jget(j, path);
    return v && v->type == CT_JSON_STRING ? v->string.ptr : NULL;
}

static size_t jcount(const struct ct_json *j, const char *path)
{
    const struct ct_json *v = jget(j, path);
    return v && v->type == CT_JSON_ARRAY ? v->array.count : 0;
}

static const struct ct_json *parse(struct ct_arena *a, const char *body)
{
    static const struct ct_json_limits lim = {64, 1 << 20, 100000, 4096};
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = ct_json_parse(a, body, strlen(body), &lim, &e);
    if (!j)
        fprintf(stderr, "unparseable body (%s): %.300s\n", e.detail, body);
    assert_non_null(j);
    return j;
}

/* Follow next_cursor from cursor (NULL: the start) until it is null; every page is a valid
 * package when the schemas are there. */
static void walk_feed(const char *token, const char *cursor, int limit, const char *since, struct walk *w)
{
    memset(w, 0, sizeof *w);
    w->a = ct_arena_new();
    char cur[128] = "";
    if (cursor)
        snprintf(cur, sizeof cur, "%s", cursor);
    for (;;) {
        char *path = it_fmt("/v1/ocds/releases?limit=%d%s%s%s%s", limit, cur[0] ? "&cursor=" : "", cur,
                            since ? "&since=" : "", since ? since : "");
        struct it_resp r;
        assert_int_equal(it_get(&D, path, token, &r), 0);
        if (r.status != 200)
            fprintf(stderr, "%s: %d %s\n", path, r.status, r.body);
        assert_int_equal(r.status, 200);
        free(path);
        char *ct = it_header(&r, "Content-Type");
        assert_non_null(ct);
        assert_non_null(strstr(ct, "application/json"));
        free(ct);
        const struct ct_json *pkg = parse(w->a, r.body);
        assert_string_equal(jstr(pkg, "version"), "1.1");
        assert_non_null(jstr(pkg, "uri"));
        assert_non_null(jstr(pkg, "publishedDate"));
        assert_non_null(jstr(pkg, "publisher.name"));
        assert_int_equal(jcount(pkg, "extensions"), 5);
        const struct ct_json *rels = jget(pkg, "releases");
        assert_non_null(rels);
        assert_int_equal(rels->type, CT_JSON_ARRAY);
        assert_true(rels->array.count <= (size_t)limit);
        if (rels->array.count > 0 && shared_ocds())
            assert_int_equal(validate_package(r.body, r.body_len), 0);
        for (size_t i = 0; i < rels->array.count; i++) {
            assert_true(w->n < MAX_RELEASES);
            w->rel[w->n++] = rels->array.items[i];
        }
        w->pages++;
        const char *next = jstr(pkg, "next_cursor");
        const char *link = jstr(pkg, "links.next");
        const char *resume = jstr(pkg, "resume_cursor");
        if (resume)
            snprintf(w->resume, sizeof w->resume, "%s", resume);
        it_resp_free(&r);
        if (!next) {
            assert_null(link);
            assert_true(rels->array.count < (size_t)limit);
            break;
        }
        assert_non_null(link);
        assert_non_null(strstr(link, next));
        assert_int_equal(rels->array.count, (size_t)limit);
        snprintf(cur, sizeof cur, "%s", next);
    }
}

static void walk_free(struct walk *w)
{
    ct_arena_free(w->a);
    w->a = NULL;
}

/* The first (or last) release of ocds-PREFIX-<tender> whose first tag is tag0. */
static const struct ct_json *find_release(const struct walk *w, const char *tender, const char *tag0, int last)
{
    char ocid[128];
    snprintf(ocid, sizeof ocid, "ocds-%s-%s", PREFIX, tender);
    const struct ct_json *found = NULL;
    for (size_t i = 0; i < w->n; i++) {
        const char *o = jstr(w->rel[i], "ocid");
        const char *t = jstr(w->rel[i], "tag.0");
        if (o && t && strcmp(o, ocid) == 0 && strcmp(t, tag0) == 0) {
            found = w->rel[i];
            if (!last)
                break;
        }
    }
    return found;
}

static size_t count_release_id(const struct walk *w, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n; i++) {
        const char *x = jstr(w->rel[i], "id");
        if (x && strcmp(x, id) == 0)
            n++;
    }
    return n;
}

static char *fixture(const char *name, size_t *len)
{
    char *path = it_fmt("%s/tests/fixtures/xml/%s", it_root(), name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    free(path);
    return buf;
}

/* ../shared/ocds next to the checkout, or NULL when it is not there. */
static const char *shared_ocds(void)
{
    static char dir[1024];
    static int state; /* 0 unknown, 1 present, 2 absent */
    if (!state) {
        snprintf(dir, sizeof dir, "%s/../shared/ocds", it_root());
        char *f = it_fmt("%s/release-package-schema-patched.json", dir);
        state = access(f, R_OK) == 0 ? 1 : 2;
        free(f);
    }
    return state == 1 ? dir : NULL;
}

/* The offline validation of ../shared/ocds/README.md, with Debian's python3-jsonschema.
 * Returns python's exit status (0 valid); prints the errors otherwise. */
static int validate_package(const char *body, size_t len)
{
    static const char *const script =
        "import json,sys,pathlib,jsonschema as js; d=pathlib.Path(sys.argv[1]).resolve(); "
        "s=json.load(open(d/'release-package-schema-patched.json')); "
        "v=js.Draft4Validator(s, resolver=js.RefResolver(d.as_uri()+'/', s), format_checker=js.Draft4Validator.FORMAT_CHECKER); "
        "errs=sorted(v.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(map(str, e.absolute_path))); "
        "[print('/'.join(map(str, e.absolute_path)) or '(root)', '-', e.message) for e in errs]; "
        "sys.exit(1 if errs else 0)";
    const char *tmp = getenv("CT_IT_TMP");
    char *file = it_fmt("%s/ocds-package-%d.json", tmp ? tmp : "/tmp", (int)getpid());
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(body, 1, len, f), len);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("python3", "python3", "-W", "ignore::DeprecationWarning", "-c", script, shared_ocds(), file, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    if (rc != 0)
        fprintf(stderr, "package %s is not valid OCDS (python3 exit %d)\n", file, rc);
    else
        unlink(file);
    free(file);
    return rc;
}

static PGconn *conn(void)
{
    PGconn *c = PQconnectdb(D.dburl);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    return c;
}

static void pq_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
}

/* ---- set-up: the daemon, two notices, a contract running since 2020 ---- */

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "ocds");
    char *o = it_org(&D, "admin", "Ylläpito", NULL, NULL);
    admin_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "analyst", "Tutkija", NULL, NULL);
    analyst_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "buyer", "Joensuun kaupunki", "0207063-5", "FI1D3");
    buyer_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "buyer", "Kiteen kaupunki", "0165808-2", "FI1D3");
    other_buyer_tok = it_token(&D, o);
    free(o);
    static const char *env[] = {"CLAUSETRACK_OCDS_PREFIX=" PREFIX, "CLAUSETRACK_SUPPRESS_BELOW=5", NULL};
    it_daemon_start(&D, env);

    size_t len;
    char *xml = fixture("clausenotice_valid.xml", &len);
    struct it_resp r;
    assert_int_equal(it_http(&D, "POST", "/v1/notices", buyer_tok, "application/xml", xml, len, NULL, &r), 0);
    if (r.status != 201)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 201);
    tender_id = it_json(r.body, "tender_id");
    it_resp_free(&r);
    free(xml);
    xml = fixture("can_two_winners.xml", &len);
    assert_int_equal(it_http(&D, "POST", "/v1/notices", admin_tok, "application/xml", xml, len, NULL, &r), 0);
    assert_true(r.status == 201 || r.status == 200);
    it_resp_free(&r);
    free(xml);

    char *sql = it_fmt("select id from clauses where tender_id = '%s' and source_key = 'c1'", tender_id);
    clause_c1 = it_sql(&D, sql);
    free(sql);
    sql = it_fmt("select id from clauses where tender_id = '%s' and source_key = 'c3'", tender_id);
    clause_c3 = it_sql(&D, sql);
    free(sql);
    char *body = it_fmt("{\"lot_ref\": \"LOT-0001\", \"supplier_business_id\": \"0112038-9\", \"supplier_name\": "
                        "\"Testi Siivous Oy\", \"contract_ref\": \"OCDS-T-1\", \"signed_on\": \"2019-12-01\", "
                        "\"starts_on\": \"2020-01-01\", \"ends_on\": \"2035-12-31\", "
                        "\"value\": {\"amount\": 200000, \"currency\": \"EUR\"}, "
                        "\"commitments\": [{\"clause_id\": \"%s\", \"quantity\": 5}]}", clause_c1);
    char *path = it_fmt("/v1/tenders/%s/contracts", tender_id);
    assert_int_equal(it_post(&D, path, buyer_tok, body, &r), 0);
    if (r.status != 201)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 201);
    contract_id = it_json(r.body, "id");
    it_resp_free(&r);
    free(path);
    free(body);
    o = it_sql(&D, "select id from organizations where business_id = '0112038-9'");
    supplier_tok = it_token(&D, o);
    free(o);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(admin_tok);
    free(analyst_tok);
    free(buyer_tok);
    free(other_buyer_tok);
    free(supplier_tok);
    free(tender_id);
    free(contract_id);
    free(clause_c1);
    free(clause_c3);
    return 0;
}

/* ---- tests ---- */

/* The ClauseNotice import gave one tender release and one award+contract release, the clauses
 * mapped onto sustainability, contractTerms, otherRequirements and metrics. */
static void test_tender_and_award_releases(void **state)
{
    (void)state;
    struct walk w;
    walk_feed(analyst_tok, NULL, 500, NULL, &w);
    assert_true(w.n >= 4);
    /* one transaction, one tender release, however many rows it wrote */
    char *sql = it_fmt("select count(*) from ocds_releases where tender_id = '%s' and kind = 'tender' "
                       "and txid = (select min(txid) from ocds_releases where tender_id = '%s')", tender_id, tender_id);
    char *v = it_sql(&D, sql);
    assert_string_equal(v, "1");
    free(v);
    free(sql);

    const struct ct_json *t = find_release(&w, tender_id, "tender", 0);
    assert_non_null(t);
    assert_int_equal(jcount(t, "tag"), 1);
    assert_string_equal(jstr(t, "initiationType"), "tender");
    assert_string_equal(jstr(t, "tender.id"), "JNS-HANK-2026-7");
    assert_string_equal(jstr(t, "tender.status"), "active");
    assert_string_equal(jstr(t, "tender.mainProcurementCategory"), "services");
    assert_string_equal(jstr(t, "tender.value.currency"), "EUR");
    assert_string_equal(jstr(t, "buyer.id"), "FI-PRO-0207063-5");
    assert_string_equal(jstr(t, "parties.0.identifier.scheme"), "FI-PRO");
    assert_string_equal(jstr(t, "parties.0.identifier.id"), "0207063-5");
    assert_string_equal(jstr(t, "parties.0.address.region"), "FI1D3");
    assert_string_equal(jstr(t, "parties.0.roles.0"), "buyer");
    assert_int_equal(jcount(t, "tender.lots"), 2);
    assert_string_equal(jstr(t, "tender.lots.0.id"), "LOT-0001");
    /* clause c1 on LOT-0001: sustainability, performance terms with its text, the sanction */
    assert_string_equal(jstr(t, "tender.lots.0.sustainability.0.goal"), "social.disadvantagedEmploymentOpportunities");
    assert_string_equal(jstr(t, "tender.lots.0.sustainability.0.strategies.0"), "contractPerformanceConditions");
    const char *terms = jstr(t, "tender.lots.0.contractTerms.performanceTerms");
    assert_non_null(terms);
    assert_non_null(strstr(terms, "kolme osatyökykyistä"));
    const char *penalty = jstr(t, "tender.lots.0.contractTerms.rewardsAndPenalties");
    assert_non_null(penalty);
    assert_non_null(strstr(penalty, "5000 EUR"));
    /* the whole-tender clause c3 on the tender */
    assert_string_equal(jstr(t, "tender.sustainability.0.goal"), "social.disadvantagedEmploymentOpportunities");
    assert_non_null(jstr(t, "tender.contractTerms.performanceTerms"));
    const struct ct_json *hs = jget(t, "tender.hasSustainability");
    assert_non_null(hs);
    assert_true(hs->type == CT_JSON_BOOL && hs->boolean);
    /* targets: one metric per clause, the obligation as the observation */
    assert_int_equal(jcount(t, "tender.targets"), 3);
    char *mid = it_fmt("clause-%s", clause_c1);
    int seen = 0;
    for (size_t i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof p, "tender.targets.%zu", i);
        const struct ct_json *m = jget(t, p);
        if (strcmp(jstr(m, "id"), mid) == 0) {
            seen = 1;
            assert_string_equal(jget(m, "observations.0.measure")->number.raw, "3");
            assert_string_equal(jstr(m, "observations.0.unit.name"), "persons");
            assert_string_equal(jstr(m, "observations.0.dimensions.targetGroups"), "partially_able,long_term_unemployed");
            assert_string_equal(jstr(m, "observations.0.dimensions.lot"), "LOT-0001");
        }
    }
    assert_true(seen);
    /* the notice itself */
    assert_string_equal(jstr(t, "tender.documents.0.documentType"), "tenderNotice");

    /* award + contract of the notice's contract: agreed metrics = the commitments */
    const struct ct_json *k = find_release(&w, tender_id, "award", 0);
    assert_non_null(k);
    assert_string_equal(jstr(k, "tag.1"), "contract");
    assert_string_equal(jstr(k, "contracts.0.awardID"), jstr(k, "awards.0.id"));
    assert_string_equal(jstr(k, "awards.0.relatedLots.0"), "LOT-0001");
    assert_string_equal(jstr(k, "parties.1.roles.0"), "supplier");
    assert_string_equal(jstr(k, "parties.1.identifier.scheme"), "FI-PRO");
    assert_string_equal(jstr(k, "contracts.0.period.startDate"), "2026-04-01T00:00:00Z");
    assert_string_equal(jstr(k, "contracts.0.agreedMetrics.0.id"), mid);
    assert_string_equal(jget(k, "contracts.0.agreedMetrics.0.observations.0.measure")->number.raw, "4");
    free(mid);

    /* ids unique; every release of the walk belongs to ocds-PREFIX- */
    for (size_t i = 0; i < w.n; i++) {
        assert_int_equal(count_release_id(&w, jstr(w.rel[i], "id")), 1);
        assert_memory_equal(jstr(w.rel[i], "ocid"), "ocds-" PREFIX "-", 12);
        assert_non_null(jstr(w.rel[i], "date"));
    }
    /* the award notice (two winners) made its own award+contract releases */
    size_t awards = 0;
    for (size_t i = 0; i < w.n; i++)
        if (strcmp(jstr(w.rel[i], "tag.0"), "award") == 0)
            awards++;
    assert_true(awards >= 4); /* the ClauseNotice's, the API's, the award notice's two */
    walk_free(&w);
}

/* A change is a tenderUpdate; a PATCH that changes nothing publishes nothing. */
static void test_tender_update(void **state)
{
    (void)state;
    char *count_sql = it_fmt("select count(*) from ocds_releases where tender_id = '%s' and kind = 'tender'", tender_id);
    char *before = it_sql(&D, count_sql);
    char *path = it_fmt("/v1/tenders/%s", tender_id);
    struct it_resp r;
    assert_int_equal(it_patch(&D, path, buyer_tok, "{\"description\": \"Siivouspalvelut, työllistämisehto.\"}", &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    char *after = it_sql(&D, count_sql);
    assert_int_equal(atol(after), atol(before) + 1);
    free(after);
    assert_int_equal(it_patch(&D, path, buyer_tok, "{\"description\": \"Siivouspalvelut, työllistämisehto.\"}", &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    after = it_sql(&D, count_sql);
    assert_int_equal(atol(after), atol(before) + 1);
    free(after);
    struct walk w;
    walk_feed(analyst_tok, NULL, 500, NULL, &w);
    const struct ct_json *u = find_release(&w, tender_id, "tenderUpdate", 1);
    assert_non_null(u);
    assert_string_equal(jstr(u, "tender.description"), "Siivouspalvelut, työllistämisehto.");
    walk_free(&w);
    free(before);
    free(count_sql);
    free(path);
}

/* Placements through the API: implementationUpdate releases with observations by target group,
 * small ones suppressed, no person anywhere. */
static void test_implementation_and_suppression(void **state)
{
    (void)state;
    char *path = it_fmt("/v1/contracts/%s/placements", contract_id);
    struct it_resp r;
    /* 6 partially able (published), 2 long-term unemployed (suppressed), 1 immigrant (suppressed);
     * older workers none (0, published) */
    for (int i = 0; i < 9; i++) {
        const char *group = i < 6 ? "partially_able" : i < 8 ? "long_term_unemployed" : "immigrant";
        char *person = i == 0 ? strdup("{\"hetu\": \"131052-308T\"}") : it_fmt("{\"ref\": \"tyontekija-%d\"}", i);
        char *body = it_fmt("{\"person\": %s, \"target_group\": \"%s\", \"starts_on\": \"2020-01-01\", "
                            "\"ends_on\": null, \"weekly_hours\": 30, \"employment_type\": \"permanent\"}", person, group);
        assert_int_equal(it_post(&D, path, supplier_tok, body, &r), 0);
        if (r.status != 201)
            fprintf(stderr, "%s\n", r.body);
        assert_int_equal(r.status, 201);
        it_resp_free(&r);
        free(body);
        free(person);
    }
    free(path);
    struct walk w;
    walk_feed(analyst_tok, NULL, 500, NULL, &w);
    /* the latest implementationUpdate of our contract */
    const struct ct_json *imp = NULL;
    for (size_t i = 0; i < w.n; i++) {
        const char *cid = jstr(w.rel[i], "contracts.0.id");
        if (cid && strcmp(cid, contract_id) == 0 && strcmp(jstr(w.rel[i], "tag.0"), "implementationUpdate") == 0)
            imp = w.rel[i];
    }
    assert_non_null(imp);
    assert_int_equal(jcount(imp, "tag"), 1);
    assert_string_equal(jstr(imp, "contracts.0.awardID"), contract_id);
    const struct ct_json *metrics = jget(imp, "contracts.0.implementation.metrics");
    assert_non_null(metrics);
    assert_int_equal(metrics->array.count, 2); /* c1 (lot) and c3 (whole tender) */
    char *c1 = it_fmt("clause-%s", clause_c1);
    char *c3 = it_fmt("clause-%s", clause_c3);
    int checked = 0;
    for (size_t m = 0; m < metrics->array.count; m++) {
        const struct ct_json *mt = metrics->array.items[m];
        const struct ct_json *obs = jget(mt, "observations");
        for (size_t i = 0; i < obs->array.count; i++) {
            const struct ct_json *o = obs->array.items[i];
            const char *g = jstr(o, "dimensions.targetGroup");
            const struct ct_json *measure = jget(o, "measure");
            assert_null(jget(o, "_persons"));
            if (strcmp(jstr(mt, "id"), c1) == 0 && strcmp(g, "partially_able") == 0) {
                assert_non_null(measure);
                assert_string_equal(measure->number.raw, "6");
                assert_null(jget(o, "notes"));
                checked++;
            } else if (strcmp(jstr(mt, "id"), c1) == 0 && strcmp(g, "long_term_unemployed") == 0) {
                assert_null(measure); /* 2 persons: suppressed */
                assert_non_null(strstr(jstr(o, "notes"), "fewer than 5 persons"));
                checked++;
            } else if (strcmp(jstr(mt, "id"), c3) == 0 && strcmp(g, "immigrant") == 0) {
                assert_null(measure); /* 1 person's person-months: suppressed */
                assert_non_null(jstr(o, "notes"));
                checked++;
            } else if (strcmp(jstr(mt, "id"), c3) == 0 && strcmp(g, "older_worker") == 0) {
                assert_non_null(measure);
                assert_string_equal(measure->number.raw, "0");
                checked++;
            }
        }
    }
    assert_int_equal(checked, 4);
    free(c1);
    free(c3);
    walk_free(&w);

    /* no person reference, pseudonym or henkilötunnus anywhere in the feed, for any role */
    const char *const toks[] = {analyst_tok, admin_tok, buyer_tok, supplier_tok};
    char *refs = it_sql(&D, "select string_agg(person_ref, ' ') from placements");
    assert_non_null(refs);
    for (size_t t = 0; t < 4; t++) {
        struct it_resp p;
        assert_int_equal(it_get(&D, "/v1/ocds/releases?limit=500", toks[t], &p), 0);
        assert_int_equal(p.status, 200);
        assert_null(strstr(p.body, "person_ref"));
        assert_null(strstr(p.body, "_persons"));
        assert_null(strstr(p.body, "131052"));
        assert_null(strstr(p.body, "tyontekija"));
        for (char *s = refs; *s; s += strcspn(s, " "), s += *s == ' ') {
            char ref[65];
            snprintf(ref, sizeof ref, "%.64s", s);
            assert_null(strstr(p.body, ref));
        }
        it_resp_free(&p);
    }
    free(refs);
}

/* Several placements in one transaction: one implementationUpdate. */
static void test_debounce_per_transaction(void **state)
{
    (void)state;
    char *sql = it_fmt("select count(*) from ocds_releases where contract_id = '%s' and kind = 'implementation'", contract_id);
    char *before = it_sql(&D, sql);
    PGconn *c = conn();
    pq_ok(c, "begin");
    for (int i = 0; i < 3; i++) {
        char *ins = it_fmt("insert into placements (contract_id, person_ref, target_group, starts_on, weekly_hours, "
                           "employment_type) values ('%s', lpad(to_hex(%d), 64, 'e'), 'older_worker', '2020-02-01', 20, "
                           "'fixed_term')", contract_id, 1000 + i);
        pq_ok(c, ins);
        free(ins);
    }
    pq_ok(c, "commit");
    PQfinish(c);
    char *after = it_sql(&D, sql);
    assert_int_equal(atol(after), atol(before) + 1);
    free(before);
    free(after);
    free(sql);
}

/* Writers committing out of order: A writes first (smaller xid) and commits last. While A runs,
 * nothing at or after A's xid is served (B's release is held back); once A commits, the walk
 * continued from the cursor gets A's and B's releases, each exactly once, A's first. */
static void test_walk_out_of_order(void **state)
{
    (void)state;
    /* a second tender to write to */
    struct it_resp r;
    assert_int_equal(it_post(&D, "/v1/tenders", buyer_tok,
                             "{\"title\": \"Ruokapalvelut\", \"nature\": \"services\", \"cpv\": \"55520000\"}", &r), 0);
    assert_int_equal(r.status, 201);
    char *t2 = it_json(r.body, "id");
    it_resp_free(&r);

    struct walk w0;
    walk_feed(analyst_tok, NULL, 3, NULL, &w0);
    assert_true(w0.pages >= 2);
    char resume[128];
    snprintf(resume, sizeof resume, "%s", w0.resume);
    assert_true(resume[0] != '\0');

    PGconn *a = conn(), *b = conn();
    pq_ok(a, "begin");
    char *sql = it_fmt("update tenders set title = 'Ruokapalvelut A' where id = '%s'", t2);
    pq_ok(a, sql); /* A has its xid now */
    free(sql);
    pq_ok(b, "begin");
    sql = it_fmt("update tenders set title = 'Siivous B' where id = '%s'", tender_id);
    pq_ok(b, sql);
    free(sql);
    pq_ok(b, "commit");
    char *b_release = it_sql(&D, "select release_id from ocds_releases order by id desc limit 1");
    assert_non_null(b_release);
    assert_memory_equal(b_release, "tender-", 7);

    /* B is committed, but A could still commit before it: B is not served yet */
    struct walk w1;
    walk_feed(analyst_tok, resume, 3, NULL, &w1);
    assert_int_equal(w1.n, 0);
    assert_string_equal(w1.resume, resume);
    walk_free(&w1);
    /* nor from the start */
    walk_feed(analyst_tok, NULL, 500, NULL, &w1);
    assert_int_equal(count_release_id(&w1, b_release), 0);
    assert_int_equal(w1.n, w0.n);
    walk_free(&w1);

    pq_ok(a, "commit");
    PQfinish(a);
    PQfinish(b);
    char *a_release = it_sql(&D, "select release_id from ocds_releases order by id desc limit 1");
    assert_string_not_equal(a_release, b_release);

    /* continue the walk from where it stopped: both, once each, A before B */
    walk_feed(analyst_tok, resume, 1, NULL, &w1);
    assert_int_equal(w1.n, 2);
    assert_string_equal(jstr(w1.rel[0], "id"), a_release);
    assert_string_equal(jstr(w1.rel[1], "id"), b_release);
    char ocid_a[128];
    snprintf(ocid_a, sizeof ocid_a, "ocds-%s-%s", PREFIX, t2);
    assert_string_equal(jstr(w1.rel[0], "ocid"), ocid_a);
    assert_string_equal(jstr(w1.rel[0], "tender.title"), "Ruokapalvelut A");
    assert_string_equal(jstr(w1.rel[1], "tender.title"), "Siivous B");
    walk_free(&w1);

    /* a whole walk from the start, in pages of 2: every release exactly once */
    struct walk all;
    walk_feed(analyst_tok, NULL, 2, NULL, &all);
    char *n = it_sql(&D, "select count(*) from ocds_releases");
    assert_int_equal(all.n, (size_t)atol(n));
    for (size_t i = 0; i < all.n; i++)
        assert_int_equal(count_release_id(&all, jstr(all.rel[i], "id")), 1);
    assert_int_equal(w0.n + 2, all.n);
    free(n);
    walk_free(&all);
    walk_free(&w0);
    free(a_release);
    free(b_release);
    free(t2);
}

/* Many writers at once through the API while a reader walks: nothing skipped or repeated. */
static void test_walk_concurrent_writers(void **state)
{
    (void)state;
    struct walk w;
    walk_feed(analyst_tok, NULL, 500, NULL, &w);
    char resume[128];
    snprintf(resume, sizeof resume, "%s", w.resume);
    size_t seen = 0;
    walk_free(&w);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 5; i++) {
                char *body = it_fmt("{\"title\": \"Rinnakkainen %d-%d\", \"nature\": \"works\"}", k, i);
                struct it_resp r;
                if (it_post(&D, "/v1/tenders", buyer_tok, body, &r) != 0 || r.status != 201)
                    _exit(1);
                it_resp_free(&r);
                free(body);
            }
            _exit(0);
        }
    }
    struct ct_arena *ids = ct_arena_new();
    const char *got[64];
    for (int round = 0; round < 200; round++) {
        walk_feed(analyst_tok, resume, 3, NULL, &w);
        for (size_t i = 0; i < w.n; i++) {
            assert_true(seen < 64);
            got[seen++] = ct_arena_strdup(ids, jstr(w.rel[i], "id"));
        }
        snprintf(resume, sizeof resume, "%s", w.resume);
        walk_free(&w);
        if (seen >= 20)
            break;
        usleep(10000);
    }
    for (int k = 0; k < 4; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    /* every writer has committed: the rest arrives as soon as no other transaction holds it back */
    for (int round = 0; round < 100 && seen < 20; round++) {
        walk_feed(analyst_tok, resume, 3, NULL, &w);
        for (size_t i = 0; i < w.n; i++) {
            assert_true(seen < 64);
            got[seen++] = ct_arena_strdup(ids, jstr(w.rel[i], "id"));
        }
        snprintf(resume, sizeof resume, "%s", w.resume);
        walk_free(&w);
        if (seen < 20)
            usleep(20000);
    }
    assert_int_equal(seen, 20);
    for (size_t i = 0; i < seen; i++)
        for (size_t j = i + 1; j < seen; j++)
            assert_string_not_equal(got[i], got[j]);
    ct_arena_free(ids);
}

/* Scope by role; bad parameters; no token. */
static void test_scope_and_parameters(void **state)
{
    (void)state;
    struct walk w;
    walk_feed(other_buyer_tok, NULL, 500, NULL, &w);
    assert_int_equal(w.n, 0); /* nothing of Kitee's own */
    walk_free(&w);
    walk_feed(buyer_tok, NULL, 500, NULL, &w);
    char ocid[128];
    snprintf(ocid, sizeof ocid, "ocds-%s-%s", PREFIX, tender_id);
    size_t own = 0;
    for (size_t i = 0; i < w.n; i++) {
        const char *buyer = jstr(w.rel[i], "buyer.id");
        if (buyer)
            assert_string_equal(buyer, "FI-PRO-0207063-5");
        if (strcmp(jstr(w.rel[i], "ocid"), ocid) == 0)
            own++;
    }
    assert_true(own >= 3);
    walk_free(&w);
    /* the supplier: its tender's tender releases and its own contract's releases only */
    walk_feed(supplier_tok, NULL, 500, NULL, &w);
    assert_true(w.n > 0);
    for (size_t i = 0; i < w.n; i++) {
        assert_string_equal(jstr(w.rel[i], "ocid"), ocid);
        const char *cid = jstr(w.rel[i], "contracts.0.id");
        if (cid)
            assert_string_equal(cid, contract_id);
    }
    walk_free(&w);

    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/ocds/releases", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    it_resp_free(&r);
    static const char *const bad[] = {"/v1/ocds/releases?cursor=!!", "/v1/ocds/releases?cursor=bm9wZQ",
                                      "/v1/ocds/releases?since=yesterday", "/v1/ocds/releases?since=2026-13-45T00:00:00Z",
                                      "/v1/ocds/releases?limit=0", "/v1/ocds/releases?limit=501"};
    static const char *const field[] = {"cursor", "cursor", "since", "since", "limit", "limit"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(it_get(&D, bad[i], analyst_tok, &r), 0);
        if (r.status != 400)
            fprintf(stderr, "%s: %d %s\n", bad[i], r.status, r.body);
        assert_int_equal(r.status, 400);
        char *f = it_json(r.body, "errors.0.field");
        assert_string_equal(f, field[i]);
        free(f);
        it_resp_free(&r);
    }
    /* since: far future nothing, far past everything; offsets accepted */
    walk_feed(analyst_tok, NULL, 500, "2999-01-01T00:00:00Z", &w);
    assert_int_equal(w.n, 0);
    walk_free(&w);
    walk_feed(analyst_tok, NULL, 500, "2000-01-01T00:00:00%2B02:00", &w);
    char *n = it_sql(&D, "select count(*) from ocds_releases");
    assert_int_equal(w.n, (size_t)atol(n));
    free(n);
    walk_free(&w);
}

/* Committed releases cannot change or go; the prefix is applied when served. */
static void test_immutable_and_prefix(void **state)
{
    (void)state;
    PGconn *c = conn();
    static const char *const writes[] = {"update ocds_releases set tag = '{tender}'", "delete from ocds_releases",
                                         "truncate ocds_releases"};
    for (size_t i = 0; i < 3; i++) {
        PGresult *r = PQexec(c, writes[i]);
        assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
        PQclear(r);
    }
    PQfinish(c);
    char *stored = it_sql(&D, "select count(*) from ocds_releases where release::text like '%ocds-%'");
    assert_string_equal(stored, "0");
    free(stored);

    assert_int_equal(it_daemon_stop(&D), 0);
    static const char *env[] = {"CLAUSETRACK_OCDS_PREFIX=abc123", NULL};
    it_daemon_start(&D, env);
    struct walk w;
    walk_feed(analyst_tok, NULL, 500, NULL, &w);
    assert_true(w.n > 0);
    char *first = it_sql(&D, "select release_id from ocds_releases order by txid, id limit 1");
    assert_string_equal(jstr(w.rel[0], "id"), first);
    free(first);
    for (size_t i = 0; i < w.n; i++)
        assert_memory_equal(jstr(w.rel[i], "ocid"), "ocds-abc123-", 12);
    walk_free(&w);
    assert_int_equal(it_daemon_stop(&D), 0);
    static const char *env2[] = {"CLAUSETRACK_OCDS_PREFIX=" PREFIX, "CLAUSETRACK_SUPPRESS_BELOW=5", NULL};
    it_daemon_start(&D, env2);
}

/* Report whether the schema checks ran. */
static void test_schema_validation_available(void **state)
{
    (void)state;
    if (!shared_ocds()) {
        fprintf(stderr, "test_ocds: ../shared/ocds is not there: packages were not validated against the OCDS "
                        "schemas (skipped)\n");
        skip();
    }
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/ocds/releases?limit=500", analyst_tok, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(validate_package(r.body, r.body_len), 0);
    /* and the check does catch an invalid package */
    const char *bad = "{\"uri\": \"http://x/\", \"version\": \"1.1\", \"publishedDate\": \"2026-01-01T00:00:00Z\", "
                      "\"publisher\": {\"name\": \"x\"}, \"releases\": [{\"id\": \"x\"}]}";
    fprintf(stderr, "test_ocds: an invalid package on purpose:\n");
    assert_int_not_equal(validate_package(bad, strlen(bad)), 0);
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tender_and_award_releases),
        cmocka_unit_test(test_tender_update),
        cmocka_unit_test(test_implementation_and_suppression),
        cmocka_unit_test(test_debounce_per_transaction),
        cmocka_unit_test(test_walk_out_of_order),
        cmocka_unit_test(test_walk_concurrent_writers),
        cmocka_unit_test(test_scope_and_parameters),
        cmocka_unit_test(test_immutable_and_prefix),
        cmocka_unit_test(test_schema_validation_available),
    };
    return cmocka_run_group_tests_name("ocds", tests, setup, teardown);
}
