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

/* The whole route table (routes.c), a new array (caller frees); *n entries. */
struct ct_route *routes_build(int *n);

/* Role sets used by several tables. */
#define STAFF (CT_ROLE_ADMIN | CT_ROLE_ANALYST | CT_ROLE_CENTRE)

/* Each resource file's table, ended by {NULL}. */
extern const struct ct_route routes_system[];
extern const struct ct_route routes_orgs[];
extern const struct ct_route routes_notices[];

/* Parse r->body as a JSON object with the default limits; replies 400 and returns NULL on
 * failure. */
const struct ct_json *body_object(struct ct_req *r);

#endif
