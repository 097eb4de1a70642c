/* dberr.c - the one SQLSTATE -> HTTP status table, shared by the pool and the blocking twin.
 * SQL functions in migrations/ raise "CTnnn" codes with MESSAGE as the detail and COLUMN as
 * the offending field; those pass through unchanged. */
#include "ct/db.h"
#include "ct/log.h"

#include <stdio.h>
#include <string.h>

void ct_db_error(PGconn *c, const PGresult *res, struct ct_err *e)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *col = res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL;
    if (!msg)
        msg = c ? PQerrorMessage(c) : "database error";

    if (!state || (c && PQstatus(c) == CONNECTION_BAD) || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0 || strcmp(state, "53300") == 0) {
        ct_err_set(e, 503, "database unavailable");
        return;
    }
    if (state[0] == 'C' && state[1] == 'T') {
        int status = (state[2] - '0') * 100 + (state[3] - '0') * 10 + (state[4] - '0');
        if (col && *col)
            ct_err_field(e, col, "%s", msg);
        e->status = status;
        snprintf(e->detail, sizeof e->detail, "%s", msg);
        return;
    }
    if (strcmp(state, "23505") == 0)
        ct_err_set(e, 409, "conflicts with an existing record");
    else if (strcmp(state, "23503") == 0)
        ct_err_set(e, 422, "refers to a record that does not exist");
    else if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
        ct_err_set(e, 422, "violates a rule of the data model");
    else if (strncmp(state, "22", 2) == 0)
        ct_err_set(e, 422, "a value is out of range or malformed");
    else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        ct_err_set(e, 503, "database busy, try again");
    else if (strcmp(state, "57014") == 0)
        ct_err_set(e, 503, "database statement timed out");
    else {
        /* the server's words stay in the log: they may describe the schema */
        ct_log_error("database error %s: %s", state, msg);
        ct_err_set(e, 500, "internal database error (SQLSTATE %s)", state);
    }
}

PGconn *ct_db_connect(const char *conninfo, struct ct_err *e)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        ct_err_set(e, 503, "cannot connect to the database: %s", PQerrorMessage(c));
        size_t n = strlen(e->detail);
        while (n && (e->detail[n - 1] == '\n' || e->detail[n - 1] == ' '))
            e->detail[--n] = '\0';
        PQfinish(c);
        return NULL;
    }
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    return c;
}

PGresult *ct_db_exec(PGconn *c, const char *sql, int nparams, const char *const *params, struct ct_err *e)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    ct_db_error(c, r, e);
    PQclear(r);
    return NULL;
}

int ct_db_run(PGconn *c, const char *sql, struct ct_err *e)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        PQclear(r);
        return 0;
    }
    ct_db_error(c, r, e);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    if (e->status >= 500 && msg)
        snprintf(e->detail, sizeof e->detail, "%s%s%s", msg, pos ? " at character " : "", pos ? pos : "");
    PQclear(r);
    return -1;
}
