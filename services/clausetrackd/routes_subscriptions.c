/* routes_subscriptions.c - webhook subscriptions and their deliveries (CONTRACT §9):
 * POST/GET /v1/subscriptions, DELETE /v1/subscriptions/{id}, GET /v1/subscriptions/{id}/deliveries,
 * POST /v1/deliveries/{id}/redeliver. The URL, event names and secret are checked here (a secret
 * is made when none is given); storage, scope (your own subscriptions; an admin's: all) and audit
 * are the api.* functions of migrations/0006. Sending is dispatcher.c's job. */
#include "daemon.h"
#include "ct/json.h"
#include "ct/webhook.h"

#include <event2/http.h>
#include <string.h>
#include <strings.h>

#define SUBSCRIBERS (CT_ROLE_ADMIN | CT_ROLE_BUYER | CT_ROLE_ANALYST | CT_ROLE_CENTRE)
#define MAX_URL 2000

static const char *const event_names[] = {"tender.created",    "clause.created",    "contract.created",
                                          "placement.reported", "placement.updated", "compliance.changed",
                                          "impact.monthly",     NULL};
static const char *const create_fields[] = {"url", "events", "secret", NULL};

static const char *check_url(struct ct_req *r, const char *url, const char **why);
static void route_subscription_create(struct ct_req *r);
static void route_subscription_list(struct ct_req *r);
static void route_subscription_delete(struct ct_req *r);
static void route_delivery_list(struct ct_req *r);
static void route_delivery_redeliver(struct ct_req *r);

/* The URL as stored (scheme in lower case), or NULL with a reason in *why: http or https, a host,
 * no user name or password, no fragment, printable ASCII only (IRIs must be percent-encoded). */
static const char *check_url(struct ct_req *r, const char *url, const char **why)
{
    const char *url_problem = NULL;
    *why = NULL;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) {
            *why = "must be printable ASCII without spaces (percent-encode the rest)";
            return NULL;
        }
    size_t skip;
    const char *scheme;
    if (strncasecmp(url, "http://", 7) == 0) {
        skip = 7;
        scheme = "http://";
    } else if (strncasecmp(url, "https://", 8) == 0) {
        skip = 8;
        scheme = "https://";
    } else {
        *why = "must be an http:// or https:// URL";
        return NULL;
    }
    char *norm = ct_arena_printf(r->a, "%s%s", scheme, url + skip);
    struct evhttp_uri *u = evhttp_uri_parse_with_flags(norm, 0);
    if (!u) {
        *why = "is not a valid URL";
        return NULL;
    }
    const char *host = evhttp_uri_get_host(u);
    size_t authority = strcspn(norm + skip, "/?#");
    if (evhttp_uri_get_userinfo(u) || memchr(norm + skip, '@', authority))
        url_problem = "must not hold a user name or password";
    else if (!host || !*host)
        url_problem = "must name a host";
    else if (evhttp_uri_get_fragment(u))
        url_problem = "must not have a fragment";
    else if (evhttp_uri_get_port(u) == 0)
        url_problem = "has an invalid port";
    evhttp_uri_free(u);
    *why = url_problem;
    return url_problem ? NULL : norm;
}

static void route_subscription_create(struct ct_req *r)
{
    const struct ct_json *b = body_object(r);
    if (!b)
        return;
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr jr = {r->a, &e, "", CT_JR_ABSENT};
    const char *url = NULL, *secret = NULL, *norm = NULL, *why = NULL;
    int *events = NULL;
    size_t nevents = 0;
    ct_jr_no_unknown(&jr, b, create_fields);
    ct_jr_string(&jr, b, "url", CT_JR_REQUIRED | CT_JR_NONEMPTY | CT_JR_ONE_LINE, MAX_URL, &url);
    if (url && !(norm = check_url(r, url, &why)))
        ct_jr_fail(&jr, "url", "%s", why);
    ct_jr_enums(&jr, b, "events", CT_JR_REQUIRED | CT_JR_UNIQUE, event_names, 1, 7, &events, &nevents);
    for (size_t i = 0; i < nevents; i++) {
        const char *name = event_names[events[i]];
        struct ct_jr el = ct_jr_child_index(&jr, "events", i);
        if (strcmp(name, "impact.monthly") == 0 && r->role != CT_ROLE_CENTRE)
            ct_jr_fail(&el, NULL, "impact.monthly is for the competence centre only");
        else if (strncmp(name, "placement.", 10) == 0 && (r->role & (CT_ROLE_CENTRE | CT_ROLE_ANALYST)))
            ct_jr_fail(&el, NULL, "placement events carry person data and go to buyers only");
    }
    ct_jr_string(&jr, b, "secret", CT_JR_NULLABLE | CT_JR_ONE_LINE, 200, &secret);
    if (secret) {
        unsigned char key[CT_WEBHOOK_KEY_MAX];
        size_t keylen = sizeof key;
        if (strncmp(secret, CT_WEBHOOK_SECRET_PREFIX, strlen(CT_WEBHOOK_SECRET_PREFIX)) != 0 ||
            ct_webhook_secret_decode(secret, key, &keylen) != 0)
            ct_jr_fail(&jr, "secret", "must be \"whsec_\" followed by the base64 of 24 to 64 random bytes");
    }
    if (e.status) {
        ct_reply_problem(r, &e);
        return;
    }
    char made[CT_WEBHOOK_SECRET_BUFSIZE];
    if (!secret) {
        if (ct_webhook_secret_new(made, sizeof made)) {
            ct_reply_error(r, 500, "cannot make a secret");
            return;
        }
        secret = made;
    }
    const char *names[] = {"url", "secret"};
    const char *values[] = {norm, secret};
    ct_req_api(r, "subscription_create", 2, names, values);
}

static void route_subscription_list(struct ct_req *r)
{
    ct_req_api(r, "subscription_list", 0, NULL, NULL);
}

static void route_subscription_delete(struct ct_req *r)
{
    ct_req_api(r, "subscription_delete", 0, NULL, NULL);
}

static void route_delivery_list(struct ct_req *r)
{
    ct_req_api(r, "delivery_list", 0, NULL, NULL);
}

static void route_delivery_redeliver(struct ct_req *r)
{
    ct_req_api(r, "delivery_redeliver", 0, NULL, NULL);
}

const struct ct_route routes_subscriptions[] = {
    {"POST", "/v1/subscriptions", route_subscription_create, SUBSCRIBERS, CT_BODY_JSON},
    {"GET", "/v1/subscriptions", route_subscription_list, SUBSCRIBERS, CT_BODY_NONE},
    {"DELETE", "/v1/subscriptions/{id}", route_subscription_delete, SUBSCRIBERS, CT_BODY_NONE},
    {"GET", "/v1/subscriptions/{id}/deliveries", route_delivery_list, SUBSCRIBERS, CT_BODY_NONE},
    {"POST", "/v1/deliveries/{id}/redeliver", route_delivery_redeliver, SUBSCRIBERS, CT_BODY_NONE},
    {NULL, NULL, NULL, 0, CT_BODY_NONE},
};
