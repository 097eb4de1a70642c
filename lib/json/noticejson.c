/* noticejson.c - encodes struct ct_notice for api.notice_import (migrations/0005): plain
 * fields, the buyer, lots, signals, ClauseNotice clauses and contracts with commitments.
 * Matching and storing are the SQL function's job. */
#include "ct/noticejson.h"
#include "ct/jw.h"
#include "ct/token.h"

#include <string.h>

static void money(struct ct_jw *w, const char *key, const struct ct_notice_money *m);
static void org(struct ct_jw *w, const char *key, const struct ct_notice_org *o);
static void kdate(struct ct_jw *w, const char *key, const char *d);

static void money(struct ct_jw *w, const char *key, const struct ct_notice_money *m)
{
    if (!m->set) {
        ct_jw_knull(w, key);
        return;
    }
    ct_jw_key(w, key);
    ct_jw_obj_open(w);
    ct_jw_kraw(w, "amount", m->text, strlen(m->text));
    ct_jw_kstr(w, "currency", m->currency[0] ? m->currency : "EUR");
    ct_jw_obj_close(w);
}

static void org(struct ct_jw *w, const char *key, const struct ct_notice_org *o)
{
    ct_jw_key(w, key);
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "name", o->name);
    ct_jw_kstr(w, "business_id", o->business_id);
    ct_jw_kstr(w, "country", o->country ? o->country : "FIN");
    ct_jw_kstr(w, "nuts", o->nuts);
    ct_jw_kstr(w, "city", o->city);
    ct_jw_kstr(w, "municipality_code", o->municipality_code);
    ct_jw_obj_close(w);
}

static void kdate(struct ct_jw *w, const char *key, const char *d)
{
    ct_jw_kstr(w, key, d && d[0] ? d : NULL);
}

const char *ct_notice_to_json(struct ct_arena *a, const struct ct_notice *n, size_t *len, char *hash_hex)
{
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "format", n->format == CT_NOTICE_FORMAT_CLAUSENOTICE ? "xml" : "eforms");
    ct_jw_kstr(w, "notice_type", ct_notice_type_name(n->type));
    ct_jw_kstr(w, "type_code", n->type_code);
    ct_jw_kstr(w, "subtype", n->subtype);
    ct_jw_kstr(w, "notice_id", n->notice_id);
    ct_jw_kstr(w, "version", n->version);
    ct_jw_kint(w, "version_num", n->version_num);
    ct_jw_kstr(w, "procedure_id", n->procedure_id);
    ct_jw_kstr(w, "changes_notice", n->changes_notice);
    kdate(w, "issue_date", n->issue_date);
    kdate(w, "deadline", n->deadline);
    org(w, "buyer", &n->buyer);
    ct_jw_kstr(w, "title", n->title);
    ct_jw_kstr(w, "description", n->description);
    ct_jw_kstr(w, "nature", ct_notice_nature_name(n->nature));
    ct_jw_kstr(w, "cpv", n->cpv);
    money(w, "estimated_value", &n->estimated_value);

    ct_jw_key(w, "lots");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < n->nlots; i++) {
        const struct ct_notice_lot *l = &n->lots[i];
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "lot_ref", l->lot_ref);
        ct_jw_kstr(w, "title", l->title);
        ct_jw_kstr(w, "cpv", l->cpv);
        money(w, "estimated_value", &l->estimated_value);
        kdate(w, "deadline", l->deadline);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);

    ct_jw_key(w, "signals");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < n->nsignals; i++) {
        const struct ct_notice_signal *s = &n->signals[i];
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "code", s->code);
        ct_jw_kstr(w, "source", s->source);
        ct_jw_kstr(w, "lot_ref", s->lot_ref);
        ct_jw_kstr(w, "text", s->text);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);

    ct_jw_key(w, "clauses");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < n->nclauses; i++) {
        const struct ct_notice_clause *c = &n->clauses[i];
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "key", c->key);
        ct_jw_kstr(w, "lot_ref", c->lot_ref);
        ct_jw_kstr(w, "kind", c->kind);
        ct_jw_key(w, "target_groups");
        ct_jw_arr_open(w);
        for (size_t g = 0; g < c->ntarget_groups; g++)
            ct_jw_str(w, c->target_groups[g]);
        ct_jw_arr_close(w);
        ct_jw_knum2(w, "quantity", c->quantity);
        ct_jw_knum2(w, "min_months_per_person", c->min_months_per_person);
        ct_jw_knum2(w, "min_weekly_hours", c->min_weekly_hours);
        ct_jw_kstr(w, "reporting", c->reporting);
        if (c->has_sanction)
            ct_jw_knum2(w, "sanction_eur", c->sanction_eur);
        else
            ct_jw_knull(w, "sanction_eur");
        ct_jw_kstr(w, "description", c->description);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);

    ct_jw_key(w, "contracts");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < n->ncontracts; i++) {
        const struct ct_notice_contract *c = &n->contracts[i];
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "lot_ref", c->lot_ref);
        org(w, "supplier", &c->supplier);
        money(w, "value", &c->value);
        kdate(w, "signed_on", c->signed_on);
        kdate(w, "starts_on", c->starts_on);
        kdate(w, "ends_on", c->ends_on);
        ct_jw_kstr(w, "contract_ref", c->contract_ref);
        ct_jw_key(w, "commitments");
        ct_jw_arr_open(w);
        for (size_t k = 0; k < c->ncommitments; k++) {
            ct_jw_obj_open(w);
            ct_jw_kstr(w, "clause_key", c->commitments[k].clause_key);
            ct_jw_knum2(w, "quantity", c->commitments[k].quantity);
            ct_jw_obj_close(w);
        }
        ct_jw_arr_close(w);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
    ct_jw_obj_close(w);

    size_t n_out = 0;
    const char *out = ct_jw_result(w, &n_out);
    char *copy = out ? ct_arena_strndup(a, out, n_out) : NULL;
    ct_jw_free(w);
    if (!copy)
        return NULL;
    ct_token_hash(copy, hash_hex);
    *len = n_out;
    return copy;
}
