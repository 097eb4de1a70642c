/* err.h - the one error carrier of clausetrack.
 * Fallible functions return 0/-1 (or NULL) and fill a caller-owned struct ct_err.
 * The same value becomes an HTTP problem+json answer (lib/http) or a CLI line
 * "FILE:LINE:COLUMN: field: message" (services/clausetrack). */
#ifndef CT_ERR_H
#define CT_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define CT_MUSTCHECK __attribute__((warn_unused_result))
#define CT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CT_MUSTCHECK
#define CT_PRINTF(a, b)
#endif

#define CT_ERR_MAX_FIELDS 16

/* One invalid field: a dotted path into the request body ("lots[1].cpv", "BT-501"). */
struct ct_err_field {
    char field[128];
    char message[256];
};

struct ct_err {
    int status;            /* HTTP status (400, 404, 409, 422, ...); 0 = no error */
    char type[48];         /* problem type slug ("validation", "conflict"); "" = derived from status */
    char detail[512];      /* human-readable detail; never holds a token, body or henkilötunnus */
    int line, column;      /* source position for XML/CLI errors; 0 = unknown */
    int nfields;           /* number of entries in fields[] */
    struct ct_err_field fields[CT_ERR_MAX_FIELDS];
};

/* Reset to "no error". */
void ct_err_clear(struct ct_err *e);

/* Set status and detail (printf-style). Always returns -1 so callers can `return ct_err_set(...)`. */
int ct_err_set(struct ct_err *e, int status, const char *fmt, ...) CT_PRINTF(3, 4);

/* Append a field error; sets status to 422 when no status is set yet. Extra fields beyond
 * CT_ERR_MAX_FIELDS are dropped (the first ones are kept). Returns -1. */
int ct_err_field(struct ct_err *e, const char *field, const char *fmt, ...) CT_PRINTF(3, 4);

/* Standard reason phrase for an HTTP status ("Created", "Unprocessable Content"). Never NULL. */
const char *ct_err_title(int status);

/* Problem type slug for the error: e->type when set, else derived from status. */
const char *ct_err_type(const struct ct_err *e);

#endif
