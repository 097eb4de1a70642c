/* routes_compliance.c - GET /v1/contracts/{id}/compliance[?as_of=], and compliance_run, the one
 * path from the database to a compliance answer: api.compliance_input (one round trip, scope
 * checked there) -> ct_compliance_compute (lib/domain) -> the §7 JSON and/or today's statuses
 * stored by api.compliance_record (compliance.changed events). The writes of routes_placements.c
 * and the janitor use it too. */
#include "daemon.h"
#include "ct/clause.h"
#include "ct/compliance.h"
#include "ct/dates.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/log.h"

#include <float.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One evaluation; everything lives in its own arena, freed after the callback. */
struct cjob {
    struct ct_arena *a;
    struct ct_pool *pool;
    char contract_id[37];
    int64_t as_of;
    int64_t today;
    unsigned flags;
    compliance_cb cb;
    void *arg;
    const char *json; /* the §7 answer (arena), when COMPLIANCE_BODY */
    size_t len;
};

/* The input as loaded, with what the record needs beside it. */
struct loaded {
    struct ct_compliance_input in;
    const char *contract_id;
    const char *loaded_at;
};

static int read_input(struct ct_arena *a, const char *text, size_t len, struct loaded *out, struct ct_err *e);
static int read_clause(struct ct_jr *jr, const struct ct_json *o, struct ct_compliance_clause *c);
static int read_placement(struct ct_jr *jr, const struct ct_json *o, struct ct_compliance_placement *p);
static const char *encode_answer(struct ct_arena *a, const struct loaded *l, int64_t as_of,
                                 const struct ct_compliance_result *res, size_t *len);
static const char *encode_record(struct ct_arena *a, const struct loaded *l, int64_t as_of,
                                 const struct ct_compliance_result *res);
static void input_done(PGresult *res, const struct ct_err *err, void *arg);
static void record_done(PGresult *res, const struct ct_err *err, void *arg);
static void finish(struct cjob *j, int changed, const struct ct_err *err);
static void route_compliance(struct ct_req *r);
static void compliance_answered(void *arg, const char *json, size_t len, int changed, const struct ct_err *err);

/* ---- loading ---- */

static int read_clause(struct ct_jr *jr, const struct ct_json *o, struct ct_compliance_clause *c)
{
    const char *id = NULL, *kind = NULL, *reporting = NULL;
    const char **groups = NULL;
    size_t ngroups = 0;
    double commitment = 0.0;
    ct_compliance_clause_init(c);
    ct_jr_string(jr, o, "id", CT_JR_REQUIRED, 64, &id);
    ct_jr_string(jr, o, "kind", CT_JR_REQUIRED, 64, &kind);
    ct_jr_strings(jr, o, "target_groups", CT_JR_REQUIRED, 0, CT_CLAUSE_GROUP_COUNT, 64, &groups, &ngroups);
    ct_jr_number(jr, o, "quantity", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &c->quantity);
    ct_jr_number(jr, o, "min_months_per_person", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &c->min_months_per_person);
    ct_jr_number(jr, o, "min_weekly_hours", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &c->min_weekly_hours);
    ct_jr_string(jr, o, "reporting", CT_JR_REQUIRED, 64, &reporting);
    ct_jr_number(jr, o, "commitment", CT_JR_NULLABLE, -DBL_MAX, DBL_MAX, &commitment);
    if (jr->last == CT_JR_VALUE) {
        c->has_commitment = 1;
        c->commitment = commitment;
    }
    if (jr->e->status)
        return -1;
    c->id = id;
    c->kind = ct_clause_kind_parse(kind);
    c->reporting = ct_clause_reporting_parse(reporting);
    for (size_t i = 0; i < ngroups; i++) {
        int g = ct_clause_group_parse(groups[i]);
        if (g < 0)
            return ct_jr_fail(jr, "target_groups", "unknown target group");
        c->target_groups |= (unsigned)g;
    }
    if (c->kind < 0 || c->reporting < 0)
        return ct_jr_fail(jr, "kind", "unknown kind or reporting");
    return 0;
}

static int read_placement(struct ct_jr *jr, const struct ct_json *o, struct ct_compliance_placement *p)
{
    const char *group = NULL, *type = NULL;
    int64_t ends_on = CT_COMPLIANCE_NO_DAY;
    memset(p, 0, sizeof *p);
    ct_jr_string(jr, o, "person_ref", CT_JR_REQUIRED | CT_JR_NONEMPTY, 64, &p->person_ref);
    ct_jr_string(jr, o, "target_group", CT_JR_REQUIRED, 64, &group);
    ct_jr_date(jr, o, "starts_on", CT_JR_REQUIRED, &p->starts_on);
    ct_jr_date(jr, o, "ends_on", CT_JR_REQUIRED | CT_JR_NULLABLE, &ends_on);
    ct_jr_number(jr, o, "weekly_hours", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &p->weekly_hours);
    ct_jr_string(jr, o, "employment_type", CT_JR_REQUIRED, 64, &type);
    if (jr->e->status)
        return -1;
    p->ends_on = ends_on;
    int g = ct_clause_group_parse(group);
    p->target_group = g > 0 ? (unsigned)g : 0;
    p->employment_type = ct_clause_employment_parse(type);
    return 0;
}

/* Reads api.compliance_input's document. Any problem is the database's or ours: 500. */
static int read_input(struct ct_arena *a, const char *text, size_t len, struct loaded *out, struct ct_err *e)
{
    static const struct ct_json_limits lim = {8, 4096, COMPLIANCE_MAX_PLACEMENTS + 1, 64};
    struct ct_err pe;
    ct_err_clear(&pe);
    memset(out, 0, sizeof *out);
    const struct ct_json *root = ct_json_parse(a, text, len, &lim, &pe);
    if (!root)
        return ct_err_set(e, 500, "cannot read the compliance input: %s", pe.detail);
    struct ct_jr jr = {a, &pe, "", CT_JR_ABSENT};
    const struct ct_json *k = NULL, *clauses = NULL, *placements = NULL, *subs = NULL;
    const char **reports = NULL;
    size_t nreports = 0;
    ct_jr_string(&jr, root, "loaded_at", CT_JR_REQUIRED, 64, &out->loaded_at);
    ct_jr_object(&jr, root, "contract", CT_JR_REQUIRED, &k);
    ct_jr_array(&jr, root, "clauses", CT_JR_REQUIRED, 0, SIZE_MAX, &clauses);
    ct_jr_array(&jr, root, "placements", CT_JR_REQUIRED, 0, SIZE_MAX, &placements);
    ct_jr_array(&jr, root, "subcontracts", CT_JR_REQUIRED, 0, SIZE_MAX, &subs);
    ct_jr_strings(&jr, root, "reports", CT_JR_REQUIRED, 0, SIZE_MAX, 16, &reports, &nreports);
    if (pe.status)
        return ct_err_set(e, 500, "malformed compliance input: %s", pe.detail);
    ct_jr_string(&jr, k, "id", CT_JR_REQUIRED, 64, &out->contract_id);
    ct_jr_date(&jr, k, "starts_on", CT_JR_REQUIRED, &out->in.contract.starts_on);
    ct_jr_date(&jr, k, "ends_on", CT_JR_REQUIRED, &out->in.contract.ends_on);
    ct_jr_number(&jr, k, "value", CT_JR_NULLABLE, -DBL_MAX, DBL_MAX, &out->in.contract.value);
    if (placements->array.count > COMPLIANCE_MAX_PLACEMENTS)
        return ct_err_set(e, 500, "the contract has more than %d placements; compliance cannot be computed",
                          COMPLIANCE_MAX_PLACEMENTS);

    size_t nc = clauses->array.count, np = placements->array.count, ns = subs->array.count;
    struct ct_compliance_clause *cs = nc ? ct_arena_alloc(a, nc * sizeof *cs) : NULL;
    struct ct_compliance_placement *ps = np ? ct_arena_alloc(a, np * sizeof *ps) : NULL;
    struct ct_compliance_subcontract *ss = ns ? ct_arena_alloc(a, ns * sizeof *ss) : NULL;
    for (size_t i = 0; i < nc && !pe.status; i++)
        read_clause(&jr, clauses->array.items[i], &cs[i]);
    for (size_t i = 0; i < np && !pe.status; i++)
        read_placement(&jr, placements->array.items[i], &ps[i]);
    for (size_t i = 0; i < ns && !pe.status; i++) {
        bool se = false;
        ct_jr_number(&jr, subs->array.items[i], "value", CT_JR_REQUIRED, -DBL_MAX, DBL_MAX, &ss[i].value);
        ct_jr_bool(&jr, subs->array.items[i], "social_enterprise", CT_JR_REQUIRED, &se);
        ss[i].social_enterprise = se ? 1 : 0;
    }
    if (pe.status)
        return ct_err_set(e, 500, "malformed compliance input: %s", pe.detail);
    out->in.clauses = cs;
    out->in.nclauses = nc;
    out->in.placements = ps;
    out->in.nplacements = np;
    out->in.subcontracts = ss;
    out->in.nsubcontracts = ns;
    out->in.reports = reports;
    out->in.nreports = nreports;
    return 0;
}

/* ---- encoding ---- */

/* The §7 document. Numbers are rounded to two decimals only here. */
static const char *encode_answer(struct ct_arena *a, const struct loaded *l, int64_t as_of,
                                 const struct ct_compliance_result *res, size_t *len)
{
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "contract_id", l->contract_id);
    ct_jw_kdate(w, "as_of", as_of);
    ct_jw_key(w, "clauses");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < l->in.nclauses; i++) {
        const struct ct_compliance_result *r = &res[i];
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "clause_id", r->clause_id);
        ct_jw_kstr(w, "kind", ct_clause_kind_name(r->kind));
        ct_jw_kstr(w, "unit", r->unit);
        ct_jw_knum2(w, "required", ct_compliance_round2(r->required));
        ct_jw_knum2(w, "delivered", ct_compliance_round2(r->delivered));
        ct_jw_kint(w, "in_progress", (long long)r->in_progress);
        ct_jw_knum2(w, "expected_by_now", ct_compliance_round2(r->expected_by_now));
        ct_jw_knum2(w, "percent", ct_compliance_round2(r->percent));
        ct_jw_kstr(w, "status", ct_compliance_status_name(r->status));
        if (r->next_report_due == CT_COMPLIANCE_NO_DAY)
            ct_jw_knull(w, "next_report_due");
        else
            ct_jw_kdate(w, "next_report_due", r->next_report_due);
        ct_jw_kbool(w, "report_overdue", r->report_overdue != 0);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
    ct_jw_obj_close(w);
    const char *doc = ct_jw_result(w, len);
    char *out = doc ? ct_arena_strndup(a, doc, *len) : NULL;
    ct_jw_free(w);
    return out;
}

/* api.compliance_record's argument: today's statuses of every clause. */
static const char *encode_record(struct ct_arena *a, const struct loaded *l, int64_t as_of,
                                 const struct ct_compliance_result *res)
{
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "contract_id", l->contract_id);
    ct_jw_kstr(w, "loaded_at", l->loaded_at);
    ct_jw_kdate(w, "as_of", as_of);
    ct_jw_key(w, "statuses");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < l->in.nclauses; i++) {
        ct_jw_obj_open(w);
        ct_jw_kstr(w, "clause_id", res[i].clause_id);
        ct_jw_kstr(w, "kind", ct_clause_kind_name(res[i].kind));
        ct_jw_kstr(w, "status", ct_compliance_status_name(res[i].status));
        ct_jw_knum2(w, "required", ct_compliance_round2(res[i].required));
        ct_jw_knum2(w, "delivered", ct_compliance_round2(res[i].delivered));
        ct_jw_knum2(w, "percent", ct_compliance_round2(res[i].percent));
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
    ct_jw_obj_close(w);
    size_t len;
    const char *doc = ct_jw_result(w, &len);
    char *out = doc ? ct_arena_strndup(a, doc, len) : NULL;
    ct_jw_free(w);
    return out;
}

/* ---- the job ---- */

static void finish(struct cjob *j, int changed, const struct ct_err *err)
{
    j->cb(j->arg, err ? NULL : j->json, err ? 0 : j->len, changed, err);
    ct_arena_free(j->a);
}

void compliance_run(struct ct_pool *pool, const char *contract_id, const char *org_id, const char *role,
                    int64_t as_of, unsigned flags, compliance_cb cb, void *arg)
{
    struct ct_arena *a = ct_arena_new();
    struct cjob *j = ct_arena_alloc(a, sizeof *j);
    j->a = a;
    j->pool = pool;
    snprintf(j->contract_id, sizeof j->contract_id, "%s", contract_id);
    j->as_of = as_of;
    j->today = ct_date_today();
    j->flags = flags;
    j->cb = cb;
    j->arg = arg;
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "id", j->contract_id);
    ct_jw_kstr(w, "_org", org_id && *org_id ? org_id : NULL);
    ct_jw_kstr(w, "_role", role);
    ct_jw_obj_close(w);
    const char *params[1] = {ct_jw_result(w, NULL)};
    ct_pool_query(pool, "select api.compliance_input($1::jsonb)", 1, params, input_done, j);
    ct_jw_free(w);
}

static void input_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct cjob *j = arg;
    if (err) {
        finish(j, 0, err);
        return;
    }
    struct ct_err e;
    ct_err_clear(&e);
    struct loaded l;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        ct_err_set(&e, 500, "unexpected database answer");
        finish(j, 0, &e);
        return;
    }
    if (read_input(j->a, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), &l, &e)) {
        ct_log_error("compliance of contract %s: %s", j->contract_id, e.detail);
        finish(j, 0, &e);
        return;
    }
    size_t n = l.in.nclauses;
    struct ct_compliance_result *at = n ? ct_arena_alloc(j->a, n * sizeof *at) : NULL;
    const char *why = NULL;
    if (ct_compliance_compute(&l.in, j->as_of, at, &why)) {
        ct_log_error("compliance of contract %s cannot be computed: %s", j->contract_id, why);
        ct_err_set(&e, 500, "compliance cannot be computed: %s", why);
        finish(j, 0, &e);
        return;
    }
    if (j->flags & COMPLIANCE_BODY) {
        j->json = encode_answer(j->a, &l, j->as_of, at, &j->len);
        if (!j->json) {
            ct_err_set(&e, 500, "cannot encode the compliance answer");
            finish(j, 0, &e);
            return;
        }
    }
    if (!(j->flags & COMPLIANCE_RECORD)) {
        finish(j, 0, NULL);
        return;
    }
    /* statuses are kept as of today, whatever date the caller asked about */
    struct ct_compliance_result *now = at;
    if (j->as_of != j->today) {
        now = n ? ct_arena_alloc(j->a, n * sizeof *now) : NULL;
        if (ct_compliance_compute(&l.in, j->today, now, &why)) {
            ct_log_warn("compliance of contract %s today cannot be computed: %s", j->contract_id, why);
            finish(j, -1, NULL);
            return;
        }
    }
    const char *params[1] = {encode_record(j->a, &l, j->today, now)};
    if (!params[0]) {
        ct_log_error("compliance of contract %s: cannot encode the statuses", j->contract_id);
        finish(j, -1, NULL);
        return;
    }
    ct_pool_query(j->pool, "select api.compliance_record($1::jsonb)", 1, params, record_done, j);
}

static void record_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct cjob *j = arg;
    int changed = -1;
    if (err)
        ct_log_warn("compliance of contract %s: statuses not recorded: %s", j->contract_id, err->detail);
    else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        changed = atoi(PQgetvalue(res, 0, 0));
    finish(j, changed, NULL);
}

/* ---- the route ---- */

static void compliance_answered(void *arg, const char *json, size_t len, int changed, const struct ct_err *err)
{
    (void)changed;
    struct ct_req *r = arg;
    if (!ct_req_release(r))
        return;
    if (err)
        ct_reply_problem(r, err);
    else
        ct_reply_json(r, 200, json, len);
}

static void route_compliance(struct ct_req *r)
{
    int64_t as_of = ct_date_today();
    const char *s = ct_req_qparam(r, "as_of");
    if (s && ct_date_parse(s, &as_of)) {
        struct ct_err e;
        ct_err_clear(&e);
        ct_err_set(&e, 400, "as_of must be a date (YYYY-MM-DD)");
        ct_err_field(&e, "as_of", "must be a date (YYYY-MM-DD)");
        ct_reply_problem(r, &e);
        return;
    }
    ct_req_hold(r);
    compliance_run(r->w->pool, r->params[0], r->org_id, ct_role_name(r->role), as_of,
                   COMPLIANCE_BODY | COMPLIANCE_RECORD, compliance_answered, r);
}

const struct ct_route routes_compliance[] = {
    {"GET", "/v1/contracts/{id}/compliance", route_compliance, CT_ROLE_ANY, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};

/* ---- a clause changed: re-record every contract of its tender, in the background ---- */

#define TENDER_CONTRACTS_MAX 1000

static void tender_contract_recorded(void *arg, const char *json, size_t len, int changed, const struct ct_err *err)
{
    (void)json;
    (void)len;
    (void)changed;
    (void)arg;
    if (err && err->status != 404)
        ct_log_warn("compliance not re-evaluated after a clause change: %s", err->detail);
}

static void tender_contracts_listed(PGresult *res, const struct ct_err *err, void *arg)
{
    struct ct_pool *pool = arg;
    if (err) {
        ct_log_warn("compliance not re-evaluated after a clause change: %s", err->detail);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++)
        compliance_run(pool, PQgetvalue(res, i, 0), NULL, "system", ct_date_today(), COMPLIANCE_RECORD,
                       tender_contract_recorded, NULL);
}

void compliance_record_tender(struct ct_pool *pool, const char *tender_id)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", TENDER_CONTRACTS_MAX);
    const char *params[2] = {tender_id, lim};
    ct_pool_query(pool, "select id from contracts where tender_id = $1::uuid order by created_at, id limit $2::int", 2,
                  params, tender_contracts_listed, pool);
}
