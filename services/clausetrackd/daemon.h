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
    struct dispatcher *dispatcher;      /* NULL when cfg.dispatcher is 0 (dispatcher.h) */
};

/* The whole route table (routes.c), a new array (caller frees); *n entries. */
struct ct_route *routes_build(int *n);

/* Role sets used by several tables. */
#define STAFF (CT_ROLE_ADMIN | CT_ROLE_ANALYST | CT_ROLE_CENTRE)

/* Each resource file's table, ended by {NULL}. */
extern const struct ct_route routes_system[];
extern const struct ct_route routes_orgs[];
extern const struct ct_route routes_tenders[], routes_clauses[], routes_contracts[];
extern const struct ct_route routes_notices[];
extern const struct ct_route routes_placements[];
extern const struct ct_route routes_compliance[];
extern const struct ct_route routes_subscriptions[];
extern const struct ct_route routes_ocds[];
extern const struct ct_route routes_impact[];
extern const struct ct_route routes_dashboard[];

/* Parse r->body as a JSON object with the default limits; replies 400 and returns NULL on
 * failure. parse_body_object is the same without the reply: e says why (for routes that must
 * scrub an error before it goes out). */
const struct ct_json *body_object(struct ct_req *r);
const struct ct_json *parse_body_object(struct ct_req *r, struct ct_err *e);

/* ---- the dashboard (routes_dashboard.c) ---- */
/* Read the dashboard's files from dir into memory, once, before the workers start (a missing one
 * is logged and answered 404). dashboard_free releases them at exit. */
void dashboard_load(const char *dir);
void dashboard_free(void);

/* ---- compliance (routes_compliance.c): the one path "load input -> compute -> encode / record"
 * shared by GET .../compliance, the writes that change what it depends on, and the janitor. ---- */

/* Most placements one contract may hold (api.max_placements() in migrations/0004 agrees): the
 * compliance input is loaded and computed (O(n log n)) on a worker's loop. */
#define COMPLIANCE_MAX_PLACEMENTS 5000

#define COMPLIANCE_BODY 1u   /* encode the CONTRACT §7 answer at as_of */
#define COMPLIANCE_RECORD 2u /* store today's statuses (api.compliance_record), events on change */

/* Called once, on the pool's loop. On success err is NULL, json/len the §7 document when
 * COMPLIANCE_BODY was asked (else NULL/0; borrowed for the call only) and changed the number of
 * compliance.changed events written (-1 when recording failed: logged, not an error). On failure
 * err says why (404 not visible, 503, 500). */
typedef void (*compliance_cb)(void *arg, const char *json, size_t len, int changed, const struct ct_err *err);

/* Evaluate contract contract_id (borrowed, a UUID) on pool for the caller org_id/role (role
 * "system" for the daemon's own evaluations: no scope) at as_of (a day number); flags as above.
 * Owns its memory; cb is never called from inside this call. */
void compliance_run(struct ct_pool *pool, const char *contract_id, const char *org_id, const char *role,
                    int64_t as_of, unsigned flags, compliance_cb cb, void *arg);

/* A ct_req_db_cb for writes that create a contract (routes_placements.c): records the new
 * contract's first statuses (events) as compliance_run does after a placement, then answers. */
void compliance_after_contract_write(struct ct_req *r, PGresult *res, const struct ct_err *err);

/* A clause changed what its tender's contracts owe: record the compliance of each (at most 1000)
 * again, in the background on pool (events on change); nothing is answered. tender_id is copied. */
void compliance_record_tender(struct ct_pool *pool, const char *tender_id);

/* ---- the janitor (janitor.c): its own thread, loop and database connection ---- */
struct janitor;
/* Start it (after evthread_use_pthreads): a first pass janitor_delay seconds after start, then
 * one daily just after UTC midnight. Returns new (free with janitor_free). */
struct janitor *janitor_start(struct ct_app *app);
/* Stop its loop (a pass in progress is abandoned), join the thread, free. NULL is fine. */
void janitor_free(struct janitor *j);

#endif
