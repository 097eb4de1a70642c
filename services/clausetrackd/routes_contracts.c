/* routes_contracts.c - contracts (CONTRACT §6): POST /v1/tenders/{id}/contracts, GET
 * /v1/contracts/{id}, GET /v1/contracts. Fields are checked here (Y-tunnus, dates in order,
 * money, commitments), every bad one at once as a 422; the supplier found or created by its
 * business id, commitments against their clauses, scope, audit and the contract.created event:
 * api.contract_* in migration 0003. */
#include "daemon.h"
#include "ct/fields.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/ytunnus.h"

#include <math.h>
#include <string.h>

#define MAX_COMMITMENTS 100
#define MAX_QUANTITY 9999999999.0 /* numeric(12, 2) */

static void route_contract_create(struct ct_req *r);
static void route_contract_get(struct ct_req *r);
static void route_contract_list(struct ct_req *r);
static void read_contract(struct ct_req *r, const struct ct_json *b, struct ct_jw *w, struct ct_err *e);
static void read_commitments(struct ct_jr *jr, const struct ct_json *b, struct ct_jw *w);

static const char *const contract_fields[] = {"lot_ref", "supplier_business_id", "supplier_name", "contract_ref",
                                              "signed_on", "starts_on", "ends_on", "value", "commitments", NULL};
static const char *const commitment_fields[] = {"clause_id", "quantity", NULL};

/* [{clause_id, quantity}], each clause at most once. */
static void read_commitments(struct ct_jr *jr, const struct ct_json *b, struct ct_jw *w)
{
    const struct ct_json *list = NULL;
    ct_jr_array(jr, b, "commitments", CT_JR_NULLABLE, 0, MAX_COMMITMENTS, &list);
    if (jr->last != CT_JR_VALUE)
        return;
    const char **ids = ct_arena_alloc(jr->a, (list->array.count + 1) * sizeof *ids);
    ct_jw_key(w, "commitments");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < list->array.count; i++) {
        const struct ct_json *c = list->array.items[i];
        struct ct_jr cj = ct_jr_child_index(jr, "commitments", i);
        if (ct_jr_want_object(&cj, c) < 0)
            continue;
        const char *id = NULL;
        double q = 0;
        ct_jr_no_unknown(&cj, c, commitment_fields);
        ct_jw_obj_open(w);
        ct_jr_uuid(&cj, c, "clause_id", CT_JR_REQUIRED, &id);
        for (size_t k = 0; id && k < i; k++)
            if (ids[k] && strcmp(ids[k], id) == 0) {
                ct_jr_fail(&cj, "clause_id", "is a duplicate of commitments[%zu].clause_id", k);
                break;
            }
        ids[i] = id;
        ct_jw_kstr(w, "clause_id", id);
        ct_jr_number(&cj, c, "quantity", CT_JR_REQUIRED, -INFINITY, INFINITY, &q);
        if (cj.last == CT_JR_VALUE && q < 0.01)
            ct_jr_fail(&cj, "quantity", "must be greater than 0");
        else if (cj.last == CT_JR_VALUE && q > MAX_QUANTITY)
            ct_jr_fail(&cj, "quantity", "must be at most %.0f", MAX_QUANTITY);
        else
            ct_jr_copy(&cj, c, "quantity", w);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
}

static void read_contract(struct ct_req *r, const struct ct_json *b, struct ct_jw *w, struct ct_err *e)
{
    struct ct_jr jr = {r->a, e, "", CT_JR_ABSENT};
    const char *s = NULL, *why = NULL;
    char bid[16];
    int64_t starts = 0, ends = 0, day;
    struct ct_money value = {0};

    ct_jr_no_unknown(&jr, b, contract_fields);
    ct_jw_obj_open(w);
    ct_jr_string(&jr, b, "lot_ref", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 50, &s);
    ct_jr_copy(&jr, b, "lot_ref", w);
    s = NULL;
    ct_jr_string(&jr, b, "supplier_business_id", CT_JR_REQUIRED | CT_JR_ONE_LINE, 32, &s);
    if (s && ct_ytunnus_normalize(s, bid, &why) < 0)
        ct_jr_fail(&jr, "supplier_business_id", "%s", why);
    else if (s)
        ct_jw_kstr(w, "supplier_business_id", bid);
    ct_jr_string(&jr, b, "supplier_name", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 300, &s);
    ct_jr_copy(&jr, b, "supplier_name", w);
    ct_jr_string(&jr, b, "contract_ref", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 200, &s);
    ct_jr_copy(&jr, b, "contract_ref", w);
    ct_jr_date(&jr, b, "signed_on", CT_JR_NULLABLE, &day);
    ct_jr_copy(&jr, b, "signed_on", w);
    ct_jr_date(&jr, b, "starts_on", CT_JR_REQUIRED, &starts);
    int have_start = jr.last == CT_JR_VALUE;
    ct_jr_copy(&jr, b, "starts_on", w);
    ct_jr_date(&jr, b, "ends_on", CT_JR_REQUIRED, &ends);
    if (jr.last == CT_JR_VALUE && have_start && ends < starts)
        ct_jr_fail(&jr, "ends_on", "must not be before starts_on");
    else
        ct_jr_copy(&jr, b, "ends_on", w);
    ct_jr_money(&jr, b, "value", CT_JR_NULLABLE, &value);
    if (jr.last == CT_JR_VALUE) {
        ct_jw_key(w, "value");
        ct_jw_obj_open(w);
        ct_jw_key(w, "amount");
        ct_jw_raw(w, value.amount, strlen(value.amount));
        ct_jw_kstr(w, "currency", value.currency ? value.currency : "EUR");
        ct_jw_obj_close(w);
    }
    read_commitments(&jr, b, w);
    ct_jw_obj_close(w);
}

static void route_contract_create(struct ct_req *r)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jw *w = ct_jw_new();
    read_contract(r, b, w, &e);
    size_t len = 0;
    const char *out = e.status ? NULL : ct_jw_result(w, &len);
    if (e.status) {
        ct_reply_problem(r, &e);
    } else if (!out) {
        ct_reply_error(r, 500, "cannot encode the request");
    } else {
        r->body = ct_arena_strndup(r->a, out, len); /* what SQL gets is the normalised record */
        r->body_len = len;
        ct_req_api_cb(r, "contract_create", 0, NULL, NULL, compliance_after_contract_write);
    }
    ct_jw_free(w);
}

static void route_contract_get(struct ct_req *r)
{
    ct_req_api(r, "contract_get", 0, NULL, NULL);
}

static void route_contract_list(struct ct_req *r)
{
    ct_req_api(r, "contract_list", 0, NULL, NULL);
}

const struct ct_route routes_contracts[] = {
    {"POST", "/v1/tenders/{id}/contracts", route_contract_create, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_JSON},
    {"GET", "/v1/contracts", route_contract_list, CT_ROLE_ANY, CT_BODY_NONE},
    {"GET", "/v1/contracts/{id}", route_contract_get, CT_ROLE_ANY, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
