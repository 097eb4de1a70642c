/* routes_tenders.c - POST /v1/tenders, GET /v1/tenders, GET and PATCH /v1/tenders/{id}
 * (CONTRACT §4). Fields are checked here, every bad one reported at once (422 naming
 * "lots[1].cpv"); SQL gets the normalised record (CPV without its check digit, the one currency
 * of the tender's values). Scope, the buyer's region as default, lots kept while clauses or
 * contracts refer to them, audit and the tender.created event: api.tender_* in migration 0003. */
#include "daemon.h"
#include "ct/cpv.h"
#include "ct/fields.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/nuts.h"

#include <string.h>

#define MAX_LOTS 500

/* The one currency of a tender's values and the field that first named it. */
struct currency {
    const char *code;
    const char *field;
};

static void route_tender_create(struct ct_req *r);
static void route_tender_list(struct ct_req *r);
static void route_tender_get(struct ct_req *r);
static void route_tender_patch(struct ct_req *r);
static void read_tender(struct ct_req *r, const struct ct_json *b, int patch, struct ct_jw *w, struct ct_err *e);
static void read_buyer(struct ct_req *r, struct ct_jr *jr, const struct ct_json *b, struct ct_jw *w);
static void read_cpv(struct ct_jr *jr, const struct ct_json *obj, const char *key, struct ct_jw *w);
static void read_money(struct ct_jr *jr, const struct ct_json *obj, const char *key, struct currency *cur,
                       struct ct_jw *w);
static void read_lots(struct ct_jr *jr, const struct ct_json *b, struct currency *cur, struct ct_jw *w);
static void submit(struct ct_req *r, const char *fn, struct ct_jw *w, struct ct_err *e);

static const char *const natures[] = {"works", "services", "supplies", NULL};
static const char *const statuses[] = {"planned", "open", "awarded", "cancelled", "closed", NULL};
static const char *const create_fields[] = {"buyer_org_id", "title", "description", "procedure_id", "nature", "cpv",
                                            "estimated_value", "region", "municipality_code", "deadline", "status",
                                            "lots", NULL};
/* what PATCH takes, and what it refuses as "cannot be changed" */
static const char *const patch_fields[] = {"title", "description", "procedure_id", "nature", "cpv",
                                           "estimated_value", "region", "municipality_code", "deadline", "status",
                                           "lots", "id", "buyer_org_id", "notice_id", "source", "signals",
                                           "created_at", "updated_at", NULL};
static const char *const fixed_fields[] = {"id", "buyer_org_id", "notice_id", "source", "signals", "created_at",
                                           "updated_at", NULL};
static const char *const lot_fields[] = {"lot_ref", "title", "cpv", "estimated_value", NULL};

/* CPV: 8 digits with an optional "-C"; stored (and written on) as the 8 digits. */
static void read_cpv(struct ct_jr *jr, const struct ct_json *obj, const char *key, struct ct_jw *w)
{
    const char *s = NULL, *why = NULL;
    char code[9];
    ct_jr_string(jr, obj, key, CT_JR_NULLABLE | CT_JR_ONE_LINE, 32, &s);
    if (jr->last == CT_JR_NULL) {
        ct_jw_knull(w, key);
    } else if (jr->last == CT_JR_VALUE) {
        if (ct_cpv_parse(s, code, &why) < 0)
            ct_jr_fail(jr, key, "%s", why);
        else
            ct_jw_kstr(w, key, code);
    }
}

/* A money member; every value of a tender shares one currency (lots store only amounts). */
static void read_money(struct ct_jr *jr, const struct ct_json *obj, const char *key, struct currency *cur,
                       struct ct_jw *w)
{
    struct ct_money m = {0};
    ct_jr_money(jr, obj, key, CT_JR_NULLABLE, &m);
    if (jr->last == CT_JR_NULL) {
        ct_jw_knull(w, key);
        return;
    }
    if (jr->last != CT_JR_VALUE)
        return;
    const char *field = jr->prefix && jr->prefix[0] ? ct_arena_printf(jr->a, "%s.%s.currency", jr->prefix, key)
                                                    : ct_arena_printf(jr->a, "%s.currency", key);
    if (m.currency && !cur->code) {
        cur->code = m.currency;
        cur->field = field;
    } else if (m.currency && strcmp(m.currency, cur->code) != 0) {
        ct_err_field(jr->e, field, "must be %s like the tender's other values (%s)", cur->code, cur->field);
    }
    ct_jw_key(w, key);
    ct_jw_obj_open(w);
    ct_jw_key(w, "amount");
    ct_jw_raw(w, m.amount, strlen(m.amount));
    ct_jw_kstr(w, "currency", m.currency);
    ct_jw_obj_close(w);
}

static void read_lots(struct ct_jr *jr, const struct ct_json *b, struct currency *cur, struct ct_jw *w)
{
    const struct ct_json *lots = NULL;
    ct_jr_array(jr, b, "lots", 0, 0, MAX_LOTS, &lots);
    if (jr->last != CT_JR_VALUE)
        return;
    ct_jw_key(w, "lots");
    ct_jw_arr_open(w);
    for (size_t i = 0; i < lots->array.count; i++) {
        const struct ct_json *lot = lots->array.items[i];
        struct ct_jr lj = ct_jr_child_index(jr, "lots", i);
        if (ct_jr_want_object(&lj, lot) < 0)
            continue;
        const char *ref = NULL, *title = NULL;
        ct_jr_no_unknown(&lj, lot, lot_fields);
        ct_jw_obj_open(w);
        ct_jr_string(&lj, lot, "lot_ref", CT_JR_REQUIRED | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 50, &ref);
        for (size_t k = 0; ref && k < i; k++) {
            const struct ct_json *other = ct_json_get(lots->array.items[k], "lot_ref");
            if (other && other->type == CT_JSON_STRING && strcmp(other->string.ptr, ref) == 0) {
                ct_jr_fail(&lj, "lot_ref", "is a duplicate of lots[%zu].lot_ref", k);
                break;
            }
        }
        ct_jw_kstr(w, "lot_ref", ref);
        ct_jr_string(&lj, lot, "title", CT_JR_NULLABLE, 1000, &title);
        ct_jr_copy(&lj, lot, "title", w);
        read_cpv(&lj, lot, "cpv", w);
        read_money(&lj, lot, "estimated_value", cur, w);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
}

/* buyer_org_id on create: an admin names the buyer; a buyer may only name itself. */
static void read_buyer(struct ct_req *r, struct ct_jr *jr, const struct ct_json *b, struct ct_jw *w)
{
    const char *buyer = NULL;
    ct_jr_uuid(jr, b, "buyer_org_id", CT_JR_NULLABLE, &buyer);
    if (jr->last == CT_JR_INVALID)
        return;
    if (r->role == CT_ROLE_ADMIN && !buyer)
        ct_jr_fail(jr, "buyer_org_id", "is required when an admin creates a tender");
    else if (r->role == CT_ROLE_BUYER && buyer && strcmp(buyer, r->org_id) != 0)
        ct_jr_fail(jr, "buyer_org_id", "must be your own organisation (or left out)");
    else if (buyer)
        ct_jw_kstr(w, "buyer_org_id", buyer);
}

/* Reads a tender body (patch: every member optional, read-only ones refused) into w. */
static void read_tender(struct ct_req *r, const struct ct_json *b, int patch, struct ct_jw *w, struct ct_err *e)
{
    struct ct_jr jr = {r->a, e, "", CT_JR_ABSENT};
    struct currency cur = {NULL, NULL};
    const char *s = NULL;
    int idx;
    int64_t day;

    ct_jr_no_unknown(&jr, b, patch ? patch_fields : create_fields);
    if (patch)
        ct_jr_read_only(&jr, b, fixed_fields);
    ct_jw_obj_open(w);
    if (!patch)
        read_buyer(r, &jr, b, w);
    ct_jr_string(&jr, b, "title", (patch ? 0 : CT_JR_REQUIRED) | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 1000, &s);
    ct_jr_copy(&jr, b, "title", w);
    ct_jr_string(&jr, b, "description", CT_JR_NULLABLE, 20000, &s);
    ct_jr_copy(&jr, b, "description", w);
    ct_jr_string(&jr, b, "procedure_id", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 200, &s);
    ct_jr_copy(&jr, b, "procedure_id", w);
    ct_jr_enum(&jr, b, "nature", CT_JR_NULLABLE, natures, &idx);
    ct_jr_copy(&jr, b, "nature", w);
    read_cpv(&jr, b, "cpv", w);
    read_money(&jr, b, "estimated_value", &cur, w);

    s = NULL;
    ct_jr_string(&jr, b, "region", CT_JR_NULLABLE | CT_JR_ONE_LINE, 16, &s);
    if (s && !ct_nuts_is_finnish(s))
        ct_jr_fail(&jr, "region", "must be a Finnish NUTS-3 code such as FI1D3");
    else
        ct_jr_copy(&jr, b, "region", w);
    s = NULL;
    ct_jr_string(&jr, b, "municipality_code", CT_JR_NULLABLE | CT_JR_ONE_LINE, 16, &s);
    if (s && (strlen(s) != 3 || strspn(s, "0123456789") != 3))
        ct_jr_fail(&jr, "municipality_code", "must be a three-digit municipality code such as 167");
    else
        ct_jr_copy(&jr, b, "municipality_code", w);
    ct_jr_date(&jr, b, "deadline", CT_JR_NULLABLE, &day);
    ct_jr_copy(&jr, b, "deadline", w);
    ct_jr_enum(&jr, b, "status", 0, statuses, &idx);
    ct_jr_copy(&jr, b, "status", w);
    read_lots(&jr, b, &cur, w);
    if (cur.code) {
        ct_jw_kstr(w, "currency", cur.code);
        ct_jw_kstr(w, "currency_field", cur.field);
    }
    ct_jw_obj_close(w);
}

/* Reply with the collected errors, or hand the normalised body to api.<fn>. */
static void submit(struct ct_req *r, const char *fn, struct ct_jw *w, struct ct_err *e)
{
    size_t len = 0;
    const char *out = e->status ? NULL : ct_jw_result(w, &len);
    if (e->status) {
        ct_reply_problem(r, e);
    } else if (!out) {
        ct_reply_error(r, 500, "cannot encode the request");
    } else {
        r->body = ct_arena_strndup(r->a, out, len); /* what SQL gets is the normalised record */
        r->body_len = len;
        ct_req_api(r, fn, 0, NULL, NULL);
    }
    ct_jw_free(w);
}

static void route_tender_create(struct ct_req *r)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jw *w = ct_jw_new();
    read_tender(r, b, 0, w, &e);
    submit(r, "tender_create", w, &e);
}

static void route_tender_patch(struct ct_req *r)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jw *w = ct_jw_new();
    read_tender(r, b, 1, w, &e);
    submit(r, "tender_patch", w, &e);
}

static void route_tender_list(struct ct_req *r)
{
    ct_req_api(r, "tender_list", 0, NULL, NULL);
}

static void route_tender_get(struct ct_req *r)
{
    ct_req_api(r, "tender_get", 0, NULL, NULL);
}

const struct ct_route routes_tenders[] = {
    {"POST", "/v1/tenders", route_tender_create, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_JSON},
    {"GET", "/v1/tenders", route_tender_list, CT_ROLE_ANY, CT_BODY_NONE},
    {"GET", "/v1/tenders/{id}", route_tender_get, CT_ROLE_ANY, CT_BODY_NONE},
    {"PATCH", "/v1/tenders/{id}", route_tender_patch, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_JSON},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
