/* db.h - PostgreSQL access. Two faces:
 *  - an asynchronous pool bound to one libevent loop (daemon workers; nothing blocks the loop),
 *  - a blocking twin for the CLI and tests.
 * Both map failures into struct ct_err through one SQLSTATE table: 23505 -> 409,
 * 23503/23514/22xxx -> 422, connection loss -> 503, and the project's own codes "CTnnn"
 * (raised by SQL functions in migrations/) -> HTTP status nnn with the COLUMN field as the
 * error's field. Only parameterised queries are offered. */
#ifndef CT_DB_H
#define CT_DB_H

#include <libpq-fe.h>
#include "ct/err.h"

struct event_base;
struct ct_pool;

/* Called once per query on the pool's loop. On success res is the final PGresult (borrowed:
 * valid only during the call; copy what you keep) and err is NULL; on failure res is NULL and
 * err describes it. */
typedef void (*ct_pool_cb)(PGresult *res, const struct ct_err *err, void *arg);

/* Returns a new pool of size connections (caller frees). Connects in the background and
 * reconnects with backoff when the database goes away. conninfo is copied. */
struct ct_pool *ct_pool_new(struct event_base *base, const char *conninfo, int size);

/* Closes every connection; pending jobs are failed with 503 first. NULL is fine. */
void ct_pool_free(struct ct_pool *p);

/* Queue one parameterised statement (text parameters; NULL = SQL NULL). sql and params are
 * copied. cb is always called exactly once, later, from the loop (never from inside this
 * call). Fails fast with 503 when no connection is up. */
void ct_pool_query(struct ct_pool *p, const char *sql, int nparams, const char *const *params,
                   ct_pool_cb cb, void *arg);

/* 1 when at least one connection is established. */
int ct_pool_ready(const struct ct_pool *p);

struct ct_pool_stats {
    int size, connected, busy, queued;
    unsigned long long queries, errors, reconnects;
};
void ct_pool_get_stats(const struct ct_pool *p, struct ct_pool_stats *out);

/* ---- blocking twin ---- */

/* Returns a new connection (caller PQfinish-es) or NULL with e set (503). */
PGconn *ct_db_connect(const char *conninfo, struct ct_err *e);

/* Runs one parameterised statement. Returns the result (caller PQclear-s) or NULL with e set. */
PGresult *ct_db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, struct ct_err *e);

/* Runs a statement without parameters whose result is discarded (BEGIN, COMMIT, a migration
 * file). 0 or -1 with e set. */
int ct_db_run(PGconn *c, const char *sql, struct ct_err *e);

/* Fill e from a failed result (or from the connection when res is NULL). */
void ct_db_error(PGconn *c, const PGresult *res, struct ct_err *e);

#endif
