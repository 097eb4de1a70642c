/* main.c - clausetrack, the admin CLI: global options (--config, --help, --version), then one
 * command (migrate, org, key, import) implemented in its own file. Talks to PostgreSQL
 * directly with the blocking libpq twin of lib/db. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f);

static void usage(FILE *f)
{
    fputs("usage: clausetrack [--config FILE] COMMAND ...\n\n"
          "commands:\n"
          "  migrate                                   apply pending migrations (idempotent)\n"
          "  org add --name N --kind buyer|supplier|analyst|centre|admin\n"
          "          [--business-id 1234567-8] [--region FI1D3] [--municipality 167]\n"
          "          [--country FIN] [--social-enterprise]   prints the new organisation id\n"
          "  key add --org ORG_ID [--label L]          prints the new token once\n"
          "  key revoke KEY_ID\n"
          "  import [--dry-run] [--as ORG_ID] PATH...  import notices (*.xml; folders recursively)\n"
          "  deliver-impact --month YYYY-MM [--force]  send that month's impact.monthly event now\n"
          "\n"
          "The database is CLAUSETRACK_DATABASE_URL (or database_url in the configuration file).\n"
          "Exit status: 0 success, 1 rejected input, 2 usage error.\n",
          f);
}

PGconn *cli_connect(struct cli *c)
{
    struct ct_err e;
    ct_err_clear(&e);
    PGconn *pg = ct_db_connect(c->cfg.database_url, &e);
    if (!pg)
        fprintf(stderr, "clausetrack: %s\n", e.detail);
    return pg;
}

int cli_api(PGconn *pg, const char *fn, const char *args_json, char **body)
{
    struct ct_err e;
    ct_err_clear(&e);
    const char *params[2] = {fn, args_json};
    *body = NULL;
    PGresult *res = ct_db_exec(pg, "select status, body from api.call($1, $2::jsonb, null, null)", 2, params, &e);
    if (!res) {
        if (e.nfields > 0)
            fprintf(stderr, "clausetrack: %s: %s\n", e.fields[0].field, e.fields[0].message);
        else
            fprintf(stderr, "clausetrack: %s\n", e.detail);
        return e.status ? e.status : 500;
    }
    int status = atoi(PQgetvalue(res, 0, 0));
    if (!PQgetisnull(res, 0, 1))
        *body = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    return status;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("clausetrack %s\n", CT_VERSION);
            return CLI_OK;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            c.config_path = argv[++i];
        } else {
            fprintf(stderr, "clausetrack: unknown option \"%s\"\n", argv[i]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    struct ct_err e;
    ct_err_clear(&e);
    if (ct_cfg_load(&c.cfg, c.config_path, &e)) {
        fprintf(stderr, "clausetrack: %s\n", e.detail);
        return CLI_USAGE;
    }
    const char *cmd = argv[i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&c, sub_argc, sub_argv);
    if (strcmp(cmd, "org") == 0)
        return cmd_org(&c, sub_argc, sub_argv);
    if (strcmp(cmd, "key") == 0)
        return cmd_key(&c, sub_argc, sub_argv);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&c, sub_argc, sub_argv);
    if (strcmp(cmd, "deliver-impact") == 0)
        return cmd_deliver_impact(&c, sub_argc, sub_argv);
    fprintf(stderr, "clausetrack: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}
