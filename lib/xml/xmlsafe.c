/* xmlsafe.c - safe libxml2 parsing of untrusted XML (see include/ct/xmlsafe.h): our own
 * parser context per call with a DOCTYPE hook that stops the parser before any declaration
 * is read, a structured error handler that records the first error (nothing reaches stderr),
 * a size cap and a deny-all external-entity loader. Trees are mapped by eforms.c and
 * clausenotice.c; this file only guards the door. */
#include "ct/xmlsafe.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

/* What one parse saw: a DOCTYPE, and the first error libxml2 reported. */
struct parse_state {
    int doctype;
    int doctype_line, doctype_col;
    int have_error;
    int err_line, err_col;
    char msg[200];
};

/* The calling thread's libxml2 error handlers, saved while a parse runs. */
struct err_guard {
    xmlStructuredErrorFunc serror;
    void *sctx;
    xmlGenericErrorFunc gerror;
    void *gctx;
};

static void init_once(void);
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt);
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id);
static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content);
static void on_error(void *ctx, xmlErrorPtr err);
static void on_stray_error(void *ctx, xmlErrorPtr err);
static void on_generic_error(void *ctx, const char *msg, ...);
static void record_error(struct parse_state *st, const xmlError *err);
static void mark_doctype(xmlParserCtxtPtr ctxt);
static void doctype_position(xmlParserCtxtPtr ctxt, int *line, int *col);
static void guard_begin(struct err_guard *g, struct parse_state *st);
static void guard_end(const struct err_guard *g);
static const xmlChar *trim(const xmlChar *s, size_t *len);

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    LIBXML_TEST_VERSION
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
}

int ct_xml_init(void)
{
    pthread_once(&once, init_once);
    return 0;
}

void ct_xml_cleanup(void)
{
    xmlCleanupParser();
}

/* Nothing is ever loaded from a URL, a file or the network. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

/* Line and column of the "<!DOCTYPE" that is being parsed: the parser has read past its
 * name and external id, so look back for its start in the (fully loaded) input. */
static void doctype_position(xmlParserCtxtPtr ctxt, int *line, int *col)
{
    xmlParserInputPtr in = ctxt->input;
    *line = xmlSAX2GetLineNumber(ctxt);
    *col = xmlSAX2GetColumnNumber(ctxt);
    if (!in || !in->base || !in->cur || in->cur < in->base)
        return;
    const char *base = (const char *)in->base, *cur = (const char *)in->cur, *p = cur;
    while (p > base && strncmp(p, "<!DOCTYPE", 9) != 0)
        p--;
    if (strncmp(p, "<!DOCTYPE", 9) != 0)
        return;
    for (const char *q = p; q < cur; q++)
        if (*q == '\n')
            (*line)--;
    const char *ls = p;
    while (ls > base && ls[-1] != '\n')
        ls--;
    *col = (int)(p - ls) + 1;
}

static void mark_doctype(xmlParserCtxtPtr ctxt)
{
    struct parse_state *st = ctxt->_private;
    if (st && !st->doctype) {
        st->doctype = 1;
        doctype_position(ctxt, &st->doctype_line, &st->doctype_col);
    }
    xmlStopParser(ctxt);
}

/* SAX internalSubset: called for every <!DOCTYPE ...> right after its name and external id,
 * before the internal subset "[...]" is parsed. Stopping here means no entity is declared. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
    (void)name;
    (void)ext_id;
    (void)sys_id;
    mark_doctype(ctx);
}

/* Belt and braces: should a declaration ever get through, refuse it the same way. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    mark_doctype(ctx);
}

static void record_error(struct parse_state *st, const xmlError *err)
{
    if (!st || st->have_error || err->level < XML_ERR_ERROR)
        return;
    st->have_error = 1;
    st->err_line = err->line;
    st->err_col = err->int2;
    snprintf(st->msg, sizeof st->msg, "%s", err->message ? err->message : "parse error");
    for (char *p = st->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(st->msg);
    while (n > 0 && (st->msg[n - 1] == '\n' || st->msg[n - 1] == ' '))
        st->msg[--n] = '\0';
}

/* sax->serror: libxml2 passes ctxt->userData, which is the parser context itself. */
static void on_error(void *ctx, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = ctx;
    record_error(ctxt ? ctxt->_private : NULL, err);
}

/* Errors raised without a parser context (encoding, I/O) land here during a parse. */
static void on_stray_error(void *ctx, xmlErrorPtr err)
{
    record_error(ctx, err);
}

static void on_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void guard_begin(struct err_guard *g, struct parse_state *st)
{
    g->serror = xmlStructuredError;
    g->sctx = xmlStructuredErrorContext;
    g->gerror = xmlGenericError;
    g->gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(st, on_stray_error);
    xmlSetGenericErrorFunc(NULL, on_generic_error);
}

static void guard_end(const struct err_guard *g)
{
    xmlSetStructuredErrorFunc(g->sctx, g->serror);
    xmlSetGenericErrorFunc(g->gctx, g->gerror);
}

xmlDocPtr ct_xmlsafe_parse(const char *buf, size_t len, size_t max_len, struct ct_err *e)
{
    struct parse_state st;
    struct err_guard guard;
    xmlDocPtr doc = NULL;

    memset(&st, 0, sizeof st);
    if (len > max_len || len > (size_t)INT_MAX) {
        ct_err_set(e, 413, "XML body too large (%zu bytes, limit %zu)", len, max_len);
        return NULL;
    }
    if (len == 0 || !buf) {
        ct_err_set(e, 400, "malformed XML at line 1, column 1: document is empty");
        e->line = 1;
        e->column = 1;
        return NULL;
    }
    ct_xml_init();
    guard_begin(&guard, &st);
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (!ctxt) {
        guard_end(&guard);
        ct_err_set(e, 400, "malformed XML: cannot create parser");
        return NULL;
    }
    ctxt->_private = &st;
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    ctxt->sax->serror = on_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);

    xmlParseDocument(ctxt);
    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    int well_formed = ctxt->wellFormed && ctxt->nsWellFormed;
    xmlFreeParserCtxt(ctxt);
    guard_end(&guard);

    if (st.doctype || (doc && (doc->intSubset || doc->extSubset))) {
        xmlFreeDoc(doc);
        ct_err_set(e, 400, "DTD/entities not allowed (DOCTYPE at line %d)", st.doctype_line);
        e->line = st.doctype_line;
        e->column = st.doctype_col;
        return NULL;
    }
    if (!well_formed || !doc || !xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        if (st.have_error) {
            ct_err_set(e, 400, "malformed XML at line %d, column %d: %s", st.err_line,
                       st.err_col, st.msg);
            e->line = st.err_line;
            e->column = st.err_col;
        } else {
            ct_err_set(e, 400, "malformed XML: no root element");
        }
        return NULL;
    }
    return doc;
}

int ct_xmlsafe_line(const xmlNode *node)
{
    if (!node)
        return 0;
    if (node->type == XML_ATTRIBUTE_NODE)
        node = node->parent;
    if (!node)
        return 0;
    long line = xmlGetLineNo(node);
    return line > 0 && line < INT_MAX ? (int)line : 0;
}

static const xmlChar *trim(const xmlChar *s, size_t *len)
{
    size_t n = strlen((const char *)s);
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
        n--;
    *len = n;
    return s;
}

int ct_xmlsafe_text(struct ct_arena *a, const xmlNode *node, size_t max_bytes, const char **out)
{
    *out = NULL;
    if (!node)
        return 0;
    xmlChar *content = xmlNodeGetContent(node);
    if (!content)
        return 0;
    size_t n;
    const xmlChar *s = trim(content, &n);
    int rc = 0;
    if (n > max_bytes)
        rc = -1;
    else if (n > 0)
        *out = ct_arena_strndup(a, (const char *)s, n);
    xmlFree(content);
    return rc;
}

const char *ct_xmlsafe_attr(struct ct_arena *a, const xmlNode *node, const char *name,
                            size_t max_bytes)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    size_t n;
    const xmlChar *s = trim(v, &n);
    const char *r = NULL;
    if (n > 0 && n <= max_bytes)
        r = ct_arena_strndup(a, (const char *)s, n);
    xmlFree(v);
    return r;
}

int ct_xmlsafe_root_is(const xmlDoc *doc, const char *ns_uri, const char *name)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !root->ns || !root->ns->href)
        return 0;
    return strcmp((const char *)root->name, name) == 0 &&
           strcmp((const char *)root->ns->href, ns_uri) == 0;
}
