/* test_notices.c - importing notices through POST /v1/notices and `clausetrack import`:
 * signals (the Finnish työllistämisehto as BT-775 opp), award notices creating contracts for
 * their winners, idempotency on notice id + version + content (no-op, 409 naming BT-701),
 * scope (a buyer imports only its own notices), safety (malformed XML 400 with line and
 * column, DTD/entities 400, 413, 415) with nothing written, the CLI's summary and
 * FILE:LINE:COLUMN lines, and, when ../shared/eforms-samples is there, the real samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static struct it_daemon D;
static char *admin_tok, *buyer_tok, *other_buyer_tok;
static const char *const tables[] = {"tenders", "lots", "tender_signals", "notices", "clauses", "contracts",
                                     "commitments", "organizations", "outbox", "audit_log"};
#define NTABLES (sizeof tables / sizeof *tables)

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

static void counts(long *out)
{
    for (size_t i = 0; i < NTABLES; i++)
        out[i] = it_count(&D, tables[i]);
}

static void assert_counts(const long *before)
{
    for (size_t i = 0; i < NTABLES; i++) {
        long now = it_count(&D, tables[i]);
        if (now != before[i])
            fprintf(stderr, "table %s: %ld rows, expected %ld\n", tables[i], now, before[i]);
        assert_int_equal(now, before[i]);
    }
}

static int post_xml(const char *token, const char *xml, size_t len, struct it_resp *r)
{
    return it_http(&D, "POST", "/v1/notices", token, "application/xml", xml, len, NULL, r);
}

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "notices");
    char *o = it_org(&D, "admin", "Ylläpito", NULL, NULL);
    admin_tok = it_token(&D, o);
    free(o);
    /* the buyer of cn_fi_employment.xml: Y-tunnus 0207063-5 */
    o = it_org(&D, "buyer", "Pohjois-Karjalan hyvinvointialue", "0207063-5", "FI1D3");
    buyer_tok = it_token(&D, o);
    free(o);
    o = it_org(&D, "buyer", "Kiteen kaupunki", "0165808-2", "FI1D3");
    other_buyer_tok = it_token(&D, o);
    free(o);
    static const char *env[] = {"CLAUSETRACK_MAX_XML_BODY=131072", NULL};
    it_daemon_start(&D, env);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(admin_tok);
    free(buyer_tok);
    free(other_buyer_tok);
    return 0;
}

static void test_finnish_employment_condition(void **state)
{
    (void)state;
    size_t len;
    char *xml = fixture("cn_fi_employment.xml", &len);
    struct it_resp r;
    /* another buyer may not import it */
    long before[NTABLES];
    counts(before);
    assert_int_equal(post_xml(other_buyer_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 403);
    it_resp_free(&r);
    assert_counts(before);
    /* its own buyer may */
    assert_int_equal(post_xml(buyer_tok, xml, len, &r), 0);
    if (r.status != 201)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 201);
    char *changed = it_json(r.body, "changed");
    assert_string_equal(changed, "true");
    free(changed);
    char *type = it_json(r.body, "notice_type");
    assert_string_equal(type, "ContractNotice");
    free(type);
    assert_non_null(strstr(r.body, "\"employment-condition\""));
    char *tid = it_json(r.body, "tender_id");
    it_resp_free(&r);
    char *sql = it_fmt("select lot_ref || ' ' || source from tender_signals where tender_id = '%s' and code = 'employment-condition'", tid);
    char *sig = it_sql(&D, sql);
    assert_string_equal(sig, "LOT-0001 BT-775");
    free(sig);
    free(sql);
    /* again: a no-op */
    counts(before);
    assert_int_equal(post_xml(buyer_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 200);
    changed = it_json(r.body, "changed");
    assert_string_equal(changed, "false");
    free(changed);
    char *tid2 = it_json(r.body, "tender_id");
    assert_string_equal(tid, tid2);
    free(tid2);
    it_resp_free(&r);
    assert_counts(before);
    free(tid);
    free(xml);
}

static void test_same_version_other_content(void **state)
{
    (void)state;
    size_t len;
    char *xml = fixture("cn_plain.xml", &len);
    struct it_resp r;
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    char *p = strstr(xml, "District heating pipeline renewal");
    assert_non_null(p);
    memcpy(p, "District cooling", 16);
    long before[NTABLES];
    counts(before);
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 409);
    char *field = it_json(r.body, "errors.0.field");
    assert_string_equal(field, "BT-701");
    free(field);
    it_resp_free(&r);
    assert_counts(before);
    free(xml);
}

static void test_award_creates_contracts(void **state)
{
    (void)state;
    size_t len;
    char *xml = fixture("can_two_winners.xml", &len);
    struct it_resp r;
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 200); /* joins the tender of cn_fi_employment's procedure */
    char *n = it_json(r.body, "contracts");
    assert_string_equal(n, "[2]");
    free(n);
    char *tid = it_json(r.body, "tender_id");
    it_resp_free(&r);
    char *sql = it_fmt("select count(*) || ' ' || count(distinct supplier_org_id) || ' ' || count(distinct lot_ref) "
                       "from contracts where tender_id = '%s'", tid);
    char *v = it_sql(&D, sql);
    assert_string_equal(v, "2 2 2");
    free(v);
    free(sql);
    sql = it_fmt("select status from tenders where id = '%s'", tid);
    v = it_sql(&D, sql);
    assert_string_equal(v, "awarded");
    free(v);
    free(sql);
    v = it_sql(&D, "select count(*) from outbox where type = 'contract.created'");
    assert_true(atol(v) >= 2);
    free(v);
    free(tid);
    free(xml);
}

static void test_planning_notice(void **state)
{
    (void)state;
    size_t len;
    char *xml = fixture("pin_no_procedure.xml", &len);
    struct it_resp r;
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 201);
    char *tid = it_json(r.body, "tender_id");
    it_resp_free(&r);
    char *sql = it_fmt("select status || ' ' || coalesce(procedure_id, '-') from tenders where id = '%s'", tid);
    char *v = it_sql(&D, sql);
    assert_string_equal(v, "planned -");
    free(v);
    free(sql);
    free(tid);
    free(xml);
}

static void test_bad_xml_writes_nothing(void **state)
{
    (void)state;
    static const char *const bad[] = {"bad_malformed.xml", "bad_billion_laughs.xml", "bad_xxe.xml"};
    long before[NTABLES];
    counts(before);
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *xml = fixture(bad[i], &len);
        struct it_resp r;
        assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
        assert_int_equal(r.status, 400);
        char *line = it_json(r.body, "line");
        char *col = it_json(r.body, "column");
        assert_non_null(line);
        assert_non_null(col);
        assert_true(atoi(line) > 0);
        free(line);
        free(col);
        it_resp_free(&r);
        free(xml);
    }
    /* the malformed one names line and column in its detail */
    size_t len;
    char *xml = fixture("bad_malformed.xml", &len);
    struct it_resp r;
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_non_null(strstr(r.body, "line 5, column 36"));
    it_resp_free(&r);
    free(xml);
    /* valid XML that misses a required field: 422 naming the BT */
    xml = fixture("bad_missing_bt701.xml", &len);
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 422);
    char *f = it_json(r.body, "errors.0.field");
    assert_string_equal(f, "BT-701");
    free(f);
    it_resp_free(&r);
    free(xml);
    xml = fixture("bad_ytunnus.xml", &len);
    assert_int_equal(post_xml(admin_tok, xml, len, &r), 0);
    assert_int_equal(r.status, 422);
    f = it_json(r.body, "errors.0.field");
    assert_string_equal(f, "BT-501");
    free(f);
    it_resp_free(&r);
    free(xml);
    /* 415 and 413 */
    assert_int_equal(it_http(&D, "POST", "/v1/notices", admin_tok, "application/json", "{}", 2, NULL, &r), 0);
    assert_int_equal(r.status, 415);
    it_resp_free(&r);
    size_t big = 140 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    memcpy(huge, "<a>", 3);
    memcpy(huge + big - 4, "</a>", 4);
    huge[big] = '\0';
    assert_int_equal(post_xml(admin_tok, huge, big, &r), 0);
    assert_int_equal(r.status, 413);
    it_resp_free(&r);
    free(huge);
    assert_counts(before);
}

static void test_cli_import(void **state)
{
    (void)state;
    char *dir = it_fmt("%s/tests/fixtures/xml", it_root());
    const char *argv[] = {"import", dir, NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(it_cli(&D, argv, &out, &err), 1); /* the bad fixtures are rejected */
    assert_non_null(strstr(out, "rejected 10"));
    assert_non_null(strstr(err, "bad_malformed.xml:5:36: "));
    assert_non_null(strstr(err, "bad_missing_bt701.xml:8:0: BT-701: "));
    free(out);
    free(err);
    /* again: nothing changes */
    long before[NTABLES];
    counts(before);
    assert_int_equal(it_cli(&D, argv, &out, &err), 1);
    assert_non_null(strstr(out, "imported 0, updated 0, unchanged 8, rejected 10"));
    free(out);
    free(err);
    assert_counts(before);
    /* a dry run writes nothing either */
    char *one = it_fmt("%s/tests/fixtures/xml/cn_multilot.xml", it_root());
    const char *dry[] = {"import", "--dry-run", one, NULL};
    char *sql = "select count(*) from notices where notice_id = '33333333-4444-4555-8666-777777777777'";
    char *v = it_sql(&D, sql);
    assert_int_equal(it_cli(&D, dry, &out, NULL), 0);
    char *v2 = it_sql(&D, sql);
    assert_string_equal(v, v2);
    free(v);
    free(v2);
    free(out);
    free(one);
    free(dir);
}

static void test_shared_samples(void **state)
{
    (void)state;
    char *dir = it_fmt("%s/../shared/eforms-samples", it_root());
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "skipping: %s is not there (the samples are optional)\n", dir);
        free(dir);
        skip();
    }
    const char *argv[] = {"import", dir, NULL};
    char *out = NULL, *err = NULL;
    it_cli(&D, argv, &out, &err);
    fprintf(stderr, "eforms-samples: %s%s", out, err);
    /* every rejection names the BT at fault */
    for (char *line = err; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (*line == '\0' || *line == '\n')
            continue;
        char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        char *l = strndup(line, n);
        assert_non_null(strstr(l, ": BT-"));
        free(l);
    }
    free(out);
    free(err);
    long before[NTABLES];
    counts(before);
    assert_true(it_cli(&D, argv, &out, NULL) <= 1);
    assert_non_null(strstr(out, "imported 0, updated 0,"));
    free(out);
    assert_counts(before);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finnish_employment_condition),
        cmocka_unit_test(test_same_version_other_content),
        cmocka_unit_test(test_award_creates_contracts),
        cmocka_unit_test(test_planning_notice),
        cmocka_unit_test(test_bad_xml_writes_nothing),
        cmocka_unit_test(test_cli_import),
        cmocka_unit_test(test_shared_samples),
    };
    return cmocka_run_group_tests_name("notices", tests, setup, teardown);
}
