/* routes_orgs.c - GET /v1/me, the admin's organisations (POST/GET /v1/organizations,
 * GET /v1/organizations/{id}) and API keys (POST /v1/organizations/{id}/keys,
 * DELETE /v1/keys/{id}). Field rules are checked here (lib/domain); storage, scope and
 * audit are the api.* SQL functions of migrations/0001. */
#include "daemon.h"
#include "ct/json.h"
#include "ct/orgjson.h"
#include "ct/token.h"

#include <string.h>

static void route_me(struct ct_req *r);
static void route_org_list(struct ct_req *r);
static void route_org_get(struct ct_req *r);
static void route_org_create(struct ct_req *r);
static void route_key_create(struct ct_req *r);
static void route_key_revoke(struct ct_req *r);

const struct ct_json *parse_body_object(struct ct_req *r, struct ct_err *e)
{
    const struct ct_json *j = ct_json_parse(r->a, r->body, r->body_len, NULL, e);
    if (j && j->type != CT_JSON_OBJECT) {
        ct_err_set(e, 400, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

const struct ct_json *body_object(struct ct_req *r)
{
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = parse_body_object(r, &e);
    if (!j)
        ct_reply_problem(r, &e);
    return j;
}

static void route_me(struct ct_req *r)
{
    ct_req_api(r, "me", 0, NULL, NULL);
}

static void route_org_list(struct ct_req *r)
{
    ct_req_api(r, "org_list", 0, NULL, NULL);
}

static void route_org_get(struct ct_req *r)
{
    ct_req_api(r, "org_get", 0, NULL, NULL);
}

static void route_org_create(struct ct_req *r)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    size_t len;
    const char *norm = ct_org_normalize(r->a, b, &len, &e);
    if (!norm) {
        ct_reply_problem(r, &e);
        return;
    }
    r->body = norm; /* what is stored is the normalised record */
    r->body_len = len;
    ct_req_api(r, "org_create", 0, NULL, NULL);
}

static void route_key_create(struct ct_req *r)
{
    static const char *const allowed[] = {"label", NULL};
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    const char *label = NULL;
    ct_jr_no_unknown(&jr, b, allowed);
    ct_jr_string(&jr, b, "label", CT_JR_NULLABLE | CT_JR_ONE_LINE, 200, &label);
    if (e.status) {
        ct_reply_problem(r, &e);
        return;
    }
    char token[CT_TOKEN_BUFSIZE], hash[65];
    if (ct_token_generate(token, sizeof token)) {
        ct_reply_error(r, 500, "cannot generate a token");
        return;
    }
    ct_token_hash(token, hash);
    const char *names[] = {"token", "token_hash"};
    const char *values[] = {token, hash};
    ct_req_api(r, "key_create", 2, names, values);
}

static void route_key_revoke(struct ct_req *r)
{
    ct_req_api(r, "key_revoke", 0, NULL, NULL);
    ct_auth_flush(r->w);
}

const struct ct_route routes_orgs[] = {
    {"GET", "/v1/me", route_me, CT_ROLE_ANY, CT_BODY_NONE},
    {"POST", "/v1/organizations", route_org_create, CT_ROLE_ADMIN, CT_BODY_JSON},
    {"GET", "/v1/organizations", route_org_list, CT_ROLE_ADMIN, CT_BODY_NONE},
    {"GET", "/v1/organizations/{id}", route_org_get, CT_ROLE_ADMIN, CT_BODY_NONE},
    {"POST", "/v1/organizations/{id}/keys", route_key_create, CT_ROLE_ADMIN, CT_BODY_JSON},
    {"DELETE", "/v1/keys/{id}", route_key_revoke, CT_ROLE_ADMIN, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
