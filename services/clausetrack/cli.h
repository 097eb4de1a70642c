/* cli.h - what the clausetrack admin CLI's command files share: configuration, the database
 * connection and calling the same api.* SQL functions the daemon uses. */
#ifndef CLAUSETRACK_CLI_H
#define CLAUSETRACK_CLI_H

#include "ct/cfg.h"
#include "ct/db.h"

struct cli {
    struct ct_cfg cfg;
    const char *config_path;
};

/* Exit codes (CONTRACT §1). */
#define CLI_OK 0
#define CLI_REJECTED 1
#define CLI_USAGE 2

/* Connects to cfg.database_url, printing the reason on failure (NULL then). */
PGconn *cli_connect(struct cli *c);

/* Calls api.<fn>(args) as the CLI (no organisation) and returns the status; *body is a new
 * malloc'd string (caller frees) or NULL. On a raised API error prints "clausetrack: <what>"
 * with the field, and returns the error status. */
int cli_api(PGconn *pg, const char *fn, const char *args_json, char **body);

int cmd_migrate(struct cli *c, int argc, char **argv);
int cmd_org(struct cli *c, int argc, char **argv);
int cmd_key(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_deliver_impact(struct cli *c, int argc, char **argv);


#endif
