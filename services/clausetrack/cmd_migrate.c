/* cmd_migrate.c - `clausetrack migrate`: applies migrations/NNNN_*.sql in order, each in its
 * own transaction with a row in schema_migrations (name, SHA-256 checksum). Idempotent; refuses
 * to run when a file that was applied has changed since. Serialised by an advisory lock so two
 * migrating processes never race. */
#include "cli.h"
#include "ct/arena.h"
#include "ct/token.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MIGRATION_BYTES (4 * 1024 * 1024)

static int is_migration(const struct dirent *d);
static char *read_file(const char *path);

static int is_migration(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 9 && strspn(d->d_name, "0123456789") == 4 && d->d_name[4] == '_' &&
           strcmp(d->d_name + n - 4, ".sql") == 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = ct_xmalloc(MAX_MIGRATION_BYTES + 1);
    size_t n = fread(buf, 1, MAX_MIGRATION_BYTES + 1, f);
    fclose(f);
    if (n > MAX_MIGRATION_BYTES) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

int cmd_migrate(struct cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: clausetrack migrate\n");
        return CLI_USAGE;
    }
    struct dirent **list = NULL;
    int n = scandir(c->cfg.migrations_dir, &list, is_migration, alphasort);
    if (n < 0) {
        fprintf(stderr, "clausetrack: migrate: cannot read the folder %s\n", c->cfg.migrations_dir);
        return CLI_REJECTED;
    }
    PGconn *pg = cli_connect(c);
    int rc = CLI_REJECTED, applied = 0;
    struct ct_err e;
    ct_err_clear(&e);
    if (!pg)
        goto out;
    if (ct_db_run(pg, "select pg_advisory_lock(72430001)", &e) ||
        ct_db_run(pg, "create table if not exists schema_migrations (name text primary key, checksum char(64) not null, "
                      "applied_at timestamptz not null default now())", &e)) {
        fprintf(stderr, "clausetrack: migrate: %s\n", e.detail);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", c->cfg.migrations_dir, list[i]->d_name);
        char *sql = read_file(path);
        if (!sql) {
            fprintf(stderr, "clausetrack: migrate: %s: cannot read (or larger than 4 MiB)\n", path);
            goto out;
        }
        char sum[65];
        ct_token_hash(sql, sum);
        const char *params[1] = {list[i]->d_name};
        PGresult *res = ct_db_exec(pg, "select checksum from schema_migrations where name = $1", 1, params, &e);
        if (!res) {
            free(sql);
            fprintf(stderr, "clausetrack: migrate: %s\n", e.detail);
            goto out;
        }
        int done = PQntuples(res) == 1;
        int same = done && strcmp(PQgetvalue(res, 0, 0), sum) == 0;
        PQclear(res);
        if (done && !same) {
            free(sql);
            fprintf(stderr, "clausetrack: migrate: %s was changed after it was applied; refusing to run "
                            "(add a new migration instead)\n", path);
            goto out;
        }
        if (done) {
            free(sql);
            continue;
        }
        const char *ins[2] = {list[i]->d_name, sum};
        if (ct_db_run(pg, "begin", &e) || ct_db_run(pg, sql, &e)) {
            fprintf(stderr, "clausetrack: migrate: %s: %s\n", path, e.detail);
            ct_err_clear(&e);
            (void)ct_db_run(pg, "rollback", &e);
            free(sql);
            goto out;
        }
        free(sql);
        res = ct_db_exec(pg, "insert into schema_migrations (name, checksum) values ($1, $2)", 2, ins, &e);
        if (!res || ct_db_run(pg, "commit", &e)) {
            fprintf(stderr, "clausetrack: migrate: %s: %s\n", path, e.detail);
            PQclear(res);
            goto out;
        }
        PQclear(res);
        applied++;
        printf("applied %s\n", list[i]->d_name);
    }
    printf("migrations: %d applied, %d already present\n", applied, n - applied);
    rc = CLI_OK;
out:
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    if (pg)
        PQfinish(pg);
    return rc;
}
