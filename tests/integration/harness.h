/* harness.h - integration-test support: a database per test binary (copied from the migrated
 * template that tests/integration/run prepared), the real clausetrackd started on a free
 * port, a small blocking HTTP/1.1 client, SQL look-ups and the real CLI. */
#ifndef CT_IT_HARNESS_H
#define CT_IT_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

struct it_daemon {
    pid_t pid;
    int port;
    char dbname[64];
    char dburl[1024];
    char keyfile[512];
    char logfile[512];
    const char *config;  /* when set, the daemon is started with --config config */
};

struct it_resp {
    int status;
    char *headers; /* raw header block, lower-cased names */
    char *body;
    size_t body_len;
};

/* Create a fresh database from the template; the daemon is not started. Aborts on failure. */
void it_db_create(struct it_daemon *d, const char *name);
/* Start clausetrackd on a free port against d's database, with extra "KEY=VALUE" environment
 * entries (NULL-terminated list, may be NULL). Waits for /healthz. Aborts on failure. */
void it_daemon_start(struct it_daemon *d, const char *const *env);
/* SIGTERM and wait; returns the exit status (0 expected). */
int it_daemon_stop(struct it_daemon *d);
/* Stop the daemon if running and drop the database. */
void it_teardown(struct it_daemon *d);

/* One request. token/content_type/body/extra_headers may be NULL; extra_headers is
 * "Name: value\r\n..." text. Returns 0, or -1 when the connection failed. */
int it_http(struct it_daemon *d, const char *method, const char *path, const char *token,
            const char *content_type, const char *body, size_t body_len, const char *extra_headers,
            struct it_resp *out);
/* Shorthands with JSON bodies. */
int it_get(struct it_daemon *d, const char *path, const char *token, struct it_resp *out);
int it_post(struct it_daemon *d, const char *path, const char *token, const char *json, struct it_resp *out);
int it_patch(struct it_daemon *d, const char *path, const char *token, const char *json, struct it_resp *out);
void it_resp_free(struct it_resp *r);
/* A response header value (new string, caller frees) or NULL. */
char *it_header(const struct it_resp *r, const char *name);

/* A value from a JSON body by dotted path ("org.id", "items.0.name", "errors.0.field"):
 * new string (numbers and booleans as text, null as "null"), or NULL when absent. */
char *it_json(const char *body, const char *path);

/* First column of the first row of a parameterless query on d's database (new string),
 * or NULL when there is no row. */
char *it_sql(struct it_daemon *d, const char *sql);
/* Run SQL without parameters (one or more statements) on d's database, discarding results;
 * aborts the test program when it fails. For set-up that has no endpoint. */
void it_exec(struct it_daemon *d, const char *sql);
/* Count rows of a table - for "nothing was written" checks. */
long it_count(struct it_daemon *d, const char *table);

/* Run the CLI with d's database; stdout captured into *out (new string, may be NULL).
 * Returns the exit status. argv is NULL-terminated, without the program name. */
int it_cli(struct it_daemon *d, const char *const *argv, char **out, char **err);

/* Create an organisation through the CLI and return its id (new string). */
char *it_org(struct it_daemon *d, const char *kind, const char *name, const char *business_id, const char *region);
/* Create a key for org through the CLI and return the token (new string). */
char *it_token(struct it_daemon *d, const char *org_id);

/* Paths given by tests/integration/run. */
const char *it_root(void);
const char *it_build(void);

/* printf into a new string. */
char *it_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
