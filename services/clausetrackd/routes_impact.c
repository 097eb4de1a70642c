/* routes_impact.c - GET /v1/impact (CONTRACT §8): region-wide figures for staff, a buyer's own
 * tenders for a buyer. api.impact (migrations/0008) does scope, the counters and small-cell
 * suppression and answers JSON; this file hands it the configured suppress_below and, when
 * ?format=csv or an Accept header preferring text/csv asks for it, turns the answer into RFC 4180
 * CSV: a header line, the rows, then the totals as a last row with key "total"; CRLF, UTF-8. */
#include "daemon.h"
#include "ct/json.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The columns of a row, in CONTRACT §8's order (the CSV header line). */
static const char *const columns[] = {"key", "label", "tenders", "tenders_with_clauses", "clauses", "contracts",
                                      "placements", "persons", "person_months", "clauses_fulfilled",
                                      "fulfilment_rate", "suppressed", NULL};

enum format { FMT_JSON, FMT_CSV, FMT_BAD };

static enum format choose_format(struct ct_req *r);
static int accept_prefers_csv(const char *accept);
static void csv_field(struct evbuffer *b, const struct ct_json *v);
static void csv_row(struct evbuffer *b, const struct ct_json *row);
static void csv_answer(struct ct_req *r, PGresult *res, const struct ct_err *err);
static void route_impact(struct ct_req *r);

/* Does the Accept header rank text/csv above application/json? Media ranges are taken in the
 * order given; q=0 excludes one; any other q value is not ranked (clients list in preference). */
static int accept_prefers_csv(const char *accept)
{
    const char *p = accept;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char range[128];
        if (n < sizeof range) {
            memcpy(range, p, n);
            range[n] = '\0';
            char *params = strchr(range, ';');
            int excluded = 0;
            if (params) {
                *params++ = '\0';
                const char *q = strstr(params, "q=");
                excluded = q && strtod(q + 2, NULL) <= 0.0;
            }
            char *s = range;
            while (*s == ' ' || *s == '\t')
                s++;
            size_t l = strlen(s);
            while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
                s[--l] = '\0';
            if (!excluded) {
                if (strcasecmp(s, "text/csv") == 0)
                    return 1;
                if (strcasecmp(s, "application/json") == 0 || strcasecmp(s, "application/*") == 0)
                    return 0;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static enum format choose_format(struct ct_req *r)
{
    const char *f = ct_req_qparam(r, "format");
    if (f)
        return strcmp(f, "csv") == 0 ? FMT_CSV : strcmp(f, "json") == 0 ? FMT_JSON : FMT_BAD;
    const char *accept = ct_req_in_header(r, "Accept");
    return accept && accept_prefers_csv(accept) ? FMT_CSV : FMT_JSON;
}

/* One field: empty for null, strings always quoted (a quote doubled), numbers as api.impact wrote
 * them, booleans as true/false. */
static void csv_field(struct evbuffer *b, const struct ct_json *v)
{
    if (!v || v->type == CT_JSON_NULL)
        return;
    switch (v->type) {
    case CT_JSON_STRING:
        evbuffer_add(b, "\"", 1);
        for (size_t i = 0; i < v->string.len; i++) {
            if (v->string.ptr[i] == '"')
                evbuffer_add(b, "\"", 1);
            evbuffer_add(b, v->string.ptr + i, 1);
        }
        evbuffer_add(b, "\"", 1);
        break;
    case CT_JSON_NUMBER:
        evbuffer_add(b, v->number.raw, v->number.raw_len);
        break;
    case CT_JSON_BOOL:
        evbuffer_add_printf(b, "%s", v->boolean ? "true" : "false");
        break;
    default:
        break;
    }
}

static void csv_row(struct evbuffer *b, const struct ct_json *row)
{
    for (int i = 0; columns[i]; i++) {
        if (i)
            evbuffer_add(b, ",", 1);
        csv_field(b, ct_json_get(row, columns[i]));
    }
    evbuffer_add(b, "\r\n", 2);
}

static void csv_answer(struct ct_req *r, PGresult *res, const struct ct_err *err)
{
    int status;
    const char *body;
    size_t len;
    if (ct_req_api_row(r, res, err, &status, &body, &len))
        return;
    if (status != 200) {
        ct_reply_api(r, status, body, len);
        return;
    }
    struct ct_json_limits lim = ct_json_default_limits;
    lim.max_items = 1000000;
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *doc = ct_json_parse(r->a, body, len, &lim, &e);
    const struct ct_json *rows = ct_json_get(doc, "rows");
    const struct ct_json *totals = ct_json_get(doc, "totals");
    const struct ct_json *grp = ct_json_get(doc, "group_by");
    if (!rows || rows->type != CT_JSON_ARRAY || !totals || !grp || grp->type != CT_JSON_STRING) {
        ct_reply_error(r, 500, "unexpected impact answer");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    for (int i = 0; columns[i]; i++)
        evbuffer_add_printf(b, "%s%s", i ? "," : "", columns[i]);
    evbuffer_add(b, "\r\n", 2);
    for (size_t i = 0; i < rows->array.count; i++)
        csv_row(b, rows->array.items[i]);
    csv_row(b, totals);

    /* the name says what it holds; every part was validated by api.impact ([a-z_0-9A-Z] only) */
    const char *year = ct_req_qparam(r, "year");
    const char *region = ct_req_qparam(r, "region");
    const char *group = ct_req_qparam(r, "target_group");
    char *disp = ct_arena_printf(r->a, "attachment; filename=\"impact-%s%s%s%s%s%s%s.csv\"", grp->string.ptr,
                                 year ? "-" : "", year ? year : "", region ? "-" : "", region ? region : "",
                                 group ? "-" : "", group ? group : "");
    ct_req_header(r, "Content-Disposition", disp);
    size_t n = evbuffer_get_length(b);
    ct_reply(r, 200, "text/csv; charset=utf-8; header=present", (const char *)evbuffer_pullup(b, -1), n);
    evbuffer_free(b);
}

static void route_impact(struct ct_req *r)
{
    enum format fmt = choose_format(r);
    if (fmt == FMT_BAD) {
        struct ct_err e;
        ct_err_clear(&e);
        ct_err_set(&e, 400, "format must be json or csv");
        ct_err_field(&e, "format", "must be json or csv");
        ct_reply_problem(r, &e);
        return;
    }
    char k[16];
    snprintf(k, sizeof k, "%d", r->w->app->cfg.suppress_below);
    const char *names[1] = {"_suppress_below"};
    const char *values[1] = {k};
    ct_req_header(r, "Vary", "Accept");
    if (fmt == FMT_CSV)
        ct_req_api_cb(r, "impact", 1, names, values, csv_answer);
    else
        ct_req_api(r, "impact", 1, names, values);
}

const struct ct_route routes_impact[] = {
    {"GET", "/v1/impact", route_impact, STAFF | CT_ROLE_BUYER, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
