/* test_eforms.c - eForms extraction through ct_notice_parse: exact values from the project's
 * own fixtures (tests/fixtures/xml, or $CT_FIXTURES/xml), exact error fields and lines for bad
 * notices and in-memory variants, limits, the shared helpers of notice.c, and - only when the
 * study set ../shared/eforms-samples exists ($CT_SAMPLES overrides) - a parsed/rejected report
 * over every sample. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ct/eforms.h"
#include "ct/notice.h"
#include "ct/xmlsafe.h"

#define MAX_XML (16u * 1024 * 1024)

struct sig_expect {
    const char *code, *source, *lot_ref, *text;
    int line;
};

static char *read_path(const char *path, size_t *len);
static char *fixture(const char *name, size_t *len);
static char *replace(const char *s, const char *old, const char *rep);
static struct ct_notice *parse_ok(struct ct_arena *a, const char *buf, size_t len);
static struct ct_notice *parse_fixture(struct ct_arena *a, const char *name);
static void expect_error(const char *buf, size_t len, int status, const char *field, int line);
static void expect_variant(const char *name, const char *old, const char *rep, const char *field,
                           int line);
static void assert_str(const char *got, const char *want);
static int xml_file(const struct dirent *d);
static void assert_signals(const struct ct_notice *n, const struct sig_expect *want, size_t count);
static int setup(void **state);
static int teardown(void **state);

static void test_cn_finnish(void **state);
static void test_cn_swedish_change(void **state);
static void test_cn_plain(void **state);
static void test_cn_multilot(void **state);
static void test_can_two_winners(void **state);
static void test_pin_without_procedure(void **state);
static void test_pin_without_lots(void **state);
static void test_bad_fixtures(void **state);
static void test_required_and_invalid_fields(void **state);
static void test_result_links(void **state);
static void test_limits(void **state);
static void test_dispatch(void **state);
static void test_wording(void **state);
static void test_money_and_dates(void **state);
static void test_shared_samples(void **state);

/* ---- helpers -------------------------------------------------------------------------- */

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
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

static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("CT_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/xml/%s", dir && *dir ? dir : "tests/fixtures", name);
    char *buf = read_path(path, len);
    if (!buf)
        fail_msg("cannot read fixture %s (run from the repository root or set CT_FIXTURES)",
                 path);
    return buf;
}

/* A copy of s with the first occurrence of old replaced (old must occur). */
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

static struct ct_notice *parse_ok(struct ct_arena *a, const char *buf, size_t len)
{
    struct ct_err e;
    struct ct_notice *n = NULL;
    ct_err_clear(&e);
    if (ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e) != 0)
        fail_msg("unexpected error %d: %s", e.status, e.detail);
    assert_non_null(n);
    return n;
}

static struct ct_notice *parse_fixture(struct ct_arena *a, const char *name)
{
    size_t len;
    char *buf = fixture(name, &len);
    struct ct_notice *n = parse_ok(a, buf, len);
    free(buf); /* everything in n lives in the arena */
    return n;
}

static void expect_error(const char *buf, size_t len, int status, const char *field, int line)
{
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    struct ct_notice *n = NULL;
    ct_err_clear(&e);
    int rc = ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e);
    if (rc == 0)
        fail_msg("expected %d %s, got success", status, field ? field : "");
    assert_null(n);
    if (e.status != status || (field && (e.nfields < 1 || strcmp(e.fields[0].field, field))) ||
        (line >= 0 && e.line != line))
        fail_msg("expected %d %s line %d, got %d %s line %d: %s", status, field ? field : "-",
                 line, e.status, e.nfields ? e.fields[0].field : "-", e.line, e.detail);
    if (field) {
        char want[64];
        snprintf(want, sizeof want, "%s: ", field);
        assert_non_null(strstr(e.detail, want));
    }
    ct_arena_free(a);
}

static void expect_variant(const char *name, const char *old, const char *rep, const char *field,
                           int line)
{
    size_t len;
    char *buf = fixture(name, &len);
    char *v = replace(buf, old, rep);
    expect_error(v, strlen(v), 422, field, line);
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

static void assert_signals(const struct ct_notice *n, const struct sig_expect *want, size_t count)
{
    for (size_t i = 0; i < n->nsignals && i < count; i++) {
        const struct ct_notice_signal *s = &n->signals[i];
        assert_str(s->code, want[i].code);
        assert_str(s->source, want[i].source);
        assert_str(s->lot_ref, want[i].lot_ref);
        assert_str(s->text, want[i].text);
        assert_int_equal(s->line, want[i].line);
    }
    assert_int_equal(n->nsignals, count);
}

static int setup(void **state)
{
    (void)state;
    ct_xml_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_xml_cleanup();
    return 0;
}

/* ---- fixtures ------------------------------------------------------------------------- */

static void test_cn_finnish(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "cn_fi_employment.xml");

    assert_int_equal(n->format, CT_NOTICE_FORMAT_EFORMS);
    assert_int_equal(n->type, CT_NOTICE_CONTRACT_NOTICE);
    assert_str(ct_notice_type_name(n->type), "ContractNotice");
    assert_str(n->type_code, "cn-standard");
    assert_str(n->subtype, "16");
    assert_str(n->sdk, "eforms-sdk-1.13");
    assert_str(n->language, "FIN");
    assert_str(n->notice_id, "6a1f3c52-8d0e-4b7a-9f21-3c5e7d9b0a11");
    assert_str(n->version, "01");
    assert_int_equal(n->version_num, 1);
    assert_str(n->procedure_id, "0c4d2e6f-1a3b-4c5d-8e9f-a0b1c2d3e4f5");
    assert_null(n->changes_notice);
    assert_string_equal(n->issue_date, "2026-03-02");
    assert_string_equal(n->deadline, "2026-04-03"); /* the earlier of the two lots */
    assert_int_equal(n->line, 7);

    assert_str(n->buyer.name, "Joensuun kaupunki"); /* FIN preferred over the first (SWE) */
    assert_str(n->buyer.id_raw, "0207063-5");
    assert_str(n->buyer.business_id, "0207063-5");
    assert_str(n->buyer.nuts, "FI1D3");
    assert_str(n->buyer.city, "Joensuu");
    assert_str(n->buyer.country, "FIN");
    assert_null(n->buyer.municipality_code);
    assert_int_equal(n->buyer.line, 17);

    assert_str(n->title, "Kiinteistöhuolto ja siivous");
    assert_str(n->description, "Kaupungin kiinteistöjen huolto- ja siivouspalvelut kahdessa osassa.");
    assert_int_equal(n->nature, CT_NOTICE_NATURE_SERVICES);
    assert_str(n->cpv, "90910000");
    assert_int_equal(n->estimated_value.set, 1);
    assert_string_equal(n->estimated_value.text, "1840000.00");
    assert_true(n->estimated_value.amount == 1840000.0);
    assert_string_equal(n->estimated_value.currency, "EUR");

    assert_int_equal(n->nlots, 2);
    assert_str(n->lots[0].lot_ref, "LOT-0001");
    assert_str(n->lots[0].title, "Koulut");
    assert_str(n->lots[0].description, "Koulujen siivous.");
    assert_str(n->lots[0].cpv, "90911200");
    assert_string_equal(n->lots[0].estimated_value.text, "1040000");
    assert_string_equal(n->lots[0].deadline, "2026-04-10");
    assert_int_equal(n->lots[0].line, 102);
    assert_str(n->lots[1].lot_ref, "LOT-0002");
    assert_str(n->lots[1].title, "Päiväkodit");
    assert_null(n->lots[1].description);
    assert_string_equal(n->lots[1].estimated_value.text, "800000");
    assert_string_equal(n->lots[1].deadline, "2026-04-03");
    assert_int_equal(n->lots[1].line, 145);

    /* BT-70's työllistämisehto on LOT-0001 is a duplicate of the opp signal: kept once */
    static const struct sig_expect sigs[] = {
        {"social-objective:opp", "BT-775", "LOT-0001", NULL, 132},
        {"employment-condition", "BT-775", "LOT-0001", NULL, 132},
        {"social-objective:work-cond", "BT-775", "LOT-0001", NULL, 135},
        {"strategic-procurement:soc-obj", "BT-06", "LOT-0002",
         "Työtehtävät tarjotaan osatyökykyisille.", 172},
        {"reserved-participation:res-ws", "BT-71", "LOT-0002", NULL, 150},
        {"reserved-execution", "BT-736", "LOT-0002", NULL, 159},
        {"employment-condition", "BT-777", "LOT-0002", "Työtehtävät tarjotaan osatyökykyisille.",
         174},
    };
    assert_signals(n, sigs, sizeof sigs / sizeof sigs[0]);
    assert_int_equal(n->ncontracts, 0);
    assert_int_equal(n->nclauses, 0);
    ct_arena_free(a);
}

static void test_cn_swedish_change(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "cn_sv_change.xml");
    assert_str(n->subtype, "20");
    assert_str(n->type_code, "cn-social");
    assert_str(n->language, "SWE");
    assert_str(n->version, "02");
    assert_int_equal(n->version_num, 2);
    assert_str(n->changes_notice, "9b2e4f61-0c3a-4d8e-a5b7-1f2e3d4c5b6a-01");
    assert_string_equal(n->issue_date, "2026-05-12");
    assert_string_equal(n->deadline, "2026-06-15");
    assert_str(n->buyer.name, "Vasa stad");
    assert_str(n->buyer.id_raw, "fi02096026");
    assert_str(n->buyer.business_id, "0209602-6"); /* FI VAT number stored as its Y-tunnus */
    assert_str(n->buyer.nuts, "FI195");
    assert_str(n->title, "Måltidstjänster för äldreboenden");
    assert_null(n->estimated_value.text[0] ? n->estimated_value.text : NULL);
    assert_int_equal(n->estimated_value.set, 0);
    assert_int_equal(n->nlots, 1);
    static const struct sig_expect sigs[] = {
        {"employment-condition", "BT-70", "LOT-0001",
         "Avtalet innehåller ett SYSSELSÄTTNINGSVILLKOR: leverantören anställer två "
         "långtidsarbetslösa under avtalsperioden.",
         73},
    };
    assert_signals(n, sigs, 1);
    ct_arena_free(a);
}

static void test_cn_plain(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "cn_plain.xml");
    assert_str(n->subtype, "17");
    assert_str(n->version, "1");
    assert_string_equal(n->issue_date, "2025-11-03");
    assert_string_equal(n->deadline, "");
    assert_str(n->title, "District heating pipeline renewal"); /* no FIN: the first */
    assert_str(n->buyer.country, "SWE");
    assert_str(n->buyer.id_raw, "556123-4567");
    assert_str(n->buyer.business_id, "556123-4567"); /* kept as given */
    assert_str(n->buyer.nuts, "SE332");
    assert_str(n->buyer.city, "Luleå");
    assert_int_equal(n->nature, CT_NOTICE_NATURE_WORKS);
    assert_str(ct_notice_nature_name(n->nature), "works");
    assert_str(n->cpv, "45232140");
    assert_string_equal(n->estimated_value.text, "38500000");
    assert_string_equal(n->estimated_value.currency, "SEK");
    assert_int_equal(n->nlots, 1);
    assert_str(n->lots[0].lot_ref, "LOT-0000");
    assert_null(n->lots[0].cpv);
    assert_int_equal(n->lots[0].estimated_value.set, 0);
    assert_int_equal(n->nsignals, 0); /* BT-71 none, BT-736 no, BT-06 env-imp: nothing */
    ct_arena_free(a);
}

static void test_cn_multilot(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "cn_multilot.xml");
    assert_int_equal(n->nature, CT_NOTICE_NATURE_SUPPLIES);
    assert_string_equal(n->estimated_value.text, "2600000.5");
    assert_int_equal(n->nlots, 3); /* GLO-0001 is a lots group, not a lot */
    assert_str(n->lots[0].lot_ref, "LOT-0001");
    assert_str(n->lots[1].lot_ref, "LOT-0002");
    assert_str(n->lots[2].lot_ref, "LOT-0003");
    assert_str(n->lots[2].title, "Incontinence products");
    assert_str(n->lots[2].cpv, "33141621");
    assert_string_equal(n->lots[2].estimated_value.text, "500000.5");
    assert_int_equal(n->lots[2].line, 121);
    assert_string_equal(n->deadline, "2026-09-30");
    static const struct sig_expect sigs[] = {
        {"social-objective:gen-eq", "BT-775", "LOT-0001", NULL, 85},
        {"strategic-procurement:soc-obj", "BT-06", "LOT-0002", NULL, 111},
        {"employment-condition", "BT-24", "LOT-0003",
         "Delivery to the wards; the supplier trains and hires long-term unemployed warehouse "
         "staff.",
         132},
        {"employment-condition", "BT-24", NULL,
         "Framework agreement for care supplies. An Employment Condition applies to the whole "
         "procurement.",
         57},
    };
    assert_signals(n, sigs, sizeof sigs / sizeof sigs[0]);
    ct_arena_free(a);
}

static void test_can_two_winners(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "can_two_winners.xml");
    assert_int_equal(n->type, CT_NOTICE_CONTRACT_AWARD_NOTICE);
    assert_str(ct_notice_type_name(n->type), "ContractAwardNotice");
    assert_str(n->subtype, "29");
    assert_str(n->type_code, "can-standard");
    assert_str(n->procedure_id, "0c4d2e6f-1a3b-4c5d-8e9f-a0b1c2d3e4f5");
    assert_int_equal(n->nlots, 3);
    assert_int_equal(n->ncontracts, 2);

    const struct ct_notice_contract *k = &n->contracts[0];
    assert_str(k->lot_ref, "LOT-0001");
    assert_str(k->supplier.name, "Puhdas Koti Oy");
    assert_str(k->supplier.id_raw, "FI23456780");
    assert_str(k->supplier.business_id, "2345678-0");
    assert_str(k->supplier.country, "FIN");
    assert_str(k->supplier.nuts, "FI1D2");
    assert_int_equal(k->supplier.line, 133);
    assert_string_equal(k->value.text, "1015500.00");
    assert_string_equal(k->value.currency, "EUR");
    assert_string_equal(k->signed_on, "2026-05-20");
    assert_str(k->contract_ref, "JNS-SOP-2026-31");
    assert_str(k->tender_ref, "TEN-0001");
    assert_str(k->settled_ref, "CON-0001");
    assert_string_equal(k->starts_on, "");
    assert_int_equal(k->ncommitments, 0);
    assert_int_equal(k->line, 70);

    k = &n->contracts[1]; /* consortium: the group leader, not the first member */
    assert_str(k->lot_ref, "LOT-0002");
    assert_str(k->supplier.name, "Nordisk Städ AB");
    assert_str(k->supplier.id_raw, "SE556677889901");
    assert_str(k->supplier.business_id, "SE556677889901");
    assert_str(k->supplier.country, "SWE");
    assert_string_equal(k->value.text, "780000");
    assert_string_equal(k->signed_on, "2026-05-22");
    assert_str(k->contract_ref, "JNS-SOP-2026-32");
    assert_str(k->settled_ref, "CON-0002");
    assert_int_equal(k->line, 80);

    static const struct sig_expect sigs[] = {
        {"social-objective:opp", "BT-775", "LOT-0001", NULL, 222},
        {"employment-condition", "BT-775", "LOT-0001", NULL, 222},
    };
    assert_signals(n, sigs, 2);
    ct_arena_free(a);
}

static void test_pin_without_procedure(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "pin_no_procedure.xml");
    assert_int_equal(n->type, CT_NOTICE_PRIOR_INFORMATION);
    assert_str(ct_notice_type_name(n->type), "PriorInformationNotice");
    assert_str(n->subtype, "7");
    assert_null(n->procedure_id); /* keyed by the notice id */
    assert_str(n->notice_id, "11111111-2222-4333-8444-555555555555");
    assert_str(n->cpv, "77310000"); /* "-6" check digit accepted and dropped */
    assert_str(n->buyer.business_id, "3012345-8");
    assert_int_equal(n->nlots, 1);
    static const struct sig_expect sigs[] = {
        {"social-objective:opp", "BT-775", "LOT-0001", NULL, 66},
        {"employment-condition", "BT-775", "LOT-0001", NULL, 66},
    };
    assert_signals(n, sigs, 2);
    ct_arena_free(a);
}

static void test_pin_without_lots(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_fixture(a, "pin_no_lots.xml");
    assert_str(n->subtype, "4");
    assert_null(n->procedure_id);
    assert_null(n->sdk);
    assert_int_equal(n->nlots, 0); /* the 'Part' is not a lot */
    assert_null(n->lots);
    assert_int_equal(n->nsignals, 0);
    assert_str(n->title, "Koulukuljetukset");
    assert_null(n->cpv);
    ct_arena_free(a);
}

/* ---- errors --------------------------------------------------------------------------- */

static void test_bad_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int status;
        const char *field;
        int line;
    } cases[] = {
        {"bad_malformed.xml", 400, NULL, 5},
        {"bad_billion_laughs.xml", 400, NULL, 2},
        {"bad_xxe.xml", 400, NULL, 2},
        {"bad_missing_bt701.xml", 422, "BT-701", 8},
        {"bad_ytunnus.xml", 422, "BT-501", 35},
        {"bad_unsupported_root.xml", 422, "root", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *buf = fixture(cases[i].name, &len);
        expect_error(buf, len, cases[i].status, cases[i].field, cases[i].line);
        free(buf);
    }

    /* the exact texts the CLI and problem+json show */
    size_t len;
    char *buf = fixture("bad_malformed.xml", &len);
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    struct ct_notice *n = NULL;
    ct_err_clear(&e);
    assert_int_equal(ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e), -1);
    assert_int_equal(e.column, 36);
    assert_string_equal(e.detail, "malformed XML at line 5, column 36: Opening and ending tag "
                                  "mismatch: VersionID line 5 and VersionId");
    free(buf);
    buf = fixture("bad_ytunnus.xml", &len);
    ct_err_clear(&e);
    assert_int_equal(ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e), -1);
    assert_string_equal(e.detail, "BT-501: \"0207063-4\" is not a valid Y-tunnus or Finnish VAT "
                                  "number (business id check digit is wrong) (line 35)");
    free(buf);
    buf = fixture("bad_billion_laughs.xml", &len);
    ct_err_clear(&e);
    assert_int_equal(ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e), -1);
    assert_string_equal(e.detail, "DTD/entities not allowed (DOCTYPE at line 2)");
    free(buf);
    ct_arena_free(a);
}

static void test_required_and_invalid_fields(void **state)
{
    (void)state;
    const char *cn = "cn_fi_employment.xml";
    expect_variant(cn, "<cbc:ContractFolderID>0c4d2e6f-1a3b-4c5d-8e9f-a0b1c2d3e4f5</cbc:ContractFolderID>",
                   "", "BT-04", 7);
    expect_variant(cn, "<cbc:VersionID>01</cbc:VersionID>", "<cbc:VersionID>v1</cbc:VersionID>",
                   "BT-757", 68);
    expect_variant(cn, "<cbc:VersionID>01</cbc:VersionID>", "", "BT-757", 7);
    expect_variant(cn, "<cbc:IssueDate>2026-03-02+02:00</cbc:IssueDate>",
                   "<cbc:IssueDate>2026-02-30+02:00</cbc:IssueDate>", "BT-05", 66);
    expect_variant(cn, "<cbc:IssueDate>2026-03-02+02:00</cbc:IssueDate>", "", "BT-05", 7);
    expect_variant(cn, "<cbc:SubTypeCode listName=\"notice-subtype\">16</cbc:SubTypeCode>", "",
                   "OPP-070", 7);
    expect_variant(cn, ">services</cbc:ProcurementTypeCode>\n    <cac:RequestedTenderTotal>",
                   ">goods</cbc:ProcurementTypeCode>\n    <cac:RequestedTenderTotal>", "BT-23", 94);
    expect_variant(cn, "currencyID=\"EUR\">1840000.00<", "currencyID=\"EUR\">1,840,000<", "BT-27",
                   96);
    expect_variant(cn, "currencyID=\"EUR\">1840000.00<", ">1840000.00<", "BT-27", 96);
    expect_variant(cn, "<cbc:ItemClassificationCode listName=\"cpv\">90910000<",
                   "<cbc:ItemClassificationCode listName=\"cpv\">9091000<", "BT-262", 99);
    expect_variant(cn, "<cbc:EndDate>2026-04-10+03:00</cbc:EndDate>",
                   "<cbc:EndDate>10.4.2026</cbc:EndDate>", "BT-131", 121);
    expect_variant(cn, "<cbc:ID schemeName=\"Lot\">LOT-0002</cbc:ID>",
                   "<cbc:ID schemeName=\"Lot\">LOT-0001</cbc:ID>", "BT-137", 145);
    expect_variant(cn, ">FI1D3</cbc:CountrySubentityCode>", ">SE332</cbc:CountrySubentityCode>",
                   "BT-507", 28);
    expect_variant(cn, "<cbc:CountrySubentityCode listName=\"nuts\">FI1D3</cbc:CountrySubentityCode>",
                   "", "BT-507", 17);
    expect_variant(cn, "<cbc:CompanyID> 0207063-5 </cbc:CompanyID>", "", "BT-501", 17);
    expect_variant(cn, "<cbc:CompanyID> 0207063-5 </cbc:CompanyID>",
                   "<cbc:CompanyID>FI0207063</cbc:CompanyID>", "BT-501", 34);
    expect_variant(cn, ">FIN</cbc:IdentificationCode>", ">Finland</cbc:IdentificationCode>",
                   "BT-514", 30);
    expect_variant(cn, "<cbc:ID schemeName=\"organization\">ORG-0001</cbc:ID>\n      </cac:PartyIdentification>\n    </cac:Party>",
                   "<cbc:ID schemeName=\"organization\">ORG-0009</cbc:ID>\n      </cac:PartyIdentification>\n    </cac:Party>",
                   "OPT-300", 81);
    expect_variant(cn, "<cbc:Name languageID=\"SWE\">Fastighetsunderhåll och städning</cbc:Name>\n"
                       "    <cbc:Name languageID=\"FIN\">Kiinteistöhuolto ja siivous</cbc:Name>",
                   "", "BT-21", 7);
    expect_variant(cn, ">soc-obj<", ">soc obj<", "BT-06", 172);
    expect_variant(cn, ">opp</cbc:ProcurementTypeCode>", ">op p</cbc:ProcurementTypeCode>", "BT-775",
                   132);

    /* a contract notice needs a lot; a PIN does not */
    size_t len;
    char *buf = fixture("cn_plain.xml", &len);
    char *v = replace(buf, "schemeName=\"Lot\">LOT-0000<", "schemeName=\"Part\">PAR-0000<");
    expect_error(v, strlen(v), 422, "BT-137", 5);
    free(v);
    free(buf);
}

static void test_result_links(void **state)
{
    (void)state;
    const char *can = "can_two_winners.xml";
    /* BT-3202 names a tender that does not exist */
    expect_variant(can, "<efac:LotTender>\n                <cbc:ID schemeName=\"tender\">TEN-0001</cbc:ID>\n              </efac:LotTender>\n            </efac:SettledContract>",
                   "<efac:LotTender>\n                <cbc:ID schemeName=\"tender\">TEN-0009</cbc:ID>\n              </efac:LotTender>\n            </efac:SettledContract>",
                   "BT-3202", 77);
    /* OPT-315 names a contract that does not exist */
    expect_variant(can, "<cbc:ID schemeName=\"contract\">CON-0002</cbc:ID>\n              </efac:SettledContract>\n              <efac:TenderLot>",
                   "<cbc:ID schemeName=\"contract\">CON-0007</cbc:ID>\n              </efac:SettledContract>\n              <efac:TenderLot>",
                   "OPT-315", 33);
    /* BT-13713 names a lot the notice does not have */
    expect_variant(can, "<cbc:ID schemeName=\"Lot\">LOT-0003</cbc:ID>\n              </efac:TenderLot>",
                   "<cbc:ID schemeName=\"Lot\">LOT-0004</cbc:ID>\n              </efac:TenderLot>",
                   "BT-13713", 43);
    /* OPT-310 names an unknown tendering party */
    expect_variant(can, "<cbc:ID schemeName=\"tendering-party\">TPA-0001</cbc:ID>\n              </efac:TenderingParty>",
                   "<cbc:ID schemeName=\"tendering-party\">TPA-0003</cbc:ID>\n              </efac:TenderingParty>",
                   "OPT-310", 52);
    /* the tenderer is not an organisation */
    expect_variant(can, "<cbc:ID schemeName=\"organization\">ORG-0003</cbc:ID>\n              </efac:Tenderer>",
                   "<cbc:ID schemeName=\"organization\">ORG-0033</cbc:ID>\n              </efac:Tenderer>",
                   "OPT-300", 93);
    /* a Finnish winner needs a valid Y-tunnus */
    expect_variant(can, "<cbc:CompanyID>FI23456780</cbc:CompanyID>",
                   "<cbc:CompanyID>FI23456781</cbc:CompanyID>", "BT-501", 148);
    /* BT-720 must be an amount */
    expect_variant(can, "<cbc:PayableAmount currencyID=\"EUR\">780000</cbc:PayableAmount>",
                   "<cbc:PayableAmount currencyID=\"EUR\">-780000</cbc:PayableAmount>", "BT-720",
                   61);

    /* selec-w without a settled contract: a winner without BT-145 / BT-150 */
    size_t len;
    char *buf = fixture(can, &len);
    char *v = replace(buf, "<efac:SettledContract>\n                <cbc:ID schemeName=\"contract\">CON-0002</cbc:ID>\n              </efac:SettledContract>\n", "");
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_ok(a, v, strlen(v));
    assert_int_equal(n->ncontracts, 2);
    assert_str(n->contracts[1].lot_ref, "LOT-0002");
    assert_str(n->contracts[1].supplier.name, "Nordisk Städ AB");
    assert_null(n->contracts[1].settled_ref);
    assert_null(n->contracts[1].contract_ref);
    assert_string_equal(n->contracts[1].signed_on, "");
    assert_int_equal(n->contracts[1].line, 26);
    ct_arena_free(a);
    free(v);
    free(buf);
}

static void test_limits(void **state)
{
    (void)state;
    size_t len;
    char *buf = fixture("cn_plain.xml", &len);
    const char *lot_start = strstr(buf, "  <cac:ProcurementProjectLot>");
    const char *lot_end = strstr(buf, "</cac:ProcurementProjectLot>\n");
    assert_non_null(lot_start);
    assert_non_null(lot_end);
    lot_end += strlen("</cac:ProcurementProjectLot>\n");

    /* CT_NOTICE_MAX_LOTS + 1 lots -> 422 BT-137 at the first lot over the limit */
    size_t lot_len = (size_t)(lot_end - lot_start), head = (size_t)(lot_start - buf);
    size_t total = head + (CT_NOTICE_MAX_LOTS + 1) * (lot_len + 8) + strlen(lot_end) + 1;
    char *big = malloc(total), *w = big;
    assert_non_null(big);
    memcpy(w, buf, head);
    w += head;
    for (int i = 0; i <= CT_NOTICE_MAX_LOTS; i++) {
        char id[16];
        snprintf(id, sizeof id, "L-%04d", i);
        const char *p = strstr(lot_start, "LOT-0000");
        size_t pre = (size_t)(p - lot_start);
        memcpy(w, lot_start, pre);
        w += pre;
        w += sprintf(w, "%s", id);
        size_t post = lot_len - pre - strlen("LOT-0000");
        memcpy(w, p + strlen("LOT-0000"), post);
        w += post;
    }
    strcpy(w, lot_end);
    int lines_per_lot = 0;
    for (size_t i = 0; i < lot_len; i++)
        lines_per_lot += lot_start[i] == '\n';
    expect_error(big, strlen(big), 422, "BT-137", 66 + CT_NOTICE_MAX_LOTS * lines_per_lot);

    /* exactly CT_NOTICE_MAX_LOTS lots is fine */
    char *last = strstr(big + head, "L-0500");
    assert_non_null(last);
    char *cut = last;
    while (strncmp(cut, "  <cac:ProcurementProjectLot>", 29) != 0)
        cut--;
    strcpy(cut, lot_end);
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_ok(a, big, strlen(big));
    assert_int_equal(n->nlots, CT_NOTICE_MAX_LOTS);
    assert_str(n->lots[CT_NOTICE_MAX_LOTS - 1].lot_ref, "L-0499");
    ct_arena_free(a);
    free(big);

    /* a title over CT_NOTICE_MAX_NAME bytes */
    char *title = malloc(CT_NOTICE_MAX_NAME + 100);
    assert_non_null(title);
    strcpy(title, "<cbc:Name languageID=\"ENG\">");
    memset(title + strlen(title), 'x', CT_NOTICE_MAX_NAME + 1);
    strcpy(title + strlen("<cbc:Name languageID=\"ENG\">") + CT_NOTICE_MAX_NAME + 1,
           "</cbc:Name>");
    char *v = replace(buf, "<cbc:Name languageID=\"ENG\">District heating pipeline renewal</cbc:Name>",
                      title);
    expect_error(v, strlen(v), 422, "BT-21", 55);
    free(v);
    free(title);

    /* the size cap */
    struct ct_err e;
    ct_err_clear(&e);
    a = ct_arena_new();
    n = NULL;
    assert_int_equal(ct_notice_parse(a, buf, len, len - 1, NULL, &n, &e), -1);
    assert_int_equal(e.status, 413);
    assert_null(n);
    ct_err_clear(&e);
    assert_int_equal(ct_notice_parse(a, buf, len, len, NULL, &n, &e), 0);
    ct_arena_free(a);
    free(buf);
}

static void test_dispatch(void **state)
{
    (void)state;
    /* a ClauseNotice needs the compiled schema in the options */
    size_t len;
    char *buf = fixture("clausenotice_valid.xml", &len);
    expect_error(buf, len, 500, NULL, -1);
    free(buf);
    /* right local name, wrong namespace */
    const char *wrong = "<ContractNotice xmlns=\"urn:example:other\"><x/></ContractNotice>";
    expect_error(wrong, strlen(wrong), 422, "root", 1);
    const char *none = "<ContractNotice/>";
    expect_error(none, strlen(none), 422, "root", 1);
    /* a prefixed root is detected by namespace, not by prefix */
    buf = fixture("cn_plain.xml", &len);
    char *v = replace(buf, "<ContractNotice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2\"",
                      "<cn:ContractNotice xmlns:cn=\"urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2\"");
    char *v2 = replace(v, "</ContractNotice>", "</cn:ContractNotice>");
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = parse_ok(a, v2, strlen(v2));
    assert_str(n->notice_id, "c0ffee00-1111-4222-8333-444455556666");
    ct_arena_free(a);
    free(v2);
    free(v);
    free(buf);
}

/* ---- notice.c helpers ------------------------------------------------------------------ */

static void test_wording(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int hit;
    } cases[] = {
        {"Hankintaan sisältyy työllistämisehto.", 1},
        {"TYÖLLISTÄMISEHTO koskee koko sopimuskautta", 1},
        {"Toimittaja työllistää kaksi henkilöä", 1},
        {"osatyökykyisten työllistäminen", 1},
        {"Osatyökyisille", 1},
        {"pitkäaikaistyöttömät", 1},
        {"vajaakuntoisten", 1},
        {"Avtalet har ett sysselsättningsvillkor", 1},
        {"SYSSELSÄTTNINGSKRAV", 1},
        {"anställa långtidsarbetslösa", 1},
        {"partiellt arbetsföra personer", 1},
        {"An employment condition applies", 1},
        {"Employment obligations of the supplier", 1},
        {"hire Long-Term Unemployed people", 1},
        {"persons with partial work capacity", 1},
        {"The contractor employs its own staff", 0},
        {"Arbetsbefrämjande insatser", 0},
        {"Kiinteistöhuolto ja siivous", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ct_notice_mentions_employment(cases[i].text) != cases[i].hit)
            fail_msg("wording \"%s\": expected %d", cases[i].text, cases[i].hit);
    assert_int_equal(ct_notice_mentions_employment(NULL), 0);

    struct ct_arena *a = ct_arena_new();
    struct ct_notice_signals list = {0};
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(ct_notice_add_signal(a, &list, "x", "BT-70", "L1", NULL, 1, &e), 0);
    assert_int_equal(ct_notice_add_signal(a, &list, "x", "BT-777", "L1", "t", 2, &e), 0);
    assert_int_equal(ct_notice_add_signal(a, &list, "x", "BT-24", NULL, NULL, 3, &e), 0);
    assert_int_equal(list.n, 2);
    assert_string_equal(list.items[0].source, "BT-70");
    for (int i = 0; i < CT_NOTICE_MAX_SIGNALS - 2; i++)
        assert_int_equal(ct_notice_add_signal(a, &list, "y", "BT-775",
                                              ct_arena_printf(a, "L%d", i), NULL, 4, &e), 0);
    assert_int_equal(list.n, CT_NOTICE_MAX_SIGNALS);
    assert_int_equal(ct_notice_add_signal(a, &list, "z", "BT-775", NULL, NULL, 5, &e), -1);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.fields[0].field, "BT-775");
    ct_arena_free(a);
}

static void test_money_and_dates(void **state)
{
    (void)state;
    struct ct_notice_money m;
    assert_int_equal(ct_notice_money_parse("125000.00", "EUR", &m), 0);
    assert_true(m.amount == 125000.0);
    assert_string_equal(m.text, "125000.00");
    assert_int_equal(m.set, 1);
    assert_int_equal(ct_notice_money_parse("0.5", "SEK", &m), 0);
    assert_int_equal(ct_notice_money_parse("999999999999999.999999", "EUR", &m), 0);
    static const char *const bad_amounts[] = {"", "-1", "+1", ".5", "1.", "1e5", "1,5", "1 000",
                                              "1.1234567", "1000000000000000", "0x10"};
    for (size_t i = 0; i < sizeof bad_amounts / sizeof bad_amounts[0]; i++)
        if (ct_notice_money_parse(bad_amounts[i], "EUR", &m) == 0)
            fail_msg("amount \"%s\" accepted", bad_amounts[i]);
    assert_int_equal(ct_notice_money_parse("1", "eur", &m), -1);
    assert_int_equal(ct_notice_money_parse("1", "EURO", &m), -1);
    assert_int_equal(ct_notice_money_parse("1", NULL, &m), -1);
    assert_int_equal(m.set, 0);

    char d[11];
    static const struct {
        const char *in, *out;
    } good[] = {{"2026-03-02", "2026-03-02"}, {"2026-03-02Z", "2026-03-02"},
                {"2026-03-02+02:00", "2026-03-02"}, {"2024-02-29-05:30", "2024-02-29"},
                {"2026-12-31+14:00", "2026-12-31"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(ct_notice_date_parse(good[i].in, d), 0);
        assert_string_equal(d, good[i].out);
    }
    static const char *const bad_dates[] = {"2026-02-29", "2026-3-02", "2026-03-02T10:00",
                                            "2026-03-02+2:00", "2026-03-02+15:00", "02.03.2026",
                                            "2026-03-02 ", "", "2026-03-02+02:60"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++)
        if (ct_notice_date_parse(bad_dates[i], d) == 0)
            fail_msg("date \"%s\" accepted", bad_dates[i]);
    assert_int_equal(ct_notice_date_parse(NULL, d), -1);

    assert_int_equal(ct_notice_nature_parse("works"), CT_NOTICE_NATURE_WORKS);
    assert_int_equal(ct_notice_nature_parse("supplies"), CT_NOTICE_NATURE_SUPPLIES);
    assert_int_equal(ct_notice_nature_parse("Services"), CT_NOTICE_NATURE_NONE);
    assert_null(ct_notice_nature_name(CT_NOTICE_NATURE_NONE));
    assert_null(ct_notice_type_name((enum ct_notice_type)0));
}

/* ---- the shared study set (optional) ------------------------------------------------------ */

static int xml_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".xml") == 0;
}

static void test_shared_samples(void **state)
{
    (void)state;
    const char *env = getenv("CT_SAMPLES");
    const char *candidates[] = {env, "../shared/eforms-samples", "/work/../shared/eforms-samples"};
    const char *dir = NULL;
    struct stat st;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !dir; i++)
        if (candidates[i] && *candidates[i] && stat(candidates[i], &st) == 0 &&
            S_ISDIR(st.st_mode))
            dir = candidates[i];
    if (!dir) {
        print_message("[  SKIP    ] eForms study samples not found (../shared/eforms-samples or "
                      "$CT_SAMPLES): nothing to report\n");
        skip();
        return;
    }
    struct dirent **list;
    int count = scandir(dir, &list, xml_file, alphasort);
    assert_true(count >= 0);
    int parsed = 0, rejected = 0;
    print_message("eForms samples in %s:\n", dir);
    for (int i = 0; i < count; i++) {
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        char *buf = read_path(path, &len);
        assert_non_null(buf);
        struct ct_arena *a = ct_arena_new();
        struct ct_err e;
        struct ct_notice *n = NULL;
        ct_err_clear(&e);
        if (ct_notice_parse(a, buf, len, MAX_XML, NULL, &n, &e) == 0) {
            parsed++;
            print_message("  parsed    %-28s %-22s subtype %-3s lots %zu signals %zu contracts %zu\n",
                          list[i]->d_name, ct_notice_type_name(n->type), n->subtype, n->nlots,
                          n->nsignals, n->ncontracts);
        } else {
            rejected++;
            print_message("  rejected  %-28s %d %s\n", list[i]->d_name, e.status, e.detail);
            /* every rejection names a BT (never a parser or internal failure) */
            assert_int_equal(e.status, 422);
            assert_true(e.nfields >= 1);
            assert_true(strncmp(e.fields[0].field, "BT-", 3) == 0);
        }
        ct_arena_free(a);
        free(buf);
        free(list[i]);
    }
    free(list);
    print_message("eForms samples: %d parsed, %d rejected, %d total\n", parsed, rejected, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cn_finnish),
        cmocka_unit_test(test_cn_swedish_change),
        cmocka_unit_test(test_cn_plain),
        cmocka_unit_test(test_cn_multilot),
        cmocka_unit_test(test_can_two_winners),
        cmocka_unit_test(test_pin_without_procedure),
        cmocka_unit_test(test_pin_without_lots),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_required_and_invalid_fields),
        cmocka_unit_test(test_result_links),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_wording),
        cmocka_unit_test(test_money_and_dates),
        cmocka_unit_test(test_shared_samples),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
