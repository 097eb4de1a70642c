/* harness.c - see harness.h. Uses only blocking calls: tests are sequential programs. */
#include "harness.h"
#include "ct/arena.h"
#include "ct/json.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or_die(const char *name);
static int free_port(void);
static PGconn *admin_conn(void);
static char *url_for(const char *dbname);

static const char *env_or_die(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "harness: %s is not set (run through tests/integration/run)\n", name);
        exit(1);
    }
    return v;
}

const char *it_root(void) { return env_or_die("CT_IT_ROOT"); }
const char *it_build(void) { return env_or_die("CT_IT_BUILD"); }

char *it_fmt(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static char *url_for(const char *dbname)
{
    /* the run script's URL is postgresql:///clausetrack?host=...; swap the database name */
    const char *base = env_or_die("CT_IT_PG_URL");
    const char *q = strchr(base, '?');
    return it_fmt("postgresql:///%s%s", dbname, q ? q : "");
}

static PGconn *admin_conn(void)
{
    char *u = url_for("postgres");
    PGconn *c = PQconnectdb(u);
    free(u);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "harness: cannot connect: %s", PQerrorMessage(c));
        exit(1);
    }
    return c;
}

void it_db_create(struct it_daemon *d, const char *name)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dbname, sizeof d->dbname, "it_%s_%d", name, (int)getpid());
    for (char *p = d->dbname; *p; p++)
        if (!isalnum((unsigned char)*p))
            *p = '_';
    PGconn *c = admin_conn();
    /* identifiers cannot be parameters; the name is ours and made of [a-z0-9_] only */
    char *sql = it_fmt("create database %s template %s", d->dbname, env_or_die("CT_IT_TEMPLATE"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    free(sql);
    PQfinish(c);
    char *u = url_for(d->dbname);
    snprintf(d->dburl, sizeof d->dburl, "%s", u);
    free(u);
    const char *tmp = env_or_die("CT_IT_TMP");
    snprintf(d->keyfile, sizeof d->keyfile, "%s/%s.key", tmp, d->dbname);
    snprintf(d->logfile, sizeof d->logfile, "%s/%s.log", tmp, d->dbname);
    int fd = open(d->keyfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const char *key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    if (fd < 0 || write(fd, key, strlen(key)) != (ssize_t)strlen(key)) {
        fprintf(stderr, "harness: cannot write %s\n", d->keyfile);
        exit(1);
    }
    close(fd);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("harness: free port");
        exit(1);
    }
    close(fd);
    return ntohs(sa.sin_port);
}

void it_daemon_start(struct it_daemon *d, const char *const *env)
{
    if (!d->port)
        d->port = free_port();
    char *daemon = it_fmt("%s/clausetrackd", it_build());
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(d->logfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("CLAUSETRACK_DATABASE_URL", d->dburl, 1);
        char listen[64];
        snprintf(listen, sizeof listen, "127.0.0.1:%d", d->port);
        setenv("CLAUSETRACK_LISTEN", listen, 1);
        setenv("CLAUSETRACK_PSEUDONYM_KEY_FILE", d->keyfile, 1);
        setenv("CLAUSETRACK_SHUTDOWN_TIMEOUT", "5", 1);
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (chdir(it_root()) != 0)
            _exit(126);
        const char *vg = getenv("CT_IT_VALGRIND");
        if (vg && *vg && d->config)
            execlp("valgrind", "valgrind", "--quiet", "--leak-check=full", "--error-exitcode=99", daemon, "--config",
                   d->config, (char *)NULL);
        else if (vg && *vg)
            execlp("valgrind", "valgrind", "--quiet", "--leak-check=full", "--error-exitcode=99", daemon, (char *)NULL);
        else if (d->config)
            execl(daemon, daemon, "--config", d->config, (char *)NULL);
        else
            execl(daemon, daemon, (char *)NULL);
        _exit(127);
    }
    free(daemon);
    d->pid = pid;
    for (int i = 0; i < 300; i++) {
        struct it_resp r;
        if (it_http(d, "GET", "/healthz", NULL, NULL, NULL, 0, NULL, &r) == 0) {
            int ok = r.status == 200;
            it_resp_free(&r);
            if (ok)
                return;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "harness: clausetrackd exited at start; log %s\n", d->logfile);
            d->pid = 0;
            exit(1);
        }
        usleep(20000);
    }
    fprintf(stderr, "harness: clausetrackd did not answer /healthz\n");
    exit(1);
}

int it_daemon_stop(struct it_daemon *d)
{
    if (!d->pid)
        return -1;
    kill(d->pid, SIGTERM);
    int st = 0;
    waitpid(d->pid, &st, 0);
    d->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void it_teardown(struct it_daemon *d)
{
    if (d->pid)
        it_daemon_stop(d);
    PGconn *c = admin_conn();
    char *sql = it_fmt("drop database if exists %s with (force)", d->dbname);
    PQclear(PQexec(c, sql));
    free(sql);
    PQfinish(c);
}

int it_http(struct it_daemon *d, const char *method, const char *path, const char *token,
            const char *content_type, const char *body, size_t body_len, const char *extra_headers,
            struct it_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)d->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    if (body && body_len == 0)
        body_len = strlen(body);
    char *head = it_fmt("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s%s%s%s"
                        "Content-Length: %zu\r\n\r\n",
                        method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                        content_type ? "Content-Type: " : "", content_type ? content_type : "",
                        content_type ? "\r\n" : "", body ? body_len : 0);
    if (extra_headers) {
        /* put extra headers before the blank line */
        char *h2 = it_fmt("%.*s%s\r\n", (int)(strlen(head) - 2), head, extra_headers);
        free(head);
        head = h2;
    }
    size_t hl = strlen(head);
    ssize_t w = write(fd, head, hl);
    free(head);
    if (w != (ssize_t)hl) {
        close(fd);
        return -1;
    }
    size_t off = 0;
    while (body && off < body_len) {
        ssize_t n = write(fd, body + off, body_len - off);
        if (n <= 0)
            break; /* the server may answer before reading everything (413) */
        off += (size_t)n;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (len < 12 || !sep) {
        free(buf);
        return -1;
    }
    out->status = atoi(buf + 9);
    out->headers = strndup(buf, (size_t)(sep - buf));
    for (char *p = out->headers; *p; p++)
        if (*p == ':') /* lower-case the name part of each line */
            for (char *q = p; q > out->headers && q[-1] != '\n'; q--)
                q[-1] = (char)tolower((unsigned char)q[-1]);
    out->body_len = len - (size_t)(sep + 4 - buf);
    out->body = malloc(out->body_len + 1);
    memcpy(out->body, sep + 4, out->body_len);
    out->body[out->body_len] = '\0';
    free(buf);
    return 0;
}

int it_get(struct it_daemon *d, const char *path, const char *token, struct it_resp *out)
{
    return it_http(d, "GET", path, token, NULL, NULL, 0, NULL, out);
}

int it_post(struct it_daemon *d, const char *path, const char *token, const char *json, struct it_resp *out)
{
    return it_http(d, "POST", path, token, "application/json", json, 0, NULL, out);
}

int it_patch(struct it_daemon *d, const char *path, const char *token, const char *json, struct it_resp *out)
{
    return it_http(d, "PATCH", path, token, "application/json", json, 0, NULL, out);
}

void it_resp_free(struct it_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

char *it_header(const struct it_resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t l = strcspn(v, "\r\n");
            return strndup(v, l);
        }
    }
    return NULL;
}

char *it_json(const char *body, const char *path)
{
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = ct_json_parse(a, body, strlen(body), NULL, &e);
    char *out = NULL;
    char seg[128];
    const char *p = path;
    while (j && *p) {
        size_t n = strcspn(p, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, p);
        p += n;
        if (*p == '.')
            p++;
        if (j->type == CT_JSON_ARRAY) {
            size_t i = (size_t)atoi(seg);
            j = i < j->array.count ? j->array.items[i] : NULL;
        } else {
            j = ct_json_get(j, seg);
        }
    }
    if (j) {
        switch (j->type) {
        case CT_JSON_NULL: out = strdup("null"); break;
        case CT_JSON_BOOL: out = strdup(j->boolean ? "true" : "false"); break;
        case CT_JSON_NUMBER: out = strndup(j->number.raw, j->number.raw_len); break;
        case CT_JSON_STRING: out = strdup(j->string.ptr); break;
        case CT_JSON_ARRAY: out = it_fmt("[%zu]", j->array.count); break;
        case CT_JSON_OBJECT: out = it_fmt("{%zu}", j->object.count); break;
        }
    }
    ct_arena_free(a);
    return out;
}

char *it_sql(struct it_daemon *d, const char *sql)
{
    PGconn *c = PQconnectdb(d->dburl);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "harness: %s", PQerrorMessage(c));
        exit(1);
    }
    PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
    char *out = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        out = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return out;
}

void it_exec(struct it_daemon *d, const char *sql)
{
    PGconn *c = PQconnectdb(d->dburl);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "harness: %s", PQerrorMessage(c));
        exit(1);
    }
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
}

long it_count(struct it_daemon *d, const char *table)
{
    char *sql = it_fmt("select count(*) from %s", table);
    char *v = it_sql(d, sql);
    long n = v ? atol(v) : -1;
    free(v);
    free(sql);
    return n;
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    return buf;
}

int it_cli(struct it_daemon *d, const char *const *argv, char **out, char **err)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        setenv("CLAUSETRACK_DATABASE_URL", d->dburl, 1);
        if (chdir(it_root()) != 0)
            _exit(126);
        char *prog = it_fmt("%s/clausetrack", it_build());
        const char *args[64];
        int n = 0;
        args[n++] = prog;
        for (int i = 0; argv[i] && n < 63; i++)
            args[n++] = argv[i];
        args[n] = NULL;
        execv(prog, (char *const *)args);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* stderr is small; read stdout first then stderr */
    char *o = slurp_fd(po[0]);
    char *e = slurp_fd(pe[0]);
    close(po[0]);
    close(pe[0]);
    int st;
    waitpid(pid, &st, 0);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *it_org(struct it_daemon *d, const char *kind, const char *name, const char *business_id, const char *region)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = "org";
    argv[n++] = "add";
    argv[n++] = "--name";
    argv[n++] = name;
    argv[n++] = "--kind";
    argv[n++] = kind;
    if (business_id) {
        argv[n++] = "--business-id";
        argv[n++] = business_id;
    }
    if (region) {
        argv[n++] = "--region";
        argv[n++] = region;
    }
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = it_cli(d, argv, &out, &err);
    if (rc != 0) {
        fprintf(stderr, "harness: org add %s failed: %s\n", name, err);
        exit(1);
    }
    free(err);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

char *it_token(struct it_daemon *d, const char *org_id)
{
    const char *argv[] = {"key", "add", "--org", org_id, NULL};
    char *out = NULL, *err = NULL;
    if (it_cli(d, argv, &out, &err) != 0) {
        fprintf(stderr, "harness: key add failed: %s\n", err);
        exit(1);
    }
    free(err);
    out[strcspn(out, "\n")] = '\0';
    return out;
}
