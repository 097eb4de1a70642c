/* receiver.c - see receiver.h. One libevent loop on its own thread; the test's thread talks to it
 * through a mutex (behaviour, secrets, hits) and a control event (stop the loop to change the
 * listener). A held-back answer is dropped when its client goes away (the close callback), as
 * libevent frees the request then. Linked into every integration binary: no main here. */
#include "receiver.h"
#include "ct/webhook.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PATHS 64

struct behaviour {
    char path[128];
    int status, delay_ms, fail_n, fail_status;
    size_t body_bytes;
    char retry_after[64];
};

struct secret {
    char path[128];
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
};

struct held {
    struct held *prev, *next;
    struct rcv *r;
    struct evhttp_request *req; /* NULL once the client went away */
    struct event *timer;
    int hit, status;
    size_t body_bytes;
    char retry_after[64];
};

struct rcv {
    pthread_t thread;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *ctl;
    SSL_CTX *ssl;
    int port;
    pthread_mutex_t mu;
    struct behaviour beh[MAX_PATHS];
    int nbeh;
    struct secret sec[MAX_PATHS];
    int nsec;
    struct rcv_hit *hits;
    int nhits, caphits;
    struct held *held;
};

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void threads_init(void);
static void *loop_main(void *arg);
static void ctl_cb(evutil_socket_t fd, short what, void *arg);
static void loop_start(struct rcv *r);
static void loop_stop(struct rcv *r);
static void bind_port(struct rcv *r);
static struct bufferevent *tls_bev(struct event_base *base, void *arg);
static void on_request(struct evhttp_request *req, void *arg);
static void answer(struct rcv *r, struct evhttp_request *req, int hit, int status, size_t body_bytes,
                   const char *retry_after);
static void held_closed(struct evhttp_connection *conn, void *arg);
static void held_timer(evutil_socket_t fd, short what, void *arg);
static void held_free(struct held *h);
static struct behaviour *behaviour_for(struct rcv *r, const char *path, int create);
static void copy_header(struct evkeyvalq *h, const char *name, char *out, size_t n);

int64_t rcv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void threads_init(void)
{
    evthread_use_pthreads();
}

static void *loop_main(void *arg)
{
    struct rcv *r = arg;
    event_base_loop(r->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void ctl_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct rcv *r = arg;
    event_base_loopbreak(r->base);
}

static void loop_start(struct rcv *r)
{
    if (pthread_create(&r->thread, NULL, loop_main, r) != 0) {
        fprintf(stderr, "receiver: cannot start a thread\n");
        exit(1);
    }
}

/* The control event is processed even when it fires before the loop runs. */
static void loop_stop(struct rcv *r)
{
    event_active(r->ctl, EV_READ, 0);
    pthread_join(r->thread, NULL);
}

static void bind_port(struct rcv *r)
{
    for (int i = 0; i < 100; i++) {
        r->bound = evhttp_bind_socket_with_handle(r->http, "127.0.0.1", (unsigned short)r->port);
        if (r->bound)
            break;
        usleep(50000); /* the port may linger a moment after rcv_down */
    }
    if (!r->bound) {
        fprintf(stderr, "receiver: cannot listen on port %d\n", r->port);
        exit(1);
    }
    if (r->port == 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        getsockname(evhttp_bound_socket_get_fd(r->bound), (struct sockaddr *)&ss, &len);
        r->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    struct rcv *r = arg;
    return bufferevent_openssl_socket_new(base, -1, SSL_new(r->ssl), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

struct rcv *rcv_start(int port, const char *cert_file, const char *key_file)
{
    pthread_once(&threads_once, threads_init);
    struct rcv *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->port = port;
    r->base = event_base_new();
    r->http = evhttp_new(r->base);
    r->ctl = event_new(r->base, -1, 0, ctl_cb, r);
    evhttp_set_gencb(r->http, on_request, r);
    evhttp_set_timeout(r->http, 30);
    if (cert_file) {
        r->ssl = SSL_CTX_new(TLS_server_method());
        if (!r->ssl || SSL_CTX_use_certificate_chain_file(r->ssl, cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(r->ssl, key_file, SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "receiver: cannot load %s / %s\n", cert_file, key_file);
            exit(1);
        }
        evhttp_set_bevcb(r->http, tls_bev, r);
    }
    bind_port(r);
    loop_start(r);
    return r;
}

int rcv_port(const struct rcv *r)
{
    return r->port;
}

void rcv_down(struct rcv *r)
{
    loop_stop(r);
    if (r->bound)
        evhttp_del_accept_socket(r->http, r->bound);
    r->bound = NULL;
    loop_start(r);
}

void rcv_up(struct rcv *r)
{
    loop_stop(r);
    if (!r->bound)
        bind_port(r);
    loop_start(r);
}

void rcv_free(struct rcv *r)
{
    if (!r)
        return;
    loop_stop(r);
    evhttp_free(r->http); /* closes connections: held answers see their client gone */
    while (r->held)
        held_free(r->held);
    event_free(r->ctl);
    if (r->ssl)
        SSL_CTX_free(r->ssl);
    event_base_free(r->base);
    for (int i = 0; i < r->nhits; i++)
        free(r->hits[i].body);
    free(r->hits);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- behaviour and secrets ---- */

static struct behaviour *behaviour_for(struct rcv *r, const char *path, int create)
{
    for (int i = 0; i < r->nbeh; i++)
        if (strcmp(r->beh[i].path, path) == 0)
            return &r->beh[i];
    if (!create || r->nbeh == MAX_PATHS)
        return NULL;
    struct behaviour *b = &r->beh[r->nbeh++];
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "%s", path);
    return b;
}

void rcv_secret(struct rcv *r, const char *path, const char *secret)
{
    pthread_mutex_lock(&r->mu);
    struct secret *s = NULL;
    for (int i = 0; i < r->nsec; i++)
        if (strcmp(r->sec[i].path, path) == 0)
            s = &r->sec[i];
    if (!s && r->nsec < MAX_PATHS)
        s = &r->sec[r->nsec++];
    if (s) {
        snprintf(s->path, sizeof s->path, "%s", path);
        s->keylen = sizeof s->key;
        if (ct_webhook_secret_decode(secret, s->key, &s->keylen) != 0)
            s->keylen = 0;
    }
    pthread_mutex_unlock(&r->mu);
}

void rcv_behave(struct rcv *r, const char *path, int status, int delay_ms, size_t body_bytes, const char *retry_after)
{
    pthread_mutex_lock(&r->mu);
    struct behaviour *b = behaviour_for(r, path, 1);
    if (b) {
        b->status = status;
        b->delay_ms = delay_ms;
        b->body_bytes = body_bytes;
        snprintf(b->retry_after, sizeof b->retry_after, "%s", retry_after ? retry_after : "");
    }
    pthread_mutex_unlock(&r->mu);
}

void rcv_fail_next(struct rcv *r, const char *path, int n, int status)
{
    pthread_mutex_lock(&r->mu);
    struct behaviour *b = behaviour_for(r, path, 1);
    if (b) {
        b->fail_n = n;
        b->fail_status = status;
    }
    pthread_mutex_unlock(&r->mu);
}

/* ---- requests ---- */

static void copy_header(struct evkeyvalq *h, const char *name, char *out, size_t n)
{
    const char *v = evhttp_find_header(h, name);
    snprintf(out, n, "%s", v ? v : "");
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct rcv *r = arg;
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u && evhttp_uri_get_path(u) ? evhttp_uri_get_path(u) : "/";
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char *body = malloc(len + 1);
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    char sig[512], ts[32];
    struct rcv_hit hit;
    memset(&hit, 0, sizeof hit);
    copy_header(h, "webhook-id", hit.id, sizeof hit.id);
    copy_header(h, "webhook-timestamp", ts, sizeof ts);
    copy_header(h, "webhook-signature", sig, sizeof sig);
    copy_header(h, "User-Agent", hit.ua, sizeof hit.ua);
    copy_header(h, "Content-Type", hit.ctype, sizeof hit.ctype);
    snprintf(hit.path, sizeof hit.path, "%s", path);
    hit.ts = atoll(ts);
    const char *t = strstr(body, "\"type\":\"");
    if (t)
        snprintf(hit.type, sizeof hit.type, "%.*s", (int)strcspn(t + 8, "\""), t + 8);
    hit.person = strstr(body, "person_ref") != NULL;
    hit.body = body;
    hit.t_in_us = rcv_now_us();

    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->nsec; i++)
        if (strcmp(r->sec[i].path, path) == 0 && r->sec[i].keylen > 0)
            hit.sig_ok = ct_webhook_verify(r->sec[i].key, r->sec[i].keylen, hit.id, hit.ts, body, len, sig) &&
                         llabs((long long)time(NULL) - hit.ts) <= 300;
    struct behaviour *b = behaviour_for(r, path, 0);
    int status = 200, delay = 0;
    size_t bytes = 0;
    char retry_after[64] = "";
    if (b) {
        status = b->status ? b->status : 200;
        delay = b->delay_ms;
        bytes = b->body_bytes;
        snprintf(retry_after, sizeof retry_after, "%s", b->retry_after);
        if (b->fail_n > 0) {
            b->fail_n--;
            status = b->fail_status;
        }
    }
    hit.status = status;
    if (r->nhits == r->caphits) {
        r->caphits = r->caphits ? r->caphits * 2 : 64;
        r->hits = realloc(r->hits, (size_t)r->caphits * sizeof *r->hits);
    }
    int index = r->nhits++;
    r->hits[index] = hit;
    pthread_mutex_unlock(&r->mu);

    if (delay <= 0) {
        answer(r, req, index, status, bytes, retry_after);
        return;
    }
    struct held *hd = calloc(1, sizeof *hd);
    hd->r = r;
    hd->req = req;
    hd->hit = index;
    hd->status = status;
    hd->body_bytes = bytes;
    snprintf(hd->retry_after, sizeof hd->retry_after, "%s", retry_after);
    hd->timer = evtimer_new(r->base, held_timer, hd);
    hd->next = r->held;
    if (r->held)
        r->held->prev = hd;
    r->held = hd;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), held_closed, hd);
    struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
    evtimer_add(hd->timer, &tv);
}

static void answer(struct rcv *r, struct evhttp_request *req, int hit, int status, size_t body_bytes,
                   const char *retry_after)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "text/plain");
    if (retry_after && *retry_after)
        evhttp_add_header(out, "Retry-After", retry_after);
    struct evbuffer *b = evbuffer_new();
    if (body_bytes > 0) {
        char *big = malloc(body_bytes);
        memset(big, 'x', body_bytes);
        evbuffer_add(b, big, body_bytes);
        free(big);
    } else {
        evbuffer_add(b, "ok", 2);
    }
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Test", b);
    evbuffer_free(b);
    pthread_mutex_lock(&r->mu);
    r->hits[hit].t_out_us = rcv_now_us();
    pthread_mutex_unlock(&r->mu);
}

static void held_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct held *hd = arg;
    hd->req = NULL;
}

static void held_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct held *hd = arg;
    if (hd->req) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(hd->req), NULL, NULL);
        answer(hd->r, hd->req, hd->hit, hd->status, hd->body_bytes, hd->retry_after);
    }
    held_free(hd);
}

static void held_free(struct held *hd)
{
    struct rcv *r = hd->r;
    if (hd->prev)
        hd->prev->next = hd->next;
    else
        r->held = hd->next;
    if (hd->next)
        hd->next->prev = hd->prev;
    event_free(hd->timer);
    free(hd);
}

/* ---- looking at what arrived ---- */

int rcv_hits(struct rcv *r, struct rcv_hit **out)
{
    pthread_mutex_lock(&r->mu);
    int n = r->nhits;
    struct rcv_hit *h = calloc((size_t)(n ? n : 1), sizeof *h);
    for (int i = 0; i < n; i++) {
        h[i] = r->hits[i];
        h[i].body = strdup(r->hits[i].body);
    }
    pthread_mutex_unlock(&r->mu);
    *out = h;
    return n;
}

void rcv_hits_free(struct rcv_hit *h, int n)
{
    for (int i = 0; i < n; i++)
        free(h[i].body);
    free(h);
}

int rcv_count(struct rcv *r, const char *path)
{
    int n = 0;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->nhits; i++)
        n += strcmp(r->hits[i].path, path) == 0;
    pthread_mutex_unlock(&r->mu);
    return n;
}

int rcv_distinct(struct rcv *r, const char *path)
{
    int n = 0;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->nhits; i++) {
        if (strcmp(r->hits[i].path, path) != 0)
            continue;
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(r->hits[k].path, path) == 0 && strcmp(r->hits[k].id, r->hits[i].id) == 0;
        n += !seen;
    }
    pthread_mutex_unlock(&r->mu);
    return n;
}

int rcv_wait(struct rcv *r, const char *path, int n, int timeout_ms)
{
    int64_t end = rcv_now_us() + (int64_t)timeout_ms * 1000;
    while (rcv_distinct(r, path) < n) {
        if (rcv_now_us() > end)
            return -1;
        usleep(20000);
    }
    return 0;
}

/* ---- a certificate for the HTTPS receiver ---- */

int rcv_make_cert(const char *cert_file, const char *key_file, const char *dns_name)
{
    int rc = -1;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    FILE *fc = NULL, *fk = NULL;
    if (!pkey || !x)
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(time(NULL) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)dns_name, -1, -1, 0);
    X509_set_issuer_name(x, name);
    char san[200];
    snprintf(san, sizeof san, "DNS:%s", dns_name);
    const char *exts[][2] = {{"basicConstraints", "critical,CA:TRUE"},
                             {"keyUsage", "critical,digitalSignature,keyCertSign"},
                             {"extendedKeyUsage", "serverAuth"},
                             {"subjectKeyIdentifier", "hash"},
                             {"subjectAltName", san}};
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        if (!e)
            goto out;
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (!X509_sign(x, pkey, EVP_sha256()))
        goto out;
    fc = fopen(cert_file, "w");
    fk = fopen(key_file, "w");
    if (!fc || !fk || !PEM_write_X509(fc, x) || !PEM_write_PrivateKey(fk, pkey, NULL, NULL, 0, NULL, NULL))
        goto out;
    rc = 0;
out:
    if (fc)
        fclose(fc);
    if (fk)
        fclose(fk);
    X509_free(x);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return rc;
}
