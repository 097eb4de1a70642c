/* cmd_org.c - `clausetrack org add`: builds the same JSON record the API takes, validates it
 * with the same rules (lib/json/orgjson.c) and stores it through api.org_create, so the CLI and
 * POST /v1/organizations can never disagree. Prints the new organisation id. */
#include "cli.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/orgjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int org_add(struct cli *c, int argc, char **argv);
static const char *field_to_option(const char *field);

static const char *field_to_option(const char *field)
{
    if (strcmp(field, "business_id") == 0) return "--business-id";
    if (strcmp(field, "municipality_code") == 0) return "--municipality";
    if (strcmp(field, "social_enterprise") == 0) return "--social-enterprise";
    if (strcmp(field, "name") == 0) return "--name";
    if (strcmp(field, "kind") == 0) return "--kind";
    if (strcmp(field, "region") == 0) return "--region";
    if (strcmp(field, "country") == 0) return "--country";
    return field;
}

static int org_add(struct cli *c, int argc, char **argv)
{
    static const char *const opts[][2] = {{"--name", "name"}, {"--kind", "kind"}, {"--business-id", "business_id"},
                                          {"--region", "region"}, {"--municipality", "municipality_code"},
                                          {"--country", "country"}};
    const char *values[6] = {0};
    int social = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--social-enterprise") == 0) {
            social = 1;
            continue;
        }
        int k = -1;
        for (int j = 0; j < 6; j++)
            if (strcmp(argv[i], opts[j][0]) == 0)
                k = j;
        if (k < 0 || i + 1 >= argc) {
            fprintf(stderr, "clausetrack: org add: %s \"%s\"\n", k < 0 ? "unknown option" : "missing value for", argv[i]);
            return CLI_USAGE;
        }
        values[k] = argv[++i];
    }
    if (!values[0] || !values[1]) {
        fprintf(stderr, "usage: clausetrack org add --name N --kind buyer|supplier|analyst|centre|admin "
                        "[--business-id 1234567-8] [--region FI1D3] [--municipality 167] [--social-enterprise]\n");
        return CLI_USAGE;
    }
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    for (int j = 0; j < 6; j++)
        if (values[j])
            ct_jw_kstr(w, opts[j][1], values[j]);
    ct_jw_kbool(w, "social_enterprise", social);
    ct_jw_obj_close(w);
    size_t len;
    const char *raw = ct_jw_result(w, &len);

    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    int rc = CLI_REJECTED;
    PGconn *pg = NULL;
    const struct ct_json *obj = ct_json_parse(a, raw, len, NULL, &e);
    const char *norm = obj ? ct_org_normalize(a, obj, &len, &e) : NULL;
    if (!norm) {
        for (int i = 0; i < e.nfields; i++)
            fprintf(stderr, "clausetrack: org add: %s: %s\n", field_to_option(e.fields[i].field), e.fields[i].message);
        if (e.nfields == 0)
            fprintf(stderr, "clausetrack: org add: %s\n", e.detail);
        goto out;
    }
    char *args = ct_arena_printf(a, "{\"_org\": null, \"body\": %s}", norm);
    pg = cli_connect(c);
    if (!pg)
        goto out;
    char *body = NULL;
    int status = cli_api(pg, "org_create", args, &body);
    if (status == 201 && body) {
        const struct ct_json *res = ct_json_parse(a, body, strlen(body), NULL, &e);
        const struct ct_json *id = res ? ct_json_get(res, "id") : NULL;
        if (id && id->type == CT_JSON_STRING) {
            printf("%s\n", id->string.ptr);
            rc = CLI_OK;
        }
    }
    free(body);
out:
    if (pg)
        PQfinish(pg);
    ct_arena_free(a);
    ct_jw_free(w);
    return rc;
}

int cmd_org(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return org_add(c, argc, argv);
    fprintf(stderr, "usage: clausetrack org add --name N --kind KIND [options]\n");
    return CLI_USAGE;
}
