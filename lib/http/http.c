/* http.c - the request's way through a worker: evhttp callback -> router -> auth (token hash,
 * per-thread cache of 500 ms so a revoked key dies everywhere within a second) -> body checks
 * -> route handler. Also the reply functions (problem+json for every error), the request
 * lifetime (hold/release across database jobs; a client that disconnects cancels the reply),
 * and Prometheus metrics. Handlers live in services/clausetrackd/routes_*.c. */
#include "ct/http.h"
#include "ct/jw.h"
#include "ct/json.h"
#include "ct/log.h"
#include "ct/token.h"

#include <openssl/crypto.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AUTH_TTL_MS 500

static const char *const role_names[] = {"admin", "buyer", "supplier", "analyst", "centre"};
static const int metric_statuses[CT_METRIC_STATUSES] = {200, 201, 204, 304, 400, 401, 403, 404,
                                                         405, 409, 413, 415, 422, 500, 503, 0};
static const double bucket_ms[CT_METRIC_BUCKETS] = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 1e300};

static void on_request(struct evhttp_request *req, void *arg);
static void on_close(struct evhttp_connection *conn, void *arg);
static int match_route(const struct ct_app *app, struct ct_req *r, int *path_matched, char *allow, size_t allow_len);
static void after_auth(struct ct_req *r);
static void auth_lookup_done(PGresult *res, const struct ct_err *err, void *arg);
static void req_free(struct ct_req *r);
static int status_index(int status);
static void count(struct ct_req *r, int status);
static void db_reply_cb(struct ct_req *r, PGresult *res, const struct ct_err *err);
static void db_job_done(PGresult *res, const struct ct_err *err, void *arg);
static int check_body(struct ct_req *r);
static int looks_like_uuid(const char *s);
static const char *method_name(const struct evhttp_request *req);
static unsigned auth_slot(const char *token);

struct dbjob {
    struct ct_req *r;
    ct_req_db_cb cb;
};

int64_t ct_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ct_role_parse(const char *kind)
{
    for (int i = 0; i < 5; i++)
        if (kind && strcmp(kind, role_names[i]) == 0)
            return 1 << i;
    return 0;
}

const char *ct_role_name(int role)
{
    for (int i = 0; i < 5; i++)
        if (role == 1 << i)
            return role_names[i];
    return "";
}

void ct_http_attach(struct ct_worker *w)
{
    evhttp_set_gencb(w->http, on_request, w);
}

/* FNV-1a of the token: where it sits in the worker's cache (the cache compares whole tokens). */
static unsigned auth_slot(const char *token)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)token; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % CT_AUTH_CACHE;
}

void ct_auth_flush(struct ct_worker *w)
{
    for (int i = 0; i < CT_AUTH_CACHE; i++)
        w->auth[i].token[0] = '\0';
}

/* ---- lifetime ---- */

static void req_free(struct ct_req *r)
{
    if (r->req) {
        struct evhttp_connection *conn = evhttp_request_get_connection(r->req);
        if (conn)
            evhttp_connection_set_closecb(conn, NULL, NULL);
    }
    r->w->inflight--;
    struct ct_worker *w = r->w;
    ct_arena_free(r->a);
    if (w->stopping && w->inflight == 0)
        event_base_loopexit(w->base, NULL);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct ct_req *r = arg;
    r->cancelled = 1;
    r->req = NULL;
}

void ct_req_hold(struct ct_req *r)
{
    r->refs++;
}

int ct_req_release(struct ct_req *r)
{
    r->refs--;
    if (r->cancelled && r->refs == 0) {
        ct_log_access(r->method, r->route ? r->route->pattern : "-", 499, (double)(ct_now_us() - r->start_us) / 1000.0,
                      r->org_id);
        req_free(r);
        return 0;
    }
    return !r->cancelled;
}

/* ---- metrics ---- */

static int status_index(int status)
{
    for (int i = 0; i < CT_METRIC_STATUSES - 1; i++)
        if (metric_statuses[i] == status)
            return i;
    return CT_METRIC_STATUSES - 1;
}

static void count(struct ct_req *r, int status)
{
    struct ct_route_metrics *m = &r->w->app->metrics[r->route ? r->route_index : r->w->app->nroutes];
    double ms = (double)(ct_now_us() - r->start_us) / 1000.0;
    atomic_fetch_add_explicit(&m->by_status[status_index(status)], 1, memory_order_relaxed);
    for (int i = 0; i < CT_METRIC_BUCKETS; i++)
        if (ms <= bucket_ms[i]) {
            atomic_fetch_add_explicit(&m->latency[i], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)(ms * 1000.0), memory_order_relaxed);
    ct_log_access(r->method, r->route ? r->route->pattern : "(unmatched)", status, ms, r->org_id);
}

void ct_http_metrics_write(struct evbuffer *b, struct ct_app *app, struct ct_worker **workers, int nworkers)
{
    evbuffer_add_printf(b, "# HELP clausetrack_http_requests_total HTTP requests by route and status.\n"
                           "# TYPE clausetrack_http_requests_total counter\n");
    for (int i = 0; i <= app->nroutes; i++) {
        const char *method = i < app->nroutes ? app->routes[i].method : "";
        const char *pat = i < app->nroutes ? app->routes[i].pattern : "unmatched";
        for (int s = 0; s < CT_METRIC_STATUSES; s++) {
            uint64_t v = atomic_load_explicit(&app->metrics[i].by_status[s], memory_order_relaxed);
            if (v)
                evbuffer_add_printf(b, "clausetrack_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                                    method, pat, metric_statuses[s], (unsigned long long)v);
        }
    }
    evbuffer_add_printf(b, "# HELP clausetrack_http_request_duration_seconds Request latency.\n"
                           "# TYPE clausetrack_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= app->nroutes; i++) {
        const char *pat = i < app->nroutes ? app->routes[i].pattern : "unmatched";
        const char *method = i < app->nroutes ? app->routes[i].method : "";
        uint64_t cum = 0;
        for (int k = 0; k < CT_METRIC_BUCKETS; k++) {
            cum += atomic_load_explicit(&app->metrics[i].latency[k], memory_order_relaxed);
            if (k == CT_METRIC_BUCKETS - 1)
                evbuffer_add_printf(b, "clausetrack_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
                                    method, pat, (unsigned long long)cum);
            else
                evbuffer_add_printf(b, "clausetrack_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
                                    method, pat, bucket_ms[k] / 1000.0, (unsigned long long)cum);
        }
        evbuffer_add_printf(b, "clausetrack_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", method, pat,
                            (double)atomic_load_explicit(&app->metrics[i].latency_sum_us, memory_order_relaxed) / 1e6);
        evbuffer_add_printf(b, "clausetrack_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", method,
                            pat, (unsigned long long)cum);
    }
    evbuffer_add_printf(b, "# HELP clausetrack_db_pool_connections Database connections by state.\n"
                           "# TYPE clausetrack_db_pool_connections gauge\n");
    for (int i = 0; i < nworkers; i++) {
        struct ct_pool_stats st;
        ct_pool_get_stats(workers[i]->pool, &st);
        evbuffer_add_printf(b, "clausetrack_db_pool_connections{worker=\"%d\",state=\"size\"} %d\n", i, st.size);
        evbuffer_add_printf(b, "clausetrack_db_pool_connections{worker=\"%d\",state=\"connected\"} %d\n", i, st.connected);
        evbuffer_add_printf(b, "clausetrack_db_pool_connections{worker=\"%d\",state=\"busy\"} %d\n", i, st.busy);
        evbuffer_add_printf(b, "clausetrack_db_pool_queued{worker=\"%d\"} %d\n", i, st.queued);
        evbuffer_add_printf(b, "clausetrack_db_queries_total{worker=\"%d\"} %llu\n", i, st.queries);
        evbuffer_add_printf(b, "clausetrack_db_errors_total{worker=\"%d\"} %llu\n", i, st.errors);
        evbuffer_add_printf(b, "clausetrack_db_reconnects_total{worker=\"%d\"} %llu\n", i, st.reconnects);
    }
}

/* ---- replies ---- */

void ct_req_header(struct ct_req *r, const char *name, const char *value)
{
    if (r->req)
        evhttp_add_header(evhttp_request_get_output_headers(r->req), name, value);
}

void ct_reply(struct ct_req *r, int status, const char *content_type, const char *body, size_t len)
{
    if (r->replied)
        return;
    r->replied = 1;
    r->status = status;
    if (r->req) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
        if (content_type)
            evhttp_add_header(h, "Content-Type", content_type);
        evhttp_add_header(h, "Cache-Control", "no-store");
        evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        if (r->w->stopping)
            evhttp_add_header(h, "Connection", "close");
        struct evbuffer *b = evbuffer_new();
        if (body && len)
            evbuffer_add(b, body, len);
        count(r, status);
        evhttp_send_reply(r->req, status, ct_err_title(status), b);
        evbuffer_free(b);
    }
    if (r->refs == 0)
        req_free(r);
}

void ct_reply_json(struct ct_req *r, int status, const char *json, size_t len)
{
    ct_reply(r, status, "application/json; charset=utf-8", json, len);
}

void ct_reply_problem(struct ct_req *r, const struct ct_err *e)
{
    int status = e->status ? e->status : 500;
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    char type[96];
    snprintf(type, sizeof type, "urn:clausetrack:problem:%s", ct_err_type(e));
    ct_jw_kstr(w, "type", type);
    ct_jw_kstr(w, "title", ct_err_title(status));
    ct_jw_kint(w, "status", status);
    ct_jw_kstr(w, "detail", e->detail[0] ? e->detail : ct_err_title(status));
    if (e->line > 0) {
        ct_jw_kint(w, "line", e->line);
        ct_jw_kint(w, "column", e->column);
    }
    if (e->nfields > 0) {
        ct_jw_key(w, "errors");
        ct_jw_arr_open(w);
        for (int i = 0; i < e->nfields; i++) {
            ct_jw_obj_open(w);
            ct_jw_kstr(w, "field", e->fields[i].field);
            ct_jw_kstr(w, "message", e->fields[i].message);
            ct_jw_obj_close(w);
        }
        ct_jw_arr_close(w);
    }
    ct_jw_obj_close(w);
    size_t len;
    const char *out = ct_jw_result(w, &len);
    if (status == 401)
        ct_req_header(r, "WWW-Authenticate", "Bearer realm=\"clausetrack\"");
    ct_reply(r, status, "application/problem+json", out, len);
    ct_jw_free(w);
}

void ct_reply_error(struct ct_req *r, int status, const char *detail)
{
    struct ct_err e;
    ct_err_clear(&e);
    ct_err_set(&e, status, "%s", detail);
    ct_reply_problem(r, &e);
}

/* ---- request helpers ---- */

const char *ct_req_qparam(struct ct_req *r, const char *name)
{
    if (!r->query)
        return NULL;
    struct evkeyvalq q;
    memset(&q, 0, sizeof q);
    if (evhttp_parse_query_str(r->query, &q) != 0)
        return NULL;
    const char *v = evhttp_find_header(&q, name);
    char *out = v ? ct_arena_strdup(r->a, v) : NULL;
    evhttp_clear_headers(&q);
    return out;
}

const char *ct_req_in_header(struct ct_req *r, const char *name)
{
    return r->req ? evhttp_find_header(evhttp_request_get_input_headers(r->req), name) : NULL;
}

static void db_job_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct dbjob *j = arg;
    struct ct_req *r = j->r;
    ct_req_db_cb cb = j->cb;
    free(j);
    if (!ct_req_release(r))
        return;
    cb(r, res, err);
}

void ct_req_db(struct ct_req *r, const char *sql, int nparams, const char *const *params, ct_req_db_cb cb)
{
    struct dbjob *j = ct_xmalloc(sizeof *j);
    j->r = r;
    j->cb = cb;
    ct_req_hold(r);
    ct_pool_query(r->w->pool, sql, nparams, params, db_job_done, j);
}

int ct_req_api_row(struct ct_req *r, PGresult *res, const struct ct_err *err, int *status, const char **body,
                   size_t *len)
{
    if (err) {
        if (err->status >= 500)
            ct_log_error("%s %s: %s", r->route->method, r->route->pattern, err->detail);
        ct_reply_problem(r, err);
        return -1;
    }
    if (PQntuples(res) != 1 || PQnfields(res) < 2) {
        ct_reply_error(r, 500, "unexpected database answer");
        return -1;
    }
    *status = atoi(PQgetvalue(res, 0, 0));
    *body = PQgetvalue(res, 0, 1);
    *len = (size_t)PQgetlength(res, 0, 1);
    return 0;
}

void ct_reply_api(struct ct_req *r, int status, const char *body, size_t len)
{
    if (status == 204)
        ct_reply(r, 204, NULL, NULL, 0);
    else if (status >= 400)
        ct_reply(r, status, "application/problem+json", body, len);
    else
        ct_reply_json(r, status, body, len);
}

static void db_reply_cb(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    int status;
    const char *body;
    size_t len;
    if (ct_req_api_row(r, res, err, &status, &body, &len) == 0)
        ct_reply_api(r, status, body, len);
}

void ct_req_db_reply(struct ct_req *r, const char *sql, int nparams, const char *const *params)
{
    ct_req_db(r, sql, nparams, params, db_reply_cb);
}

/* ---- database-backed routes ---- */

static int looks_like_uuid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    if (strlen(s) != 36)
        return 0;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

void ct_req_api(struct ct_req *r, const char *fn, int nextra, const char *const *names, const char *const *values)
{
    ct_req_api_cb(r, fn, nextra, names, values, db_reply_cb);
}

void ct_req_api_cb(struct ct_req *r, const char *fn, int nextra, const char *const *names, const char *const *values,
                   ct_req_db_cb cb)
{
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "_org", r->org_id);
    ct_jw_kstr(w, "_key", r->key_id[0] ? r->key_id : NULL);
    ct_jw_kstr(w, "_role", ct_role_name(r->role));
    for (int i = 0; i < r->nparams; i++)
        ct_jw_kstr(w, r->param_names[i], r->params[i]);
    int write = strcmp(r->route->method, "GET") != 0;
    if (!write && r->query) {
        struct evkeyvalq q;
        memset(&q, 0, sizeof q);
        if (evhttp_parse_query_str(r->query, &q) == 0) {
            for (struct evkeyval *kv = q.tqh_first; kv; kv = kv->next.tqe_next) {
                /* the caller, the path parameters and the body are never taken from the query */
                int reserved = kv->key[0] == '_' || strcmp(kv->key, "body") == 0;
                for (int i = 0; i < r->nparams && !reserved; i++)
                    reserved = strcmp(kv->key, r->param_names[i]) == 0;
                if (!reserved)
                    ct_jw_kstr(w, kv->key, kv->value);
            }
        }
        evhttp_clear_headers(&q);
    }
    for (int i = 0; i < nextra; i++)
        ct_jw_kstr(w, names[i], values[i]);
    if (r->api_body)
        ct_jw_kraw(w, "body", r->api_body, r->api_body_len);
    else if (r->route->body == CT_BODY_JSON && r->body)
        ct_jw_kraw(w, "body", r->body, r->body_len);
    ct_jw_obj_close(w);
    size_t len;
    const char *args = ct_jw_result(w, &len);
    if (!args) {
        ct_jw_free(w);
        ct_reply_error(r, 500, "cannot encode the request");
        return;
    }
    if (!write) {
        char *sql = ct_arena_printf(r->a, "select status, body from api.%s($1::jsonb)", fn);
        const char *params[1] = {args};
        ct_req_db(r, sql, 1, params, cb);
    } else {
        char hash[65];
        const char *key = strcmp(r->route->method, "POST") == 0 ? r->idem_key : NULL;
        if (key) {
            char *material = ct_arena_printf(r->a, "%s %s\n%s", r->route->method, r->path, r->body ? r->body : "");
            ct_token_hash(material, hash);
        }
        const char *params[4] = {fn, args, key, key ? hash : NULL};
        ct_req_db(r, "select status, body from api.call($1, $2::jsonb, $3, $4)", 4, params, cb);
    }
    ct_jw_free(w);
}

/* ---- routing ---- */

/* The request method as routes name it (HEAD is served as GET). */
static const char *method_name(const struct evhttp_request *req)
{
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_HEAD: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PATCH: return "PATCH";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_PUT: return "PUT";
    default: return "OTHER";
    }
}

static int match_route(const struct ct_app *app, struct ct_req *r, int *path_matched, char *allow, size_t allow_len)
{
    const char *method = r->method;
    *path_matched = 0;
    allow[0] = '\0';
    int found = -1;
    for (int i = 0; i < app->nroutes; i++) {
        const struct ct_route *rt = &app->routes[i];
        const char *p = rt->pattern, *s = r->path;
        const char *params[CT_MAX_PATH_PARAMS], *names[CT_MAX_PATH_PARAMS];
        int np = 0, ok = 1;
        while (*p && ok) {
            if (*p == '{') {
                const char *end = strchr(s, '/');
                size_t n = end ? (size_t)(end - s) : strlen(s);
                if (n == 0 || n > 200 || np >= CT_MAX_PATH_PARAMS) {
                    ok = 0;
                    break;
                }
                const char *close = strchr(p, '}');
                names[np] = ct_arena_strndup(r->a, p + 1, (size_t)(close - p - 1));
                params[np++] = ct_arena_strndup(r->a, s, n);
                s += n;
                p = close + 1;
            } else if (*p == *s) {
                p++;
                s++;
            } else {
                ok = 0;
            }
        }
        if (!ok || *s != '\0')
            continue;
        *path_matched = 1;
        if (strlen(allow) + strlen(rt->method) + 3 < allow_len) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, rt->method);
        }
        if (found < 0 && strcmp(rt->method, method) == 0) {
            found = i;
            r->nparams = np;
            for (int k = 0; k < np; k++) {
                r->params[k] = params[k];
                r->param_names[k] = names[k];
            }
        }
    }
    return found;
}

static int check_body(struct ct_req *r)
{
    const struct ct_cfg *cfg = &r->w->app->cfg;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t len = evbuffer_get_length(in);
    if (r->route->body == CT_BODY_NONE) {
        if (len > 0 && strcmp(r->route->method, "DELETE") != 0 && strcmp(r->route->method, "GET") != 0) {
            ct_reply_error(r, 400, "this request takes no body");
            return -1;
        }
        return 0;
    }
    long max = r->route->body == CT_BODY_XML ? cfg->max_xml_body : cfg->max_json_body;
    if ((long)len > max) {
        char d[128];
        snprintf(d, sizeof d, "the body is larger than the limit of %ld bytes", max);
        ct_reply_error(r, 413, d);
        return -1;
    }
    const char *ct = ct_req_in_header(r, "Content-Type");
    int ok = 0;
    if (ct) {
        size_t n = strcspn(ct, ";");
        while (n && ct[n - 1] == ' ')
            n--;
        if (r->route->body == CT_BODY_JSON)
            ok = (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
                 (n == 24 && strncasecmp(ct, "application/merge-patch+json", 24) == 0);
        else
            ok = (n == 15 && strncasecmp(ct, "application/xml", 15) == 0) ||
                 (n == 8 && strncasecmp(ct, "text/xml", 8) == 0);
        const char *cs = strcasestr(ct, "charset=");
        if (ok && cs && strncasecmp(cs + 8, "utf-8", 5) != 0 && strncasecmp(cs + 8, "\"utf-8\"", 7) != 0)
            ok = 0;
    }
    if (!ok) {
        ct_reply_error(r, 415, r->route->body == CT_BODY_JSON ? "Content-Type must be application/json (UTF-8)"
                                                              : "Content-Type must be application/xml");
        return -1;
    }
    char *body = ct_arena_alloc(r->a, len + 1);
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    if (r->route->body == CT_BODY_JSON && !ct_utf8_valid(body, len)) {
        ct_reply_error(r, 400, "the body is not valid UTF-8");
        return -1;
    }
    r->body = body;
    r->body_len = len;
    return 0;
}

static void after_auth(struct ct_req *r)
{
    if (!(r->route->roles & r->role)) {
        ct_reply_error(r, 403, "your organisation's role may not do this");
        return;
    }
    if (check_body(r))
        return;
    const char *idem = ct_req_in_header(r, "Idempotency-Key");
    if (idem) {
        size_t n = strlen(idem);
        if (n == 0 || n > 255) {
            ct_reply_error(r, 400, "Idempotency-Key must be 1 to 255 characters");
            return;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)idem[i] < 0x21 || (unsigned char)idem[i] > 0x7e) {
                ct_reply_error(r, 400, "Idempotency-Key must be printable ASCII without spaces");
                return;
            }
        r->idem_key = ct_arena_strdup(r->a, idem);
    }
    r->route->handler(r);
}

static void auth_lookup_done(PGresult *res, const struct ct_err *err, void *arg)
{
    struct ct_req *r = arg;
    if (!ct_req_release(r))
        return;
    if (err) {
        ct_reply_problem(r, err);
        return;
    }
    if (PQntuples(res) != 1) {
        ct_reply_error(r, 401, "the token is unknown or revoked");
        return;
    }
    snprintf(r->key_id, sizeof r->key_id, "%s", PQgetvalue(res, 0, 0));
    snprintf(r->org_id, sizeof r->org_id, "%s", PQgetvalue(res, 0, 1));
    r->role = ct_role_parse(PQgetvalue(res, 0, 2));
    struct ct_auth_entry *ce = &r->w->auth[auth_slot(r->bearer)];
    snprintf(ce->token, sizeof ce->token, "%s", r->bearer);
    memcpy(ce->org_id, r->org_id, sizeof ce->org_id);
    memcpy(ce->key_id, r->key_id, sizeof ce->key_id);
    ce->role = r->role;
    ce->expires_ms = ct_now_us() / 1000 + AUTH_TTL_MS;
    after_auth(r);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct ct_worker *w = arg;
    struct ct_arena *a = ct_arena_new();
    struct ct_req *r = ct_arena_alloc(a, sizeof *r);
    r->req = req;
    r->method = method_name(req);
    r->w = w;
    r->a = a;
    r->start_us = ct_now_us();
    w->inflight++;

    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn)
        evhttp_connection_set_closecb(conn, on_close, r);

    const char *uri = evhttp_request_get_uri(req);
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!uri || !path || strlen(uri) > 4096) {
        ct_reply_error(r, 400, "the request target is malformed or too long");
        return;
    }
    char *decoded = evhttp_uridecode(path, 0, NULL);
    r->path = ct_arena_strdup(a, decoded ? decoded : path);
    free(decoded);
    const char *q = evhttp_uri_get_query(u);
    r->query = q ? ct_arena_strdup(a, q) : NULL;

    int path_matched;
    char allow[128];
    int idx = match_route(w->app, r, &path_matched, allow, sizeof allow);
    if (idx < 0) {
        if (path_matched) {
            ct_req_header(r, "Allow", allow);
            ct_reply_error(r, 405, "this method is not allowed here");
        } else {
            ct_reply_error(r, 404, "no such resource");
        }
        return;
    }
    r->route = &w->app->routes[idx];
    r->route_index = idx;
    for (int i = 0; i < r->nparams; i++)
        if (!looks_like_uuid(r->params[i])) {
            ct_reply_error(r, 404, "no such resource");
            return;
        }
    if (r->route->roles == 0) {
        if (check_body(r) == 0)
            r->route->handler(r);
        return;
    }

    const char *auth = ct_req_in_header(r, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !ct_token_looks_valid(auth + 7)) {
        ct_reply_error(r, 401, auth ? "the token is malformed" : "an Authorization: Bearer token is required");
        return;
    }
    const char *token = auth + 7;
    struct ct_auth_entry *ce = &w->auth[auth_slot(token)];
    size_t tlen = strlen(token);
    if (tlen < sizeof ce->token && strlen(ce->token) == tlen && CRYPTO_memcmp(ce->token, token, tlen) == 0 &&
        ce->expires_ms > ct_now_us() / 1000) {
        memcpy(r->org_id, ce->org_id, sizeof r->org_id);
        memcpy(r->key_id, ce->key_id, sizeof r->key_id);
        r->role = ce->role;
        after_auth(r);
        return;
    }
    char hash[65];
    ct_token_hash(token, hash);
    r->bearer = ct_arena_strdup(r->a, token);
    const char *params[1] = {hash};
    ct_req_hold(r);
    ct_pool_query(w->pool,
                  "select k.id, k.org_id, o.kind from api_keys k join organizations o on o.id = k.org_id "
                  "where k.token_hash = $1 and k.revoked_at is null",
                  1, params, auth_lookup_done, r);
}
