/* routes_system.c - GET /healthz (the process runs), GET /readyz (the database answers a
 * round trip now), GET /metrics (Prometheus text). Public: no token. */
#include "daemon.h"
#include "dispatcher.h"

#include <event2/buffer.h>

static void readyz_done(struct ct_req *r, PGresult *res, const struct ct_err *err);
static void route_healthz(struct ct_req *r);
static void route_readyz(struct ct_req *r);
static void route_metrics(struct ct_req *r);

static void route_healthz(struct ct_req *r)
{
    ct_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static void readyz_done(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    (void)res;
    if (err)
        ct_reply_error(r, 503, "the database is not answering");
    else
        ct_reply(r, 200, "text/plain; charset=utf-8", "ready\n", 6);
}

static void route_readyz(struct ct_req *r)
{
    ct_req_db(r, "select 1", 0, NULL, readyz_done);
}

static void route_metrics(struct ct_req *r)
{
    struct daemon *d = r->w->app->user;
    struct evbuffer *b = evbuffer_new();
    ct_http_metrics_write(b, r->w->app, d->workers, d->nworkers);
    dispatcher_metrics_write(d->dispatcher, b);
    size_t len = evbuffer_get_length(b);
    ct_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", (const char *)evbuffer_pullup(b, -1), len);
    evbuffer_free(b);
}

const struct ct_route routes_system[] = {
    {"GET", "/healthz", route_healthz, 0, CT_BODY_NONE},
    {"GET", "/readyz", route_readyz, 0, CT_BODY_NONE},
    {"GET", "/metrics", route_metrics, 0, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
