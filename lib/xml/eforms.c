/* eforms.c - eForms (UBL 2.3, SDK 1.x) ContractNotice / ContractAwardNotice /
 * PriorInformationNotice -> struct ct_notice. Every XPath is a row of fields[] below, named by
 * its BT/OPT id (from the SDK's fields.json; see shared FIELDS.md). Expressions are compiled
 * once per call, so nothing is shared between threads. Safe parsing is xmlsafe.c's job;
 * which signals mean what is CONTRACT §4; storing is the import layer's. */
#include "ct/eforms.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "ct/cpv.h"
#include "ct/nuts.h"
#include "ct/xmlsafe.h"
#include "ct/ytunnus.h"

/* ---- the field table ------------------------------------------------------------------ *
 * Scopes: notice rows are absolute. Others are relative to the node named in brackets:
 *   [ORG]    $EXT/efac:Organizations/efac:Organization/efac:Company
 *   [LOT]    /(star)/cac:ProcurementProjectLot[cbc:ID/@schemeName='Lot']
 *   [NR]     $EXT/efac:NoticeResult, and [LR] [LT] [SC] [TP] [TE] its LotResult,
 *            LotTender, SettledContract, TenderingParty, TenderingParty/Tenderer children
 * with $EXT = /(star)/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension */

#define EXT "/*/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
#define SP_TYPE "cac:ProcurementProject/cac:ProcurementAdditionalType"
#define EXEC_REQ "cac:TenderingTerms/cac:ContractExecutionRequirement"

enum fid {
    /* notice */
    F_SUBTYPE, F_TYPE_CODE, F_NOTICE_ID, F_VERSION, F_PROCEDURE_ID, F_ISSUE_DATE, F_LANGUAGE,
    F_SDK, F_CHANGED, F_BUYER_REF, F_TITLE, F_DESCRIPTION, F_NATURE, F_CPV, F_VALUE,
    F_ORGS, F_LOTS, F_RESULT,
    /* [ORG] */
    F_ORG_ID, F_ORG_NAME, F_ORG_IDENT, F_ORG_NUTS, F_ORG_CITY, F_ORG_COUNTRY,
    /* [LOT] */
    F_LOT_ID, F_LOT_TITLE, F_LOT_DESC, F_LOT_CPV, F_LOT_VALUE, F_LOT_DEADLINE,
    F_LOT_STRATEGIC, F_LOT_STRATEGIC_TEXT, F_LOT_SOCIAL, F_LOT_TERMS, F_LOT_RES_EXEC,
    F_LOT_RESERVED,
    /* [NR] and below */
    F_LOT_RESULTS, F_LR_LOT, F_LR_CODE, F_LR_TENDERS, F_LR_CONTRACTS,
    F_LOT_TENDERS, F_LT_ID, F_LT_VALUE, F_LT_PARTY,
    F_SETTLED, F_SC_ID, F_SC_DATE, F_SC_REF, F_SC_TENDERS,
    F_PARTIES, F_TP_ID, F_TP_MEMBERS, F_TE_ID, F_TE_LEAD,
    F_COUNT
};

struct field {
    const char *bt;    /* BT / OPT id named in errors */
    const char *xpath;
};

static const struct field fields[F_COUNT] = {
    [F_SUBTYPE] = {"OPP-070", EXT "/efac:NoticeSubType/cbc:SubTypeCode"},
    [F_TYPE_CODE] = {"BT-02", "/*/cbc:NoticeTypeCode"},
    [F_NOTICE_ID] = {"BT-701", "/*/cbc:ID[@schemeName='notice-id']"},
    [F_VERSION] = {"BT-757", "/*/cbc:VersionID"},
    [F_PROCEDURE_ID] = {"BT-04", "/*/cbc:ContractFolderID"},
    [F_ISSUE_DATE] = {"BT-05", "/*/cbc:IssueDate"},
    [F_LANGUAGE] = {"BT-702", "/*/cbc:NoticeLanguageCode"},
    [F_SDK] = {"OPT-002", "/*/cbc:CustomizationID"},
    [F_CHANGED] = {"BT-758", EXT "/efac:Changes/efbc:ChangedNoticeIdentifier"},
    [F_BUYER_REF] = {"OPT-300", "/*/cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID"},
    [F_TITLE] = {"BT-21", "/*/cac:ProcurementProject/cbc:Name"},
    [F_DESCRIPTION] = {"BT-24", "/*/cac:ProcurementProject/cbc:Description"},
    [F_NATURE] = {"BT-23", "/*/cac:ProcurementProject/cbc:ProcurementTypeCode"},
    [F_CPV] = {"BT-262", "/*/cac:ProcurementProject/cac:MainCommodityClassification"
                         "/cbc:ItemClassificationCode"},
    [F_VALUE] = {"BT-27", "/*/cac:ProcurementProject/cac:RequestedTenderTotal"
                          "/cbc:EstimatedOverallContractAmount"}, /* + @currencyID */
    [F_ORGS] = {"OPT-200", EXT "/efac:Organizations/efac:Organization/efac:Company"},
    [F_LOTS] = {"BT-137", "/*/cac:ProcurementProjectLot[cbc:ID/@schemeName='Lot']"},
    [F_RESULT] = {"efac:NoticeResult", EXT "/efac:NoticeResult"},

    [F_ORG_ID] = {"OPT-200", "cac:PartyIdentification/cbc:ID"},
    [F_ORG_NAME] = {"BT-500", "cac:PartyName/cbc:Name"},
    [F_ORG_IDENT] = {"BT-501", "cac:PartyLegalEntity/cbc:CompanyID"},
    [F_ORG_NUTS] = {"BT-507", "cac:PostalAddress/cbc:CountrySubentityCode"},
    [F_ORG_CITY] = {"BT-513", "cac:PostalAddress/cbc:CityName"},
    [F_ORG_COUNTRY] = {"BT-514", "cac:PostalAddress/cac:Country/cbc:IdentificationCode"},

    [F_LOT_ID] = {"BT-137", "cbc:ID"},
    [F_LOT_TITLE] = {"BT-21", "cac:ProcurementProject/cbc:Name"},
    [F_LOT_DESC] = {"BT-24", "cac:ProcurementProject/cbc:Description"},
    [F_LOT_CPV] = {"BT-262", "cac:ProcurementProject/cac:MainCommodityClassification"
                             "/cbc:ItemClassificationCode"},
    [F_LOT_VALUE] = {"BT-27", "cac:ProcurementProject/cac:RequestedTenderTotal"
                              "/cbc:EstimatedOverallContractAmount"}, /* + @currencyID */
    [F_LOT_DEADLINE] = {"BT-131", "cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod"
                                  "/cbc:EndDate"},
    [F_LOT_STRATEGIC] = {"BT-06", SP_TYPE "[cbc:ProcurementTypeCode/@listName="
                                  "'strategic-procurement']/cbc:ProcurementTypeCode"},
    [F_LOT_STRATEGIC_TEXT] = {"BT-777", SP_TYPE "[cbc:ProcurementTypeCode/@listName="
                                        "'strategic-procurement']/cbc:ProcurementType"},
    [F_LOT_SOCIAL] = {"BT-775", SP_TYPE "[cbc:ProcurementTypeCode/@listName="
                                "'social-objective']/cbc:ProcurementTypeCode"},
    [F_LOT_TERMS] = {"BT-70", EXEC_REQ "[cbc:ExecutionRequirementCode/@listName='conditions']"
                              "/cbc:Description"},
    [F_LOT_RES_EXEC] = {"BT-736", EXEC_REQ "[cbc:ExecutionRequirementCode/@listName="
                                  "'reserved-execution']/cbc:ExecutionRequirementCode"},
    [F_LOT_RESERVED] = {"BT-71",
        "cac:TenderingTerms/cac:TendererQualificationRequest[not(cbc:CompanyLegalFormCode)]"
        "[not(cac:SpecificTendererRequirement/cbc:TendererRequirementTypeCode"
        "[@listName='missing-info-submission'])]"
        "[not(cac:SpecificTendererRequirement/cbc:TendererRequirementTypeCode"
        "[@listName='selection-criteria-source'])]"
        "/cac:SpecificTendererRequirement[cbc:TendererRequirementTypeCode/@listName="
        "'reserved-procurement']/cbc:TendererRequirementTypeCode"},

    [F_LOT_RESULTS] = {"OPT-322", "efac:LotResult"},                 /* [NR] */
    [F_LR_LOT] = {"BT-13713", "efac:TenderLot/cbc:ID"},               /* [LR] */
    [F_LR_CODE] = {"BT-142", "cbc:TenderResultCode"},                 /* [LR] */
    [F_LR_TENDERS] = {"OPT-320", "efac:LotTender/cbc:ID"},            /* [LR] */
    [F_LR_CONTRACTS] = {"OPT-315", "efac:SettledContract/cbc:ID"},    /* [LR] */
    [F_LOT_TENDERS] = {"OPT-321", "efac:LotTender"},                  /* [NR] */
    [F_LT_ID] = {"OPT-321", "cbc:ID"},                                /* [LT] */
    [F_LT_VALUE] = {"BT-720", "cac:LegalMonetaryTotal/cbc:PayableAmount"}, /* + @currencyID */
    [F_LT_PARTY] = {"OPT-310", "efac:TenderingParty/cbc:ID"},         /* [LT] */
    [F_SETTLED] = {"OPT-316", "efac:SettledContract"},                /* [NR] */
    [F_SC_ID] = {"OPT-316", "cbc:ID"},                                /* [SC] */
    [F_SC_DATE] = {"BT-145", "cbc:IssueDate"},                        /* [SC] */
    [F_SC_REF] = {"BT-150", "efac:ContractReference/cbc:ID"},         /* [SC] */
    [F_SC_TENDERS] = {"BT-3202", "efac:LotTender/cbc:ID"},            /* [SC] */
    [F_PARTIES] = {"OPT-210", "efac:TenderingParty"},                 /* [NR] */
    [F_TP_ID] = {"OPT-210", "cbc:ID"},                                /* [TP] */
    [F_TP_MEMBERS] = {"OPT-300", "efac:Tenderer"},                    /* [TP] */
    [F_TE_ID] = {"OPT-300", "cbc:ID"},                                /* [TE] */
    [F_TE_LEAD] = {"OPT-170", "efbc:GroupLeadIndicator"},             /* [TE] */
};

static const struct {
    const char *prefix, *uri;
} namespaces[] = {
    {"cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"},
    {"cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"},
    {"ext", "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"},
    {"efext", "http://data.europa.eu/p27/eforms-ubl-extensions/1"},
    {"efac", "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1"},
    {"efbc", "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1"},
    {"cn", CT_EFORMS_NS_CN},
    {"can", CT_EFORMS_NS_CAN},
    {"pin", CT_EFORMS_NS_PIN},
};

/* An id -> element index (organisations, tenders, contracts, parties). */
struct idmap {
    const char **ids;
    xmlNodePtr *nodes;
    size_t n;
};

struct ctx {
    struct ct_arena *a;
    xmlDocPtr doc;
    xmlNodePtr root;
    xmlXPathContextPtr xp;
    xmlXPathCompExprPtr comp[F_COUNT];
    struct ct_err *e;
    struct ct_notice *n;
    struct ct_notice_signals sig;
    struct idmap orgs;
};

struct contract_list {
    struct ct_notice_contract *items;
    size_t n, cap;
};

static void xpath_silent(void *data, xmlErrorPtr err);
static int fail(struct ctx *c, enum fid f, const xmlNode *at, const char *fmt, ...) CT_PRINTF(4, 5);
static int compile_all(struct ctx *c);
static xmlXPathObjectPtr eval(struct ctx *c, enum fid f, xmlNodePtr node);
static size_t nodes_count(const xmlXPathObject *o);
static xmlNodePtr nodes_at(const xmlXPathObject *o, size_t i);
static xmlNodePtr first_node(struct ctx *c, enum fid f, xmlNodePtr node);
static int node_text(struct ctx *c, enum fid f, const xmlNode *node, size_t max, const char **out);
static int get_text(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max, const char **out,
                    const xmlNode **where);
static int get_ml_text(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max,
                       const char **out);
static int require(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max, const char **out);
static int is_token(const char *s);
static int is_code(const char *s);
static int get_date(struct ctx *c, enum fid f, xmlNodePtr ctxnode, char out[11]);
static int get_money(struct ctx *c, enum fid f, xmlNodePtr ctxnode, struct ct_notice_money *m);
static int get_cpv(struct ctx *c, enum fid f, xmlNodePtr ctxnode, const char **out);
static int build_idmap(struct ctx *c, enum fid list, enum fid id, xmlNodePtr ctxnode,
                       size_t max, struct idmap *m);
static xmlNodePtr idmap_find(const struct idmap *m, const char *id);
static int extract_org(struct ctx *c, xmlNodePtr company, int is_buyer, struct ct_notice_org *o);
static int extract_header(struct ctx *c);
static int extract_buyer(struct ctx *c);
static int extract_procedure(struct ctx *c);
static int extract_lots(struct ctx *c);
static int extract_lot(struct ctx *c, xmlNodePtr lot, struct ct_notice_lot *l);
static int lot_signals(struct ctx *c, xmlNodePtr lot, const char *lot_ref);
static int code_signals(struct ctx *c, enum fid f, xmlNodePtr lot, const char *lot_ref);
static int wording_signal(struct ctx *c, enum fid f, xmlNodePtr ctxnode, const char *lot_ref);
static int extract_results(struct ctx *c);
static int add_winner(struct ctx *c, struct contract_list *cl, const struct idmap *tenders,
                      const struct idmap *parties, xmlNodePtr lr, const char *lot_ref,
                      const char *tender_ref, xmlNodePtr settled, const xmlNode *ref_node,
                      enum fid ref_field);
static int has_lot(const struct ct_notice *n, const char *lot_ref);

/* ---- small helpers ---------------------------------------------------------------------- */

static void xpath_silent(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err;
}

static int fail(struct ctx *c, enum fid f, const xmlNode *at, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = ct_xmlsafe_line(at ? at : c->root);
    ct_err_field(c->e, fields[f].bt, "%s", msg);
    c->e->status = 422;
    c->e->line = line;
    c->e->column = 0;
    snprintf(c->e->detail, sizeof c->e->detail, "%s: %s (line %d)", fields[f].bt, msg, line);
    return -1;
}

/* Compiles every row of the table for this call (nothing is shared between threads). A row
 * that does not compile is a programming error: 500 naming the row. */
static int compile_all(struct ctx *c)
{
    for (int f = 0; f < F_COUNT; f++) {
        if (!fields[f].bt || !fields[f].xpath)
            return ct_err_set(c->e, 500, "eForms field table: row %d is empty", f);
        c->comp[f] = xmlXPathCtxtCompile(c->xp, (const xmlChar *)fields[f].xpath);
        if (!c->comp[f])
            return ct_err_set(c->e, 500, "eForms field table: %s XPath does not compile",
                              fields[f].bt);
    }
    return 0;
}

/* Evaluates row f (compiled by compile_all) with node as the context node (absolute rows
 * ignore it). Returns a node-set object (caller frees with xmlXPathFreeObject) or NULL when
 * nothing matched. */
static xmlXPathObjectPtr eval(struct ctx *c, enum fid f, xmlNodePtr node)
{
    c->xp->node = node ? node : c->root;
    xmlXPathObjectPtr o = xmlXPathCompiledEval(c->comp[f], c->xp);
    if (o && (o->type != XPATH_NODESET || nodes_count(o) == 0)) {
        xmlXPathFreeObject(o);
        o = NULL;
    }
    return o;
}

static size_t nodes_count(const xmlXPathObject *o)
{
    return o && o->nodesetval ? (size_t)o->nodesetval->nodeNr : 0;
}

static xmlNodePtr nodes_at(const xmlXPathObject *o, size_t i)
{
    return o->nodesetval->nodeTab[i];
}

static xmlNodePtr first_node(struct ctx *c, enum fid f, xmlNodePtr node)
{
    xmlXPathObjectPtr o = eval(c, f, node);
    xmlNodePtr r = o ? nodes_at(o, 0) : NULL;
    xmlXPathFreeObject(o);
    return r;
}

static int node_text(struct ctx *c, enum fid f, const xmlNode *node, size_t max, const char **out)
{
    if (ct_xmlsafe_text(c->a, node, max, out) != 0)
        return fail(c, f, node, "text longer than %zu bytes", max);
    return 0;
}

/* Text of the first match of f (NULL when absent or empty); *where = that node. */
static int get_text(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max, const char **out,
                    const xmlNode **where)
{
    xmlNodePtr node = first_node(c, f, ctxnode);
    if (where)
        *where = node;
    return node_text(c, f, node, max, out);
}

/* Multilingual text: the languageID="FIN" variant when present, else the first non-empty. */
static int get_ml_text(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max,
                       const char **out)
{
    *out = NULL;
    xmlXPathObjectPtr o = eval(c, f, ctxnode);
    size_t n = nodes_count(o);
    const char *first = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        xmlNodePtr node = nodes_at(o, i);
        const char *lang = ct_xmlsafe_attr(c->a, node, "languageID", 8);
        const char *t;
        rc = node_text(c, f, node, max, &t);
        if (rc == 0 && t && lang && strcmp(lang, "FIN") == 0) {
            *out = t;
            break;
        }
        if (rc == 0 && t && !first)
            first = t;
    }
    if (rc == 0 && !*out)
        *out = first;
    xmlXPathFreeObject(o);
    return rc;
}

static int require(struct ctx *c, enum fid f, xmlNodePtr ctxnode, size_t max, const char **out)
{
    const xmlNode *where;
    if (get_text(c, f, ctxnode, max, out, &where) != 0)
        return -1;
    if (!*out)
        return fail(c, f, where ? where : ctxnode, "missing (%s)", fields[f].xpath);
    return 0;
}

/* Ids and references: printable, no white space or control characters. */
static int is_token(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* Code list values: letters, digits, '-' and '_'. */
static int is_code(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++, n++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return n > 0 && n <= 64;
}

static int get_date(struct ctx *c, enum fid f, xmlNodePtr ctxnode, char out[11])
{
    const char *s;
    const xmlNode *where;
    out[0] = '\0';
    if (get_text(c, f, ctxnode, 64, &s, &where) != 0)
        return -1;
    if (s && ct_notice_date_parse(s, out) != 0)
        return fail(c, f, where, "not a date: \"%s\"", s);
    return 0;
}

static int get_money(struct ctx *c, enum fid f, xmlNodePtr ctxnode, struct ct_notice_money *m)
{
    const char *s;
    const xmlNode *where;
    memset(m, 0, sizeof *m);
    if (get_text(c, f, ctxnode, 64, &s, &where) != 0)
        return -1;
    if (!s)
        return 0;
    const char *cur = ct_xmlsafe_attr(c->a, where, "currencyID", 16);
    if (ct_notice_money_parse(s, cur, m) != 0)
        return fail(c, f, where, "not an amount with a currency: \"%s\" %s", s,
                    cur ? cur : "(no currencyID)");
    return 0;
}

static int get_cpv(struct ctx *c, enum fid f, xmlNodePtr ctxnode, const char **out)
{
    const char *s, *why = NULL;
    const xmlNode *where;
    char code[16];
    *out = NULL;
    if (get_text(c, f, ctxnode, 32, &s, &where) != 0)
        return -1;
    if (!s)
        return 0;
    if (ct_cpv_parse(s, code, &why) != 0)
        return fail(c, f, where, "not a CPV code: \"%s\" (%s)", s, why ? why : "invalid");
    *out = ct_arena_strdup(c->a, code);
    return 0;
}

/* Index the elements of list (relative to ctxnode) by their id row. */
static int build_idmap(struct ctx *c, enum fid list, enum fid id, xmlNodePtr ctxnode,
                       size_t max, struct idmap *m)
{
    memset(m, 0, sizeof *m);
    xmlXPathObjectPtr o = eval(c, list, ctxnode);
    size_t n = nodes_count(o);
    int rc = 0;
    if (n > max) {
        rc = fail(c, list, nodes_at(o, max), "more than %zu elements", max);
        goto out;
    }
    if (n == 0)
        goto out;
    m->ids = ct_arena_alloc(c->a, n * sizeof *m->ids);
    m->nodes = ct_arena_alloc(c->a, n * sizeof *m->nodes);
    for (size_t i = 0; i < n; i++) {
        const char *s;
        xmlNodePtr el = nodes_at(o, i);
        if ((rc = get_text(c, id, el, CT_NOTICE_MAX_ID, &s, NULL)) != 0)
            goto out;
        if (!s) /* an element without an id cannot be referenced: skip it */
            continue;
        m->ids[m->n] = s;
        m->nodes[m->n++] = el;
    }
out:
    xmlXPathFreeObject(o);
    return rc;
}

static xmlNodePtr idmap_find(const struct idmap *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->ids[i], id) == 0)
            return m->nodes[i];
    return NULL;
}

static int has_lot(const struct ct_notice *n, const char *lot_ref)
{
    for (size_t i = 0; i < n->nlots; i++)
        if (strcmp(n->lots[i].lot_ref, lot_ref) == 0)
            return 1;
    return 0;
}

/* ---- organisations ------------------------------------------------------------------------ */

static int extract_org(struct ctx *c, xmlNodePtr company, int is_buyer, struct ct_notice_org *o)
{
    const xmlNode *where;
    memset(o, 0, sizeof *o);
    o->line = ct_xmlsafe_line(company);
    if (get_ml_text(c, F_ORG_NAME, company, CT_NOTICE_MAX_NAME, &o->name) != 0)
        return -1;
    if (!o->name)
        return fail(c, F_ORG_NAME, company, "organisation without a name");
    if (get_text(c, F_ORG_CITY, company, CT_NOTICE_MAX_NAME, &o->city, NULL) != 0)
        return -1;
    if (get_text(c, F_ORG_COUNTRY, company, 16, &o->country, &where) != 0)
        return -1;
    if (o->country && (strlen(o->country) != 3 || !is_code(o->country)))
        return fail(c, F_ORG_COUNTRY, where, "not an ISO 3166-1 alpha-3 country code: \"%s\"",
                    o->country);
    int finnish = o->country && strcmp(o->country, "FIN") == 0;

    if (get_text(c, F_ORG_IDENT, company, CT_NOTICE_MAX_ID, &o->id_raw, &where) != 0)
        return -1;
    if (finnish) {
        char yt[16];
        const char *why = NULL;
        if (!o->id_raw)
            return fail(c, F_ORG_IDENT, company,
                        "Finnish organisation \"%s\" has no identifier (Y-tunnus)", o->name);
        if (ct_ytunnus_normalize(o->id_raw, yt, &why) != 0)
            return fail(c, F_ORG_IDENT, where,
                        "\"%s\" is not a valid Y-tunnus or Finnish VAT number (%s)", o->id_raw,
                        why ? why : "invalid");
        o->business_id = ct_arena_strdup(c->a, yt);
    } else {
        o->business_id = o->id_raw;
    }

    if (get_text(c, F_ORG_NUTS, company, 16, &o->nuts, &where) != 0)
        return -1;
    if (finnish && is_buyer) {
        if (!o->nuts)
            return fail(c, F_ORG_NUTS, company, "Finnish buyer without a NUTS-3 region");
        if (!ct_nuts_is_finnish(o->nuts))
            return fail(c, F_ORG_NUTS, where, "\"%s\" is not a Finnish NUTS-3 (2021) region",
                        o->nuts);
    } else if (o->nuts && !ct_nuts_valid_format(o->nuts)) {
        return fail(c, F_ORG_NUTS, where, "not a NUTS code: \"%s\"", o->nuts);
    }
    return 0;
}

/* ---- notice level ------------------------------------------------------------------------- */

static int extract_header(struct ctx *c)
{
    struct ct_notice *n = c->n;
    const xmlNode *where;

    if (require(c, F_SUBTYPE, NULL, 16, &n->subtype) != 0)
        return -1;
    if (!is_code(n->subtype))
        return fail(c, F_SUBTYPE, first_node(c, F_SUBTYPE, NULL), "not a notice subtype: \"%s\"",
                    n->subtype);
    if (get_text(c, F_TYPE_CODE, NULL, 64, &n->type_code, &where) != 0)
        return -1;
    if (n->type_code && !is_code(n->type_code))
        return fail(c, F_TYPE_CODE, where, "not a notice type code: \"%s\"", n->type_code);

    if (require(c, F_NOTICE_ID, NULL, CT_NOTICE_MAX_ID, &n->notice_id) != 0)
        return -1;
    if (!is_token(n->notice_id))
        return fail(c, F_NOTICE_ID, first_node(c, F_NOTICE_ID, NULL),
                    "notice id contains white space or control characters");

    if (require(c, F_VERSION, NULL, 16, &n->version) != 0)
        return -1;
    size_t vl = strlen(n->version);
    if (vl > 9 || strspn(n->version, "0123456789") != vl)
        return fail(c, F_VERSION, first_node(c, F_VERSION, NULL),
                    "notice version must be 1-9 digits: \"%s\"", n->version);
    n->version_num = 0;
    for (size_t i = 0; i < vl; i++)
        n->version_num = n->version_num * 10 + (n->version[i] - '0');

    if (get_text(c, F_PROCEDURE_ID, NULL, CT_NOTICE_MAX_ID, &n->procedure_id, &where) != 0)
        return -1;
    if (!n->procedure_id && n->type != CT_NOTICE_PRIOR_INFORMATION)
        return fail(c, F_PROCEDURE_ID, NULL, "missing (%s)", fields[F_PROCEDURE_ID].xpath);
    if (n->procedure_id && !is_token(n->procedure_id))
        return fail(c, F_PROCEDURE_ID, where,
                    "procedure id contains white space or control characters");

    if (get_date(c, F_ISSUE_DATE, NULL, n->issue_date) != 0)
        return -1;
    if (!n->issue_date[0])
        return fail(c, F_ISSUE_DATE, first_node(c, F_ISSUE_DATE, NULL), "missing (%s)",
                    fields[F_ISSUE_DATE].xpath);

    if (get_text(c, F_LANGUAGE, NULL, 16, &n->language, NULL) != 0 ||
        get_text(c, F_SDK, NULL, 64, &n->sdk, NULL) != 0 ||
        get_text(c, F_CHANGED, NULL, CT_NOTICE_MAX_ID, &n->changes_notice, NULL) != 0)
        return -1;
    return 0;
}

static int extract_buyer(struct ctx *c)
{
    const char *ref;
    const xmlNode *where;
    if (build_idmap(c, F_ORGS, F_ORG_ID, NULL, CT_NOTICE_MAX_ORGS, &c->orgs) != 0)
        return -1;
    if (get_text(c, F_BUYER_REF, NULL, CT_NOTICE_MAX_ID, &ref, &where) != 0)
        return -1;
    if (!ref)
        return fail(c, F_BUYER_REF, NULL, "no buyer (%s)", fields[F_BUYER_REF].xpath);
    xmlNodePtr company = idmap_find(&c->orgs, ref);
    if (!company)
        return fail(c, F_BUYER_REF, where, "buyer \"%s\" is not an organisation (OPT-200)", ref);
    return extract_org(c, company, 1, &c->n->buyer);
}

static int extract_procedure(struct ctx *c)
{
    struct ct_notice *n = c->n;
    const char *nature;
    if (get_ml_text(c, F_TITLE, NULL, CT_NOTICE_MAX_NAME, &n->title) != 0)
        return -1;
    if (!n->title)
        return fail(c, F_TITLE, NULL, "missing (%s)", fields[F_TITLE].xpath);
    if (get_ml_text(c, F_DESCRIPTION, NULL, CT_NOTICE_MAX_TEXT, &n->description) != 0)
        return -1;
    if (require(c, F_NATURE, NULL, 32, &nature) != 0)
        return -1;
    n->nature = ct_notice_nature_parse(nature);
    if (n->nature == CT_NOTICE_NATURE_NONE)
        return fail(c, F_NATURE, first_node(c, F_NATURE, NULL),
                    "contract nature must be works, services or supplies, not \"%s\"", nature);
    if (get_cpv(c, F_CPV, NULL, &n->cpv) != 0 || get_money(c, F_VALUE, NULL, &n->estimated_value) != 0)
        return -1;
    return 0;
}

/* ---- lots and signals -------------------------------------------------------------------- */

static int extract_lots(struct ctx *c)
{
    struct ct_notice *n = c->n;
    xmlXPathObjectPtr o = eval(c, F_LOTS, NULL);
    size_t count = nodes_count(o);
    int rc = 0;
    if (count > CT_NOTICE_MAX_LOTS) {
        rc = fail(c, F_LOTS, nodes_at(o, CT_NOTICE_MAX_LOTS), "more than %d lots",
                  CT_NOTICE_MAX_LOTS);
        goto out;
    }
    if (count == 0 && n->type != CT_NOTICE_PRIOR_INFORMATION) {
        rc = fail(c, F_LOTS, NULL, "a %s needs at least one lot", ct_notice_type_name(n->type));
        goto out;
    }
    if (count)
        n->lots = ct_arena_alloc(c->a, count * sizeof *n->lots);
    for (size_t i = 0; i < count; i++) {
        struct ct_notice_lot *l = &n->lots[i];
        if ((rc = extract_lot(c, nodes_at(o, i), l)) != 0)
            goto out;
        if (has_lot(n, l->lot_ref)) {
            rc = fail(c, F_LOT_ID, nodes_at(o, i), "lot \"%s\" appears twice", l->lot_ref);
            goto out;
        }
        n->nlots++;
        if (l->deadline[0] && (!n->deadline[0] || strcmp(l->deadline, n->deadline) < 0))
            memcpy(n->deadline, l->deadline, sizeof n->deadline);
        if ((rc = lot_signals(c, nodes_at(o, i), l->lot_ref)) != 0)
            goto out;
    }
out:
    xmlXPathFreeObject(o);
    return rc;
}

static int extract_lot(struct ctx *c, xmlNodePtr lot, struct ct_notice_lot *l)
{
    memset(l, 0, sizeof *l);
    l->line = ct_xmlsafe_line(lot);
    if (require(c, F_LOT_ID, lot, CT_NOTICE_MAX_ID, &l->lot_ref) != 0)
        return -1;
    if (!is_token(l->lot_ref))
        return fail(c, F_LOT_ID, lot, "lot id contains white space or control characters");
    if (get_ml_text(c, F_LOT_TITLE, lot, CT_NOTICE_MAX_NAME, &l->title) != 0 ||
        get_ml_text(c, F_LOT_DESC, lot, CT_NOTICE_MAX_TEXT, &l->description) != 0 ||
        get_cpv(c, F_LOT_CPV, lot, &l->cpv) != 0 ||
        get_money(c, F_LOT_VALUE, lot, &l->estimated_value) != 0 ||
        get_date(c, F_LOT_DEADLINE, lot, l->deadline) != 0)
        return -1;
    return 0;
}

/* Signals of one lot, in the order CONTRACT §4 lists them (see notice.h). */
static int lot_signals(struct ctx *c, xmlNodePtr lot, const char *lot_ref)
{
    if (code_signals(c, F_LOT_STRATEGIC, lot, lot_ref) != 0 ||
        code_signals(c, F_LOT_SOCIAL, lot, lot_ref) != 0 ||
        code_signals(c, F_LOT_RESERVED, lot, lot_ref) != 0 ||
        code_signals(c, F_LOT_RES_EXEC, lot, lot_ref) != 0 ||
        wording_signal(c, F_LOT_TERMS, lot, lot_ref) != 0 ||
        wording_signal(c, F_LOT_STRATEGIC_TEXT, lot, lot_ref) != 0 ||
        wording_signal(c, F_LOT_DESC, lot, lot_ref) != 0)
        return -1;
    return 0;
}

/* Coded signals: BT-06 soc-obj (with its BT-777 text), BT-775 (opp also means an
 * employment condition: Hilma's työllistämisehto), BT-71 (except none), BT-736 yes. */
static int code_signals(struct ctx *c, enum fid f, xmlNodePtr lot, const char *lot_ref)
{
    xmlXPathObjectPtr o = eval(c, f, lot);
    size_t count = nodes_count(o);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        xmlNodePtr node = nodes_at(o, i);
        const char *code;
        int line = ct_xmlsafe_line(node);
        if ((rc = node_text(c, f, node, 64, &code)) != 0)
            break;
        if (!code)
            continue;
        if (!is_code(code)) {
            rc = fail(c, f, node, "not a code: \"%s\"", code);
            break;
        }
        const char *bt = fields[f].bt;
        if (f == F_LOT_STRATEGIC) {
            if (strcmp(code, "soc-obj") != 0)
                continue;
            /* the BT-777 description that sits beside this code */
            const char *text = NULL;
            xmlXPathObjectPtr t = eval(c, F_LOT_STRATEGIC_TEXT, lot);
            const char *fin = NULL, *any = NULL;
            for (size_t j = 0; j < nodes_count(t) && rc == 0; j++) {
                xmlNodePtr tn = nodes_at(t, j);
                if (tn->parent != node->parent)
                    continue;
                const char *s, *lang = ct_xmlsafe_attr(c->a, tn, "languageID", 8);
                if ((rc = node_text(c, F_LOT_STRATEGIC_TEXT, tn, CT_NOTICE_MAX_TEXT, &s)) != 0)
                    break;
                if (s && !any)
                    any = s;
                if (s && lang && strcmp(lang, "FIN") == 0 && !fin)
                    fin = s;
            }
            xmlXPathFreeObject(t);
            text = fin ? fin : any;
            if (rc == 0)
                rc = ct_notice_add_signal(c->a, &c->sig, "strategic-procurement:soc-obj", bt,
                                          lot_ref, text, line, c->e);
        } else if (f == F_LOT_SOCIAL) {
            rc = ct_notice_add_signal(c->a, &c->sig,
                                      ct_arena_printf(c->a, "social-objective:%s", code), bt,
                                      lot_ref, NULL, line, c->e);
            if (rc == 0 && strcmp(code, "opp") == 0)
                rc = ct_notice_add_signal(c->a, &c->sig, "employment-condition", bt, lot_ref,
                                          NULL, line, c->e);
        } else if (f == F_LOT_RESERVED) {
            if (strcmp(code, "none") == 0)
                continue;
            rc = ct_notice_add_signal(c->a, &c->sig,
                                      ct_arena_printf(c->a, "reserved-participation:%s", code),
                                      bt, lot_ref, NULL, line, c->e);
        } else if (f == F_LOT_RES_EXEC) {
            if (strcmp(code, "yes") == 0)
                rc = ct_notice_add_signal(c->a, &c->sig, "reserved-execution", bt, lot_ref,
                                          NULL, line, c->e);
        }
    }
    xmlXPathFreeObject(o);
    return rc;
}

/* employment-condition when any language variant of f mentions an employment obligation;
 * the Finnish variant is preferred as the signal's text when several match. */
static int wording_signal(struct ctx *c, enum fid f, xmlNodePtr ctxnode, const char *lot_ref)
{
    xmlXPathObjectPtr o = eval(c, f, ctxnode);
    size_t count = nodes_count(o);
    const char *hit = NULL;
    int hit_line = 0, hit_fin = 0, rc = 0;
    for (size_t i = 0; i < count; i++) {
        xmlNodePtr node = nodes_at(o, i);
        const char *s;
        if ((rc = node_text(c, f, node, CT_NOTICE_MAX_TEXT, &s)) != 0)
            break;
        if (!s || !ct_notice_mentions_employment(s))
            continue;
        const char *lang = ct_xmlsafe_attr(c->a, node, "languageID", 8);
        int fin = lang && strcmp(lang, "FIN") == 0;
        if (!hit || (fin && !hit_fin)) {
            hit = s;
            hit_line = ct_xmlsafe_line(node);
            hit_fin = fin;
        }
    }
    xmlXPathFreeObject(o);
    if (rc == 0 && hit)
        rc = ct_notice_add_signal(c->a, &c->sig, "employment-condition", fields[f].bt, lot_ref,
                                  hit, hit_line, c->e);
    return rc;
}

/* ---- results -------------------------------------------------------------------------- */

static int add_winner(struct ctx *c, struct contract_list *cl, const struct idmap *tenders,
                      const struct idmap *parties, xmlNodePtr lr, const char *lot_ref,
                      const char *tender_ref, xmlNodePtr settled, const xmlNode *ref_node,
                      enum fid ref_field)
{
    const xmlNode *where;
    xmlNodePtr tender = idmap_find(tenders, tender_ref);
    if (!tender)
        return fail(c, ref_field, ref_node, "tender \"%s\" is not a LotTender (OPT-321)",
                    tender_ref);
    const char *party_ref;
    if (get_text(c, F_LT_PARTY, tender, CT_NOTICE_MAX_ID, &party_ref, &where) != 0)
        return -1;
    if (!party_ref)
        return fail(c, F_LT_PARTY, tender, "tender \"%s\" names no tendering party", tender_ref);
    xmlNodePtr party = idmap_find(parties, party_ref);
    if (!party)
        return fail(c, F_LT_PARTY, where, "tendering party \"%s\" is not defined (OPT-210)",
                    party_ref);

    /* the winner: the group leader of a consortium, else its first member */
    xmlXPathObjectPtr m = eval(c, F_TP_MEMBERS, party);
    xmlNodePtr member = NULL;
    for (size_t i = 0; i < nodes_count(m); i++) {
        const char *lead;
        if (node_text(c, F_TE_LEAD, first_node(c, F_TE_LEAD, nodes_at(m, i)), 16, &lead) != 0) {
            xmlXPathFreeObject(m);
            return -1;
        }
        if (!member || (lead && strcmp(lead, "true") == 0)) {
            member = nodes_at(m, i);
            if (lead && strcmp(lead, "true") == 0)
                break;
        }
    }
    xmlXPathFreeObject(m);
    if (!member)
        return fail(c, F_TP_MEMBERS, party, "tendering party \"%s\" has no tenderer",
                    party_ref);
    const char *org_ref;
    if (get_text(c, F_TE_ID, member, CT_NOTICE_MAX_ID, &org_ref, &where) != 0)
        return -1;
    if (!org_ref)
        return fail(c, F_TE_ID, member, "tenderer without an organisation id");
    xmlNodePtr company = idmap_find(&c->orgs, org_ref);
    if (!company)
        return fail(c, F_TE_ID, where, "tenderer \"%s\" is not an organisation (OPT-200)",
                    org_ref);

    if (cl->n >= CT_NOTICE_MAX_CONTRACTS)
        return fail(c, F_LOT_RESULTS, lr, "more than %d winners", CT_NOTICE_MAX_CONTRACTS);
    if (cl->n == cl->cap) {
        size_t cap = cl->cap ? cl->cap * 2 : 8;
        struct ct_notice_contract *items = ct_arena_alloc(c->a, cap * sizeof *items);
        if (cl->n)
            memcpy(items, cl->items, cl->n * sizeof *items);
        cl->items = items;
        cl->cap = cap;
    }
    struct ct_notice_contract *k = &cl->items[cl->n];
    memset(k, 0, sizeof *k);
    k->lot_ref = lot_ref;
    k->tender_ref = tender_ref;
    k->line = ct_xmlsafe_line(settled ? settled : lr);
    if (extract_org(c, company, 0, &k->supplier) != 0 ||
        get_money(c, F_LT_VALUE, tender, &k->value) != 0)
        return -1;
    if (settled) {
        if (get_text(c, F_SC_ID, settled, CT_NOTICE_MAX_ID, &k->settled_ref, NULL) != 0 ||
            get_date(c, F_SC_DATE, settled, k->signed_on) != 0 ||
            get_text(c, F_SC_REF, settled, CT_NOTICE_MAX_ID, &k->contract_ref, NULL) != 0)
            return -1;
    }
    cl->n++;
    return 0;
}

static int extract_results(struct ctx *c)
{
    struct ct_notice *n = c->n;
    struct idmap tenders, settled, parties;
    struct contract_list cl = {0};
    xmlNodePtr nr = first_node(c, F_RESULT, NULL);
    if (!nr)
        return 0;
    if (build_idmap(c, F_LOT_TENDERS, F_LT_ID, nr, CT_NOTICE_MAX_RESULTS, &tenders) != 0 ||
        build_idmap(c, F_SETTLED, F_SC_ID, nr, CT_NOTICE_MAX_RESULTS, &settled) != 0 ||
        build_idmap(c, F_PARTIES, F_TP_ID, nr, CT_NOTICE_MAX_RESULTS, &parties) != 0)
        return -1;

    xmlXPathObjectPtr results = eval(c, F_LOT_RESULTS, nr);
    size_t nres = nodes_count(results);
    int rc = 0;
    if (nres > CT_NOTICE_MAX_RESULTS) {
        rc = fail(c, F_LOT_RESULTS, nodes_at(results, CT_NOTICE_MAX_RESULTS),
                  "more than %d lot results", CT_NOTICE_MAX_RESULTS);
        goto out;
    }
    for (size_t i = 0; i < nres && rc == 0; i++) {
        xmlNodePtr lr = nodes_at(results, i);
        const char *lot_ref, *code;
        const xmlNode *where;
        if ((rc = require(c, F_LR_LOT, lr, CT_NOTICE_MAX_ID, &lot_ref)) != 0)
            break;
        if (!has_lot(n, lot_ref)) {
            rc = fail(c, F_LR_LOT, first_node(c, F_LR_LOT, lr),
                      "result for lot \"%s\", which the notice does not have", lot_ref);
            break;
        }
        if ((rc = get_text(c, F_LR_CODE, lr, 32, &code, &where)) != 0)
            break;
        /* no winner (closed, or still open): no contract, whatever else is linked */
        if (code && (strcmp(code, "clos-nw") == 0 || strcmp(code, "open-nw") == 0))
            continue;

        xmlXPathObjectPtr cons = eval(c, F_LR_CONTRACTS, lr);
        for (size_t j = 0; j < nodes_count(cons) && rc == 0; j++) {
            const char *con_ref;
            xmlNodePtr con_node = nodes_at(cons, j);
            if ((rc = node_text(c, F_LR_CONTRACTS, con_node, CT_NOTICE_MAX_ID, &con_ref)) != 0 ||
                !con_ref)
                continue;
            xmlNodePtr sc = idmap_find(&settled, con_ref);
            if (!sc) {
                rc = fail(c, F_LR_CONTRACTS, con_node,
                          "contract \"%s\" is not a SettledContract (OPT-316)", con_ref);
                break;
            }
            /* the winning tender(s): BT-3202 of the contract, else OPT-320 of the result */
            enum fid tf = F_SC_TENDERS;
            xmlXPathObjectPtr ts = eval(c, F_SC_TENDERS, sc);
            if (!ts) {
                tf = F_LR_TENDERS;
                ts = eval(c, F_LR_TENDERS, lr);
            }
            if (!ts)
                rc = fail(c, F_SC_TENDERS, sc, "contract \"%s\" names no tender", con_ref);
            for (size_t k = 0; k < nodes_count(ts) && rc == 0; k++) {
                const char *tref;
                xmlNodePtr tn = nodes_at(ts, k);
                if ((rc = node_text(c, tf, tn, CT_NOTICE_MAX_ID, &tref)) != 0 || !tref)
                    continue;
                rc = add_winner(c, &cl, &tenders, &parties, lr, lot_ref, tref, sc, tn, tf);
            }
            xmlXPathFreeObject(ts);
        }
        size_t ncons = nodes_count(cons);
        xmlXPathFreeObject(cons);
        if (rc != 0 || ncons > 0 || !code || strcmp(code, "selec-w") != 0)
            continue;

        /* winner chosen, no contract yet: one entry per winning tender */
        xmlXPathObjectPtr ts = eval(c, F_LR_TENDERS, lr);
        for (size_t k = 0; k < nodes_count(ts) && rc == 0; k++) {
            const char *tref;
            xmlNodePtr tn = nodes_at(ts, k);
            if ((rc = node_text(c, F_LR_TENDERS, tn, CT_NOTICE_MAX_ID, &tref)) != 0 || !tref)
                continue;
            rc = add_winner(c, &cl, &tenders, &parties, lr, lot_ref, tref, NULL, tn,
                            F_LR_TENDERS);
        }
        xmlXPathFreeObject(ts);
    }
out:
    xmlXPathFreeObject(results);
    if (rc == 0) {
        n->contracts = cl.items;
        n->ncontracts = cl.n;
    }
    return rc;
}

/* ---- entry points ---------------------------------------------------------------------- */

enum ct_notice_type ct_eforms_detect(const xmlDoc *doc)
{
    if (ct_xmlsafe_root_is(doc, CT_EFORMS_NS_CN, "ContractNotice"))
        return CT_NOTICE_CONTRACT_NOTICE;
    if (ct_xmlsafe_root_is(doc, CT_EFORMS_NS_CAN, "ContractAwardNotice"))
        return CT_NOTICE_CONTRACT_AWARD_NOTICE;
    if (ct_xmlsafe_root_is(doc, CT_EFORMS_NS_PIN, "PriorInformationNotice"))
        return CT_NOTICE_PRIOR_INFORMATION;
    return (enum ct_notice_type)0;
}

int ct_eforms_extract(struct ct_arena *a, xmlDocPtr doc, struct ct_notice **out, struct ct_err *e)
{
    struct ctx c;
    int rc = -1;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.doc = doc;
    c.e = e;
    c.root = xmlDocGetRootElement(doc);
    enum ct_notice_type type = ct_eforms_detect(doc);
    if (!c.root || !type) {
        ct_err_field(e, "root", "not an eForms notice");
        e->status = 422;
        e->line = ct_xmlsafe_line(c.root);
        return -1;
    }
    c.xp = xmlXPathNewContext(doc);
    if (!c.xp) {
        ct_err_set(e, 500, "cannot create an XPath context");
        return -1;
    }
    c.xp->error = xpath_silent;
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
        xmlXPathRegisterNs(c.xp, (const xmlChar *)namespaces[i].prefix,
                           (const xmlChar *)namespaces[i].uri);

    c.n = ct_arena_alloc(a, sizeof *c.n);
    c.n->format = CT_NOTICE_FORMAT_EFORMS;
    c.n->type = type;
    c.n->line = ct_xmlsafe_line(c.root);

    if (compile_all(&c) != 0 || extract_header(&c) != 0 || extract_buyer(&c) != 0 || extract_procedure(&c) != 0 ||
        extract_lots(&c) != 0 ||
        wording_signal(&c, F_DESCRIPTION, NULL, NULL) != 0 ||
        extract_results(&c) != 0)
        goto out;
    c.n->signals = c.sig.items;
    c.n->nsignals = c.sig.n;
    *out = c.n;
    rc = 0;
out:
    for (int i = 0; i < F_COUNT; i++)
        xmlXPathFreeCompExpr(c.comp[i]);
    xmlXPathFreeContext(c.xp);
    return rc;
}
