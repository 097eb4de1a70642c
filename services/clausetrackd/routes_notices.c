/* routes_notices.c - POST /v1/notices: an eForms notice or a ClauseNotice as XML. Parsed and
 * validated here (lib/xml: no network, no DTD, no entities; 400 with line and column for
 * malformed XML, 422 naming the BT or element), then stored in one transaction by
 * api.notice_import (migrations/0005). 201 when a tender was created, 200 otherwise. */
#include "daemon.h"
#include "ct/notice.h"
#include "ct/noticejson.h"

static void route_notice_import(struct ct_req *r);

static void route_notice_import(struct ct_req *r)
{
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_notice_opts opts = {.clause_schema = r->w->app->clause_schema};
    struct ct_notice *n = NULL;
    if (ct_notice_parse(r->a, r->body, r->body_len, (size_t)r->w->app->cfg.max_xml_body, &opts, &n, &e)) {
        ct_reply_problem(r, &e);
        return;
    }
    char hash[65];
    size_t len;
    const char *json = ct_notice_to_json(r->a, n, &len, hash);
    if (!json) {
        ct_reply_error(r, 500, "cannot encode the notice");
        return;
    }
    r->api_body = json;
    r->api_body_len = len;
    const char *names[] = {"content_hash"};
    const char *values[] = {hash};
    ct_req_api(r, "notice_import", 1, names, values);
}

const struct ct_route routes_notices[] = {
    {"POST", "/v1/notices", route_notice_import, CT_ROLE_ADMIN | CT_ROLE_BUYER, CT_BODY_XML},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
