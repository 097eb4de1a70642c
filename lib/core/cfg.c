/* cfg.c - the one table of configuration keys (name, type, default, reloadable) and the
 * loader: defaults, then the file, then CLAUSETRACK_* environment variables.
 * Validation of values (ranges, formats) is here too; using them is the caller's job. */
#include "ct/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CT_DATADIR
#define CT_DATADIR "/usr/local/share/clausetrack"
#endif

enum type { T_STR, T_INT, T_LONG };

struct key {
    const char *name;
    enum type type;
    size_t offset, size;
    const char *def;
    long min, max;
    int reloadable;
};

#define S(field, def, rel) {#field, T_STR, offsetof(struct ct_cfg, field), sizeof(((struct ct_cfg *)0)->field), def, 0, 0, rel}
#define I(field, def, lo, hi, rel) {#field, T_INT, offsetof(struct ct_cfg, field), sizeof(int), def, lo, hi, rel}
#define L(field, def, lo, hi, rel) {#field, T_LONG, offsetof(struct ct_cfg, field), sizeof(long), def, lo, hi, rel}

static const struct key keys[] = {
    S(database_url, "postgresql:///clausetrack", 0),
    S(listen, "127.0.0.1:8080", 0),
    I(threads, "1", 1, 64, 0),
    I(db_pool_size, "4", 1, 100, 0),
    S(pseudonym_key_file, "var/pseudonym.key", 0),
    L(max_json_body, "1048576", 1024, 64L * 1024 * 1024, 1),
    L(max_xml_body, "16777216", 1024, 256L * 1024 * 1024, 1),
    S(log_format, "text", 1),
    S(log_level, "info", 1),
    I(suppress_below, "5", 1, 1000, 1),
    S(ocds_prefix, "clausetrack", 0),
    S(migrations_dir, "", 0),
    S(xsd_dir, "", 0),
    S(dashboard_dir, "", 0),
    I(shutdown_timeout, "10", 0, 600, 1),
    I(dispatcher, "1", 0, 1, 0),
    S(ca_file, "", 0),
    I(delivery_timeout, "15", 1, 120, 0),
    I(delivery_poll_ms, "1000", 20, 60000, 0),
    I(delivery_backoff_ms, "10000", 10, 3600000, 0),
    I(delivery_backoff_max, "3600", 1, 86400, 0),
    I(delivery_retry_window, "86400", 1, 30 * 86400, 0),
    I(delivery_lease, "60", 5, 3600, 0),
    I(delivery_concurrency, "16", 1, 256, 0),
    I(janitor_delay, "60", 1, 86400, 0),
};

static int set_value(struct ct_cfg *cfg, const struct key *k, const char *v, struct ct_err *e,
                     const char *where, int line);
static const struct key *find_key(const char *name);
static void default_dir(char *dst, size_t n, const char *local, const char *installed);

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int set_value(struct ct_cfg *cfg, const struct key *k, const char *v, struct ct_err *e,
                     const char *where, int line)
{
    char *dst = (char *)cfg + k->offset;
    if (k->type == T_STR) {
        if (strlen(v) >= k->size) {
            e->line = line;
            return ct_err_set(e, 400, "%s:%d: %s: value too long (at most %zu bytes)", where, line, k->name,
                              k->size - 1);
        }
        memcpy(dst, v, strlen(v) + 1);
        if (strcmp(k->name, "log_format") == 0 && strcmp(v, "json") && strcmp(v, "text"))
            return ct_err_set(e, 400, "%s:%d: log_format: must be json or text", where, line);
        if (strcmp(k->name, "ocds_prefix") == 0) {
            /* the registered prefix without "ocds-": letters and digits only */
            const char *pv = strncmp(v, "ocds-", 5) == 0 ? v + 5 : v;
            size_t n = strlen(pv);
            if (n == 0 || strspn(pv, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
                return ct_err_set(e, 400, "%s:%d: ocds_prefix: must be letters and digits (the prefix without ocds-)",
                                  where, line);
            memmove(dst, pv, n + 1);
        }
        if (strcmp(k->name, "log_level") == 0 && strcmp(v, "error") && strcmp(v, "warn") &&
            strcmp(v, "info") && strcmp(v, "debug"))
            return ct_err_set(e, 400, "%s:%d: log_level: must be error, warn, info or debug", where, line);
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < k->min || n > k->max) {
        e->line = line;
        return ct_err_set(e, 400, "%s:%d: %s: must be a whole number from %ld to %ld", where, line, k->name,
                          k->min, k->max);
    }
    if (k->type == T_INT)
        *(int *)(void *)dst = (int)n;
    else
        *(long *)(void *)dst = n;
    return 0;
}

static void default_dir(char *dst, size_t n, const char *local, const char *installed)
{
    if (dst[0])
        return;
    FILE *f = NULL;
    char probe[600];
    snprintf(probe, sizeof probe, "%s/.", local);
    f = fopen(probe, "r");
    if (f) {
        fclose(f);
        snprintf(dst, n, "%s", local);
    } else {
        snprintf(dst, n, "%s", installed);
    }
}

int ct_cfg_load(struct ct_cfg *cfg, const char *path, struct ct_err *e)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (set_value(cfg, &keys[i], keys[i].def, e, "defaults", 0))
            return -1;

    if (path) {
        FILE *f = fopen(path, "r");
        if (!f)
            return ct_err_set(e, 400, "%s: cannot open configuration file", path);
        char buf[2048];
        int line = 0;
        while (fgets(buf, sizeof buf, f)) {
            line++;
            char *s = buf;
            while (isspace((unsigned char)*s))
                s++;
            if (*s == '#' || *s == '\0')
                continue;
            char *eq = strchr(s, '=');
            if (!eq) {
                fclose(f);
                e->line = line;
                return ct_err_set(e, 400, "%s:%d: expected \"key = value\"", path, line);
            }
            char *kend = eq;
            while (kend > s && isspace((unsigned char)kend[-1]))
                kend--;
            *kend = '\0';
            char *v = eq + 1;
            while (isspace((unsigned char)*v))
                v++;
            size_t vl = strlen(v);
            while (vl && isspace((unsigned char)v[vl - 1]))
                v[--vl] = '\0';
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v[vl - 1] = '\0';
                v++;
            }
            const struct key *k = find_key(s);
            if (!k) {
                fclose(f);
                e->line = line;
                return ct_err_set(e, 400, "%s:%d: %s: unknown configuration key", path, line, s);
            }
            if (set_value(cfg, k, v, e, path, line)) {
                fclose(f);
                return -1;
            }
        }
        fclose(f);
    }

    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char env[96] = "CLAUSETRACK_";
        size_t o = strlen(env);
        for (const char *p = keys[i].name; *p && o + 1 < sizeof env; p++)
            env[o++] = (char)toupper((unsigned char)*p);
        env[o] = '\0';
        const char *v = getenv(env);
        if (v && set_value(cfg, &keys[i], v, e, env, 0))
            return -1;
    }
    default_dir(cfg->migrations_dir, sizeof cfg->migrations_dir, "migrations", CT_DATADIR "/migrations");
    default_dir(cfg->xsd_dir, sizeof cfg->xsd_dir, "xsd", CT_DATADIR "/xsd");
    default_dir(cfg->dashboard_dir, sizeof cfg->dashboard_dir, "services/clausetrackd/dashboard",
                CT_DATADIR "/dashboard");
    return 0;
}

void ct_cfg_apply_reloadable(struct ct_cfg *dst, const struct ct_cfg *src)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i].reloadable)
            memcpy((char *)dst + keys[i].offset, (const char *)src + keys[i].offset, keys[i].size);
}

void ct_cfg_dump(const struct ct_cfg *cfg, void *file)
{
    FILE *f = file;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *p = (const char *)cfg + keys[i].offset;
        if (keys[i].type == T_INT)
            fprintf(f, "%s = %d\n", keys[i].name, *(const int *)(const void *)p);
        else if (keys[i].type == T_LONG)
            fprintf(f, "%s = %ld\n", keys[i].name, *(const long *)(const void *)p);
        else if (strcmp(keys[i].name, "database_url") == 0 && (strstr(p, "password") || strchr(p, '@')))
            fprintf(f, "%s = (set, not shown)\n", keys[i].name);
        else
            fprintf(f, "%s = %s\n", keys[i].name, p);
    }
}
