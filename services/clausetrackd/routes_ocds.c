/* routes_ocds.c - GET /v1/ocds/releases[?since=][&cursor=][&limit=]: the OCDS 1.1 release
 * package feed (CONTRACT §10, docs/ocds.md). The releases themselves are written by triggers
 * (migrations/0007_ocds.sql); api.ocds_releases pages them behind the running-transaction
 * watermark. This file adds what only the daemon knows: the ocid prefix and the suppression
 * threshold from the configuration, and the scheme and host the caller used (for the links). */
#include "daemon.h"
#include "ct/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_HOST 255

static void route_ocds_releases(struct ct_req *r);
static int host_ok(const char *h);
static int prefix_ok(const char *p);

/* A Host header fit to be echoed into a URL: a name or address with an optional port. */
static int host_ok(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > MAX_HOST)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']'))
            return 0;
    }
    return 1;
}

/* The registered OCDS prefix without "ocds-": letters and digits only (e.g. "213czf"). */
static int prefix_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
            return 0;
    return 1;
}

static void route_ocds_releases(struct ct_req *r)
{
    const struct ct_cfg *cfg = &r->w->app->cfg;
    const char *prefix = cfg->ocds_prefix;
    if (strncmp(prefix, "ocds-", 5) == 0) /* the registered form, given whole */
        prefix += 5;
    if (!prefix_ok(prefix)) {
        ct_log_error("ocds_prefix \"%s\" is not letters and digits: the OCDS feed is unavailable", cfg->ocds_prefix);
        ct_reply_error(r, 500, "ocds_prefix in the configuration must be letters and digits (the registered "
                               "prefix without \"ocds-\")");
        return;
    }
    const char *host = ct_req_in_header(r, "Host");
    const char *proto = ct_req_in_header(r, "X-Forwarded-Proto");
    const char *scheme = proto && strcasecmp(proto, "https") == 0 ? "https" : "http";
    char *base = ct_arena_printf(r->a, "%s://%s", scheme, host_ok(host) ? host : cfg->listen);
    char below[16];
    snprintf(below, sizeof below, "%d", cfg->suppress_below);
    const char *names[] = {"_ocds_prefix", "_suppress_below", "_base"};
    const char *values[] = {prefix, below, base};
    ct_req_api(r, "ocds_releases", 3, names, values);
}

/* OCDS is public data, but everything under /v1 takes a token; which releases a role sees is
 * decided in api.ocds_releases (staff everything, a buyer its own tenders, a supplier its own). */
const struct ct_route routes_ocds[] = {
    {"GET", "/v1/ocds/releases", route_ocds_releases, CT_ROLE_ANY, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
