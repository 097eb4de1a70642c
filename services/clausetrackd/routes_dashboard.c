/* routes_dashboard.c - the impact dashboard: GET / and its assets under /dashboard/, public (the
 * page asks for a token and sends it only with its own /v1 calls). A fixed list of files is read
 * once at start from dashboard_dir into memory (each at most DASHBOARD_MAX_FILE bytes) and served
 * with its content type and a Content-Security-Policy that allows this origin only. A missing
 * file is logged at start and answered 404; the API works without the dashboard. */
#include "daemon.h"
#include "ct/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DASHBOARD_MAX_FILE (512 * 1024)

/* Scripts, styles, images and API calls from this origin only; no inline code, no framing, no
 * forms posting elsewhere, no plugins. */
#define DASHBOARD_CSP                                                                                          \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "           \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct asset {
    const char *path;         /* URL path */
    const char *file;         /* name under dashboard_dir */
    const char *content_type;
    char *body;               /* NULL when it could not be read */
    size_t len;
};

static struct asset assets[] = {
    {"/", "index.html", "text/html; charset=utf-8", NULL, 0},
    {"/dashboard/app.js", "app.js", "text/javascript; charset=utf-8", NULL, 0},
    {"/dashboard/style.css", "style.css", "text/css; charset=utf-8", NULL, 0},
    {"/dashboard/icon.svg", "icon.svg", "image/svg+xml", NULL, 0},
};

#define NASSETS (sizeof assets / sizeof assets[0])

static char *read_capped(const char *path, size_t *len);
static void route_asset(struct ct_req *r);

static char *read_capped(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = ct_xmalloc(DASHBOARD_MAX_FILE + 1);
    size_t n = fread(buf, 1, DASHBOARD_MAX_FILE + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || n > DASHBOARD_MAX_FILE) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

void dashboard_load(const char *dir)
{
    int missing = 0;
    for (size_t i = 0; i < NASSETS; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, assets[i].file);
        free(assets[i].body);
        assets[i].body = read_capped(path, &assets[i].len);
        if (!assets[i].body) {
            ct_log_warn("dashboard: cannot read %s (missing, unreadable or over %d bytes): %s is not served", path,
                        DASHBOARD_MAX_FILE, assets[i].path);
            missing++;
        }
    }
    if (!missing)
        ct_log_info("dashboard: %zu files from %s", NASSETS, dir);
}

void dashboard_free(void)
{
    for (size_t i = 0; i < NASSETS; i++) {
        free(assets[i].body);
        assets[i].body = NULL;
    }
}

static void route_asset(struct ct_req *r)
{
    for (size_t i = 0; i < NASSETS; i++) {
        if (strcmp(r->path, assets[i].path) != 0)
            continue;
        if (!assets[i].body)
            break;
        ct_req_header(r, "Content-Security-Policy", DASHBOARD_CSP);
        ct_req_header(r, "Referrer-Policy", "no-referrer");
        ct_req_header(r, "X-Frame-Options", "DENY");
        ct_reply(r, 200, assets[i].content_type, assets[i].body, assets[i].len);
        return;
    }
    ct_reply_error(r, 404, "the dashboard is not installed");
}

const struct ct_route routes_dashboard[] = {
    {"GET", "/", route_asset, 0, CT_BODY_NONE},
    {"GET", "/dashboard/app.js", route_asset, 0, CT_BODY_NONE},
    {"GET", "/dashboard/style.css", route_asset, 0, CT_BODY_NONE},
    {"GET", "/dashboard/icon.svg", route_asset, 0, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
