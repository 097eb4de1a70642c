/* test_clausenotice.c - the ClauseNotice format: schema loading (xsd/clause-notice.xsd, or
 * $CT_XSD), exact mapping of the valid fixture, exact error paths and lines for schema
 * violations and importer rules, and one compiled schema shared by several threads. Fixtures
 * come from tests/fixtures/xml ($CT_FIXTURES/xml overrides); run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/clausenotice.h"
#include "ct/notice.h"
#include "ct/xmlsafe.h"

#define MAX_XML (16u * 1024 * 1024)
#define THREADS 4
#define ROUNDS 25

static char *fixture(const char *name, size_t *len);
static char *replace(const char *s, const char *old, const char *rep);
static const char *schema_path(void);
static struct ct_notice *parse_ok(struct ct_arena *a, const char *buf, size_t len);
static void expect_error(const char *buf, size_t len, int status, const char *field, int line,
                         const char *detail);
static void expect_variant(const char *old, const char *rep, const char *field, int line,
                           const char *detail);
static void assert_str(const char *got, const char *want);
static void *validate_loop(void *arg);
static int setup(void **state);
static int teardown(void **state);

static void test_valid(void **state);
static void test_bad_fixtures(void **state);
static void test_schema_violations(void **state);
static void test_importer_rules(void **state);
static void test_defaults_and_foreign_supplier(void **state);
static void test_schema_loading(void **state);
static void test_threads(void **state);

static struct ct_clausenotice_schema *schema;

static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("CT_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/xml/%s", dir && *dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read fixture %s (run from the repository root or set CT_FIXTURES)",
                 path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static char *replace(const char *s, const char *old, const char *rep)
{
    const char *p = strstr(s, old);
    if (!p)
        fail_msg("fixture text not found: %s", old);
    size_t a = (size_t)(p - s), ol = strlen(old), rl = strlen(rep), tl = strlen(p + ol);
    char *out = malloc(a + rl + tl + 1);
    assert_non_null(out);
    memcpy(out, s, a);
    memcpy(out + a, rep, rl);
    memcpy(out + a + rl, p + ol, tl + 1);
    return out;
}

static const char *schema_path(void)
{
    const char *p = getenv("CT_XSD");
    return p && *p ? p : "xsd/clause-notice.xsd";
}

static struct ct_notice *parse_ok(struct ct_arena *a, const char *buf, size_t len)
{
    struct ct_notice_opts opts = {.clause_schema = schema};
    struct ct_notice *n = NULL;
    struct ct_err e;
    ct_err_clear(&e);
    if (ct_notice_parse(a, buf, len, MAX_XML, &opts, &n, &e) != 0)
        fail_msg("unexpected error %d: %s", e.status, e.detail);
    assert_non_null(n);
    return n;
}

static void expect_error(const char *buf, size_t len, int status, const char *field, int line,
                         const char *detail)
{
    struct ct_notice_opts opts = {.clause_schema = schema};
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = NULL;
    struct ct_err e;
    ct_err_clear(&e);
    if (ct_notice_parse(a, buf, len, MAX_XML, &opts, &n, &e) == 0)
        fail_msg("expected %d %s, got success", status, field);
    assert_null(n);
    if (e.status != status || e.nfields < 1 || strcmp(e.fields[0].field, field) != 0 ||
        e.line != line)
        fail_msg("expected %d %s line %d, got %d %s line %d: %s", status, field, line, e.status,
                 e.nfields ? e.fields[0].field : "-", e.line, e.detail);
    if (detail && strcmp(e.detail, detail) != 0)
        fail_msg("detail \"%s\", expected \"%s\"", e.detail, detail);
    ct_arena_free(a);
}

static void expect_variant(const char *old, const char *rep, const char *field, int line,
                           const char *detail)
{
    size_t len;
    char *buf = fixture("clausenotice_valid.xml", &len);
    char *v = replace(buf, old, rep);
    expect_error(v, strlen(v), 422, field, line, detail);
    free(v);
    free(buf);
}

static void assert_str(const char *got, const char *want)
{
    if (!want) {
        if (got)
            fail_msg("expected NULL, got \"%s\"", got);
        return;
    }
    if (!got)
        fail_msg("expected \"%s\", got NULL", want);
    assert_string_equal(got, want);
}

static int setup(void **state)
{
    (void)state;
    struct ct_err e;
    ct_err_clear(&e);
    ct_xml_init();
    schema = ct_clausenotice_schema_load(schema_path(), &e);
    if (!schema) {
        fprintf(stderr, "cannot load %s: %s\n", schema_path(), e.detail);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_clausenotice_schema_free(schema);
    ct_xml_cleanup();
    return 0;
}

static void test_valid(void **state)
{
    (void)state;
    size_t len;
    char *buf = fixture("clausenotice_valid.xml", &len);
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_ok(a, buf, len);
    free(buf);

    assert_int_equal(n->format, CT_NOTICE_FORMAT_CLAUSENOTICE);
    assert_int_equal(n->type, CT_NOTICE_CLAUSE_NOTICE);
    assert_str(ct_notice_type_name(n->type), "ClauseNotice");
    assert_str(n->type_code, "ClauseNotice");
    assert_null(n->subtype);
    assert_null(n->sdk);
    assert_null(n->changes_notice);
    assert_str(n->language, "FIN");
    assert_str(n->notice_id, "JNS-2026-0042");
    assert_str(n->version, "2");
    assert_int_equal(n->version_num, 2);
    assert_string_equal(n->issue_date, "2026-01-15");
    assert_int_equal(n->line, 3);

    assert_str(n->buyer.name, "Joensuun kaupunki");
    assert_str(n->buyer.id_raw, "0207063-5");
    assert_str(n->buyer.business_id, "0207063-5");
    assert_str(n->buyer.nuts, "FI1D3");
    assert_str(n->buyer.municipality_code, "167");
    assert_str(n->buyer.country, "FIN");
    assert_null(n->buyer.city);
    assert_int_equal(n->buyer.line, 7);

    assert_str(n->procedure_id, "JNS-HANK-2026-7");
    assert_str(n->title, "Kiinteistöjen siivouspalvelut 2026–2029");
    assert_str(n->description,
               "Siivouspalvelut kaupungin kiinteistöihin. Hankinnassa käytetään työllistämisehtoa.");
    assert_int_equal(n->nature, CT_NOTICE_NATURE_SERVICES);
    assert_str(n->cpv, "90910000");
    assert_string_equal(n->estimated_value.text, "1250000.00");
    assert_string_equal(n->estimated_value.currency, "EUR");
    assert_string_equal(n->deadline, "2026-02-20");

    assert_int_equal(n->nlots, 2);
    assert_str(n->lots[0].lot_ref, "LOT-0001");
    assert_str(n->lots[0].title, "Koulut");
    assert_str(n->lots[0].cpv, "90911200");
    assert_string_equal(n->lots[0].estimated_value.text, "750000");
    assert_int_equal(n->lots[0].line, 22);
    assert_str(n->lots[1].lot_ref, "LOT-0002");
    assert_str(n->lots[1].title, "Päiväkodit");
    assert_null(n->lots[1].cpv);
    assert_int_equal(n->lots[1].estimated_value.set, 0);
    assert_int_equal(n->lots[1].line, 28);

    assert_int_equal(n->nclauses, 3);
    const struct ct_notice_clause *k = &n->clauses[0];
    assert_str(k->key, "c1");
    assert_str(k->lot_ref, "LOT-0001");
    assert_str(k->kind, "hire_persons");
    assert_int_equal(k->ntarget_groups, 2);
    assert_str(k->target_groups[0], "partially_able");
    assert_str(k->target_groups[1], "long_term_unemployed");
    assert_true(k->quantity == 3.0);
    assert_true(k->min_months_per_person == 6.0);
    assert_true(k->min_weekly_hours == 18.0);
    assert_str(k->reporting, "monthly");
    assert_int_equal(k->has_sanction, 1);
    assert_true(k->sanction_eur == 5000.0);
    assert_str(k->description, "Toimittaja työllistää sopimuskauden aikana kolme osatyökykyistä "
                               "tai pitkäaikaistyötöntä.");
    assert_int_equal(k->line, 35);
    k = &n->clauses[1];
    assert_str(k->key, "c2");
    assert_str(k->lot_ref, "LOT-0002");
    assert_str(k->kind, "apprenticeships");
    assert_int_equal(k->ntarget_groups, 1);
    assert_str(k->target_groups[0], "youth");
    assert_true(k->quantity == 2.0);
    assert_true(k->min_months_per_person == 0.0); /* hire_persons only */
    assert_true(k->min_weekly_hours == 0.0);
    assert_str(k->reporting, "quarterly");
    assert_int_equal(k->has_sanction, 0);
    assert_null(k->description);
    assert_int_equal(k->line, 49);
    k = &n->clauses[2];
    assert_str(k->key, "c3");
    assert_null(k->lot_ref);
    assert_str(k->kind, "person_months");
    assert_str(k->target_groups[1], "older_worker");
    assert_true(k->quantity == 24.5);
    assert_int_equal(k->line, 58);

    assert_int_equal(n->ncontracts, 1);
    const struct ct_notice_contract *c = &n->contracts[0];
    assert_str(c->lot_ref, "LOT-0001");
    assert_str(c->supplier.name, "Puhdas Koti Oy");
    assert_str(c->supplier.id_raw, "FI05050509");
    assert_str(c->supplier.business_id, "0505050-9");
    assert_str(c->supplier.country, "FIN");
    assert_str(c->contract_ref, "JNS-SOP-2026-11");
    assert_string_equal(c->signed_on, "2026-03-20");
    assert_string_equal(c->starts_on, "2026-04-01");
    assert_string_equal(c->ends_on, "2029-03-31");
    assert_string_equal(c->value.text, "712000.50");
    assert_true(c->value.amount == 712000.5);
    assert_string_equal(c->value.currency, "EUR");
    assert_null(c->tender_ref);
    assert_null(c->settled_ref);
    assert_int_equal(c->line, 69);
    assert_int_equal(c->ncommitments, 2);
    assert_str(c->commitments[0].clause_key, "c1");
    assert_int_equal(c->commitments[0].clause_index, 0);
    assert_true(c->commitments[0].quantity == 4.0);
    assert_int_equal(c->commitments[0].line, 79);
    assert_str(c->commitments[1].clause_key, "c3");
    assert_int_equal(c->commitments[1].clause_index, 2);
    assert_true(c->commitments[1].quantity == 24.5);

    /* one employment-condition per lot with a clause; the description's wording adds
     * nothing because the tender-wide clause already gave the whole-tender signal */
    assert_int_equal(n->nsignals, 3);
    static const struct {
        const char *lot;
        int line;
    } sig[] = {{"LOT-0001", 35}, {"LOT-0002", 49}, {NULL, 58}};
    for (size_t i = 0; i < 3; i++) {
        assert_str(n->signals[i].code, "employment-condition");
        assert_str(n->signals[i].source, "clause");
        assert_str(n->signals[i].lot_ref, sig[i].lot);
        assert_null(n->signals[i].text);
        assert_int_equal(n->signals[i].line, sig[i].line);
    }
    ct_arena_free(a);
}

static void test_bad_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *name, *field;
        int line;
        const char *detail;
    } cases[] = {
        {"clausenotice_bad_schema.xml", "ClauseNotice/Clauses/Clause[2]/Quantity", 55,
         "ClauseNotice/Clauses/Clause[2]/Quantity: Element 'Quantity': [facet 'minExclusive'] "
         "The value '0' must be greater than '0' (line 55)"},
        {"clausenotice_bad_keyref.xml",
         "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[2]", 80,
         "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[2]: Element 'Commitment': "
         "No match found for key-sequence ['c9'] of keyref 'commitmentClause' (line 80)"},
        {"clausenotice_bad_commitment.xml",
         "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[1]/@quantity", 79,
         "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[1]/@quantity: a commitment "
         "may exceed its clause's quantity, never fall below it (2 < 3) (line 79)"},
        {"clausenotice_bad_ytunnus.xml", "ClauseNotice/Buyer/BusinessId", 9,
         "ClauseNotice/Buyer/BusinessId: \"0207063-4\" is not a valid Y-tunnus or Finnish VAT "
         "number (business id check digit is wrong) (line 9)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *buf = fixture(cases[i].name, &len);
        expect_error(buf, len, 422, cases[i].field, cases[i].line, cases[i].detail);
        free(buf);
    }
}

static void test_schema_violations(void **state)
{
    (void)state;
    expect_variant("<TargetGroup>long_term_unemployed</TargetGroup>",
                   "<TargetGroup>students</TargetGroup>",
                   "ClauseNotice/Clauses/Clause[1]/TargetGroups/TargetGroup[2]", 40, NULL);
    expect_variant("<TargetGroup>long_term_unemployed</TargetGroup>",
                   "<TargetGroup>partially_able</TargetGroup>",
                   "ClauseNotice/Clauses/Clause[1]/TargetGroups/TargetGroup[2]", 40, NULL);
    expect_variant("<Kind>apprenticeships</Kind>", "<Kind>internships</Kind>",
                   "ClauseNotice/Clauses/Clause[2]/Kind", 51, NULL);
    expect_variant("<Reporting>monthly</Reporting>", "<Reporting>weekly</Reporting>",
                   "ClauseNotice/Clauses/Clause[1]/Reporting", 45, NULL);
    expect_variant("<LotRef>LOT-0002</LotRef>\n      <Kind>", "<LotRef>LOT-0009</LotRef>\n      <Kind>",
                   "ClauseNotice/Clauses/Clause[2]", 49, NULL);
    expect_variant("<Commitment clause=\"c1\" quantity=\"4\"/>",
                   "<Commitment clause=\"c1\" quantity=\"-4\"/>",
                   "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[1]/@quantity", 79,
                   NULL);
    expect_variant("<NoticeVersion>2</NoticeVersion>", "<NoticeVersion>0</NoticeVersion>",
                   "ClauseNotice/NoticeVersion", 5, NULL);
    expect_variant("<NoticeVersion>2</NoticeVersion>", "", "ClauseNotice/IssueDate", 6,
                   "ClauseNotice/IssueDate: Element 'IssueDate': This element is not expected. "
                   "Expected is ( NoticeVersion ) (line 6)");
    expect_variant("<IssueDate>2026-01-15</IssueDate>", "<IssueDate>2026-02-30</IssueDate>",
                   "ClauseNotice/IssueDate", 6, NULL);
    expect_variant("<IssueDate>2026-01-15</IssueDate>", "<IssueDate>2026-01-15Z</IssueDate>",
                   "ClauseNotice/IssueDate", 6, NULL);
    expect_variant("<Region>FI1D3</Region>", "<Region>SE332</Region>", "ClauseNotice/Buyer/Region",
                   10, NULL);
    expect_variant("<MunicipalityCode>167</MunicipalityCode>",
                   "<MunicipalityCode>0167</MunicipalityCode>",
                   "ClauseNotice/Buyer/MunicipalityCode", 11, NULL);
    expect_variant("<Value currency=\"EUR\">712000.50</Value>", "<Value>712000.50</Value>",
                   "ClauseNotice/Contracts/Contract[1]/Value", 77, NULL);
    expect_variant("<Cpv>90910000</Cpv>", "<Cpv>9091</Cpv>", "ClauseNotice/Tender/Cpv", 18, NULL);
    expect_variant("<Nature>services</Nature>", "<Nature>services</Nature><Unknown/>",
                   "ClauseNotice/Tender/Unknown", 17, NULL);
    expect_variant("<LotRef>LOT-0002</LotRef>\n        <Title>", "<LotRef>LOT-0001</LotRef>\n        <Title>",
                   "ClauseNotice/Tender/Lots/Lot[2]", 28, NULL);

    /* another namespace is not a ClauseNotice at all */
    size_t len;
    char *buf = fixture("clausenotice_valid.xml", &len);
    char *v = replace(buf, "urn:clausetrack:notice:1", "urn:clausetrack:notice:2");
    expect_error(v, strlen(v), 422, "root", 3, NULL);
    free(v);
    free(buf);
}

static void test_importer_rules(void **state)
{
    (void)state;
    expect_variant("<EndsOn>2029-03-31</EndsOn>", "<EndsOn>2026-03-31</EndsOn>",
                   "ClauseNotice/Contracts/Contract[1]/EndsOn", 76,
                   "ClauseNotice/Contracts/Contract[1]/EndsOn: the contract ends (2026-03-31) "
                   "before it starts (2026-04-01) (line 76)");
    expect_variant("<Quantity>2</Quantity>",
                   "<Quantity>2</Quantity><MinMonthsPerPerson>3</MinMonthsPerPerson>",
                   "ClauseNotice/Clauses/Clause[2]/MinMonthsPerPerson", 55, NULL);
}

static void test_defaults_and_foreign_supplier(void **state)
{
    (void)state;
    size_t len;
    char *buf = fixture("clausenotice_valid.xml", &len);
    struct ct_arena *a = ct_arena_new();

    /* no MinMonthsPerPerson on a hire_persons clause: 6 */
    char *v = replace(buf, "<MinMonthsPerPerson>6</MinMonthsPerPerson>", "");
    struct ct_notice *n = parse_ok(a, v, strlen(v));
    assert_true(n->clauses[0].min_months_per_person == 6.0);
    free(v);
    v = replace(buf, "<MinMonthsPerPerson>6</MinMonthsPerPerson>",
                "<MinMonthsPerPerson>9.5</MinMonthsPerPerson>");
    n = parse_ok(a, v, strlen(v));
    assert_true(n->clauses[0].min_months_per_person == 9.5);
    free(v);

    /* a foreign supplier keeps its identifier as given */
    char *v1 = replace(buf, "<SupplierBusinessId>FI05050509</SupplierBusinessId>",
                       "<SupplierBusinessId>SE556677889901</SupplierBusinessId>");
    v = replace(v1, "<SupplierName>Puhdas Koti Oy</SupplierName>",
                "<SupplierName>Nordisk Städ AB</SupplierName><SupplierCountry>SWE</SupplierCountry>");
    n = parse_ok(a, v, strlen(v));
    assert_str(n->contracts[0].supplier.country, "SWE");
    assert_str(n->contracts[0].supplier.id_raw, "SE556677889901");
    assert_str(n->contracts[0].supplier.business_id, "SE556677889901");
    free(v);
    free(v1);

    /* ...but a Finnish one needs a valid Y-tunnus / FI VAT number */
    v = replace(buf, "<SupplierBusinessId>FI05050509</SupplierBusinessId>",
                "<SupplierBusinessId>FI05050508</SupplierBusinessId>");
    expect_error(v, strlen(v), 422, "ClauseNotice/Contracts/Contract[1]/SupplierBusinessId", 71,
                 NULL);
    free(v);

    /* a commitment may only name a clause of the whole tender or of the contract's lot */
    v = replace(buf, "<Commitment clause=\"c3\" quantity=\"24.5\"/>",
                "<Commitment clause=\"c2\" quantity=\"2\"/>");
    expect_error(v, strlen(v), 422,
                 "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[2]/@clause", 80,
                 "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[2]/@clause: clause "
                 "\"c2\" is for lot LOT-0002, the contract for LOT-0001 (line 80)");
    free(v);

    /* a social_enterprise_share is a percentage */
    v1 = replace(buf, "<Kind>person_months</Kind>", "<Kind>social_enterprise_share</Kind>");
    v = replace(v1, "<Quantity>24.5</Quantity>", "<Quantity>150</Quantity>");
    expect_error(v, strlen(v), 422, "ClauseNotice/Clauses/Clause[3]/Quantity", 64, NULL);
    free(v);
    free(v1);

    /* no contracts at all is fine (a tender with its clauses, before the award) */
    const char *start = strstr(buf, "  <Contracts>");
    const char *end = strstr(buf, "</Contracts>\n");
    assert_non_null(start);
    assert_non_null(end);
    v = malloc(len + 1);
    assert_non_null(v);
    memcpy(v, buf, (size_t)(start - buf));
    strcpy(v + (start - buf), end + strlen("</Contracts>\n"));
    n = parse_ok(a, v, strlen(v));
    assert_int_equal(n->ncontracts, 0);
    assert_null(n->contracts);
    free(v);

    ct_arena_free(a);
    free(buf);
}

static void test_schema_loading(void **state)
{
    (void)state;
    struct ct_err e;
    ct_err_clear(&e);
    assert_null(ct_clausenotice_schema_load("/nonexistent/clause-notice.xsd", &e));
    assert_int_equal(e.status, 500);
    assert_string_equal(e.detail, "cannot read ClauseNotice schema /nonexistent/clause-notice.xsd");

    ct_err_clear(&e);
    const char *garbage = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                          "<xs:element name=\"a\" type=\"xs:nosuchtype\"/></xs:schema>";
    assert_null(ct_clausenotice_schema_load_mem(garbage, strlen(garbage), &e));
    assert_int_equal(e.status, 500);
    assert_non_null(strstr(e.detail, "invalid ClauseNotice schema at line 1"));

    ct_err_clear(&e);
    const char *dtd = "<!DOCTYPE xs:schema [<!ENTITY x \"y\">]>"
                      "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>";
    assert_null(ct_clausenotice_schema_load_mem(dtd, strlen(dtd), &e));
    assert_int_equal(e.status, 500);

    ct_err_clear(&e);
    assert_null(ct_clausenotice_schema_load_mem("<a", 2, &e));
    assert_int_equal(e.status, 500);
    ct_clausenotice_schema_free(NULL);

    /* loading from memory gives the same schema as from the file */
    size_t len;
    FILE *f = fopen(schema_path(), "rb");
    assert_non_null(f);
    char *xsd = malloc(CT_CLAUSENOTICE_MAX_XSD);
    assert_non_null(xsd);
    len = fread(xsd, 1, CT_CLAUSENOTICE_MAX_XSD, f);
    fclose(f);
    ct_err_clear(&e);
    struct ct_clausenotice_schema *s = ct_clausenotice_schema_load_mem(xsd, len, &e);
    free(xsd);
    assert_non_null(s);
    char *buf = fixture("clausenotice_valid.xml", &len);
    xmlDocPtr doc = ct_xmlsafe_parse(buf, len, MAX_XML, &e);
    assert_non_null(doc);
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = NULL;
    assert_int_equal(ct_clausenotice_extract(a, doc, s, &n, &e), 0);
    assert_int_equal(n->nclauses, 3);
    xmlFreeDoc(doc);
    ct_arena_free(a);
    ct_clausenotice_schema_free(s);
    free(buf);
}

/* One compiled schema, many threads, each with its own validation context. */
static void *validate_loop(void *arg)
{
    (void)arg;
    size_t len;
    char *good = fixture("clausenotice_valid.xml", &len);
    char *bad = fixture("clausenotice_bad_schema.xml", &len);
    struct ct_notice_opts opts = {.clause_schema = schema};
    void *rc = NULL;
    for (int i = 0; i < ROUNDS && !rc; i++) {
        struct ct_arena *a = ct_arena_new();
        struct ct_notice *n = NULL;
        struct ct_err e;
        ct_err_clear(&e);
        if (ct_notice_parse(a, good, strlen(good), MAX_XML, &opts, &n, &e) != 0 ||
            n->nclauses != 3 || strcmp(n->contracts[0].supplier.business_id, "0505050-9") != 0)
            rc = (void *)1;
        ct_err_clear(&e);
        if (ct_notice_parse(a, bad, strlen(bad), MAX_XML, &opts, &n, &e) == 0 || e.line != 55 ||
            strcmp(e.fields[0].field, "ClauseNotice/Clauses/Clause[2]/Quantity") != 0)
            rc = (void *)2;
        ct_arena_free(a);
    }
    free(good);
    free(bad);
    return rc;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, validate_loop, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_null(rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_schema_violations),
        cmocka_unit_test(test_importer_rules),
        cmocka_unit_test(test_defaults_and_foreign_supplier),
        cmocka_unit_test(test_schema_loading),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
