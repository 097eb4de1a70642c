/* pool.c - asynchronous libpq connections driven by one libevent loop.
 * Each connection is a small state machine (down -> connecting -> idle <-> busy); jobs wait
 * in a FIFO when every connection is busy and fail fast with 503 when none is up. Reconnects
 * back off on a timer (100 ms doubling to 2 s). The socket is re-read on every wait because
 * libpq may change it across reconnects; the event stays registered (persistent) while the
 * socket and the interest are unchanged, so a query costs no epoll_ctl calls of its own.
 * Statements are prepared once per connection (named "s<n>", up to PREPARED_MAX distinct SQL
 * texts) and then executed with PQsendQueryPrepared; beyond that cache, unnamed statements. */
#include "ct/db.h"
#include "ct/arena.h"
#include "ct/log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 20000
#define PREPARED_MAX 96

enum cstate {
    C_DOWN,       /* not connected; a reconnect timer is pending */
    C_CONNECTING, /* PQconnectPoll in progress */
    C_IDLE,       /* connected, waiting for a job (watching for EOF) */
    C_BUSY,       /* a job's statement is being sent or its result read */
};

struct job {
    struct job *next;
    char *sql;
    int nparams;
    char **params;
    ct_pool_cb cb;
    void *arg;
};

struct prepared {
    char *sql;
    char name[16];
};

struct conn {
    struct ct_pool *pool;
    PGconn *pg;
    enum cstate state;
    struct event *ev;       /* socket readiness (persistent while fd and interest stay) */
    evutil_socket_t ev_fd;  /* what ev is registered for; -1 = not registered */
    short ev_what;
    struct prepared prep[PREPARED_MAX]; /* statements prepared on this connection */
    int nprep;
    int preparing;          /* index into prep being prepared for the current job, or -1 */
    struct event *timer;    /* reconnect backoff */
    int backoff_ms;
    int flushing;
    struct job *job;
    PGresult *last;
};

struct ct_pool {
    struct event_base *base;
    char *conninfo;
    int size;
    struct conn *conns;
    struct job *head, *tail;
    int queued;
    struct event *defer;   /* fires failures outside the caller's stack */
    struct job *failed_head, *failed_tail;
    unsigned long long queries, errors, reconnects;
};

static void conn_connect(struct conn *c);
static void conn_down(struct conn *c, const char *why);
static void conn_wait(struct conn *c, short what);
static void conn_unwatch(struct conn *c);
static void forget_prepared(struct conn *c);
static int find_prepared(const struct conn *c, const char *sql);
static int conn_send(struct conn *c);
static void conn_event(evutil_socket_t fd, short what, void *arg);
static void conn_timer(evutil_socket_t fd, short what, void *arg);
static void conn_start_job(struct conn *c, struct job *j);
static void conn_next(struct conn *c);
static void job_finish(struct ct_pool *p, struct job *j, PGresult *res, const struct ct_err *err);
static void job_free(struct job *j);
static void fail_later(struct ct_pool *p, struct job *j);
static void defer_cb(evutil_socket_t fd, short what, void *arg);
static int any_alive(const struct ct_pool *p);
static void fail_queue(struct ct_pool *p);

static void job_free(struct job *j)
{
    for (int i = 0; i < j->nparams; i++)
        free(j->params[i]);
    free(j->params);
    free(j->sql);
    free(j);
}

static void job_finish(struct ct_pool *p, struct job *j, PGresult *res, const struct ct_err *err)
{
    if (err)
        p->errors++;
    j->cb(res, err, j->arg);
    job_free(j);
}

static void fail_later(struct ct_pool *p, struct job *j)
{
    j->next = NULL;
    if (p->failed_tail)
        p->failed_tail->next = j;
    else
        p->failed_head = j;
    p->failed_tail = j;
    event_active(p->defer, EV_TIMEOUT, 0);
}

static void defer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ct_pool *p = arg;
    struct job *j = p->failed_head;
    p->failed_head = p->failed_tail = NULL;
    while (j) {
        struct job *next = j->next;
        struct ct_err e;
        ct_err_clear(&e);
        ct_err_set(&e, 503, "database unavailable");
        job_finish(p, j, NULL, &e);
        j = next;
    }
}

static int any_alive(const struct ct_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state != C_DOWN)
            return 1;
    return 0;
}

static void fail_queue(struct ct_pool *p)
{
    while (p->head) {
        struct job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        fail_later(p, j);
    }
}

static void conn_wait(struct conn *c, short what)
{
    evutil_socket_t fd = PQsocket(c->pg);
    if (fd == c->ev_fd && what == c->ev_what)
        return;
    event_del(c->ev);
    event_assign(c->ev, c->pool->base, fd, what | EV_PERSIST, conn_event, c);
    event_add(c->ev, NULL);
    c->ev_fd = fd;
    c->ev_what = what;
}

static void conn_unwatch(struct conn *c)
{
    event_del(c->ev);
    c->ev_fd = -1;
    c->ev_what = 0;
}

static void forget_prepared(struct conn *c)
{
    for (int i = 0; i < c->nprep; i++)
        free(c->prep[i].sql);
    c->nprep = 0;
    c->preparing = -1;
}

static int find_prepared(const struct conn *c, const char *sql)
{
    for (int i = 0; i < c->nprep; i++)
        if (strcmp(c->prep[i].sql, sql) == 0)
            return i;
    return -1;
}

static void conn_connect(struct conn *c)
{
    c->pg = PQconnectStart(c->pool->conninfo);
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_down(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
        return;
    }
    PQsetnonblocking(c->pg, 1);
    c->state = C_CONNECTING;
    conn_wait(c, EV_WRITE);
}

static void conn_down(struct conn *c, const char *why)
{
    struct ct_pool *p = c->pool;
    int was_up = c->state == C_IDLE || c->state == C_BUSY;
    char reason[256]; /* why may point into libpq's buffer, which PQfinish frees */
    snprintf(reason, sizeof reason, "%s", why ? why : "");
    reason[strcspn(reason, "\n")] = '\0';
    conn_unwatch(c);
    forget_prepared(c);
    if (c->last) {
        PQclear(c->last);
        c->last = NULL;
    }
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    c->state = C_DOWN;
    if (was_up)
        ct_log_warn("database connection lost: %s", reason);
    if (c->job) {
        struct job *j = c->job;
        c->job = NULL;
        fail_later(p, j);
    }
    if (!any_alive(p))
        fail_queue(p);
    struct timeval tv = {c->backoff_ms / 1000, (c->backoff_ms % 1000) * 1000};
    c->backoff_ms = c->backoff_ms * 2 > 2000 ? 2000 : c->backoff_ms * 2;
    evtimer_add(c->timer, &tv);
}

static void conn_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    c->pool->reconnects++;
    conn_connect(c);
}

/* Sends the current job: prepared when known, else prepares it first (when the cache has
 * room), else unnamed. Returns 0, or -1 after conn_down. */
static int conn_send(struct conn *c)
{
    struct job *j = c->job;
    int k = find_prepared(c, j->sql);
    int ok;
    if (k >= 0) {
        ok = PQsendQueryPrepared(c->pg, c->prep[k].name, j->nparams, (const char *const *)j->params, NULL, NULL, 0);
    } else if (c->nprep < PREPARED_MAX) {
        k = c->nprep;
        snprintf(c->prep[k].name, sizeof c->prep[k].name, "s%d", k);
        c->preparing = k;
        ok = PQsendPrepare(c->pg, c->prep[k].name, j->sql, j->nparams, NULL);
    } else {
        ok = PQsendQueryParams(c->pg, j->sql, j->nparams, NULL, (const char *const *)j->params, NULL, NULL, 0);
    }
    if (!ok) {
        conn_down(c, PQerrorMessage(c->pg));
        return -1;
    }
    int f = PQflush(c->pg);
    if (f < 0) {
        conn_down(c, PQerrorMessage(c->pg));
        return -1;
    }
    c->flushing = f == 1;
    conn_wait(c, f == 1 ? (EV_READ | EV_WRITE) : EV_READ);
    return 0;
}

static void conn_start_job(struct conn *c, struct job *j)
{
    c->job = j;
    c->state = C_BUSY;
    c->pool->queries++;
    (void)conn_send(c);
}

static void conn_next(struct conn *c)
{
    struct ct_pool *p = c->pool;
    c->state = C_IDLE;
    if (p->head) {
        struct job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        conn_start_job(c, j);
    } else {
        conn_wait(c, EV_READ);
    }
}

static void conn_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    switch (c->state) {
    case C_CONNECTING: {
        PostgresPollingStatusType r = PQconnectPoll(c->pg);
        if (r == PGRES_POLLING_READING)
            conn_wait(c, EV_READ);
        else if (r == PGRES_POLLING_WRITING)
            conn_wait(c, EV_WRITE);
        else if (r == PGRES_POLLING_OK) {
            c->backoff_ms = 100;
            ct_log_debug("database connection established");
            conn_next(c);
        } else {
            conn_down(c, PQerrorMessage(c->pg));
        }
        return;
    }
    case C_IDLE:
        /* unsolicited input: notices, notifications, or the server going away */
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
            conn_down(c, PQerrorMessage(c->pg));
            return;
        }
        PGnotify *n;
        while ((n = PQnotifies(c->pg)))
            PQfreemem(n);
        conn_wait(c, EV_READ);
        return;
    case C_BUSY:
        if (c->flushing && (what & EV_WRITE)) {
            int f = PQflush(c->pg);
            if (f < 0) {
                conn_down(c, PQerrorMessage(c->pg));
                return;
            }
            c->flushing = f == 1;
        }
        if (what & EV_READ) {
            if (!PQconsumeInput(c->pg)) {
                conn_down(c, PQerrorMessage(c->pg));
                return;
            }
            if (c->flushing) {
                int f = PQflush(c->pg);
                if (f < 0) {
                    conn_down(c, PQerrorMessage(c->pg));
                    return;
                }
                c->flushing = f == 1;
            }
        }
        while (!c->flushing && !PQisBusy(c->pg)) {
            PGresult *r = PQgetResult(c->pg);
            if (!r && c->preparing >= 0) {
                /* the statement is prepared: remember it, then run the job with it */
                int k = c->preparing;
                c->preparing = -1;
                PGresult *last = c->last;
                c->last = NULL;
                if (last && PQresultStatus(last) == PGRES_COMMAND_OK) {
                    PQclear(last);
                    c->prep[k].sql = ct_xstrdup(c->job->sql);
                    c->nprep = k + 1;
                    if (conn_send(c) != 0)
                        return;
                    continue;
                }
                /* preparing failed (a syntax error, say): that is the job's answer */
                c->last = last;
                r = NULL;
            }
            if (!r) {
                struct job *j = c->job;
                PGresult *last = c->last;
                c->job = NULL;
                c->last = NULL;
                struct ct_err e;
                ct_err_clear(&e);
                ExecStatusType st = last ? PQresultStatus(last) : PGRES_FATAL_ERROR;
                int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
                if (!ok)
                    ct_db_error(c->pg, last, &e);
                int bad = PQstatus(c->pg) == CONNECTION_BAD;
                if (bad) {
                    conn_down(c, PQerrorMessage(c->pg));
                    if (last)
                        PQclear(last);
                    job_finish(c->pool, j, NULL, &e);
                    return;
                }
                conn_next(c);
                job_finish(c->pool, j, ok ? last : NULL, ok ? NULL : &e);
                if (last)
                    PQclear(last);
                return;
            }
            if (c->last) {
                /* keep the first error, else the last result */
                if (PQresultStatus(c->last) == PGRES_FATAL_ERROR) {
                    PQclear(r);
                    continue;
                }
                PQclear(c->last);
            }
            c->last = r;
        }
        if (PQstatus(c->pg) == CONNECTION_BAD) {
            conn_down(c, PQerrorMessage(c->pg));
            return;
        }
        conn_wait(c, c->flushing ? (EV_READ | EV_WRITE) : EV_READ);
        return;
    case C_DOWN:
        return;
    }
}

struct ct_pool *ct_pool_new(struct event_base *base, const char *conninfo, int size)
{
    struct ct_pool *p = ct_xcalloc(1, sizeof *p);
    p->base = base;
    p->conninfo = ct_xstrdup(conninfo);
    p->size = size;
    p->conns = ct_xcalloc((size_t)size, sizeof *p->conns);
    p->defer = event_new(base, -1, 0, defer_cb, p);
    for (int i = 0; i < size; i++) {
        struct conn *c = &p->conns[i];
        c->pool = p;
        c->backoff_ms = 100;
        c->ev_fd = -1;
        c->preparing = -1;
        c->ev = event_new(base, -1, 0, conn_event, c);
        c->timer = evtimer_new(base, conn_timer, c);
        conn_connect(c);
    }
    return p;
}

void ct_pool_free(struct ct_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++) {
        struct conn *c = &p->conns[i];
        if (c->job) {
            fail_later(p, c->job);
            c->job = NULL;
        }
        if (c->last)
            PQclear(c->last);
        if (c->pg)
            PQfinish(c->pg);
        forget_prepared(c);
        event_free(c->ev);
        event_free(c->timer);
    }
    fail_queue(p);
    defer_cb(-1, 0, p);
    event_free(p->defer);
    free(p->conns);
    free(p->conninfo);
    free(p);
}

void ct_pool_query(struct ct_pool *p, const char *sql, int nparams, const char *const *params,
                   ct_pool_cb cb, void *arg)
{
    struct job *j = ct_xcalloc(1, sizeof *j);
    j->sql = ct_xstrdup(sql);
    j->nparams = nparams;
    j->params = ct_xcalloc((size_t)(nparams ? nparams : 1), sizeof(char *));
    for (int i = 0; i < nparams; i++)
        j->params[i] = params[i] ? ct_xstrdup(params[i]) : NULL;
    j->cb = cb;
    j->arg = arg;

    if (!any_alive(p) || p->queued >= QUEUE_MAX) {
        fail_later(p, j);
        return;
    }
    for (int i = 0; i < p->size; i++) {
        struct conn *c = &p->conns[i];
        if (c->state == C_IDLE && !p->head) {
            conn_start_job(c, j);
            return;
        }
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->queued++;
}

int ct_pool_ready(const struct ct_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state == C_IDLE || p->conns[i].state == C_BUSY)
            return 1;
    return 0;
}

void ct_pool_get_stats(const struct ct_pool *p, struct ct_pool_stats *out)
{
    memset(out, 0, sizeof *out);
    out->size = p->size;
    for (int i = 0; i < p->size; i++) {
        if (p->conns[i].state == C_IDLE || p->conns[i].state == C_BUSY)
            out->connected++;
        if (p->conns[i].state == C_BUSY)
            out->busy++;
    }
    out->queued = p->queued;
    out->queries = p->queries;
    out->errors = p->errors;
    out->reconnects = p->reconnects;
}
