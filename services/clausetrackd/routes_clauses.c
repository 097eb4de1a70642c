/* routes_clauses.c - employment clauses (CONTRACT §5): POST and GET /v1/tenders/{id}/clauses,
 * GET, PATCH and DELETE /v1/clauses/{id}. The vocabulary (kinds, target groups, reporting)
 * comes from lib/domain/clause; every bad field is reported at once as a 422. The lot existing
 * on the tender, scope, what may still change once a contract exists, audit and the
 * clause.created event: api.clause_* in migration 0003. */
#include "daemon.h"
#include "ct/clause.h"
#include "ct/fields.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUANTITY 9999999999.0  /* numeric(12, 2) */
#define MAX_SANCTION 999999999999.0 /* numeric(14, 2) */

static void route_clause_create(struct ct_req *r);
static void route_clause_list(struct ct_req *r);
static void route_clause_get(struct ct_req *r);
static void route_clause_patch(struct ct_req *r);
static void route_clause_delete(struct ct_req *r);
static void read_clause(struct ct_req *r, const struct ct_json *b, int patch, struct ct_jw *w, struct ct_err *e);
static void read_quantity(struct ct_jr *jr, const struct ct_json *b, int kind, unsigned flags, struct ct_jw *w);
static void read_positive(struct ct_jr *jr, const struct ct_json *b, const char *key, double max, struct ct_jw *w);
static void write_clause(struct ct_req *r, const char *fn, int patch);
static void clause_written(struct ct_req *r, PGresult *res, const struct ct_err *err);

static const char *const clause_fields[] = {"lot_ref", "kind", "target_groups", "quantity", "min_months_per_person",
                                            "min_weekly_hours", "reporting", "sanction_eur", "description", NULL};
/* what PATCH takes, and what it refuses as "cannot be changed" */
static const char *const patch_fields[] = {"lot_ref", "kind", "target_groups", "quantity", "min_months_per_person",
                                           "min_weekly_hours", "reporting", "sanction_eur", "description", "id",
                                           "tender_id", "unit", "created_at", "updated_at", NULL};
static const char *const fixed_fields[] = {"id", "tender_id", "unit", "created_at", "updated_at", NULL};

/* quantity > 0 in the kind's unit: whole persons and contracts, a percentage up to 100. kind is
 * -1 when unknown here (a PATCH leaving the kind as it is: SQL checks the whole record). */
static void read_quantity(struct ct_jr *jr, const struct ct_json *b, int kind, unsigned flags, struct ct_jw *w)
{
    double q = 0;
    ct_jr_number(jr, b, "quantity", flags, -INFINITY, INFINITY, &q);
    if (jr->last != CT_JR_VALUE)
        return;
    if (q <= 0)
        ct_jr_fail(jr, "quantity", "must be greater than 0");
    else if (q < 0.01)
        ct_jr_fail(jr, "quantity", "must be at least 0.01");
    else if (q > MAX_QUANTITY)
        ct_jr_fail(jr, "quantity", "must be at most %.0f", MAX_QUANTITY);
    else if (kind == CT_CLAUSE_SOCIAL_ENTERPRISE_SHARE && q > 100)
        ct_jr_fail(jr, "quantity", "must be at most 100 (percent of the contract value)");
    else if ((kind == CT_CLAUSE_HIRE_PERSONS || kind == CT_CLAUSE_APPRENTICESHIPS || kind == CT_CLAUSE_WORK_TRIALS) &&
             q != floor(q))
        ct_jr_fail(jr, "quantity", "must be a whole number for %s", ct_clause_kind_name(kind));
    else
        ct_jr_copy(jr, b, "quantity", w);
}

/* A number > 0 and <= max. */
static void read_positive(struct ct_jr *jr, const struct ct_json *b, const char *key, double max, struct ct_jw *w)
{
    double x = 0;
    ct_jr_number(jr, b, key, 0, -INFINITY, INFINITY, &x);
    if (jr->last != CT_JR_VALUE)
        return;
    if (x < 0.01)
        ct_jr_fail(jr, key, "must be greater than 0");
    else if (x > max)
        ct_jr_fail(jr, key, "must be at most %.0f", max);
    else
        ct_jr_copy(jr, b, key, w);
}

/* Reads a clause body (patch: every member optional, read-only ones refused) into w. */
static void read_clause(struct ct_req *r, const struct ct_json *b, int patch, struct ct_jw *w, struct ct_err *e)
{
    const char *kinds[CT_CLAUSE_KIND_COUNT + 1], *groups[CT_CLAUSE_GROUP_COUNT + 1], *reportings[3];
    for (int i = 0; i < CT_CLAUSE_KIND_COUNT; i++)
        kinds[i] = ct_clause_kind_name(i);
    kinds[CT_CLAUSE_KIND_COUNT] = NULL;
    for (int i = 0; i < CT_CLAUSE_GROUP_COUNT; i++)
        groups[i] = ct_clause_group_name(1u << i);
    groups[CT_CLAUSE_GROUP_COUNT] = NULL;
    reportings[0] = ct_clause_reporting_name(CT_CLAUSE_REPORTING_MONTHLY);
    reportings[1] = ct_clause_reporting_name(CT_CLAUSE_REPORTING_QUARTERLY);
    reportings[2] = NULL;

    struct ct_jr jr = {r->a, e, "", CT_JR_ABSENT};
    const char *s = NULL;
    int kind = -1, idx;
    int *list = NULL;
    size_t n = 0;
    double x;
    unsigned req = patch ? 0 : CT_JR_REQUIRED;

    ct_jr_no_unknown(&jr, b, patch ? patch_fields : clause_fields);
    if (patch)
        ct_jr_read_only(&jr, b, fixed_fields);
    ct_jw_obj_open(w);
    ct_jr_string(&jr, b, "lot_ref", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 50, &s);
    ct_jr_copy(&jr, b, "lot_ref", w);
    ct_jr_enum(&jr, b, "kind", req, kinds, &kind);
    ct_jr_copy(&jr, b, "kind", w);
    if (jr.last != CT_JR_VALUE)
        kind = -1;
    ct_jr_enums(&jr, b, "target_groups", req | CT_JR_UNIQUE, groups, 1, CT_CLAUSE_GROUP_COUNT, &list, &n);
    ct_jr_copy(&jr, b, "target_groups", w);
    read_quantity(&jr, b, kind, req, w);
    read_positive(&jr, b, "min_months_per_person", 9999, w);
    ct_jr_number(&jr, b, "min_weekly_hours", 0, 0, 80, &x);
    ct_jr_copy(&jr, b, "min_weekly_hours", w);
    ct_jr_enum(&jr, b, "reporting", 0, reportings, &idx);
    ct_jr_copy(&jr, b, "reporting", w);
    ct_jr_number(&jr, b, "sanction_eur", CT_JR_NULLABLE, 0, MAX_SANCTION, &x);
    ct_jr_copy(&jr, b, "sanction_eur", w);
    ct_jr_string(&jr, b, "description", CT_JR_NULLABLE, 5000, &s);
    ct_jr_copy(&jr, b, "description", w);
    ct_jw_obj_close(w);
}

/* POST and PATCH: validate, then hand the normalised body to api.<fn>. */
static void write_clause(struct ct_req *r, const char *fn, int patch)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jw *w = ct_jw_new();
    read_clause(r, b, patch, w, &e);
    size_t len = 0;
    const char *out = e.status ? NULL : ct_jw_result(w, &len);
    if (e.status) {
        ct_reply_problem(r, &e);
    } else if (!out) {
        ct_reply_error(r, 500, "cannot encode the request");
    } else {
        r->body = ct_arena_strndup(r->a, out, len);
        r->body_len = len;
        ct_req_api_cb(r, fn, 0, NULL, NULL, clause_written);
    }
    ct_jw_free(w);
}

/* The clause is stored: answer, then let its tender's contracts be re-evaluated (a changed
 * quantity or group changes their statuses; the events follow in the background). */
static void clause_written(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    int status;
    const char *body;
    size_t len;
    if (ct_req_api_row(r, res, err, &status, &body, &len))
        return;
    char tender[37] = "";
    if (status >= 200 && status < 300) {
        struct ct_err e;
        ct_err_clear(&e);
        const struct ct_json *j = ct_json_parse(r->a, body, len, NULL, &e);
        const struct ct_json *t = j ? ct_json_get(j, "tender_id") : NULL;
        if (t && t->type == CT_JSON_STRING && t->string.len == 36)
            memcpy(tender, t->string.ptr, 37);
    }
    struct ct_pool *pool = r->w->pool;
    ct_reply_api(r, status, body, len);
    if (tender[0])
        compliance_record_tender(pool, tender);
}

static void route_clause_create(struct ct_req *r)
{
    write_clause(r, "clause_create", 0);
}

static void route_clause_patch(struct ct_req *r)
{
    write_clause(r, "clause_patch", 1);
}

static void route_clause_list(struct ct_req *r)
{
    ct_req_api(r, "clause_list", 0, NULL, NULL);
}

static void route_clause_get(struct ct_req *r)
{
    ct_req_api(r, "clause_get", 0, NULL, NULL);
}

static void route_clause_delete(struct ct_req *r)
{
    ct_req_api(r, "clause_delete", 0, NULL, NULL);
}

const struct ct_route routes_clauses[] = {
    {"POST", "/v1/tenders/{id}/clauses", route_clause_create, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_JSON},
    {"GET", "/v1/tenders/{id}/clauses", route_clause_list, CT_ROLE_ANY, CT_BODY_NONE},
    {"GET", "/v1/clauses/{id}", route_clause_get, CT_ROLE_ANY, CT_BODY_NONE},
    {"PATCH", "/v1/clauses/{id}", route_clause_patch, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_JSON},
    {"DELETE", "/v1/clauses/{id}", route_clause_delete, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
