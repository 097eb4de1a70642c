/* log.c - text or JSON log lines on stderr (CONTRACT §11). The format and level are
 * process-wide settings changed only at start and on SIGHUP; lines are written whole
 * under a mutex so threads never interleave. */
#include "ct/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void emit(int level, const char *msg, const char *extra_json, const char *extra_text);
static void json_escape(char *out, size_t outlen, const char *s);

static _Atomic int log_json = 0;
static _Atomic int log_level = CT_LOG_INFO;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *level_names[] = {"error", "warn", "info", "debug"};

int ct_log_set_format(const char *name)
{
    if (strcmp(name, "json") == 0)
        log_json = 1;
    else if (strcmp(name, "text") == 0)
        log_json = 0;
    else
        return -1;
    return 0;
}

int ct_log_set_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0) {
            log_level = i;
            return 0;
        }
    return -1;
}

static void json_escape(char *out, size_t outlen, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

static void emit(int level, const char *msg, const char *extra_json, const char *extra_text)
{
    char ts[40];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);

    char line[4096];
    if (log_json) {
        char esc[2048];
        json_escape(esc, sizeof esc, msg);
        snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"%s}\n", ts,
                 level_names[level], esc, extra_json ? extra_json : "");
    } else {
        snprintf(line, sizeof line, "%s %-5s %s%s\n", ts, level_names[level], msg, extra_text ? extra_text : "");
    }
    pthread_mutex_lock(&log_mu);
    fputs(line, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}

#define DEFINE_LOG(fn, lvl)                                  \
    void fn(const char *fmt, ...)                            \
    {                                                        \
        if (log_level < (lvl))                               \
            return;                                          \
        char msg[2048];                                      \
        va_list ap;                                          \
        va_start(ap, fmt);                                   \
        vsnprintf(msg, sizeof msg, fmt, ap);                 \
        va_end(ap);                                          \
        emit((lvl), msg, NULL, NULL);                        \
    }

DEFINE_LOG(ct_log_error, CT_LOG_ERROR)
DEFINE_LOG(ct_log_warn, CT_LOG_WARN)
DEFINE_LOG(ct_log_info, CT_LOG_INFO)
DEFINE_LOG(ct_log_debug, CT_LOG_DEBUG)

void ct_log_access(const char *method, const char *route, int status, double ms, const char *org_id)
{
    if (log_level < CT_LOG_INFO)
        return;
    char j[512], t[512], r[256];
    json_escape(r, sizeof r, route);
    snprintf(j, sizeof j, ",\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,\"org_id\":\"%s\"",
             method, r, status, ms, org_id ? org_id : "");
    snprintf(t, sizeof t, " %s %s %d %.3fms org=%s", method, route, status, ms,
             org_id && *org_id ? org_id : "-");
    emit(CT_LOG_INFO, "request", j, t);
}

_Noreturn void ct_die(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(CT_LOG_ERROR, msg, NULL, NULL);
    exit(1);
}
