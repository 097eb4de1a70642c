/* routes_placements.c - what a supplier reports on its contract (CONTRACT §6): placements (POST,
 * PATCH, GET), subcontracts, period reports. Bodies are checked here and replaced by a normalised
 * one: a henkilötunnus becomes its pseudonym and never leaves request memory (not to SQL, the
 * idempotency hash, a log or an error). Scope, storage, audit, events: api.* of migrations/0004;
 * after each write the contract's compliance statuses are recorded again (compliance_run). */
#include "daemon.h"
#include "ct/clause.h"
#include "ct/compliance.h"
#include "ct/dates.h"
#include "ct/fields.h"
#include "ct/hetu.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/log.h"
#include "ct/pseudonym.h"
#include "ct/ytunnus.h"

#include <float.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define HETU_LEN 11
#define MAX_REF 200
#define MAX_NAME 300
#define MAX_NOTE 5000

/* A successful write's answer, kept while its contract's statuses are recorded. */
struct written {
    struct ct_req *r;
    int status;
    const char *body;
    size_t len;
};

static int mask_hetu(char *s);
static int holds_hetu(struct ct_arena *a, const char *s);
static void reply_err(struct ct_req *r, struct ct_err *e);
static const char *const *flag_names(struct ct_arena *a, const char *(*name)(unsigned), int count);
static const char *const *index_names(struct ct_arena *a, const char *(*name)(int), int count);
static void read_person(struct ct_req *r, struct ct_jr *jr, const struct ct_json *b, char *person_ref,
                        const struct ct_json **hetu_node);
static void read_hours(struct ct_jr *jr, const struct ct_json *b, double *out);
static void set_body(struct ct_req *r, struct ct_jw *w);
static void after_write(struct ct_req *r, PGresult *res, const struct ct_err *err);
static void record_then_answer(struct ct_req *r, PGresult *res, const struct ct_err *err, const char *field);
static void recorded(void *arg, const char *json, size_t len, int changed, const struct ct_err *err);
static void route_placement_create(struct ct_req *r);
static void route_placement_update(struct ct_req *r);
static void route_placement_list(struct ct_req *r);
static void route_subcontract_create(struct ct_req *r);
static void route_report_create(struct ct_req *r);

/* ---- privacy ---- */

/* Overwrites every run of 11 characters in s that is a valid henkilötunnus (any case) with
 * asterisks. Returns how many it found. */
static int mask_hetu(char *s)
{
    int found = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i + HETU_LEN <= len; i++) {
        char w[HETU_LEN + 1];
        memcpy(w, s + i, HETU_LEN);
        w[HETU_LEN] = '\0';
        if (ct_hetu_parse(w, NULL, NULL) == 0) {
            memset(s + i, '*', HETU_LEN);
            found++;
            i += HETU_LEN - 1;
        }
        OPENSSL_cleanse(w, sizeof w);
    }
    return found;
}

/* 1 when free text s holds a valid henkilötunnus: such text is refused, not stored. */
static int holds_hetu(struct ct_arena *a, const char *s)
{
    char *copy = ct_arena_strdup(a, s);
    int n = mask_hetu(copy);
    OPENSSL_cleanse(copy, strlen(copy));
    return n > 0;
}

/* Every error of these routes goes out through here: whatever the parser or a reader quoted
 * (an unknown key, say) can hold no henkilötunnus. */
static void reply_err(struct ct_req *r, struct ct_err *e)
{
    mask_hetu(e->detail);
    for (int i = 0; i < e->nfields; i++) {
        mask_hetu(e->fields[i].field);
        mask_hetu(e->fields[i].message);
    }
    ct_reply_problem(r, e);
}

/* NULL-terminated name lists for ct_jr_enum(s), from lib/domain/clause's tables. */
static const char *const *flag_names(struct ct_arena *a, const char *(*name)(unsigned), int count)
{
    const char **names = ct_arena_alloc(a, ((size_t)count + 1) * sizeof *names);
    for (int i = 0; i < count; i++)
        names[i] = name(1u << i);
    return names;
}

static const char *const *index_names(struct ct_arena *a, const char *(*name)(int), int count)
{
    const char **names = ct_arena_alloc(a, ((size_t)count + 1) * sizeof *names);
    for (int i = 0; i < count; i++)
        names[i] = name(i);
    return names;
}

/* person: exactly one of {"hetu": henkilötunnus} (pseudonymised with the server's key; the same
 * person gets the same person_ref from every supplier) or {"ref": the supplier's own id}
 * (pseudonymised per supplier). The error never names what was sent. */
static void read_person(struct ct_req *r, struct ct_jr *jr, const struct ct_json *b, char *person_ref,
                        const struct ct_json **hetu_node)
{
    const struct ct_json *p = NULL;
    if (ct_jr_object(jr, b, "person", CT_JR_REQUIRED, &p) || !p)
        return;
    struct ct_jr pj = ct_jr_child(jr, "person");
    const struct ct_json *hetu = ct_json_get(p, "hetu"), *ref = ct_json_get(p, "ref");
    size_t known = (size_t)(hetu != NULL) + (size_t)(ref != NULL);
    if (known != 1 || p->object.count != 1) {
        ct_jr_fail(&pj, NULL, "must hold exactly one of hetu (a henkilötunnus) or ref (your own reference)");
        return;
    }
    if (hetu) {
        char canon[HETU_LEN + 1];
        const char *why = NULL;
        if (hetu->type != CT_JSON_STRING) {
            ct_jr_fail(&pj, "hetu", "must be a string");
            return;
        }
        *hetu_node = hetu;
        if (ct_hetu_parse(hetu->string.ptr, canon, &why)) {
            ct_jr_fail(&pj, "hetu", "%s", why);
            return;
        }
        ct_pseudonym_person(r->w->app->pseudonym_key, canon, person_ref);
        OPENSSL_cleanse(canon, sizeof canon);
        return;
    }
    const char *s = NULL;
    if (ct_jr_string(&pj, p, "ref", CT_JR_NONEMPTY | CT_JR_ONE_LINE, MAX_REF, &s) || !s)
        return;
    if (ct_hetu_parse(s, NULL, NULL) == 0) {
        *hetu_node = ref;
        ct_jr_fail(&pj, "ref", "is a henkilötunnus: send it as person.hetu");
        return;
    }
    ct_pseudonym_supplier_ref(r->w->app->pseudonym_key, r->org_id, s, person_ref);
}

/* weekly_hours: more than 0, at most 80; kept to two decimals as stored. */
static void read_hours(struct ct_jr *jr, const struct ct_json *b, double *out)
{
    double h = 0.0;
    if (ct_jr_number(jr, b, "weekly_hours", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &h) || jr->last != CT_JR_VALUE)
        return;
    double h2 = ct_compliance_round2(h);
    if (!(h2 > 0.0 && h <= 80.0)) {
        ct_jr_fail(jr, "weekly_hours", "must be more than 0 and at most 80");
        return;
    }
    *out = h2;
}

/* ---- writes ---- */

/* The normalised body replaces the request's: it is what the SQL function gets and what the
 * Idempotency-Key's request hash covers. */
static void set_body(struct ct_req *r, struct ct_jw *w)
{
    size_t len;
    const char *doc = ct_jw_result(w, &len);
    r->body = doc ? ct_arena_strndup(r->a, doc, len) : NULL;
    r->body_len = doc ? len : 0;
    ct_jw_free(w);
}

/* The write's answer is in; a success changed what the contract's compliance depends on, so
 * its statuses are recorded (events on change) before the caller hears back. The contract is
 * named by `field` of the answer. */
static void after_write(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    record_then_answer(r, res, err, "contract_id");
}

void compliance_after_contract_write(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    record_then_answer(r, res, err, "id");
}

static void record_then_answer(struct ct_req *r, PGresult *res, const struct ct_err *err, const char *field)
{
    int status;
    const char *row;
    size_t len;
    if (ct_req_api_row(r, res, err, &status, &row, &len))
        return;
    const char *body = ct_arena_strndup(r->a, row, len);
    if (status < 200 || status > 299) {
        ct_reply_api(r, status, body, len);
        return;
    }
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = ct_json_parse(r->a, body, len, NULL, &e);
    const struct ct_json *contract = j ? ct_json_get(j, field) : NULL;
    if (!contract || contract->type != CT_JSON_STRING) {
        ct_reply_api(r, status, body, len);
        return;
    }
    struct written *wr = ct_arena_alloc(r->a, sizeof *wr);
    wr->r = r;
    wr->status = status;
    wr->body = body;
    wr->len = len;
    ct_req_hold(r);
    compliance_run(r->w->pool, contract->string.ptr, NULL, "system", ct_date_today(), COMPLIANCE_RECORD,
                   recorded, wr);
}

static void recorded(void *arg, const char *json, size_t len, int changed, const struct ct_err *err)
{
    (void)json;
    (void)len;
    (void)changed;
    struct written *wr = arg;
    struct ct_req *r = wr->r;
    if (err)
        ct_log_warn("%s %s: compliance not re-evaluated: %s", r->route->method, r->route->pattern, err->detail);
    if (!ct_req_release(r))
        return;
    ct_reply_api(r, wr->status, wr->body, wr->len);
}

static void route_placement_create(struct ct_req *r)
{
    static const char *const allowed[] = {"person", "target_group", "starts_on", "ends_on", "weekly_hours",
                                          "employment_type", "supports", NULL};
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *b = parse_body_object(r, &e);
    if (!b) {
        reply_err(r, &e);
        return;
    }
    const char *const *groups = flag_names(r->a, ct_clause_group_name, CT_CLAUSE_GROUP_COUNT);
    const char *const *types = index_names(r->a, ct_clause_employment_name, CT_CLAUSE_EMPLOYMENT_COUNT);
    const char *const *support_names = flag_names(r->a, ct_clause_support_name, CT_CLAUSE_SUPPORT_COUNT);
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    char person_ref[CT_PSEUDONYM_HEX_LEN + 1] = "";
    const struct ct_json *hetu = NULL;
    int group = -1, type = -1;
    int64_t starts = 0, ends = 0;
    double hours = 0.0;
    int *supports = NULL;
    size_t nsupports = 0;

    ct_jr_no_unknown(&jr, b, allowed);
    read_person(r, &jr, b, person_ref, &hetu);
    ct_jr_enum(&jr, b, "target_group", CT_JR_REQUIRED, groups, &group);
    ct_jr_date(&jr, b, "starts_on", CT_JR_REQUIRED, &starts);
    int have_starts = jr.last == CT_JR_VALUE;
    ct_jr_date(&jr, b, "ends_on", CT_JR_NULLABLE, &ends);
    int have_ends = jr.last == CT_JR_VALUE;
    read_hours(&jr, b, &hours);
    ct_jr_enum(&jr, b, "employment_type", CT_JR_REQUIRED, types, &type);
    ct_jr_enums(&jr, b, "supports", CT_JR_NULLABLE | CT_JR_UNIQUE, support_names, 0, CT_CLAUSE_SUPPORT_COUNT,
                &supports, &nsupports);
    if (have_starts && have_ends && ends < starts)
        ct_jr_fail(&jr, "ends_on", "must not be before starts_on");
    /* from here on only the pseudonym is needed: wipe our copies of what was sent */
    if (hetu)
        OPENSSL_cleanse((char *)hetu->string.ptr, hetu->string.len);
    OPENSSL_cleanse((char *)r->body, r->body_len);
    if (e.status) {
        reply_err(r, &e);
        return;
    }

    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "person_ref", person_ref);
    ct_jw_kstr(w, "target_group", groups[group]);
    ct_jw_kdate(w, "starts_on", starts);
    if (have_ends)
        ct_jw_kdate(w, "ends_on", ends);
    else
        ct_jw_knull(w, "ends_on");
    ct_jw_knum2(w, "weekly_hours", hours);
    ct_jw_kstr(w, "employment_type", types[type]);
    ct_jw_key(w, "supports");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < nsupports; i++)
        ct_jw_str(w, support_names[supports[i]]);
    ct_jw_arr_close(w);
    ct_jw_obj_close(w);
    set_body(r, w);
    if (!r->body) {
        ct_reply_error(r, 500, "cannot encode the placement");
        return;
    }
    ct_req_api_cb(r, "placement_create", 0, NULL, NULL, after_write);
}

static void route_placement_update(struct ct_req *r)
{
    static const char *const allowed[] = {"ends_on", "end_reason", "continued_employment", NULL};
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *b = parse_body_object(r, &e);
    if (!b) {
        reply_err(r, &e);
        return;
    }
    const char *const *reasons = index_names(r->a, ct_clause_end_reason_name, CT_CLAUSE_END_REASON_COUNT);
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    int64_t ends = 0;
    int reason = -1;
    bool cont = false;
    ct_jr_no_unknown(&jr, b, allowed);
    ct_jr_date(&jr, b, "ends_on", CT_JR_NULLABLE, &ends);
    enum ct_jr_state s_ends = jr.last;
    ct_jr_enum(&jr, b, "end_reason", CT_JR_NULLABLE, reasons, &reason);
    enum ct_jr_state s_reason = jr.last;
    ct_jr_bool(&jr, b, "continued_employment", CT_JR_NULLABLE, &cont);
    enum ct_jr_state s_cont = jr.last;
    if (e.status) {
        reply_err(r, &e);
        return;
    }
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    if (s_ends == CT_JR_VALUE)
        ct_jw_kdate(w, "ends_on", ends);
    else if (s_ends == CT_JR_NULL)
        ct_jw_knull(w, "ends_on");
    if (s_reason == CT_JR_VALUE)
        ct_jw_kstr(w, "end_reason", reasons[reason]);
    else if (s_reason == CT_JR_NULL)
        ct_jw_knull(w, "end_reason");
    if (s_cont == CT_JR_VALUE)
        ct_jw_kbool(w, "continued_employment", cont);
    else if (s_cont == CT_JR_NULL)
        ct_jw_knull(w, "continued_employment");
    ct_jw_obj_close(w);
    set_body(r, w);
    if (!r->body) {
        ct_reply_error(r, 500, "cannot encode the change");
        return;
    }
    ct_req_api_cb(r, "placement_update", 0, NULL, NULL, after_write);
}

static void route_placement_list(struct ct_req *r)
{
    ct_req_api(r, "placement_list", 0, NULL, NULL);
}

static void route_subcontract_create(struct ct_req *r)
{
    static const char *const allowed[] = {"business_id", "country", "name", "value", "social_enterprise", NULL};
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *b = parse_body_object(r, &e);
    if (!b) {
        reply_err(r, &e);
        return;
    }
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    const char *country = "FIN", *business_id = NULL, *name = NULL;
    struct ct_money value = {NULL, 0.0, NULL};
    bool social = false;
    char ytunnus[16];

    ct_jr_no_unknown(&jr, b, allowed);
    ct_jr_string(&jr, b, "country", 0, 3, &country);
    if (jr.last == CT_JR_VALUE &&
        (strlen(country) != 3 || strspn(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        ct_jr_fail(&jr, "country", "must be an ISO 3166-1 alpha-3 code (FIN)");
    ct_jr_string(&jr, b, "business_id", CT_JR_REQUIRED | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 64, &business_id);
    if (jr.last == CT_JR_VALUE && strcmp(country, "FIN") == 0) {
        const char *why = NULL;
        if (ct_ytunnus_normalize(business_id, ytunnus, &why))
            ct_jr_fail(&jr, "business_id", "%s", why);
        else
            business_id = ytunnus;
    }
    ct_jr_string(&jr, b, "name", CT_JR_REQUIRED | CT_JR_NONEMPTY | CT_JR_ONE_LINE, MAX_NAME, &name);
    if (jr.last == CT_JR_VALUE && holds_hetu(r->a, name))
        ct_jr_fail(&jr, "name", "must not hold a henkilötunnus");
    ct_jr_money(&jr, b, "value", CT_JR_REQUIRED, &value);
    ct_jr_bool(&jr, b, "social_enterprise", 0, &social);
    if (e.status) {
        reply_err(r, &e);
        return;
    }
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "country", country);
    ct_jw_kstr(w, "business_id", business_id);
    ct_jw_kstr(w, "name", name);
    ct_jw_key(w, "value"); /* the currency defaults to the contract's (SQL) */
    ct_jw_obj_open(w);
    ct_jw_kraw(w, "amount", value.amount, strlen(value.amount));
    ct_jw_kstr(w, "currency", value.currency);
    ct_jw_obj_close(w);
    ct_jw_kbool(w, "social_enterprise", social);
    ct_jw_obj_close(w);
    set_body(r, w);
    if (!r->body) {
        ct_reply_error(r, 500, "cannot encode the subcontract");
        return;
    }
    ct_req_api_cb(r, "subcontract_create", 0, NULL, NULL, after_write);
}

static void route_report_create(struct ct_req *r)
{
    static const char *const allowed[] = {"period", "note", NULL};
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *b = parse_body_object(r, &e);
    if (!b) {
        reply_err(r, &e);
        return;
    }
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    const char *period = NULL, *note = NULL;
    struct ct_clause_period p;
    char key[CT_CLAUSE_PERIOD_KEY_SIZE] = "";
    ct_jr_no_unknown(&jr, b, allowed);
    ct_jr_string(&jr, b, "period", CT_JR_REQUIRED, 16, &period);
    if (jr.last == CT_JR_VALUE) {
        if (ct_clause_period_parse(period, -1, &p))
            ct_jr_fail(&jr, "period", "must be a month (YYYY-MM) or a quarter (YYYY-QN)");
        else
            ct_clause_period_format(&p, key);
    }
    ct_jr_string(&jr, b, "note", CT_JR_NULLABLE, MAX_NOTE, &note);
    if (jr.last == CT_JR_VALUE && holds_hetu(r->a, note))
        ct_jr_fail(&jr, "note", "must not hold a henkilötunnus");
    if (e.status) {
        reply_err(r, &e);
        return;
    }
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "period", key);
    ct_jw_kstr(w, "note", note);
    ct_jw_obj_close(w);
    set_body(r, w);
    if (!r->body) {
        ct_reply_error(r, 500, "cannot encode the report");
        return;
    }
    ct_req_api_cb(r, "period_report_create", 0, NULL, NULL, after_write);
}

const struct ct_route routes_placements[] = {
    {"POST", "/v1/contracts/{id}/placements", route_placement_create, CT_ROLE_SUPPLIER, CT_BODY_JSON},
    {"GET", "/v1/contracts/{id}/placements", route_placement_list, CT_ROLE_ADMIN | CT_ROLE_BUYER | CT_ROLE_SUPPLIER,
     CT_BODY_NONE},
    {"PATCH", "/v1/placements/{id}", route_placement_update, CT_ROLE_SUPPLIER, CT_BODY_JSON},
    {"POST", "/v1/contracts/{id}/subcontracts", route_subcontract_create, CT_ROLE_SUPPLIER, CT_BODY_JSON},
    {"POST", "/v1/contracts/{id}/period-reports", route_report_create, CT_ROLE_SUPPLIER, CT_BODY_JSON},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
