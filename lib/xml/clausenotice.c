/* clausenotice.c - ClauseNotice (urn:clausetrack:notice:1) -> struct ct_notice: compile
 * xsd/clause-notice.xsd once (read-only afterwards, shared by threads), validate each
 * document with its own xmlSchemaValidCtxt, then walk the validated tree and apply the rules
 * the schema cannot express (check digits, date order, commitments). Errors name element
 * paths ("ClauseNotice/Clauses/Clause[2]/Quantity"). Safe parsing is xmlsafe.c's job. */
#include "ct/clausenotice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlschemas.h>

#include "ct/cpv.h"
#include "ct/xmlsafe.h"
#include "ct/ytunnus.h"

#define MAX_DEPTH 64
#define NS_PREFIX "{" CT_CLAUSENOTICE_NS "}"

struct ct_clausenotice_schema {
    xmlDocPtr doc; /* the schema document; kept while the schema lives (annotations point in) */
    xmlSchemaPtr schema;
};

/* The first error reported by the schema parser or validator. */
struct first_error {
    int have;
    int line;
    const xmlNode *node;
    char msg[300];
};

struct ctx {
    struct ct_arena *a;
    struct ct_err *e;
    struct ct_notice *n;
    struct ct_notice_signals sig;
};

static void on_schema_error(void *data, xmlErrorPtr err);
static void strip_ns(char *s);
static const char *node_path(struct ct_arena *a, const xmlNode *node);
static int is_repeated(const char *name);
static const xmlNode *element_at_line(const xmlNode *node, int line);
static const xmlNode *attribute_in_message(const xmlNode *node, const char *msg);
static int cfail(struct ctx *c, const xmlNode *node, const char *fmt, ...) CT_PRINTF(3, 4);
static xmlNodePtr child(const xmlNode *parent, const char *name);
static xmlNodePtr next_named(const xmlNode *node);
static size_t count_named(const xmlNode *first);
static const char *text(struct ctx *c, const xmlNode *node, size_t max);
static double number(const char *s);
static int get_date(struct ctx *c, const xmlNode *node, char out[11]);
static int get_money(struct ctx *c, const xmlNode *node, struct ct_notice_money *m);
static int get_cpv(struct ctx *c, const xmlNode *node, const char **out);
static int get_business_id(struct ctx *c, const xmlNode *node, const char **out);
static int map_header(struct ctx *c, xmlNodePtr root);
static int map_buyer(struct ctx *c, xmlNodePtr buyer);
static int map_tender(struct ctx *c, xmlNodePtr tender);
static int map_clauses(struct ctx *c, xmlNodePtr clauses);
static int map_clause(struct ctx *c, xmlNodePtr node, struct ct_notice_clause *k);
static int map_contracts(struct ctx *c, xmlNodePtr contracts);
static int map_contract(struct ctx *c, xmlNodePtr node, struct ct_notice_contract *k);
static int map_commitment(struct ctx *c, xmlNodePtr node, const struct ct_notice_contract *k,
                          struct ct_notice_commitment *m);

/* ---- schema ----------------------------------------------------------------------------- */

static void on_schema_error(void *data, xmlErrorPtr err)
{
    struct first_error *fe = data;
    if (fe->have || err->level < XML_ERR_ERROR)
        return;
    fe->have = 1;
    fe->line = err->line;
    fe->node = err->node;
    snprintf(fe->msg, sizeof fe->msg, "%s", err->message ? err->message : "invalid");
    strip_ns(fe->msg);
}

/* "Element '{urn:clausetrack:notice:1}Quantity': ...\n" -> "Element 'Quantity': ..." */
static void strip_ns(char *s)
{
    size_t pl = strlen(NS_PREFIX);
    char *p;
    while ((p = strstr(s, NS_PREFIX)) != NULL)
        memmove(p, p + pl, strlen(p + pl) + 1);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '.'))
        s[--n] = '\0';
}

struct ct_clausenotice_schema *ct_clausenotice_schema_load(const char *path, struct ct_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ct_err_set(e, 500, "cannot read ClauseNotice schema %s", path);
        return NULL;
    }
    char *buf = ct_xmalloc(CT_CLAUSENOTICE_MAX_XSD + 1);
    size_t len = fread(buf, 1, CT_CLAUSENOTICE_MAX_XSD + 1, f);
    int bad = ferror(f);
    fclose(f);
    struct ct_clausenotice_schema *s = NULL;
    if (bad)
        ct_err_set(e, 500, "cannot read ClauseNotice schema %s", path);
    else
        s = ct_clausenotice_schema_load_mem(buf, len, e);
    free(buf);
    return s;
}

struct ct_clausenotice_schema *ct_clausenotice_schema_load_mem(const char *buf, size_t len,
                                                               struct ct_err *e)
{
    struct first_error fe;
    memset(&fe, 0, sizeof fe);
    xmlDocPtr doc = ct_xmlsafe_parse(buf, len, CT_CLAUSENOTICE_MAX_XSD, e);
    if (!doc) {
        e->status = 500;
        return NULL;
    }
    xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewDocParserCtxt(doc);
    if (!pctxt) {
        xmlFreeDoc(doc);
        ct_err_set(e, 500, "cannot create a schema parser");
        return NULL;
    }
    xmlSchemaSetParserStructuredErrors(pctxt, on_schema_error, &fe);
    xmlSchemaPtr schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (!schema) {
        xmlFreeDoc(doc);
        ct_err_set(e, 500, "invalid ClauseNotice schema at line %d: %s", fe.line,
                   fe.have ? fe.msg : "cannot compile");
        e->line = fe.line;
        return NULL;
    }
    struct ct_clausenotice_schema *s = ct_xcalloc(1, sizeof *s);
    s->doc = doc;
    s->schema = schema;
    return s;
}

void ct_clausenotice_schema_free(struct ct_clausenotice_schema *s)
{
    if (!s)
        return;
    xmlSchemaFree(s->schema);
    xmlFreeDoc(s->doc);
    free(s);
}

/* ---- paths and small helpers -------------------------------------------------------------- */

/* List elements always carry their 1-based index in paths, even when alone. */
static int is_repeated(const char *name)
{
    static const char *const names[] = {"Lot", "Clause", "TargetGroup", "Contract", "Commitment"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* The last element in document order that starts on line (the deepest of those on one
 * line): libxml2 reports identity-constraint errors (keyref) with a line but no node. */
static const xmlNode *element_at_line(const xmlNode *node, int line)
{
    const xmlNode *found = NULL;
    for (const xmlNode *n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (ct_xmlsafe_line(n) == line)
            found = n;
        const xmlNode *inner = element_at_line(n->children, line);
        if (inner)
            found = inner;
    }
    return found;
}

/* libxml2 reports attribute errors on the element ("Element 'Commitment', attribute
 * 'quantity': ..."): point at the attribute itself when the message names one. */
static const xmlNode *attribute_in_message(const xmlNode *node, const char *msg)
{
    const char *p = strstr(msg, "', attribute '");
    if (!node || node->type != XML_ELEMENT_NODE || !p)
        return node;
    p += strlen("', attribute '");
    const char *q = strchr(p, '\'');
    if (!q || q == p || q - p > 64)
        return node;
    char name[65];
    memcpy(name, p, (size_t)(q - p));
    name[q - p] = '\0';
    xmlAttrPtr attr = xmlHasProp(node, (const xmlChar *)name);
    return attr ? (const xmlNode *)attr : node;
}

static const char *node_path(struct ct_arena *a, const xmlNode *node)
{
    const char *parts[MAX_DEPTH];
    size_t n = 0;
    for (const xmlNode *p = node; p && n < MAX_DEPTH; p = p->parent) {
        if (p->type == XML_ATTRIBUTE_NODE) {
            parts[n++] = ct_arena_printf(a, "@%s", (const char *)p->name);
        } else if (p->type == XML_ELEMENT_NODE) {
            const char *name = (const char *)p->name;
            if (is_repeated(name)) {
                int idx = 1;
                for (const xmlNode *s = p->prev; s; s = s->prev)
                    if (s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, name) == 0)
                        idx++;
                parts[n++] = ct_arena_printf(a, "%s[%d]", name, idx);
            } else {
                parts[n++] = name;
            }
        } else {
            break;
        }
    }
    if (n == 0)
        return "ClauseNotice";
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *out = ct_arena_alloc(a, len + 1), *w = out;
    for (size_t i = n; i-- > 0;) {
        size_t l = strlen(parts[i]);
        memcpy(w, parts[i], l);
        w += l;
        if (i > 0)
            *w++ = '/';
    }
    *w = '\0';
    return out;
}

static int cfail(struct ctx *c, const xmlNode *node, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *path = node_path(c->a, node);
    int line = ct_xmlsafe_line(node);
    ct_err_field(c->e, path, "%s", msg);
    c->e->status = 422;
    c->e->line = line;
    c->e->column = 0;
    snprintf(c->e->detail, sizeof c->e->detail, "%s: %s (line %d)", path, msg, line);
    return -1;
}

static xmlNodePtr child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 && n->ns &&
            strcmp((const char *)n->ns->href, CT_CLAUSENOTICE_NS) == 0)
            return n;
    return NULL;
}

static xmlNodePtr next_named(const xmlNode *node)
{
    for (xmlNodePtr n = node->next; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name,
                                                  (const char *)node->name) == 0)
            return n;
    return NULL;
}

static size_t count_named(const xmlNode *first)
{
    size_t n = 0;
    for (const xmlNode *p = first; p; p = next_named(p))
        n++;
    return n;
}

/* Text of a validated element; the schema's lengths keep it within max (else NULL). */
static const char *text(struct ctx *c, const xmlNode *node, size_t max)
{
    const char *s = NULL;
    if (ct_xmlsafe_text(c->a, node, max, &s) != 0)
        return NULL;
    return s;
}

static double number(const char *s)
{
    return s ? strtod(s, NULL) : 0.0;
}

static int get_date(struct ctx *c, const xmlNode *node, char out[11])
{
    out[0] = '\0';
    const char *s = text(c, node, 32);
    if (s && ct_notice_date_parse(s, out) != 0)
        return cfail(c, node, "not a date: \"%s\"", s);
    return 0;
}

static int get_money(struct ctx *c, const xmlNode *node, struct ct_notice_money *m)
{
    memset(m, 0, sizeof *m);
    if (!node)
        return 0;
    const char *s = text(c, node, 32), *cur = ct_xmlsafe_attr(c->a, node, "currency", 8);
    if (ct_notice_money_parse(s, cur, m) != 0)
        return cfail(c, node, "not an amount with a currency");
    return 0;
}

static int get_cpv(struct ctx *c, const xmlNode *node, const char **out)
{
    char code[16];
    const char *why = NULL, *s = text(c, node, 32);
    *out = NULL;
    if (!s)
        return 0;
    if (ct_cpv_parse(s, code, &why) != 0)
        return cfail(c, node, "not a CPV code: \"%s\" (%s)", s, why ? why : "invalid");
    *out = ct_arena_strdup(c->a, code);
    return 0;
}

static int get_business_id(struct ctx *c, const xmlNode *node, const char **out)
{
    char yt[16];
    const char *why = NULL, *s = text(c, node, CT_NOTICE_MAX_ID);
    if (!s || ct_ytunnus_normalize(s, yt, &why) != 0)
        return cfail(c, node, "\"%s\" is not a valid Y-tunnus or Finnish VAT number (%s)",
                     s ? s : "", why ? why : "invalid");
    *out = ct_arena_strdup(c->a, yt);
    return 0;
}

/* ---- mapping --------------------------------------------------------------------------- */

static int map_header(struct ctx *c, xmlNodePtr root)
{
    struct ct_notice *n = c->n;
    n->format = CT_NOTICE_FORMAT_CLAUSENOTICE;
    n->type = CT_NOTICE_CLAUSE_NOTICE;
    n->type_code = "ClauseNotice";
    n->language = "FIN";
    n->line = ct_xmlsafe_line(root);
    n->notice_id = text(c, child(root, "NoticeId"), CT_NOTICE_MAX_ID);
    n->version = text(c, child(root, "NoticeVersion"), 16);
    n->version_num = (int)strtol(n->version ? n->version : "0", NULL, 10);
    return get_date(c, child(root, "IssueDate"), n->issue_date);
}

static int map_buyer(struct ctx *c, xmlNodePtr buyer)
{
    struct ct_notice_org *o = &c->n->buyer;
    o->line = ct_xmlsafe_line(buyer);
    o->name = text(c, child(buyer, "Name"), CT_NOTICE_MAX_NAME);
    o->id_raw = text(c, child(buyer, "BusinessId"), CT_NOTICE_MAX_ID);
    o->nuts = text(c, child(buyer, "Region"), 16);
    o->municipality_code = text(c, child(buyer, "MunicipalityCode"), 8);
    o->country = "FIN";
    return get_business_id(c, child(buyer, "BusinessId"), &o->business_id);
}

static int map_tender(struct ctx *c, xmlNodePtr tender)
{
    struct ct_notice *n = c->n;
    n->procedure_id = text(c, child(tender, "ProcedureId"), CT_NOTICE_MAX_ID);
    n->title = text(c, child(tender, "Title"), CT_NOTICE_MAX_NAME);
    n->description = text(c, child(tender, "Description"), CT_NOTICE_MAX_TEXT);
    n->nature = ct_notice_nature_parse(text(c, child(tender, "Nature"), 16));
    if (get_cpv(c, child(tender, "Cpv"), &n->cpv) != 0 ||
        get_money(c, child(tender, "EstimatedValue"), &n->estimated_value) != 0 ||
        get_date(c, child(tender, "Deadline"), n->deadline) != 0)
        return -1;

    xmlNodePtr first = child(child(tender, "Lots"), "Lot");
    n->nlots = 0;
    size_t count = count_named(first);
    if (count)
        n->lots = ct_arena_alloc(c->a, count * sizeof *n->lots);
    for (xmlNodePtr lot = first; lot; lot = next_named(lot)) {
        struct ct_notice_lot *l = &n->lots[n->nlots++];
        l->line = ct_xmlsafe_line(lot);
        l->lot_ref = text(c, child(lot, "LotRef"), CT_NOTICE_MAX_ID);
        l->title = text(c, child(lot, "Title"), CT_NOTICE_MAX_NAME);
        if (get_cpv(c, child(lot, "Cpv"), &l->cpv) != 0 ||
            get_money(c, child(lot, "EstimatedValue"), &l->estimated_value) != 0)
            return -1;
    }
    return 0;
}

static int map_clause(struct ctx *c, xmlNodePtr node, struct ct_notice_clause *k)
{
    xmlNodePtr el;
    k->line = ct_xmlsafe_line(node);
    k->key = ct_xmlsafe_attr(c->a, node, "key", 64);
    k->lot_ref = text(c, child(node, "LotRef"), CT_NOTICE_MAX_ID);
    k->kind = text(c, child(node, "Kind"), 32);
    for (el = child(child(node, "TargetGroups"), "TargetGroup");
         el && k->ntarget_groups < CT_NOTICE_MAX_TARGET_GROUPS; el = next_named(el))
        k->target_groups[k->ntarget_groups++] = text(c, el, 32);
    el = child(node, "Quantity");
    k->quantity = number(text(c, el, 32));
    int hire = k->kind && strcmp(k->kind, "hire_persons") == 0;
    if (k->kind && strcmp(k->kind, "social_enterprise_share") == 0 && k->quantity > 100.0)
        return cfail(c, el, "a social_enterprise_share is a percentage: at most 100");
    el = child(node, "MinMonthsPerPerson");
    if (el && !hire)
        return cfail(c, el, "MinMonthsPerPerson applies to hire_persons clauses only");
    k->min_months_per_person = hire ? (el ? number(text(c, el, 32)) : 6.0) : 0.0;
    k->min_weekly_hours = number(text(c, child(node, "MinWeeklyHours"), 32));
    k->reporting = text(c, child(node, "Reporting"), 16);
    el = child(node, "SanctionEur");
    k->has_sanction = el != NULL;
    k->sanction_eur = number(text(c, el, 32));
    k->description = text(c, child(node, "Description"), CT_NOTICE_MAX_TEXT);
    return ct_notice_add_signal(c->a, &c->sig, "employment-condition", "clause", k->lot_ref,
                                NULL, k->line, c->e);
}

static int map_clauses(struct ctx *c, xmlNodePtr clauses)
{
    struct ct_notice *n = c->n;
    xmlNodePtr first = child(clauses, "Clause");
    size_t count = count_named(first);
    if (count)
        n->clauses = ct_arena_alloc(c->a, count * sizeof *n->clauses);
    for (xmlNodePtr el = first; el; el = next_named(el))
        if (map_clause(c, el, &n->clauses[n->nclauses++]) != 0)
            return -1;
    return 0;
}

static int map_commitment(struct ctx *c, xmlNodePtr node, const struct ct_notice_contract *k,
                          struct ct_notice_commitment *m)
{
    const struct ct_notice *n = c->n;
    m->line = ct_xmlsafe_line(node);
    m->clause_key = ct_xmlsafe_attr(c->a, node, "clause", 64);
    m->quantity = number(ct_xmlsafe_attr(c->a, node, "quantity", 32));
    xmlAttrPtr clause_attr = xmlHasProp(node, (const xmlChar *)"clause");
    xmlAttrPtr qty_attr = xmlHasProp(node, (const xmlChar *)"quantity");
    for (m->clause_index = 0; m->clause_index < n->nclauses; m->clause_index++)
        if (m->clause_key && strcmp(n->clauses[m->clause_index].key, m->clause_key) == 0)
            break;
    if (m->clause_index == n->nclauses) /* the schema's keyref makes this unreachable */
        return cfail(c, (const xmlNode *)clause_attr, "no clause \"%s\"",
                     m->clause_key ? m->clause_key : "");
    const struct ct_notice_clause *cl = &n->clauses[m->clause_index];
    if (cl->lot_ref && !(k->lot_ref && strcmp(cl->lot_ref, k->lot_ref) == 0))
        return cfail(c, (const xmlNode *)clause_attr,
                     "clause \"%s\" is for lot %s, the contract for %s", cl->key, cl->lot_ref,
                     k->lot_ref ? k->lot_ref : "the whole tender");
    if (m->quantity < cl->quantity)
        return cfail(c, (const xmlNode *)qty_attr,
                     "a commitment may exceed its clause's quantity, never fall below it (%g < %g)",
                     m->quantity, cl->quantity);
    return 0;
}

static int map_contract(struct ctx *c, xmlNodePtr node, struct ct_notice_contract *k)
{
    xmlNodePtr el;
    k->line = ct_xmlsafe_line(node);
    k->lot_ref = text(c, child(node, "LotRef"), CT_NOTICE_MAX_ID);
    k->supplier.line = k->line;
    k->supplier.name = text(c, child(node, "SupplierName"), CT_NOTICE_MAX_NAME);
    el = child(node, "SupplierCountry");
    k->supplier.country = el ? text(c, el, 8) : "FIN";
    el = child(node, "SupplierBusinessId");
    k->supplier.id_raw = text(c, el, CT_NOTICE_MAX_ID);
    if (strcmp(k->supplier.country, "FIN") == 0) {
        if (get_business_id(c, el, &k->supplier.business_id) != 0)
            return -1;
    } else {
        k->supplier.business_id = k->supplier.id_raw;
    }
    k->contract_ref = text(c, child(node, "ContractRef"), CT_NOTICE_MAX_ID);
    if (get_date(c, child(node, "SignedOn"), k->signed_on) != 0 ||
        get_date(c, child(node, "StartsOn"), k->starts_on) != 0 ||
        get_date(c, child(node, "EndsOn"), k->ends_on) != 0 ||
        get_money(c, child(node, "Value"), &k->value) != 0)
        return -1;
    if (strcmp(k->ends_on, k->starts_on) < 0)
        return cfail(c, child(node, "EndsOn"), "the contract ends (%s) before it starts (%s)",
                     k->ends_on, k->starts_on);

    xmlNodePtr first = child(child(node, "Commitments"), "Commitment");
    size_t count = count_named(first);
    if (count)
        k->commitments = ct_arena_alloc(c->a, count * sizeof *k->commitments);
    for (el = first; el; el = next_named(el))
        if (map_commitment(c, el, k, &k->commitments[k->ncommitments++]) != 0)
            return -1;
    return 0;
}

static int map_contracts(struct ctx *c, xmlNodePtr contracts)
{
    struct ct_notice *n = c->n;
    xmlNodePtr first = child(contracts, "Contract");
    size_t count = count_named(first);
    if (count)
        n->contracts = ct_arena_alloc(c->a, count * sizeof *n->contracts);
    for (xmlNodePtr el = first; el; el = next_named(el))
        if (map_contract(c, el, &n->contracts[n->ncontracts++]) != 0)
            return -1;
    return 0;
}

int ct_clausenotice_extract(struct ct_arena *a, xmlDocPtr doc,
                            const struct ct_clausenotice_schema *s, struct ct_notice **out,
                            struct ct_err *e)
{
    struct first_error fe;
    struct ctx c;
    memset(&fe, 0, sizeof fe);
    memset(&c, 0, sizeof c);
    c.a = a;
    c.e = e;

    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(s->schema);
    if (!v)
        return ct_err_set(e, 500, "cannot create a schema validation context");
    xmlSchemaSetValidStructuredErrors(v, on_schema_error, &fe);
    int rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    if (rc < 0)
        return ct_err_set(e, 500, "ClauseNotice validation failed internally");
    if (rc > 0) {
        const xmlNode *node = fe.node;
        if (node && node->type != XML_ELEMENT_NODE && node->type != XML_ATTRIBUTE_NODE)
            node = NULL;
        if ((!node || ct_xmlsafe_line(node) != fe.line) && fe.line > 0)
            node = element_at_line(xmlDocGetRootElement(doc), fe.line);
        if (!node)
            node = xmlDocGetRootElement(doc);
        node = attribute_in_message(node, fe.msg);
        const char *path = node_path(a, node);
        int line = fe.line ? fe.line : ct_xmlsafe_line(node);
        ct_err_field(e, path, "%s", fe.have ? fe.msg : "does not match the schema");
        e->status = 422;
        e->line = line;
        e->column = 0;
        snprintf(e->detail, sizeof e->detail, "%s: %s (line %d)", path,
                 fe.have ? fe.msg : "does not match the schema", line);
        return -1;
    }

    xmlNodePtr root = xmlDocGetRootElement(doc);
    c.n = ct_arena_alloc(a, sizeof *c.n);
    if (map_header(&c, root) != 0 || map_buyer(&c, child(root, "Buyer")) != 0 ||
        map_tender(&c, child(root, "Tender")) != 0 ||
        map_clauses(&c, child(root, "Clauses")) != 0)
        return -1;
    if (c.n->description && ct_notice_mentions_employment(c.n->description) &&
        ct_notice_add_signal(a, &c.sig, "employment-condition", "description", NULL,
                             c.n->description,
                             ct_xmlsafe_line(child(child(root, "Tender"), "Description")),
                             e) != 0)
        return -1;
    if (map_contracts(&c, child(root, "Contracts")) != 0)
        return -1;
    c.n->signals = c.sig.items;
    c.n->nsignals = c.sig.n;
    *out = c.n;
    return 0;
}
