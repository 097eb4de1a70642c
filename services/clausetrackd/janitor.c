/* janitor.c - housekeeping janitor_delay seconds after start, then daily at 00:05 UTC: forget
 * idempotency keys older than 48 h, move the impact counters' clock, and record the compliance of
 * every contract running in the last quarter as of today through compliance_run (the routes' own
 * path), so statuses that change as time passes write their events. Its own thread, loop and one
 * connection rather than worker 0's loop: a long pass never delays a request or takes its
 * connection (docs/design.md). */
#include "daemon.h"
#include "ct/dates.h"
#include "ct/log.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100              /* contracts per page of the walk */
#define KEYS_PER_DELETE 5000   /* idempotency keys per delete statement */
#define RETRY_SECONDS 60       /* after a pass the database cut short */
#define DAILY_OFFSET 300       /* seconds after UTC midnight for the daily pass */

struct janitor {
    struct ct_app *app;
    struct event_base *base;
    struct ct_pool *pool;
    struct event *timer;
    struct event *stop_ev;
    pthread_t thread;
    _Atomic int stopping;
    /* the pass in progress */
    int64_t today;
    char after[37];
    char ids[BATCH][37];
    int nids, next;
    long contracts, changed, failed, keys;
    int db_failed;
};

static void *janitor_main(void *arg);
static void stop_cb(evutil_socket_t fd, short what, void *arg);
static void tick(evutil_socket_t fd, short what, void *arg);
static void schedule(struct janitor *j, long seconds);
static void forget_keys(struct janitor *j);
static void keys_done(PGresult *res, const struct ct_err *err, void *arg);
static void roll_impact(struct janitor *j);
static void roll_done(PGresult *res, const struct ct_err *err, void *arg);
static void list_batch(struct janitor *j);
static void batch_done(PGresult *res, const struct ct_err *err, void *arg);
static void next_contract(struct janitor *j);
static void contract_done(void *arg, const char *json, size_t len, int changed, const struct ct_err *err);
static void pass_done(struct janitor *j);

static void *janitor_main(void *arg)
{
    struct janitor *j = arg;
    event_base_loop(j->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct janitor *j = arg;
    event_base_loopexit(j->base, NULL);
}

static void schedule(struct janitor *j, long seconds)
{
    struct timeval tv = {seconds, 0};
    evtimer_add(j->timer, &tv);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct janitor *j = arg;
    if (atomic_load(&j->stopping))
        return;
    j->today = ct_date_today();
    j->after[0] = '\0';
    j->nids = j->next = 0;
    j->contracts = j->changed = j->failed = j->keys = 0;
    j->db_failed = 0;
    forget_keys(j);
}

/* ---- idempotency keys ---- */

static void forget_keys(struct janitor *j)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", KEYS_PER_DELETE);
    const char *params[1] = {lim};
    ct_pool_query(j->pool, "select api.janitor_forget_keys($1::int)", 1, params, keys_done, j);
}

static void keys_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct janitor *j = arg;
    if (atomic_load(&j->stopping))
        return;
    if (err) {
        ct_log_warn("janitor: cannot forget old idempotency keys: %s", err->detail);
        j->db_failed = 1;
    } else {
        long n = PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0;
        j->keys += n;
        if (n >= KEYS_PER_DELETE) {
            forget_keys(j);
            return;
        }
    }
    roll_impact(j);
}

/* ---- the impact counters' clock: fold the days gone by (migrations/0008) ---- */

static void roll_impact(struct janitor *j)
{
    ct_pool_query(j->pool, "select api.impact_roll()", 0, NULL, roll_done, j);
}

static void roll_done(PGresult *res, const struct ct_err *err, void *arg)
{
    (void)res;
    struct janitor *j = arg;
    if (atomic_load(&j->stopping))
        return;
    if (err) {
        ct_log_warn("janitor: cannot move the impact clock: %s", err->detail);
        j->db_failed = 1;
    }
    list_batch(j);
}

/* ---- the walk over contracts ---- */

static void list_batch(struct janitor *j)
{
    char today[11], lim[16];
    ct_date_format(j->today, today);
    snprintf(lim, sizeof lim, "%d", BATCH);
    const char *params[3] = {today, j->after[0] ? j->after : NULL, lim};
    ct_pool_query(j->pool, "select contract_id from api.janitor_contracts($1::date, $2::uuid, $3::int)", 3, params,
                  batch_done, j);
}

static void batch_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct janitor *j = arg;
    if (atomic_load(&j->stopping))
        return;
    if (err) {
        ct_log_warn("janitor: cannot list contracts: %s", err->detail);
        j->db_failed = 1;
        pass_done(j);
        return;
    }
    int n = PQntuples(res);
    j->nids = n < BATCH ? n : BATCH;
    j->next = 0;
    for (int i = 0; i < j->nids; i++)
        snprintf(j->ids[i], sizeof j->ids[i], "%s", PQgetvalue(res, i, 0));
    next_contract(j);
}

/* One contract at a time: the pass is a background chore on one connection. */
static void next_contract(struct janitor *j)
{
    if (j->next < j->nids) {
        const char *id = j->ids[j->next++];
        compliance_run(j->pool, id, NULL, "system", j->today, COMPLIANCE_RECORD, contract_done, j);
        return;
    }
    if (j->nids == BATCH) {
        memcpy(j->after, j->ids[BATCH - 1], sizeof j->after);
        list_batch(j);
        return;
    }
    pass_done(j);
}

static void contract_done(void *arg, const char *json, size_t len, int changed, const struct ct_err *err)
{
    (void)json;
    (void)len;
    struct janitor *j = arg;
    if (atomic_load(&j->stopping))
        return;
    j->contracts++;
    if (err || changed < 0) {
        j->failed++;
        if (err && err->status == 503)
            j->db_failed = 1;
    } else {
        j->changed += changed;
    }
    next_contract(j);
}

/* Next pass: 5 minutes past the coming UTC midnight, or soon again when the database failed us. */
static void pass_done(struct janitor *j)
{
    ct_log_info("janitor: %ld contract(s) re-evaluated, %ld status change(s), %ld failed, %ld idempotency key(s) "
                "forgotten",
                j->contracts, j->changed, j->failed, j->keys);
    if (j->db_failed) {
        schedule(j, RETRY_SECONDS);
        return;
    }
    long now = (long)time(NULL);
    long next = (now / 86400 + 1) * 86400 + DAILY_OFFSET;
    schedule(j, next - now);
}

/* ---- life ---- */

struct janitor *janitor_start(struct ct_app *app)
{
    struct janitor *j = ct_xcalloc(1, sizeof *j);
    j->app = app;
    j->base = event_base_new();
    if (!j->base)
        ct_die("cannot start: the janitor's event loop");
    j->pool = ct_pool_new(j->base, app->cfg.database_url, 1);
    j->timer = evtimer_new(j->base, tick, j);
    j->stop_ev = event_new(j->base, -1, 0, stop_cb, j);
    schedule(j, app->cfg.janitor_delay);
    if (pthread_create(&j->thread, NULL, janitor_main, j) != 0)
        ct_die("cannot start: the janitor's thread");
    return j;
}

void janitor_free(struct janitor *j)
{
    if (!j)
        return;
    atomic_store(&j->stopping, 1);
    event_active(j->stop_ev, EV_READ, 0);
    pthread_join(j->thread, NULL);
    ct_pool_free(j->pool); /* fails what was pending; the callbacks see stopping and let go */
    event_free(j->timer);
    event_free(j->stop_ev);
    event_base_free(j->base);
    free(j);
}
