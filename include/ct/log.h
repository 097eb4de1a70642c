/* log.h - process logging to stderr, one line per message, as text or JSON (CONTRACT §11).
 * Never pass a token, a henkilötunnus or a request body to these functions.
 * Thread-safe: each line is written with a single locked write. */
#ifndef CT_LOG_H
#define CT_LOG_H

#include "ct/err.h"

enum ct_log_level {
    CT_LOG_ERROR = 0, /* something failed that an operator must look at */
    CT_LOG_WARN = 1,  /* degraded but working (database down, retry) */
    CT_LOG_INFO = 2,  /* start, stop, reload, one access line per request */
    CT_LOG_DEBUG = 3, /* details for developers */
};

/* Set the output format ("json" or "text") and the level ("error".."debug").
 * Unknown names leave the setting as it was and return -1. */
int ct_log_set_format(const char *name);
int ct_log_set_level(const char *name);

void ct_log_error(const char *fmt, ...) CT_PRINTF(1, 2);
void ct_log_warn(const char *fmt, ...) CT_PRINTF(1, 2);
void ct_log_info(const char *fmt, ...) CT_PRINTF(1, 2);
void ct_log_debug(const char *fmt, ...) CT_PRINTF(1, 2);

/* One access line: method, matched route pattern (not the raw path), status, duration in
 * milliseconds, organisation id of the caller ("" when none). */
void ct_log_access(const char *method, const char *route, int status, double ms, const char *org_id);

/* Print a message and exit(1). Only for start-up failures. */
_Noreturn void ct_die(const char *fmt, ...) CT_PRINTF(1, 2);

#endif
