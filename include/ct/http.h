/* http.h - evhttp glue shared by the daemon's routes: the request context (one arena per
 * request, freed when the reply is sent and no database job holds it), the router with path
 * parameters, bearer-token auth with a short per-thread cache, problem+json replies, body
 * checks (size 413, content type 415, UTF-8 400), access logging and metrics.
 * A request context is only ever touched on its own worker's loop. */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <libpq-fe.h>

#include "ct/arena.h"
#include "ct/cfg.h"
#include "ct/db.h"
#include "ct/err.h"

struct evhttp_request;
struct evbuffer;
struct event_base;
struct evhttp;
struct event;
struct ct_req;
struct ct_worker;
struct ct_clausenotice_schema;

/* Roles = organisation kinds, as bit flags for route permissions. */
enum ct_role {
    CT_ROLE_ADMIN = 1,    /* everything, organisations and keys */
    CT_ROLE_BUYER = 2,    /* a municipality or other contracting authority */
    CT_ROLE_SUPPLIER = 4, /* a contractor reporting placements */
    CT_ROLE_ANALYST = 8,  /* association staff: reads, impact */
    CT_ROLE_CENTRE = 16,  /* the competence centre: as analyst, plus the national feed */
};
#define CT_ROLE_ANY (CT_ROLE_ADMIN | CT_ROLE_BUYER | CT_ROLE_SUPPLIER | CT_ROLE_ANALYST | CT_ROLE_CENTRE)

/* Role from an organisation kind name; 0 when unknown. And back. */
int ct_role_parse(const char *kind);
const char *ct_role_name(int role);

enum ct_body_kind {
    CT_BODY_NONE = 0, /* no body expected (GET, DELETE) */
    CT_BODY_JSON = 1, /* application/json, max_json_body */
    CT_BODY_XML = 2,  /* application/xml or text/xml, max_xml_body */
};

typedef void (*ct_handler)(struct ct_req *r);

struct ct_route {
    const char *method;   /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern;  /* "/v1/tenders/{id}/clauses"; {x} matches one segment */
    ct_handler handler;
    int roles;            /* allowed roles; 0 = public (no token) */
    enum ct_body_kind body;
};

#define CT_MAX_PATH_PARAMS 4
#define CT_METRIC_BUCKETS 12
#define CT_METRIC_STATUSES 16

/* Per-route counters, written by one worker, read by /metrics on any worker. */
struct ct_route_metrics {
    _Atomic uint64_t by_status[CT_METRIC_STATUSES];
    _Atomic uint64_t latency[CT_METRIC_BUCKETS]; /* cumulative-by-bucket counts */
    _Atomic uint64_t latency_sum_us;
};

/* A recently verified token (kept in this worker's memory only, never logged or stored): a hit
 * skips both the SHA-256 and the database look-up. */
struct ct_auth_entry {
    char token[64];
    char org_id[37];
    char key_id[37];
    int role;
    int64_t expires_ms;
};
#define CT_AUTH_CACHE 256

/* Shared by every worker of a process (read-mostly). */
struct ct_app {
    struct ct_cfg cfg;                  /* current configuration; reloadable keys change on SIGHUP */
    const struct ct_route *routes;
    int nroutes;
    struct ct_route_metrics *metrics;   /* nroutes + 1 (the last: unmatched) */
    unsigned char pseudonym_key[32];
    const struct ct_clausenotice_schema *clause_schema; /* compiled once at start */
    _Atomic int stopping;
    void *user;                         /* the daemon's own state */
};

struct ct_worker {
    int index;
    struct ct_app *app;
    struct event_base *base;
    struct evhttp *http;
    void *bound;                        /* evhttp_bound_socket */
    struct ct_pool *pool;
    struct event *stop_ev;
    struct event *deadline_ev;
    int inflight;
    int stopping;
    struct ct_auth_entry auth[CT_AUTH_CACHE];
};

struct ct_req {
    struct evhttp_request *req;         /* NULL once the client went away */
    const char *method;                 /* "GET" (also for HEAD), "POST", ...; static */
    struct ct_worker *w;
    struct ct_arena *a;
    const struct ct_route *route;
    int route_index;
    const char *params[CT_MAX_PATH_PARAMS];      /* path parameter values, in pattern order */
    const char *param_names[CT_MAX_PATH_PARAMS]; /* their names from the pattern ("id") */
    int nparams;
    const char *path;                   /* decoded path without query */
    const char *query;                  /* raw query string or NULL */
    char org_id[37];                    /* caller's organisation ("" when public) */
    char key_id[37];
    int role;
    const char *body;                   /* NUL-terminated copy of the body (arena) */
    size_t body_len;
    const char *idem_key;               /* Idempotency-Key header or NULL */
    const char *bearer;                 /* the bearer token while it is looked up (arena) */
    const char *api_body;               /* JSON given to SQL as args.body instead of the
                                           request body (e.g. a parsed XML notice) */
    size_t api_body_len;
    int64_t start_us;
    int cancelled;
    int replied;
    int refs;
    int status;
};

/* Install the request callback on w->http. */
void ct_http_attach(struct ct_worker *w);

/* Replies. Each sends the response, logs the access line and counts metrics; exactly one
 * reply per request. Borrow their arguments. */
void ct_reply(struct ct_req *r, int status, const char *content_type, const char *body, size_t len);
void ct_reply_json(struct ct_req *r, int status, const char *json, size_t len);
void ct_reply_problem(struct ct_req *r, const struct ct_err *e);
/* Shorthand: problem with a status and a detail. */
void ct_reply_error(struct ct_req *r, int status, const char *detail);
/* Add a response header before replying. */
void ct_req_header(struct ct_req *r, const char *name, const char *value);

/* Query-string parameter (decoded, arena-owned) or NULL. */
const char *ct_req_qparam(struct ct_req *r, const char *name);
/* Request header or NULL (borrowed from libevent: valid during the handler only). */
const char *ct_req_in_header(struct ct_req *r, const char *name);

/* Hold the request across an asynchronous step (a database job). The matching release
 * returns 1 when the request is still alive (the client is still there) and may be
 * answered, 0 when it was cancelled and has now been freed. */
void ct_req_hold(struct ct_req *r);
int ct_req_release(struct ct_req *r);

/* Run one statement whose single row has columns (status int, body text) - the shape of every
 * api.* SQL function - and reply with it. params are copied. */
void ct_req_db_reply(struct ct_req *r, const char *sql, int nparams, const char *const *params);

/* Run one statement and call cb with the result (or error) if the request is still alive.
 * res is borrowed during cb. */
typedef void (*ct_req_db_cb)(struct ct_req *r, PGresult *res, const struct ct_err *err);
void ct_req_db(struct ct_req *r, const char *sql, int nparams, const char *const *params, ct_req_db_cb cb);

/* Call the SQL function api.<fn>(args jsonb) -> (status, body) and reply with its answer.
 * args holds the caller (_org, _key, _role), the path parameters by name, every query-string
 * parameter (reads), the extra name/value pairs given (values NULL = JSON null), and the
 * validated request body under "body" (when the route takes JSON). Writes (POST, PATCH,
 * DELETE) run through api.call, which applies the Idempotency-Key of a POST atomically
 * with the write. fn must be a constant of the daemon's. */
void ct_req_api(struct ct_req *r, const char *fn, int nextra, const char *const *names, const char *const *values);
/* As ct_req_api, but calls cb with the (status, body) row (or the error) instead of replying, for
 * handlers with a step of their own between the write and the reply; cb must reply. */
void ct_req_api_cb(struct ct_req *r, const char *fn, int nextra, const char *const *names, const char *const *values,
                   ct_req_db_cb cb);

/* For ct_req_api_cb callbacks: the (status, body) row of an api.* function. 0 with *status,
 * *body (borrowed from res) and *len set; or -1 after replying with the problem (err, or an
 * unexpected result shape). */
int ct_req_api_row(struct ct_req *r, PGresult *res, const struct ct_err *err, int *status, const char **body,
                   size_t *len);
/* Reply with an api.* answer: 204 without a body, >= 400 as problem+json, else JSON. */
void ct_reply_api(struct ct_req *r, int status, const char *body, size_t len);

/* Append the Prometheus text of the process's HTTP and pool metrics to b (borrowed). */
void ct_http_metrics_write(struct evbuffer *b, struct ct_app *app, struct ct_worker **workers, int nworkers);

/* Monotonic microseconds. */
int64_t ct_now_us(void);

/* Invalidate every cached token on this worker (key revoked through this process). */
void ct_auth_flush(struct ct_worker *w);

#endif
