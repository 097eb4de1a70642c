/* main.c - clausetrackd: reads the configuration, refuses to start without a valid pseudonym
 * key, opens one listening socket per worker thread (SO_REUSEPORT), runs the workers, and
 * handles signals on the main loop: SIGTERM/SIGINT drain and exit 0 (a second one exits at
 * once), SIGHUP reloads the reloadable keys (a failed reload keeps the old configuration). */
#include "daemon.h"
#include "dispatcher.h"
#include "ct/log.h"
#include "ct/pseudonym.h"
#include "ct/clausenotice.h"
#include "ct/xmlsafe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <libxml/xmlversion.h>
#include <netinet/in.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_version.h>

static struct daemon D;
static int signals_seen;

static void usage(FILE *f);
static int open_listener(const char *addr, struct ct_err *e);
static void *worker_main(void *arg);
static void worker_stop_cb(evutil_socket_t fd, short what, void *arg);
static void worker_deadline_cb(evutil_socket_t fd, short what, void *arg);
static void on_signal(evutil_socket_t sig, short what, void *arg);

static void usage(FILE *f)
{
    fputs("usage: clausetrackd [--config FILE]\n"
          "       clausetrackd --help | --version\n\n"
          "The clausetrack HTTP API, dashboard and delivery dispatcher.\n"
          "Every configuration key can be set in FILE (key = value) or as an environment\n"
          "variable CLAUSETRACK_<KEY>; see docs/operations.md.\n",
          f);
}

static int open_listener(const char *addr, struct ct_err *e)
{
    char host[128];
    snprintf(host, sizeof host, "%s", addr);
    char *colon = strrchr(host, ':');
    if (!colon)
        return ct_err_set(e, 400, "listen: expected host:port, got \"%s\"", addr);
    *colon = '\0';
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535)
        return ct_err_set(e, 400, "listen: bad port in \"%s\"", addr);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa.sin_addr) != 1)
        return ct_err_set(e, 400, "listen: \"%s\" is not an IPv4 address", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) {
        int err = errno;
        close(fd);
        return ct_err_set(e, 400, "listen: cannot listen on %s: %s", addr, strerror(err));
    }
    return fd;
}

static void worker_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ct_worker *w = arg;
    ct_log_warn("worker %d: shutdown deadline reached with %d request(s) in flight", w->index, w->inflight);
    event_base_loopexit(w->base, NULL);
}

static void worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ct_worker *w = arg;
    if (w->stopping)
        return;
    w->stopping = 1;
    if (w->bound) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    if (w->inflight == 0) {
        event_base_loopexit(w->base, NULL);
        return;
    }
    struct timeval tv = {w->app->cfg.shutdown_timeout, 0};
    event_add(w->deadline_ev, &tv);
}

static void *worker_main(void *arg)
{
    struct ct_worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct event_base *main_base = arg;
    if (sig == SIGHUP) {
        struct ct_cfg fresh;
        struct ct_err e;
        ct_err_clear(&e);
        if (ct_cfg_load(&fresh, D.config_path, &e)) {
            ct_log_error("reload failed, keeping the running configuration: %s", e.detail);
            return;
        }
        ct_cfg_apply_reloadable(&D.app.cfg, &fresh);
        ct_log_set_format(D.app.cfg.log_format);
        ct_log_set_level(D.app.cfg.log_level);
        ct_log_info("configuration reloaded");
        return;
    }
    if (++signals_seen > 1) {
        ct_log_warn("second stop signal: exiting at once");
        _exit(1);
    }
    ct_log_info("stopping: no new connections, finishing in-flight requests");
    atomic_store(&D.app.stopping, 1);
    for (int i = 0; i < D.nworkers; i++)
        event_active(D.workers[i]->stop_ev, EV_READ, 0);
    dispatcher_stop(D.dispatcher); /* deliveries in flight finish alongside the requests */
    event_base_loopexit(main_base, NULL);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("clausetrackd %s\n", CT_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            D.config_path = argv[++i];
        } else {
            fprintf(stderr, "clausetrackd: unknown argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    /* 1. configuration and logging: everything after this may log */
    struct ct_err e;
    ct_err_clear(&e);
    if (ct_cfg_load(&D.app.cfg, D.config_path, &e)) {
        fprintf(stderr, "clausetrackd: %s\n", e.detail);
        return 1;
    }
    ct_log_set_format(D.app.cfg.log_format);
    ct_log_set_level(D.app.cfg.log_level);
    ct_log_info("clausetrackd %s (libevent %s, libpq %d, libxml2 %s, yajl %d, %s)", CT_VERSION,
                event_get_version(), PQlibVersion(), LIBXML_DOTTED_VERSION, YAJL_VERSION, OPENSSL_VERSION_TEXT);

    /* 2. the pseudonym key: no key, no daemon */
    if (ct_pseudonym_key_load(D.app.cfg.pseudonym_key_file, D.app.pseudonym_key, &e))
        ct_die("cannot start: %s", e.detail);

    /* 3. libraries that need process-wide set-up before threads start */
    evthread_use_pthreads();
    if (ct_xml_init() != 0)
        ct_die("cannot start: libxml2 initialisation failed");
    signal(SIGPIPE, SIG_IGN);
    char xsd[600];
    snprintf(xsd, sizeof xsd, "%s/clause-notice.xsd", D.app.cfg.xsd_dir);
    struct ct_clausenotice_schema *schema = ct_clausenotice_schema_load(xsd, &e);
    if (!schema)
        ct_die("cannot start: %s", e.detail);
    D.app.clause_schema = schema;

    /* 4. routes, metrics and the workers, each with its own loop, socket and pool */
    dashboard_load(D.app.cfg.dashboard_dir);
    struct ct_route *routes = routes_build(&D.app.nroutes);
    D.app.routes = routes;
    D.app.metrics = ct_xcalloc((size_t)D.app.nroutes + 1, sizeof *D.app.metrics);
    D.app.user = &D;
    D.nworkers = D.app.cfg.threads;
    D.workers = ct_xcalloc((size_t)D.nworkers, sizeof *D.workers);
    for (int i = 0; i < D.nworkers; i++) {
        struct ct_worker *w = ct_xcalloc(1, sizeof *w);
        w->index = i;
        w->app = &D.app;
        /* the changelist folds the add/delete pairs of one loop pass into one epoll_ctl */
        struct event_config *ecfg = event_config_new();
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        w->base = event_base_new_with_config(ecfg);
        event_config_free(ecfg);
        if (!w->base)
            ct_die("cannot start: no event base");
        w->http = evhttp_new(w->base);
        evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                                EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
        long backstop = (D.app.cfg.max_xml_body > D.app.cfg.max_json_body ? D.app.cfg.max_xml_body
                                                                            : D.app.cfg.max_json_body) + 65536;
        evhttp_set_max_body_size(w->http, backstop);
        evhttp_set_max_headers_size(w->http, 64 * 1024);
        evhttp_set_timeout(w->http, 60);
        int fd = open_listener(D.app.cfg.listen, &e);
        if (fd < 0)
            ct_die("cannot start: %s", e.detail);
        w->bound = evhttp_accept_socket_with_handle(w->http, fd);
        if (!w->bound)
            ct_die("cannot start: evhttp refused the listening socket");
        w->pool = ct_pool_new(w->base, D.app.cfg.database_url, D.app.cfg.db_pool_size);
        w->stop_ev = event_new(w->base, -1, 0, worker_stop_cb, w);
        w->deadline_ev = evtimer_new(w->base, worker_deadline_cb, w);
        ct_http_attach(w);
        D.workers[i] = w;
    }

    /* 4b. the janitor on its own thread, loop and connection: statuses as days pass, old keys */
    struct janitor *janitor = janitor_start(&D.app);

    /* 4c. the delivery dispatcher (cfg.dispatcher) on its own thread, loop, pool and TLS context */
    if (D.app.cfg.dispatcher)
        D.dispatcher = dispatcher_start(&D.app);

    /* 5. signals on the main loop, then run */
    struct event_base *main_base = event_base_new();
    struct event *sigs[3];
    int signums[3] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        sigs[i] = evsignal_new(main_base, signums[i], on_signal, main_base);
        event_add(sigs[i], NULL);
    }
    pthread_t *threads = ct_xcalloc((size_t)D.nworkers, sizeof *threads);
    for (int i = 0; i < D.nworkers; i++)
        pthread_create(&threads[i], NULL, worker_main, D.workers[i]);
    ct_log_info("listening on http://%s with %d worker(s), %d database connection(s) each", D.app.cfg.listen,
                D.nworkers, D.app.cfg.db_pool_size);

    event_base_dispatch(main_base);

    for (int i = 0; i < D.nworkers; i++)
        pthread_join(threads[i], NULL);

    /* 6. tear down in reverse order */
    dispatcher_free(D.dispatcher);
    janitor_free(janitor);
    for (int i = 0; i < D.nworkers; i++) {
        struct ct_worker *w = D.workers[i];
        evhttp_free(w->http);
        ct_pool_free(w->pool);
        event_free(w->stop_ev);
        event_free(w->deadline_ev);
        event_base_free(w->base);
        free(w);
    }
    for (int i = 0; i < 3; i++)
        event_free(sigs[i]);
    event_base_free(main_base);
    free(threads);
    free(D.workers);
    free(D.app.metrics);
    free(routes);
    ct_clausenotice_schema_free(schema);
    dashboard_free();
    ct_xml_cleanup();
    libevent_global_shutdown();
    ct_log_info("stopped");
    return 0;
}
