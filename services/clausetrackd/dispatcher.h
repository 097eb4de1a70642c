/* dispatcher.h - the webhook delivery dispatcher's life (dispatcher.c): one thread with its own
 * event loop, database pool, LISTEN connection, DNS resolver and TLS context, started by main.c
 * when cfg.dispatcher is 1. What it sends and how it retries is documented in dispatcher.c and
 * migrations/0006_deliveries.sql. Not a library header. */
#ifndef CLAUSETRACKD_DISPATCHER_H
#define CLAUSETRACKD_DISPATCHER_H

#include "ct/http.h"

struct dispatcher;
struct evbuffer;

/* Start it (after evthread_use_pthreads). Borrows app, which must outlive it. Reads the delivery_*
 * and ca_file keys once. Dies (ct_die) when the TLS set-up fails, e.g. an unreadable ca_file.
 * Returns new (free with dispatcher_free). */
struct dispatcher *dispatcher_start(struct ct_app *app);

/* Ask it to stop, from any thread, without waiting: no new claims; deliveries in flight get
 * shutdown_timeout seconds to finish, then they are cut off and handed back (pending at once).
 * NULL is fine; a second call does nothing. */
void dispatcher_stop(struct dispatcher *d);

/* Stop it if not asked yet, wait for its thread, free everything. NULL is fine. */
void dispatcher_free(struct dispatcher *d);

/* Append the dispatcher's Prometheus lines (counters of this process; the backlog as last read
 * from the database) to b (borrowed), from any thread. d may be NULL (dispatcher off: zero counters). */
void dispatcher_metrics_write(struct dispatcher *d, struct evbuffer *b);

#endif
