/* daemon.h - what the daemon's own files share: the route table, the handlers, and the
 * process state (workers). Not a library header: only services/clausetrackd includes it. */
#ifndef CLAUSETRACKD_DAEMON_H
#define CLAUSETRACKD_DAEMON_H

#include "ct/http.h"

struct daemon {
    struct ct_app app;
    const char *config_path;
    struct ct_worker **workers;
    int nworkers;
};

extern const struct ct_route ct_routes[];
extern const int ct_nroutes;

/* routes_system.c */
void route_healthz(struct ct_req *r);
void route_readyz(struct ct_req *r);
void route_metrics(struct ct_req *r);

/* routes_orgs.c */
void route_me(struct ct_req *r);
void route_org_create(struct ct_req *r);
void route_org_list(struct ct_req *r);
void route_org_get(struct ct_req *r);
void route_key_create(struct ct_req *r);
void route_key_revoke(struct ct_req *r);

/* Parse r->body as a JSON object with the default limits; replies 400 and returns NULL on
 * failure. */
const struct ct_json *body_object(struct ct_req *r);

#endif
