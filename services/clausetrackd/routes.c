/* routes.c - the daemon's route table: method, path pattern, handler, roles, body kind.
 * Handlers live in routes_<resource>.c; the router itself is lib/http. */
#include "daemon.h"

#define STAFF (CT_ROLE_ADMIN | CT_ROLE_ANALYST | CT_ROLE_CENTRE)

const struct ct_route ct_routes[] = {
    {"GET", "/healthz", route_healthz, 0, CT_BODY_NONE},
    {"GET", "/readyz", route_readyz, 0, CT_BODY_NONE},
    {"GET", "/metrics", route_metrics, 0, CT_BODY_NONE},
    {"GET", "/v1/me", route_me, CT_ROLE_ANY, CT_BODY_NONE},
    {"POST", "/v1/organizations", route_org_create, CT_ROLE_ADMIN, CT_BODY_JSON},
    {"GET", "/v1/organizations", route_org_list, CT_ROLE_ADMIN, CT_BODY_NONE},
    {"GET", "/v1/organizations/{id}", route_org_get, CT_ROLE_ADMIN, CT_BODY_NONE},
    {"POST", "/v1/organizations/{id}/keys", route_key_create, CT_ROLE_ADMIN, CT_BODY_JSON},
    {"DELETE", "/v1/keys/{id}", route_key_revoke, CT_ROLE_ADMIN, CT_BODY_NONE},
};

const int ct_nroutes = (int)(sizeof ct_routes / sizeof ct_routes[0]);
