/* notice.c - the notice dispatcher (safe parse, then eForms or ClauseNotice by root namespace
 * and local name) and the small rules both extractors share: signal de-duplication, the
 * employment wording list, amounts and xsd:date values. The extractors themselves live in
 * eforms.c and clausenotice.c; see include/ct/notice.h for the struct and its ownership. */
#include "ct/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/clausenotice.h"
#include "ct/dates.h"
#include "ct/eforms.h"
#include "ct/xmlsafe.h"

static int same(const char *x, const char *y);
static void fold(char *s);

/* Employment-obligation wording, already folded to lower case (see ct_notice_mentions_employment). */
static const char *const employment_words[] = {
    /* Finnish */
    "työllistämisehto", "työllistä", "työllistämis", "osatyökyk", "osatyökyi", "pitkäaikaistyö",
    "vajaakuntoi",
    /* Swedish */
    "sysselsättningsvillkor", "sysselsättningskrav", "långtidsarbetslös", "partiellt arbetsför",
    /* English */
    "employment condition", "employment obligation", "employment requirement",
    "long-term unemployed", "partial work capacity", "reduced work capacity",
};

int ct_notice_parse(struct ct_arena *a, const char *buf, size_t len, size_t max_len,
                    const struct ct_notice_opts *opts, struct ct_notice **out, struct ct_err *e)
{
    xmlDocPtr doc = ct_xmlsafe_parse(buf, len, max_len, e);
    int rc;
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (ct_eforms_detect(doc)) {
        rc = ct_eforms_extract(a, doc, out, e);
    } else if (ct_xmlsafe_root_is(doc, CT_CLAUSENOTICE_NS, "ClauseNotice")) {
        if (!opts || !opts->clause_schema)
            rc = ct_err_set(e, 500, "ClauseNotice schema not loaded");
        else
            rc = ct_clausenotice_extract(a, doc, opts->clause_schema, out, e);
    } else {
        const char *ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
        e->line = ct_xmlsafe_line(root);
        ct_err_field(e, "root", "not a supported notice: {%s}%s", ns, (const char *)root->name);
        e->status = 422;
        snprintf(e->detail, sizeof e->detail, "root: not a supported notice: {%s}%s (line %d)",
                 ns, (const char *)root->name, e->line);
        rc = -1;
    }
    xmlFreeDoc(doc);
    return rc;
}

const char *ct_notice_type_name(enum ct_notice_type t)
{
    switch (t) {
    case CT_NOTICE_CONTRACT_NOTICE: return "ContractNotice";
    case CT_NOTICE_CONTRACT_AWARD_NOTICE: return "ContractAwardNotice";
    case CT_NOTICE_PRIOR_INFORMATION: return "PriorInformationNotice";
    case CT_NOTICE_CLAUSE_NOTICE: return "ClauseNotice";
    }
    return NULL;
}

const char *ct_notice_nature_name(enum ct_notice_nature n)
{
    switch (n) {
    case CT_NOTICE_NATURE_WORKS: return "works";
    case CT_NOTICE_NATURE_SERVICES: return "services";
    case CT_NOTICE_NATURE_SUPPLIES: return "supplies";
    case CT_NOTICE_NATURE_NONE: break;
    }
    return NULL;
}

enum ct_notice_nature ct_notice_nature_parse(const char *s)
{
    if (!s)
        return CT_NOTICE_NATURE_NONE;
    if (strcmp(s, "works") == 0)
        return CT_NOTICE_NATURE_WORKS;
    if (strcmp(s, "services") == 0)
        return CT_NOTICE_NATURE_SERVICES;
    if (strcmp(s, "supplies") == 0)
        return CT_NOTICE_NATURE_SUPPLIES;
    return CT_NOTICE_NATURE_NONE;
}

static int same(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

int ct_notice_add_signal(struct ct_arena *a, struct ct_notice_signals *list, const char *code,
                         const char *source, const char *lot_ref, const char *text, int line,
                         struct ct_err *e)
{
    for (size_t i = 0; i < list->n; i++)
        if (same(list->items[i].code, code) && same(list->items[i].lot_ref, lot_ref))
            return 0;
    if (list->n >= CT_NOTICE_MAX_SIGNALS) {
        ct_err_field(e, source, "more than %d signals", CT_NOTICE_MAX_SIGNALS);
        e->status = 422;
        e->line = line;
        return -1;
    }
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        struct ct_notice_signal *items = ct_arena_alloc(a, cap * sizeof *items);
        if (list->n)
            memcpy(items, list->items, list->n * sizeof *items);
        list->items = items;
        list->cap = cap;
    }
    struct ct_notice_signal *s = &list->items[list->n++];
    s->code = code;
    s->source = source;
    s->lot_ref = lot_ref;
    s->text = text;
    s->line = line;
    return 0;
}

/* Lower-cases ASCII and the two-byte UTF-8 Latin-1 capitals (À..Þ except ×) in place;
 * byte lengths do not change. */
static void fold(char *s)
{
    unsigned char *p = (unsigned char *)s;
    for (; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (unsigned char)(*p + 32);
        } else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
            p[1] = (unsigned char)(p[1] + 0x20);
            p++;
        }
    }
}

int ct_notice_mentions_employment(const char *text)
{
    if (!text || !*text)
        return 0;
    char *t = ct_xstrdup(text);
    fold(t);
    int hit = 0;
    for (size_t i = 0; i < sizeof employment_words / sizeof employment_words[0] && !hit; i++)
        hit = strstr(t, employment_words[i]) != NULL;
    free(t);
    return hit;
}

int ct_notice_money_parse(const char *amount, const char *currency, struct ct_notice_money *m)
{
    memset(m, 0, sizeof *m);
    if (!amount || !currency)
        return -1;
    size_t ints = strspn(amount, "0123456789");
    const char *p = amount + ints;
    size_t frac = 0;
    if (*p == '.') {
        frac = strspn(p + 1, "0123456789");
        if (frac == 0 || frac > 6)
            return -1;
        p += 1 + frac;
    }
    if (ints == 0 || ints > 15 || *p != '\0')
        return -1;
    if (strlen(currency) != 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (currency[i] < 'A' || currency[i] > 'Z')
            return -1;
    memcpy(m->text, amount, (size_t)(p - amount));
    m->text[p - amount] = '\0';
    memcpy(m->currency, currency, 4);
    m->amount = strtod(m->text, NULL);
    m->set = 1;
    return 0;
}

int ct_notice_date_parse(const char *s, char out[11])
{
    char day[11];
    int64_t days;
    out[0] = '\0';
    if (!s || strlen(s) < 10)
        return -1;
    memcpy(day, s, 10);
    day[10] = '\0';
    if (ct_date_parse(day, &days) != 0)
        return -1;
    const char *z = s + 10;
    if (*z == 'Z') {
        z++;
    } else if (*z == '+' || *z == '-') {
        if (strlen(z) != 6 || z[3] != ':' || z[1] < '0' || z[1] > '1' || z[2] < '0' ||
            z[2] > '9' || z[4] < '0' || z[4] > '5' || z[5] < '0' || z[5] > '9' ||
            (z[1] - '0') * 10 + (z[2] - '0') > 14)
            return -1;
        z += 6;
    }
    if (*z != '\0')
        return -1;
    memcpy(out, day, 11);
    return 0;
}
