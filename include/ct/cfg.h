/* cfg.h - configuration: a "key = value" file, every key overridable by the environment
 * (CLAUSETRACK_ + upper-case key). Built from one declarative table of keys (lib/core/cfg.c).
 * The struct is plain data: copy it freely; strings are fixed-size arrays. */
#ifndef CT_CFG_H
#define CT_CFG_H

#include <stddef.h>
#include "ct/err.h"

struct ct_cfg {
    char database_url[1024];      /* libpq conninfo or URI */
    char listen[128];             /* host:port, default 127.0.0.1:8080 */
    int threads;                  /* HTTP worker threads, default 1 */
    int db_pool_size;             /* connections per worker, default 4 */
    char pseudonym_key_file[512]; /* 64 hex chars, mode 0600 */
    long max_json_body;           /* bytes, default 1 MiB (reloadable) */
    long max_xml_body;            /* bytes, default 16 MiB (reloadable) */
    char log_format[16];          /* json | text (reloadable) */
    char log_level[16];           /* error | warn | info | debug (reloadable) */
    int suppress_below;           /* small-cell suppression threshold, default 5 (reloadable) */
    char ocds_prefix[64];         /* registered OCDS prefix without "ocds-" */
    char migrations_dir[512];     /* where the CLI finds NNNN_*.sql */
    char xsd_dir[512];            /* where the ClauseNotice schema lives */
    char dashboard_dir[512];      /* dashboard assets served at / */
    int shutdown_timeout;         /* seconds to let in-flight work finish on SIGTERM */
    int dispatcher;               /* 1 = run the delivery dispatcher in this daemon */
    char ca_file[512];            /* PEM CA bundle for HTTPS deliveries; "" = the system store */
    int delivery_timeout;         /* seconds one delivery request may take, default 15 */
    int delivery_poll_ms;         /* how often the dispatcher looks for due deliveries, default 1000 */
    int delivery_backoff_ms;      /* first retry delay; doubles per attempt, +-20 % jitter, default 10000 */
    int delivery_backoff_max;     /* seconds: longest retry delay and Retry-After honoured, default 3600 */
    int delivery_retry_window;    /* seconds from the first attempt until a delivery fails, default 86400 */
    int delivery_lease;           /* seconds a claimed delivery stays with its dispatcher, default 60 */
    int delivery_concurrency;     /* deliveries in flight per dispatcher, default 16 */
    int janitor_delay;            /* seconds from start to the janitor's first pass, default 60 */
};

/* Fill cfg with defaults, then the file at path (NULL = none), then the environment.
 * 0, or -1 with e naming the file, line and key at fault. */
int ct_cfg_load(struct ct_cfg *cfg, const char *path, struct ct_err *e) CT_MUSTCHECK;

/* Copy the keys marked reloadable from src into dst. */
void ct_cfg_apply_reloadable(struct ct_cfg *dst, const struct ct_cfg *src);

/* Write every key and its value (database_url with any password masked) to f. */
void ct_cfg_dump(const struct ct_cfg *cfg, void *file);

#endif
