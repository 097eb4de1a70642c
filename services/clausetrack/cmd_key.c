/* cmd_key.c - `clausetrack key add --org ORG_ID [--label L]` (prints the token once; only its
 * SHA-256 is stored) and `clausetrack key revoke KEY_ID`. Both go through the api.* functions
 * the daemon uses, so they are audited the same way. */
#include "cli.h"
#include "ct/arena.h"
#include "ct/jw.h"
#include "ct/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int key_add(struct cli *c, int argc, char **argv);
static int key_revoke(struct cli *c, int argc, char **argv);
static int call(struct cli *c, const char *fn, struct ct_jw *w, int want, char **body);

static int call(struct cli *c, const char *fn, struct ct_jw *w, int want, char **body)
{
    size_t len;
    const char *args = ct_jw_result(w, &len);
    PGconn *pg = cli_connect(c);
    if (!pg)
        return -1;
    int status = cli_api(pg, fn, args, body);
    PQfinish(pg);
    if (status == 404)
        fprintf(stderr, "clausetrack: %s: not found\n", fn);
    return status == want ? 0 : -1;
}

static int key_add(struct cli *c, int argc, char **argv)
{
    const char *org = NULL, *label = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--org") == 0 && i + 1 < argc)
            org = argv[++i];
        else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
            label = argv[++i];
        else {
            fprintf(stderr, "clausetrack: key add: unknown option \"%s\"\n", argv[i]);
            return CLI_USAGE;
        }
    }
    if (!org) {
        fprintf(stderr, "usage: clausetrack key add --org ORG_ID [--label L]\n");
        return CLI_USAGE;
    }
    if (strlen(org) != 36) {
        fprintf(stderr, "clausetrack: key add: --org: must be an organisation id (UUID)\n");
        return CLI_REJECTED;
    }
    char token[CT_TOKEN_BUFSIZE], hash[65];
    if (ct_token_generate(token, sizeof token)) {
        fprintf(stderr, "clausetrack: key add: cannot generate a token\n");
        return CLI_REJECTED;
    }
    ct_token_hash(token, hash);
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_knull(w, "_org");
    ct_jw_kstr(w, "id", org);
    ct_jw_kstr(w, "token_hash", hash);
    ct_jw_key(w, "body");
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "label", label);
    ct_jw_obj_close(w);
    ct_jw_obj_close(w);
    char *body = NULL;
    int rc = call(c, "key_create", w, 201, &body);
    ct_jw_free(w);
    free(body);
    if (rc)
        return CLI_REJECTED;
    printf("%s\n", token);
    return CLI_OK;
}

static int key_revoke(struct cli *c, int argc, char **argv)
{
    if (argc != 3 || strlen(argv[2]) != 36) {
        fprintf(stderr, "usage: clausetrack key revoke KEY_ID\n");
        return CLI_USAGE;
    }
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_knull(w, "_org");
    ct_jw_kstr(w, "id", argv[2]);
    ct_jw_obj_close(w);
    char *body = NULL;
    int rc = call(c, "key_revoke", w, 204, &body);
    ct_jw_free(w);
    free(body);
    if (rc)
        return CLI_REJECTED;
    printf("revoked %s\n", argv[2]);
    return CLI_OK;
}

int cmd_key(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return key_add(c, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
        return key_revoke(c, argc, argv);
    fprintf(stderr, "usage: clausetrack key add --org ORG_ID [--label L] | key revoke KEY_ID\n");
    return CLI_USAGE;
}
