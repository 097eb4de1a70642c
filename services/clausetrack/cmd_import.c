/* cmd_import.c - `clausetrack import [--dry-run] [--as ORG_ID] PATH...`: imports notice files
 * (*.xml; folders are walked recursively) one at a time, each in its own transaction through
 * the same parser and api.notice_import the daemon uses. Memory stays flat: one arena and one
 * file buffer per file, freed before the next. A progress bar on a terminal; a summary line;
 * "FILE:LINE:COLUMN: reason" for each rejected file. --dry-run rolls every import back. */
#include "cli.h"
#include "ct/arena.h"
#include "ct/clausenotice.h"
#include "ct/notice.h"
#include "ct/noticejson.h"
#include "ct/json.h"
#include "ct/jw.h"
#include "ct/xmlsafe.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct run {
    struct cli *c;
    PGconn *pg;
    struct ct_clausenotice_schema *schema;
    const char *as_org;
    const char *role;
    int dry_run;
    int tty;
    long total, done;
    long imported, updated, unchanged, rejected;
};

static int is_xml(const char *name);
static long walk(struct run *r, const char *path, int count_only);
static void import_file(struct run *r, const char *path);
static void reject(struct run *r, const char *path, const struct ct_err *e);
static void progress(struct run *r);

static int is_xml(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

static void progress(struct run *r)
{
    if (!r->tty)
        return;
    int width = 30, filled = r->total ? (int)(width * r->done / r->total) : width;
    fprintf(stderr, "\r[%.*s%*s] %ld/%ld files", filled, "##############################", width - filled, "", r->done,
            r->total);
    if (r->done == r->total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void reject(struct run *r, const char *path, const struct ct_err *e)
{
    r->rejected++;
    if (r->tty)
        fputs("\r\033[K", stderr);
    if (e->nfields > 0)
        fprintf(stderr, "%s:%d:%d: %s: %s\n", path, e->line, e->column, e->fields[0].field, e->fields[0].message);
    else
        fprintf(stderr, "%s:%d:%d: %s\n", path, e->line, e->column, e->detail);
}

static void import_file(struct run *r, const char *path)
{
    struct ct_err e;
    ct_err_clear(&e);
    long max = r->c->cfg.max_xml_body;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ct_err_set(&e, 400, "cannot open: %s", strerror(errno));
        reject(r, path, &e);
        return;
    }
    char *buf = malloc((size_t)max + 1);
    size_t len = fread(buf, 1, (size_t)max + 1, f);
    fclose(f);
    struct ct_arena *a = ct_arena_new();
    struct ct_notice *n = NULL;
    struct ct_notice_opts opts = {.clause_schema = r->schema};
    if (ct_notice_parse(a, buf, len, (size_t)max, &opts, &n, &e)) {
        reject(r, path, &e);
        goto out;
    }
    char hash[65];
    size_t jlen;
    const char *json = ct_notice_to_json(a, n, &jlen, hash);
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "_org", r->as_org);
    ct_jw_kstr(w, "_role", r->role);
    ct_jw_kstr(w, "content_hash", hash);
    ct_jw_kraw(w, "body", json, jlen);
    ct_jw_obj_close(w);
    const char *args = ct_jw_result(w, NULL);
    const char *params[2] = {"notice_import", args};
    if (r->dry_run && ct_db_run(r->pg, "begin", &e)) {
        reject(r, path, &e);
        ct_jw_free(w);
        goto out;
    }
    PGresult *res = ct_db_exec(r->pg, "select status, body from api.call($1, $2::jsonb, null, null)", 2, params, &e);
    ct_jw_free(w);
    if (r->dry_run) {
        struct ct_err ignore;
        ct_err_clear(&ignore);
        (void)ct_db_run(r->pg, "rollback", &ignore);
    }
    if (!res) {
        if (e.line == 0)
            e.line = n->line;
        reject(r, path, &e);
        if (e.status == 503)
            fprintf(stderr, "clausetrack: import: the database went away\n");
        goto out;
    }
    int status = atoi(PQgetvalue(res, 0, 0));
    const char *body = PQgetvalue(res, 0, 1);
    if (status == 201)
        r->imported++;
    else if (status == 200 && strstr(body, "\"changed\": true"))
        r->updated++;
    else if (status == 200)
        r->unchanged++;
    else {
        ct_err_set(&e, status, "rejected with status %d", status);
        reject(r, path, &e);
    }
    PQclear(res);
out:
    ct_arena_free(a);
    free(buf);
}

static long walk(struct run *r, const char *path, int count_only)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!count_only) {
            struct ct_err e;
            ct_err_clear(&e);
            ct_err_set(&e, 400, "cannot read: %s", strerror(errno));
            reject(r, path, &e);
        }
        return count_only ? 1 : 0;
    }
    if (S_ISREG(st.st_mode)) {
        if (!count_only) {
            import_file(r, path);
            r->done++;
            progress(r);
        }
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    struct dirent **list = NULL;
    int n = scandir(path, &list, NULL, alphasort);
    long files = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (name[0] != '.') {
            char *child = malloc(strlen(path) + strlen(name) + 2);
            sprintf(child, "%s/%s", path, name);
            struct stat cs;
            if (stat(child, &cs) == 0 && (S_ISDIR(cs.st_mode) || (S_ISREG(cs.st_mode) && is_xml(name))))
                files += walk(r, child, count_only);
            free(child);
        }
        free(list[i]);
    }
    free(list);
    return files;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.role = "admin";
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--dry-run") == 0)
            r.dry_run = 1;
        else if (strcmp(argv[first], "--as") == 0 && first + 1 < argc)
            r.as_org = argv[++first];
        else {
            fprintf(stderr, "clausetrack: import: unknown option \"%s\"\n", argv[first]);
            return CLI_USAGE;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: clausetrack import [--dry-run] [--as ORG_ID] PATH...\n");
        return CLI_USAGE;
    }
    if (ct_xml_init() != 0) {
        fprintf(stderr, "clausetrack: import: libxml2 initialisation failed\n");
        return CLI_REJECTED;
    }
    struct ct_err e;
    ct_err_clear(&e);
    char xsd[600];
    snprintf(xsd, sizeof xsd, "%s/clause-notice.xsd", c->cfg.xsd_dir);
    r.schema = ct_clausenotice_schema_load(xsd, &e);
    if (!r.schema) {
        fprintf(stderr, "clausetrack: import: %s\n", e.detail);
        ct_xml_cleanup();
        return CLI_REJECTED;
    }
    r.pg = cli_connect(c);
    int rc = CLI_REJECTED;
    if (!r.pg)
        goto out;
    if (r.as_org) {
        const char *params[1] = {r.as_org};
        PGresult *res = ct_db_exec(r.pg, "select kind from organizations where id = $1::uuid", 1, params, &e);
        if (!res || PQntuples(res) != 1) {
            fprintf(stderr, "clausetrack: import: --as: no such organisation\n");
            PQclear(res);
            goto out;
        }
        r.role = strcmp(PQgetvalue(res, 0, 0), "admin") == 0 ? "admin" : "buyer";
        if (strcmp(PQgetvalue(res, 0, 0), "admin") != 0 && strcmp(PQgetvalue(res, 0, 0), "buyer") != 0) {
            fprintf(stderr, "clausetrack: import: --as: only an admin or a buyer may import notices\n");
            PQclear(res);
            goto out;
        }
        PQclear(res);
    }
    r.tty = isatty(2);
    for (int i = first; i < argc; i++)
        r.total += walk(&r, argv[i], 1);
    for (int i = first; i < argc; i++)
        walk(&r, argv[i], 0);
    printf("%simported %ld, updated %ld, unchanged %ld, rejected %ld\n", r.dry_run ? "dry run: " : "", r.imported,
           r.updated, r.unchanged, r.rejected);
    rc = r.rejected ? CLI_REJECTED : CLI_OK;
out:
    if (r.pg)
        PQfinish(r.pg);
    ct_clausenotice_schema_free(r.schema);
    ct_xml_cleanup();
    return rc;
}
