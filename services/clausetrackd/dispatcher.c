/* dispatcher.c - webhook deliveries (CONTRACT §9) on their own thread, loop, pool and LISTEN
 * connection: claims due deliveries (api.delivery_claim: each subscription's oldest open one, FOR
 * UPDATE SKIP LOCKED, leased to this process), POSTs the signed Standard Webhooks payload with
 * libevent's HTTP client (HTTPS: bufferevent_openssl, SNI, host-name verification), records each
 * attempt (api.delivery_record); writes impact.monthly. Fan-out and scope are the database's. */
#include "dispatcher.h"
#include "ct/nutsjson.h"
#include "ct/log.h"
#include "ct/webhook.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE_BODY 65536     /* bytes of a response we read; the status line decides */
#define MAX_RESPONSE_HEADERS 16384
#define STATS_EVERY_S 5             /* backlog gauges for /metrics */
#define IMPACT_FIRST_S 2            /* the month-turn check: soon after start, then hourly */
#define IMPACT_EVERY_S 3600
#define LISTEN_RETRY_S 5
#define RECORD_RETRY_MS 500         /* a result the database did not take is offered again... */
#define RECORD_MARGIN_MS 2000       /* ...while the lease has this much left */
#define STOP_GRACE_S 2              /* after the shutdown deadline: time to hand back cut-off sends */
#define NOTIFY_CHANNEL "clausetrack_deliveries"

enum phase {
    P_SENDING,   /* the HTTP request is in flight */
    P_SENT,      /* finished; the connection is freed on the next loop turn */
    P_RECORDING, /* api.delivery_record is queued or waiting for a retry */
};

enum lstate { L_DOWN, L_CONNECTING, L_READY };

/* One claimed delivery, from the claim to its recorded outcome. */
struct send {
    struct send *prev, *next;
    struct dispatcher *d;
    enum phase phase;
    char id[40];                   /* delivery id */
    char event_id[80];             /* webhook-id */
    int attempt;                   /* this attempt's number, from 1 */
    char *payload;
    size_t payload_len;
    struct evhttp_connection *evcon;
    struct event *timer;           /* deadline while sending; next step afterwards */
    int64_t claimed_us, start_us, latency_ms;
    int http_status;               /* from the status line (0: none) */
    char retry_after[64];
    int net_error;                 /* enum evhttp_request_error, or -1 */
    char note[256];                /* what went wrong (recorded as the attempt's error) */
    const char *outcome;           /* delivered | gone | retry | release */
    long long delay_ms;
};

struct dispatcher {
    struct ct_app *app;
    /* configuration, read at start */
    int timeout_s, poll_ms, backoff_ms, backoff_max_s, window_s, lease_s, concurrency;
    char worker[128];              /* locked_by: host:pid:random */
    struct event_base *base;
    struct evdns_base *dns;
    SSL_CTX *ssl;
    struct ct_pool *pool;
    struct event *poll_ev, *kick_ev, *stop_ev, *deadline_ev, *stats_ev, *impact_ev;
    pthread_t thread;
    /* loop-thread state */
    int claiming, rekick, stopping, cut_off, exited, stats_busy;
    int nsends;
    struct send *sends;
    uint64_t rng;
    int64_t claim_error_logged_us;
    /* LISTEN */
    PGconn *lpg;
    enum lstate lstate;
    int lflushing;
    struct event *lev, *lretry;
    /* read by /metrics on any thread */
    _Atomic int stop_requested;
    _Atomic unsigned long long m_sent, m_delivered, m_failed, m_unsuccessful;
    _Atomic int m_inflight;
    _Atomic long long m_pending, m_oldest_ms; /* -1: not read yet */
};

static void *dispatcher_main(void *arg);
static void stop_cb(evutil_socket_t fd, short what, void *arg);
static void deadline_cb(evutil_socket_t fd, short what, void *arg);
static void maybe_exit(struct dispatcher *d);
static void poll_cb(evutil_socket_t fd, short what, void *arg);
static void kick_cb(evutil_socket_t fd, short what, void *arg);
static void kick(struct dispatcher *d);
static void claim_done(PGresult *res, const struct ct_err *err, void *arg);
static void start_send(struct dispatcher *d, PGresult *res, int row);
static int open_connection(struct send *s, const char *url, char *target, size_t target_len, char *hostport,
                           size_t hostport_len);
static int on_headers(struct evhttp_request *req, void *arg);
static void on_error(enum evhttp_request_error err, void *arg);
static void on_done(struct evhttp_request *req, void *arg);
static void send_deadline_cb(evutil_socket_t fd, short what, void *arg);
static void describe_failure(struct send *s, int saved_errno);
static void sent(struct send *s);
static void after_sent_cb(evutil_socket_t fd, short what, void *arg);
static void decide(struct send *s);
static long long parse_retry_after(const char *v);
static long long backoff(struct dispatcher *d, int attempt);
static void record(struct send *s);
static void record_done(PGresult *res, const struct ct_err *err, void *arg);
static void record_retry_cb(evutil_socket_t fd, short what, void *arg);
static void send_free(struct send *s);
static void stats_cb(evutil_socket_t fd, short what, void *arg);
static void stats_done(PGresult *res, const struct ct_err *err, void *arg);
static void impact_cb(evutil_socket_t fd, short what, void *arg);
static void impact_done(PGresult *res, const struct ct_err *err, void *arg);
static void listen_connect(struct dispatcher *d);
static void listen_down(struct dispatcher *d, const char *why);
static void listen_wait(struct dispatcher *d, short what);
static void listen_cb(evutil_socket_t fd, short what, void *arg);
static void listen_retry_cb(evutil_socket_t fd, short what, void *arg);
static SSL_CTX *tls_context(const char *ca_file);
static int is_ip_literal(const char *host);
static uint64_t rng_next(struct dispatcher *d);

/* ---- life ---- */

struct dispatcher *dispatcher_start(struct ct_app *app)
{
    struct dispatcher *d = ct_xcalloc(1, sizeof *d);
    const struct ct_cfg *cfg = &app->cfg;
    d->app = app;
    d->timeout_s = cfg->delivery_timeout;
    d->poll_ms = cfg->delivery_poll_ms;
    d->backoff_ms = cfg->delivery_backoff_ms;
    d->backoff_max_s = cfg->delivery_backoff_max;
    d->window_s = cfg->delivery_retry_window;
    d->concurrency = cfg->delivery_concurrency;
    d->lease_s = cfg->delivery_lease;
    /* a lease must outlast a send (timeout) plus recording its result */
    if (d->lease_s < d->timeout_s + 5) {
        ct_log_warn("dispatcher: delivery_lease %d s is shorter than delivery_timeout + 5 s; using %d s", d->lease_s,
                    d->timeout_s + 5);
        d->lease_s = d->timeout_s + 5;
    }
    atomic_store(&d->m_pending, -1);
    atomic_store(&d->m_oldest_ms, -1);

    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        ct_die("cannot start: no randomness for the dispatcher");
    memcpy(&d->rng, rnd, sizeof d->rng);
    d->rng |= 1;
    char host[64] = "host";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(d->worker, sizeof d->worker, "%.63s:%d:%02x%02x%02x%02x", host, (int)getpid(), rnd[0], rnd[1], rnd[2],
             rnd[3]);

    d->ssl = tls_context(cfg->ca_file);
    d->base = event_base_new();
    if (!d->base)
        ct_die("cannot start: the dispatcher's event loop");
    d->dns = evdns_base_new(d->base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (!d->dns)
        ct_log_warn("dispatcher: no asynchronous DNS resolver; host names resolve blocking");
    d->pool = ct_pool_new(d->base, cfg->database_url, 2);
    d->poll_ev = event_new(d->base, -1, EV_PERSIST, poll_cb, d);
    d->kick_ev = event_new(d->base, -1, 0, kick_cb, d);
    d->stop_ev = event_new(d->base, -1, 0, stop_cb, d);
    d->deadline_ev = evtimer_new(d->base, deadline_cb, d);
    d->stats_ev = event_new(d->base, -1, EV_PERSIST, stats_cb, d);
    d->impact_ev = evtimer_new(d->base, impact_cb, d);
    d->lev = event_new(d->base, -1, 0, listen_cb, d);
    d->lretry = evtimer_new(d->base, listen_retry_cb, d);

    struct timeval tv_poll = {d->poll_ms / 1000, (d->poll_ms % 1000) * 1000};
    event_add(d->poll_ev, &tv_poll);
    struct timeval stats = {STATS_EVERY_S, 0};
    event_add(d->stats_ev, &stats);
    struct timeval impact = {IMPACT_FIRST_S, 0};
    evtimer_add(d->impact_ev, &impact);
    listen_connect(d);

    if (pthread_create(&d->thread, NULL, dispatcher_main, d) != 0)
        ct_die("cannot start: the dispatcher's thread");
    ct_log_info("dispatcher %s: up to %d deliveries at once, timeout %d s, lease %d s", d->worker, d->concurrency,
                d->timeout_s, d->lease_s);
    return d;
}

static void *dispatcher_main(void *arg)
{
    struct dispatcher *d = arg;
    event_base_loop(d->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

void dispatcher_stop(struct dispatcher *d)
{
    if (!d || atomic_exchange(&d->stop_requested, 1))
        return;
    event_active(d->stop_ev, EV_READ, 0);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct dispatcher *d = arg;
    if (d->stopping)
        return;
    d->stopping = 1;
    event_del(d->poll_ev);
    event_del(d->stats_ev);
    event_del(d->impact_ev);
    event_del(d->lretry);
    if (d->nsends > 0 || d->claiming)
        ct_log_info("dispatcher: finishing %d delivery(ies) in flight", d->nsends);
    struct timeval tv = {d->app->cfg.shutdown_timeout, 0};
    evtimer_add(d->deadline_ev, &tv);
    maybe_exit(d);
}

/* The shutdown deadline: cut off what is still sending and hand it back (pending at once, so
 * another dispatcher takes it without waiting for the lease); a little later, leave regardless. */
static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct dispatcher *d = arg;
    if (d->cut_off) {
        ct_log_warn("dispatcher: leaving with %d delivery(ies) unrecorded; their leases will expire", d->nsends);
        event_base_loopexit(d->base, NULL);
        return;
    }
    d->cut_off = 1;
    for (struct send *s = d->sends, *next; s; s = next) {
        next = s->next;
        if (s->phase != P_SENDING)
            continue;
        evhttp_connection_free(s->evcon); /* no callbacks: we are not inside the connection */
        s->evcon = NULL;
        s->latency_ms = (ct_now_us() - s->start_us) / 1000;
        snprintf(s->note, sizeof s->note, "interrupted: the dispatcher was shutting down");
        s->outcome = "release";
        s->delay_ms = 0;
        s->phase = P_RECORDING;
        event_del(s->timer);
        record(s);
    }
    struct timeval tv = {STOP_GRACE_S, 0};
    evtimer_add(d->deadline_ev, &tv);
}

static void maybe_exit(struct dispatcher *d)
{
    if (d->stopping && d->nsends == 0 && !d->claiming)
        event_base_loopexit(d->base, NULL);
}

void dispatcher_free(struct dispatcher *d)
{
    if (!d)
        return;
    dispatcher_stop(d);
    pthread_join(d->thread, NULL);
    d->exited = 1;
    /* fails what the pool still holds: record_done frees those sends, the others let go */
    ct_pool_free(d->pool);
    while (d->sends)
        send_free(d->sends);
    if (d->lpg)
        PQfinish(d->lpg);
    event_free(d->lev);
    event_free(d->lretry);
    event_free(d->poll_ev);
    event_free(d->kick_ev);
    event_free(d->stop_ev);
    event_free(d->deadline_ev);
    event_free(d->stats_ev);
    event_free(d->impact_ev);
    if (d->dns)
        evdns_base_free(d->dns, 0);
    SSL_CTX_free(d->ssl);
    event_base_free(d->base);
    free(d);
}

/* ---- claiming ---- */

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kick(arg);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kick(arg);
}

/* Claim as many due deliveries as there are free slots; one claim at a time. */
static void kick(struct dispatcher *d)
{
    if (d->stopping || d->exited)
        return;
    if (d->claiming) {
        d->rekick = 1;
        return;
    }
    int free_slots = d->concurrency - d->nsends;
    if (free_slots <= 0)
        return;
    d->claiming = 1;
    d->rekick = 0;
    char limit[16], lease[16];
    snprintf(limit, sizeof limit, "%d", free_slots);
    snprintf(lease, sizeof lease, "%d", d->lease_s);
    const char *params[3] = {d->worker, limit, lease};
    ct_pool_query(d->pool,
                  "select delivery_id, url, secret, event_id, payload, attempts "
                  "from api.delivery_claim($1, $2::int, $3::int)",
                  3, params, claim_done, d);
}

static void claim_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct dispatcher *d = arg;
    d->claiming = 0;
    if (d->exited)
        return;
    if (err) {
        int64_t now = ct_now_us();
        if (now - d->claim_error_logged_us > 30 * 1000000LL) {
            ct_log_warn("dispatcher: cannot claim deliveries: %s", err->detail);
            d->claim_error_logged_us = now;
        }
        maybe_exit(d);
        return;
    }
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        start_send(d, res, i);
    if (d->rekick || (n > 0 && !d->stopping))
        event_active(d->kick_ev, EV_READ, 0);
    maybe_exit(d);
}

/* ---- sending ---- */

static void start_send(struct dispatcher *d, PGresult *res, int row)
{
    struct send *s = ct_xcalloc(1, sizeof *s);
    s->d = d;
    s->phase = P_SENDING;
    s->net_error = -1;
    snprintf(s->id, sizeof s->id, "%s", PQgetvalue(res, row, 0));
    snprintf(s->event_id, sizeof s->event_id, "%s", PQgetvalue(res, row, 3));
    s->payload_len = (size_t)PQgetlength(res, row, 4);
    s->payload = ct_xmalloc(s->payload_len + 1);
    memcpy(s->payload, PQgetvalue(res, row, 4), s->payload_len + 1);
    s->attempt = atoi(PQgetvalue(res, row, 5)) + 1;
    s->claimed_us = s->start_us = ct_now_us();
    s->timer = evtimer_new(d->base, send_deadline_cb, s);
    s->next = d->sends;
    if (d->sends)
        d->sends->prev = s;
    d->sends = s;
    d->nsends++;
    atomic_fetch_add(&d->m_inflight, 1);

    /* the signature: Standard Webhooks over id "." timestamp "." body with the secret's bytes */
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen = sizeof key;
    char sig[CT_WEBHOOK_SIGNATURE_BUFSIZE], ts[24];
    long long now = (long long)time(NULL);
    snprintf(ts, sizeof ts, "%lld", now);
    if (ct_webhook_secret_decode(PQgetvalue(res, row, 2), key, &keylen) ||
        ct_webhook_sign(key, keylen, s->event_id, now, s->payload, s->payload_len, sig, sizeof sig)) {
        snprintf(s->note, sizeof s->note, "cannot sign: the subscription's secret is unusable");
        sent(s);
        return;
    }
    char target[2100], hostport[300];
    if (open_connection(s, PQgetvalue(res, row, 1), target, sizeof target, hostport, sizeof hostport)) {
        sent(s);
        return;
    }
    struct evhttp_request *req = evhttp_request_new(on_done, s);
    evhttp_request_set_header_cb(req, on_headers);
    evhttp_request_set_error_cb(req, on_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", hostport);
    evhttp_add_header(h, "User-Agent", "clausetrack/" CT_VERSION);
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Accept", "*/*");
    evhttp_add_header(h, "Connection", "close");
    evhttp_add_header(h, "webhook-id", s->event_id);
    evhttp_add_header(h, "webhook-timestamp", ts);
    evhttp_add_header(h, "webhook-signature", sig);
    evbuffer_add(evhttp_request_get_output_buffer(req), s->payload, s->payload_len);
    atomic_fetch_add(&d->m_sent, 1);
    struct timeval tv = {d->timeout_s, 0};
    evtimer_add(s->timer, &tv);
    /* on failure libevent may already have called on_done (which moved the phase on) */
    if (evhttp_make_request(s->evcon, req, EVHTTP_REQ_POST, target) != 0 && s->phase == P_SENDING) {
        evhttp_request_free(req);
        snprintf(s->note, sizeof s->note, "cannot start the request");
        sent(s);
    }
}

/* The connection for s->url: plain TCP, or TLS with SNI and the certificate checked against the
 * host name (or IP address) and the trusted CAs. Fills the request target and the Host header. */
static int open_connection(struct send *s, const char *url, char *target, size_t target_len, char *hostport,
                           size_t hostport_len)
{
    struct dispatcher *d = s->d;
    struct evhttp_uri *u = evhttp_uri_parse_with_flags(url, 0);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *host = u ? evhttp_uri_get_host(u) : NULL;
    int tls = scheme && strcasecmp(scheme, "https") == 0;
    if (!u || !scheme || (!tls && strcasecmp(scheme, "http") != 0) || !host || !*host) {
        snprintf(s->note, sizeof s->note, "the subscription's URL is not usable");
        evhttp_uri_free(u);
        return -1;
    }
    int port = evhttp_uri_get_port(u);
    int default_port = tls ? 443 : 80;
    if (port <= 0)
        port = default_port;
    const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    snprintf(target, target_len, "%s%s%s", path && *path ? path : "/", query ? "?" : "", query ? query : "");
    int v6 = strchr(host, ':') != NULL;
    if (port == default_port)
        snprintf(hostport, hostport_len, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
    else
        snprintf(hostport, hostport_len, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);

    struct bufferevent *bev;
    if (tls) {
        SSL *ssl = SSL_new(d->ssl);
        int ok = ssl != NULL;
        if (ok && is_ip_literal(host)) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
        } else if (ok) {
            ok = SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
        }
        if (!ok) {
            SSL_free(ssl);
            snprintf(s->note, sizeof s->note, "cannot set up TLS for this host");
            evhttp_uri_free(u);
            return -1;
        }
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
        bev = bufferevent_openssl_socket_new(d->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev)
            bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        else
            SSL_free(ssl);
    } else {
        bev = bufferevent_socket_new(d->base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (bev)
        s->evcon = evhttp_connection_base_bufferevent_new(d->base, d->dns, bev, host, (unsigned short)port);
    evhttp_uri_free(u);
    if (!s->evcon) {
        if (bev)
            bufferevent_free(bev);
        snprintf(s->note, sizeof s->note, "cannot create a connection");
        return -1;
    }
    evhttp_connection_set_timeout(s->evcon, d->timeout_s);
    evhttp_connection_set_retries(s->evcon, 0);
    evhttp_connection_set_max_body_size(s->evcon, MAX_RESPONSE_BODY);
    evhttp_connection_set_max_headers_size(s->evcon, MAX_RESPONSE_HEADERS);
    return 0;
}

/* The status line is what counts: kept as soon as the headers are in. */
static int on_headers(struct evhttp_request *req, void *arg)
{
    struct send *s = arg;
    s->http_status = evhttp_request_get_response_code(req);
    const char *ra = evhttp_find_header(evhttp_request_get_input_headers(req), "Retry-After");
    snprintf(s->retry_after, sizeof s->retry_after, "%s", ra ? ra : "");
    return 0;
}

static void on_error(enum evhttp_request_error err, void *arg)
{
    struct send *s = arg;
    s->net_error = (int)err;
}

/* Called by libevent when the exchange ends: req is NULL after a failure (on_error ran first),
 * or a request whose response code is 0 when the connection could not be made. */
static void on_done(struct evhttp_request *req, void *arg)
{
    struct send *s = arg;
    int saved_errno = errno;
    if (s->phase != P_SENDING)
        return;
    if (req && evhttp_request_get_response_code(req) > 0) {
        s->http_status = evhttp_request_get_response_code(req);
        const char *ra = evhttp_find_header(evhttp_request_get_input_headers(req), "Retry-After");
        snprintf(s->retry_after, sizeof s->retry_after, "%s", ra ? ra : "");
    } else {
        describe_failure(s, saved_errno);
    }
    sent(s);
}

/* The whole exchange may take delivery_timeout seconds, however slowly the bytes trickle. */
static void send_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct send *s = arg;
    if (s->phase != P_SENDING)
        return;
    evhttp_connection_free(s->evcon); /* frees the request without calling back */
    s->evcon = NULL;
    snprintf(s->note, sizeof s->note, "timed out after %d s", s->d->timeout_s);
    sent(s);
}

static void describe_failure(struct send *s, int saved_errno)
{
    char what[160] = "";
    struct bufferevent *bev = s->evcon ? evhttp_connection_get_bufferevent(s->evcon) : NULL;
    int dns_err = bev ? bufferevent_socket_get_dns_error(bev) : 0;
    SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    unsigned long ssl_err = 0, e;
    if (bev)
        while ((e = bufferevent_get_openssl_error(bev)) != 0)
            if (!ssl_err)
                ssl_err = e;
    long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (dns_err) {
        snprintf(what, sizeof what, "cannot resolve the host: %s", evutil_gai_strerror(dns_err));
    } else if (verify != X509_V_OK) {
        snprintf(what, sizeof what, "TLS certificate not accepted: %s", X509_verify_cert_error_string(verify));
    } else if (ssl_err) {
        char buf[128];
        ERR_error_string_n(ssl_err, buf, sizeof buf);
        snprintf(what, sizeof what, "TLS failed: %s", buf);
    } else {
        switch (s->net_error) {
        case EVREQ_HTTP_TIMEOUT: snprintf(what, sizeof what, "timed out"); break;
        case EVREQ_HTTP_EOF: snprintf(what, sizeof what, "the connection closed before a complete response"); break;
        case EVREQ_HTTP_INVALID_HEADER: snprintf(what, sizeof what, "malformed response"); break;
        case EVREQ_HTTP_BUFFER_ERROR: snprintf(what, sizeof what, "network error"); break;
        case EVREQ_HTTP_REQUEST_CANCEL: snprintf(what, sizeof what, "cancelled"); break;
        case EVREQ_HTTP_DATA_TOO_LONG:
            snprintf(what, sizeof what, "response larger than %d bytes (not read)", MAX_RESPONSE_BODY);
            break;
        default:
            /* libevent 2.1 reports only a refused connection and a connect timeout this way (errno
             * is gone by then: closing the socket overwrote it) */
            if (saved_errno == EHOSTUNREACH || saved_errno == ENETUNREACH)
                snprintf(what, sizeof what, "cannot connect: %s", strerror(saved_errno));
            else if (ct_now_us() - s->start_us >= (int64_t)s->d->timeout_s * 1000000 - 100000)
                snprintf(what, sizeof what, "cannot connect: timed out");
            else
                snprintf(what, sizeof what, "cannot connect: connection refused");
        }
    }
    if (bev)
        ERR_clear_error();
    snprintf(s->note, sizeof s->note, "%s", what);
}

/* The exchange is over (or never started). The connection is freed on the next loop turn:
 * we may be inside one of its callbacks now. */
static void sent(struct send *s)
{
    s->phase = P_SENT;
    s->latency_ms = (ct_now_us() - s->start_us) / 1000;
    event_del(s->timer);
    event_assign(s->timer, s->d->base, -1, 0, after_sent_cb, s);
    struct timeval zero = {0, 0};
    evtimer_add(s->timer, &zero);
}

static void after_sent_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct send *s = arg;
    if (s->evcon) {
        evhttp_connection_free(s->evcon);
        s->evcon = NULL;
    }
    decide(s);
    s->phase = P_RECORDING;
    record(s);
}

/* 2xx delivered; 410 gone; anything else is retried: 429 and 5xx after Retry-After when given
 * (seconds or an HTTP date; 1 s at least, delivery_backoff_max at most), else after an exponential
 * backoff. */
static void decide(struct send *s)
{
    struct dispatcher *d = s->d;
    int st = s->http_status;
    if (st >= 200 && st <= 299) {
        s->outcome = "delivered";
        return;
    }
    atomic_fetch_add(&d->m_unsuccessful, 1);
    if (st > 0) {
        char line[64];
        snprintf(line, sizeof line, "HTTP %d%s", st, st >= 300 && st <= 399 ? " (redirects are not followed)" : "");
        if (s->note[0]) {
            char tmp[sizeof s->note + sizeof line + 2];
            snprintf(tmp, sizeof tmp, "%s; %s", line, s->note);
            size_t n = strlen(tmp) < sizeof s->note ? strlen(tmp) : sizeof s->note - 1;
            memcpy(s->note, tmp, n);
            s->note[n] = '\0';
        } else {
            snprintf(s->note, sizeof s->note, "%s", line);
        }
    }
    if (st == 410) {
        s->outcome = "gone";
        return;
    }
    s->outcome = "retry";
    long long ra = (st == 429 || st >= 500) ? parse_retry_after(s->retry_after) : -1;
    if (ra >= 0) {
        if (ra > d->backoff_max_s)
            ra = d->backoff_max_s;
        s->delay_ms = ra < 1 ? 1000 : ra * 1000; /* "Retry-After: 0" must not make a busy loop */
    } else {
        s->delay_ms = backoff(d, s->attempt);
    }
}

/* Retry-After as delay-seconds or an IMF-fixdate; -1 when absent or unreadable. */
static long long parse_retry_after(const char *v)
{
    if (!v || !*v)
        return -1;
    if (strspn(v, "0123456789") == strlen(v))
        return strlen(v) > 9 ? 999999999LL : atoll(v);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return -1;
    long long at = (long long)timegm(&tm), now = (long long)time(NULL);
    return at > now ? at - now : 0;
}

/* delivery_backoff_ms x 2^(attempt-1), +-20 % jitter, at most delivery_backoff_max seconds. */
static long long backoff(struct dispatcher *d, int attempt)
{
    double ms = d->backoff_ms;
    for (int i = 1; i < attempt && ms < 1e12; i++)
        ms *= 2;
    double jitter = 0.8 + 0.4 * ((double)(rng_next(d) >> 11) / 9007199254740992.0);
    ms *= jitter;
    double cap = (double)d->backoff_max_s * 1000.0;
    return (long long)(ms > cap ? cap : ms);
}

/* ---- recording ---- */

static void record(struct send *s)
{
    struct dispatcher *d = s->d;
    char status[16], latency[24], delay[24], window[16];
    snprintf(status, sizeof status, "%d", s->http_status);
    snprintf(latency, sizeof latency, "%lld", (long long)s->latency_ms);
    snprintf(delay, sizeof delay, "%lld", s->delay_ms);
    snprintf(window, sizeof window, "%d", d->window_s);
    const char *params[8] = {s->id, d->worker, s->http_status > 0 ? status : NULL, latency,
                             s->note[0] ? s->note : NULL, s->outcome, delay, window};
    ct_pool_query(d->pool, "select api.delivery_record($1::uuid, $2, $3::int, $4::int, $5, $6, $7::bigint, $8::int)", 8,
                  params, record_done, s);
}

static void record_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct send *s = arg;
    struct dispatcher *d = s->d;
    if (d->exited) {
        send_free(s);
        return;
    }
    if (err) {
        int64_t left_ms = (s->claimed_us / 1000 + (int64_t)d->lease_s * 1000) - ct_now_us() / 1000;
        if (left_ms > RECORD_MARGIN_MS && !d->cut_off) {
            event_assign(s->timer, d->base, -1, 0, record_retry_cb, s);
            struct timeval tv = {0, RECORD_RETRY_MS * 1000};
            evtimer_add(s->timer, &tv);
            return;
        }
        ct_log_warn("dispatcher: delivery %s: cannot record the attempt (%s); it is sent again when its lease "
                    "expires", s->id, err->detail);
        send_free(s);
        kick(d);
        maybe_exit(d);
        return;
    }
    const char *now = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";
    if (strcmp(now, "delivered") == 0) {
        atomic_fetch_add(&d->m_delivered, 1);
        ct_log_debug("dispatcher: delivery %s (%s) delivered in %lld ms", s->id, s->event_id, (long long)s->latency_ms);
    } else if (strcmp(now, "failed") == 0) {
        atomic_fetch_add(&d->m_failed, 1);
        ct_log_warn("dispatcher: delivery %s (%s) failed after %d attempt(s): %s", s->id, s->event_id, s->attempt,
                    s->note);
    } else if (strcmp(now, "lost") == 0) {
        ct_log_info("dispatcher: delivery %s: no longer ours (its subscription was deleted, or the lease ran out); "
                    "the attempt is recorded", s->id);
    } else {
        ct_log_info("dispatcher: delivery %s (%s) attempt %d: %s; next in %.1f s", s->id, s->event_id, s->attempt,
                    s->note, (double)s->delay_ms / 1000.0);
    }
    send_free(s);
    kick(d);
    maybe_exit(d);
}

static void record_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    record(arg);
}

static void send_free(struct send *s)
{
    struct dispatcher *d = s->d;
    if (s->prev)
        s->prev->next = s->next;
    else
        d->sends = s->next;
    if (s->next)
        s->next->prev = s->prev;
    d->nsends--;
    atomic_fetch_sub(&d->m_inflight, 1);
    if (s->evcon)
        evhttp_connection_free(s->evcon);
    event_free(s->timer);
    free(s->payload);
    free(s);
}

/* ---- backlog gauges, the monthly impact event ---- */

static void stats_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct dispatcher *d = arg;
    if (d->stats_busy || d->stopping)
        return;
    d->stats_busy = 1;
    ct_pool_query(d->pool, "select pending, oldest_age_s from api.delivery_stats()", 0, NULL, stats_done, d);
}

static void stats_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct dispatcher *d = arg;
    d->stats_busy = 0;
    if (err || d->exited || PQntuples(res) != 1)
        return;
    atomic_store(&d->m_pending, atoll(PQgetvalue(res, 0, 0)));
    atomic_store(&d->m_oldest_ms, (long long)(atof(PQgetvalue(res, 0, 1)) * 1000.0));
}

static void impact_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct dispatcher *d = arg;
    if (d->stopping)
        return;
    char *labels = ct_nuts_labels_json();
    char suppress[16];
    snprintf(suppress, sizeof suppress, "%d", d->app->cfg.suppress_below);
    const char *params[2] = {labels, suppress};
    ct_pool_query(d->pool, "select api.impact_monthly_auto($1::jsonb, $2::int)", 2, params, impact_done, d);
    free(labels);
    struct timeval tv = {IMPACT_EVERY_S, 0};
    evtimer_add(d->impact_ev, &tv);
}

static void impact_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct dispatcher *d = arg;
    if (d->exited)
        return;
    if (err)
        ct_log_warn("dispatcher: the monthly impact check failed: %s", err->detail);
    else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        ct_log_info("dispatcher: impact.monthly written (%s)", PQgetvalue(res, 0, 0));
}

/* {"FI1B1": "Helsinki-Uusimaa", ...}: the labels of lib/domain/nuts.c. Returns new. */

/* ---- LISTEN: a commit that creates deliveries wakes the dispatcher at once; polling stays the
 * safety net (notifications are lost while this connection is down) ---- */

static void listen_connect(struct dispatcher *d)
{
    d->lpg = PQconnectStart(d->app->cfg.database_url);
    if (!d->lpg || PQstatus(d->lpg) == CONNECTION_BAD) {
        listen_down(d, d->lpg ? PQerrorMessage(d->lpg) : "out of memory");
        return;
    }
    PQsetnonblocking(d->lpg, 1);
    d->lstate = L_CONNECTING;
    listen_wait(d, EV_WRITE);
}

static void listen_wait(struct dispatcher *d, short what)
{
    event_del(d->lev);
    event_assign(d->lev, d->base, PQsocket(d->lpg), what, listen_cb, d);
    event_add(d->lev, NULL);
}

static void listen_down(struct dispatcher *d, const char *why)
{
    if (d->lstate == L_READY)
        ct_log_warn("dispatcher: LISTEN connection lost (%.200s); polling only until it is back", why ? why : "");
    event_del(d->lev);
    if (d->lpg)
        PQfinish(d->lpg);
    d->lpg = NULL;
    d->lstate = L_DOWN;
    if (!d->stopping) {
        struct timeval tv = {LISTEN_RETRY_S, 0};
        evtimer_add(d->lretry, &tv);
    }
}

static void listen_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct dispatcher *d = arg;
    if (!d->stopping)
        listen_connect(d);
}

static void listen_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct dispatcher *d = arg;
    if (d->lstate == L_CONNECTING) {
        PostgresPollingStatusType r = PQconnectPoll(d->lpg);
        if (r == PGRES_POLLING_READING) {
            listen_wait(d, EV_READ);
        } else if (r == PGRES_POLLING_WRITING) {
            listen_wait(d, EV_WRITE);
        } else if (r == PGRES_POLLING_OK) {
            if (!PQsendQuery(d->lpg, "listen " NOTIFY_CHANNEL)) {
                listen_down(d, PQerrorMessage(d->lpg));
                return;
            }
            d->lstate = L_READY;
            d->lflushing = PQflush(d->lpg) == 1;
            listen_wait(d, d->lflushing ? EV_READ | EV_WRITE : EV_READ);
            kick(d); /* whatever was committed while we were not listening */
        } else {
            listen_down(d, PQerrorMessage(d->lpg));
        }
        return;
    }
    if (d->lstate != L_READY)
        return;
    if (d->lflushing && (what & EV_WRITE)) {
        int f = PQflush(d->lpg);
        if (f < 0) {
            listen_down(d, PQerrorMessage(d->lpg));
            return;
        }
        d->lflushing = f == 1;
    }
    if (what & EV_READ) {
        if (!PQconsumeInput(d->lpg)) {
            listen_down(d, PQerrorMessage(d->lpg));
            return;
        }
        while (!PQisBusy(d->lpg)) {
            PGresult *r = PQgetResult(d->lpg);
            if (!r)
                break;
            PQclear(r);
        }
        int woken = 0;
        PGnotify *n;
        while ((n = PQnotifies(d->lpg)) != NULL) {
            woken = 1;
            PQfreemem(n);
        }
        if (PQstatus(d->lpg) == CONNECTION_BAD) {
            listen_down(d, PQerrorMessage(d->lpg));
            return;
        }
        if (woken)
            kick(d);
    }
    listen_wait(d, d->lflushing ? EV_READ | EV_WRITE : EV_READ);
}

/* ---- TLS ---- */

static SSL_CTX *tls_context(const char *ca_file)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        ct_die("cannot start: no TLS context for deliveries");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file && *ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
            ct_die("cannot start: ca_file %s: not a readable PEM certificate bundle", ca_file);
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ct_log_warn("dispatcher: the system's CA store could not be loaded; HTTPS deliveries will fail");
    }
    ERR_clear_error();
    return ctx;
}

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static uint64_t rng_next(struct dispatcher *d)
{
    uint64_t x = d->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d->rng = x;
    return x;
}

/* ---- metrics ---- */

void dispatcher_metrics_write(struct dispatcher *d, struct evbuffer *b)
{
    unsigned long long sent = d ? atomic_load(&d->m_sent) : 0, delivered = d ? atomic_load(&d->m_delivered) : 0,
                       failed = d ? atomic_load(&d->m_failed) : 0,
                       unsuccessful = d ? atomic_load(&d->m_unsuccessful) : 0;
    int inflight = d ? atomic_load(&d->m_inflight) : 0;
    long long pending = d ? atomic_load(&d->m_pending) : -1, oldest = d ? atomic_load(&d->m_oldest_ms) : -1;
    evbuffer_add_printf(b,
                        "# HELP clausetrack_deliveries_sent_total Delivery attempts this process sent.\n"
                        "# TYPE clausetrack_deliveries_sent_total counter\n"
                        "clausetrack_deliveries_sent_total %llu\n"
                        "# HELP clausetrack_deliveries_delivered_total Deliveries this process completed with a 2xx.\n"
                        "# TYPE clausetrack_deliveries_delivered_total counter\n"
                        "clausetrack_deliveries_delivered_total %llu\n"
                        "# HELP clausetrack_deliveries_unsuccessful_total Attempts answered otherwise or not at all.\n"
                        "# TYPE clausetrack_deliveries_unsuccessful_total counter\n"
                        "clausetrack_deliveries_unsuccessful_total %llu\n"
                        "# HELP clausetrack_deliveries_failed_total Deliveries this process gave up on (or 410).\n"
                        "# TYPE clausetrack_deliveries_failed_total counter\n"
                        "clausetrack_deliveries_failed_total %llu\n"
                        "# HELP clausetrack_deliveries_in_flight Deliveries this process is sending or recording.\n"
                        "# TYPE clausetrack_deliveries_in_flight gauge\n"
                        "clausetrack_deliveries_in_flight %d\n",
                        sent, delivered, unsuccessful, failed, inflight);
    if (pending >= 0)
        evbuffer_add_printf(b,
                            "# HELP clausetrack_deliveries_pending Open deliveries of active subscriptions (database).\n"
                            "# TYPE clausetrack_deliveries_pending gauge\n"
                            "clausetrack_deliveries_pending %lld\n"
                            "# HELP clausetrack_deliveries_oldest_pending_age_seconds Age of the oldest open delivery.\n"
                            "# TYPE clausetrack_deliveries_oldest_pending_age_seconds gauge\n"
                            "clausetrack_deliveries_oldest_pending_age_seconds %.3f\n",
                            pending, (double)oldest / 1000.0);
}
