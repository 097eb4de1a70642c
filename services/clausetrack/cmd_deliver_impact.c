/* cmd_deliver_impact.c - `clausetrack deliver-impact --month YYYY-MM [--force]`: writes the
 * impact.monthly event of that month now (api.impact_monthly_emit; the dispatcher sends it to the
 * centre's subscriptions). A month already sent - by the daemon's 1st-of-month run or an earlier
 * call - is refused unless --force sends it again. Prints the event id on stdout. */
#include "cli.h"
#include "ct/nutsjson.h"
#include "ct/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int month_valid(const char *s);

/* {"FI1B1": "Helsinki-Uusimaa", ...} from lib/domain/nuts.c. Returns new (caller frees). */

/* "YYYY-MM" with a month from 01 to 12 (and a year from 2000). */
static int month_valid(const char *s)
{
    if (strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2)
        return 0;
    int y = atoi(s), m = atoi(s + 5);
    return y >= 2000 && m >= 1 && m <= 12;
}

int cmd_deliver_impact(struct cli *c, int argc, char **argv)
{
    const char *month = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--month") == 0 && i + 1 < argc) {
            month = argv[++i];
        } else if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else {
            fprintf(stderr, "clausetrack: deliver-impact: unknown option \"%s\"\n", argv[i]);
            return CLI_USAGE;
        }
    }
    if (!month) {
        fprintf(stderr, "usage: clausetrack deliver-impact --month YYYY-MM [--force]\n");
        return CLI_USAGE;
    }
    if (!month_valid(month)) {
        fprintf(stderr, "clausetrack: deliver-impact: --month: must be YYYY-MM\n");
        return CLI_REJECTED;
    }
    PGconn *pg = cli_connect(c);
    if (!pg)
        return CLI_REJECTED;
    char first[16], suppress[16];
    snprintf(first, sizeof first, "%s-01", month);
    snprintf(suppress, sizeof suppress, "%d", c->cfg.suppress_below);
    char *labels = ct_nuts_labels_json();
    const char *params[4] = {first, labels, suppress, force ? "true" : "false"};
    struct ct_err e;
    ct_err_clear(&e);
    PGresult *res = ct_db_exec(pg,
                               "select sent_event_id, delivery_count, already_sent "
                               "from api.impact_monthly_emit($1::date, $2::jsonb, $3::int, $4::boolean)",
                               4, params, &e);
    free(labels);
    int rc = CLI_REJECTED;
    if (!res) {
        fprintf(stderr, "clausetrack: deliver-impact: %s%s\n", e.nfields ? "--month: " : "",
                e.nfields ? e.fields[0].message : e.detail);
    } else if (PQgetisnull(res, 0, 0)) {
        fprintf(stderr, "clausetrack: deliver-impact: impact.monthly for %s was sent already (%s); --force sends it "
                        "again\n", month, PQgetvalue(res, 0, 2));
    } else {
        printf("%s\n", PQgetvalue(res, 0, 0));
        fprintf(stderr, "impact.monthly for %s%s: %s delivery(ies) queued\n", month,
                PQgetisnull(res, 0, 2) ? "" : " (sent again)", PQgetvalue(res, 0, 1));
        rc = CLI_OK;
    }
    PQclear(res);
    PQfinish(pg);
    return rc;
}
