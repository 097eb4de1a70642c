/* jw.c - JSON writer over yajl_gen (include/ct/jw.h). yajl escapes strings and places
 * commas and colons; this file keeps its own record of where a key is due, because yajl
 * would take a string written at a key position as the key, and it checks strings as
 * strict UTF-8 (ct_utf8_valid), which yajl_gen's own check is not. */
#include "ct/jw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "ct/arena.h"
#include "ct/dates.h"
#include "ct/json.h"

struct ct_jw {
    yajl_gen g;
    const char *error;                     /* sticky; NULL while all is well */
    size_t depth;                          /* open containers */
    unsigned char in_obj[CT_JW_MAX_DEPTH]; /* per open container: 1 object, 0 array */
    bool key_due;                          /* inside an object, waiting for a key */
    bool done;                             /* a complete top-level value was written */
};

static int failw(struct ct_jw *w, const char *why);
static int value_begin(struct ct_jw *w);
static int value_end(struct ct_jw *w, yajl_gen_status st);
static int open_container(struct ct_jw *w, int obj);
static int close_container(struct ct_jw *w, int obj);
static void *galloc(void *ctx, size_t n);
static void *grealloc(void *ctx, void *p, size_t n);
static void gfree(void *ctx, void *p);

static int failw(struct ct_jw *w, const char *why)
{
    if (!w->error)
        w->error = why;
    return -1;
}

/* Whether a value may be written now. */
static int value_begin(struct ct_jw *w)
{
    if (w->error)
        return -1;
    if (w->depth == 0 && w->done)
        return failw(w, "value after the end of the document");
    if (w->depth > 0 && w->in_obj[w->depth - 1] && w->key_due)
        return failw(w, "value where an object key is due");
    return 0;
}

/* Book-keeping after yajl wrote a value. */
static int value_end(struct ct_jw *w, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok)
        return failw(w, "yajl_gen refused the value");
    if (w->depth == 0)
        w->done = true;
    else if (w->in_obj[w->depth - 1])
        w->key_due = true;
    return 0;
}

static int open_container(struct ct_jw *w, int obj)
{
    if (value_begin(w) < 0)
        return -1;
    if (w->depth >= CT_JW_MAX_DEPTH)
        return failw(w, "nesting too deep");
    yajl_gen_status st = obj ? yajl_gen_map_open(w->g) : yajl_gen_array_open(w->g);
    if (st != yajl_gen_status_ok)
        return failw(w, "yajl_gen refused to open a container");
    w->in_obj[w->depth++] = (unsigned char)obj;
    w->key_due = obj;
    return 0;
}

static int close_container(struct ct_jw *w, int obj)
{
    if (w->error)
        return -1;
    if (w->depth == 0 || w->in_obj[w->depth - 1] != obj)
        return failw(w, obj ? "object close without a matching open"
                            : "array close without a matching open");
    if (obj && !w->key_due)
        return failw(w, "object closed after a key without its value");
    yajl_gen_status st = obj ? yajl_gen_map_close(w->g) : yajl_gen_array_close(w->g);
    if (st != yajl_gen_status_ok)
        return failw(w, "yajl_gen refused to close a container");
    w->depth--;
    return value_end(w, yajl_gen_status_ok);
}

/* yajl allocates through these so that running out of memory aborts (house rule). */
static void *galloc(void *ctx, size_t n)
{
    (void)ctx;
    return ct_xmalloc(n);
}

static void *grealloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return ct_xrealloc(p, n);
}

static void gfree(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

struct ct_jw *ct_jw_new(void)
{
    yajl_alloc_funcs afs = {.malloc = galloc, .realloc = grealloc, .free = gfree, .ctx = NULL};
    struct ct_jw *w = ct_xcalloc(1, sizeof *w);
    w->g = yajl_gen_alloc(&afs);
    if (!w->g) {
        fputs("clausetrack: out of memory\n", stderr);
        abort();
    }
    return w;
}

void ct_jw_free(struct ct_jw *w)
{
    if (!w)
        return;
    yajl_gen_free(w->g);
    free(w);
}

int ct_jw_obj_open(struct ct_jw *w)
{
    return open_container(w, 1);
}

int ct_jw_obj_close(struct ct_jw *w)
{
    return close_container(w, 1);
}

int ct_jw_arr_open(struct ct_jw *w)
{
    return open_container(w, 0);
}

int ct_jw_arr_close(struct ct_jw *w)
{
    return close_container(w, 0);
}

int ct_jw_key(struct ct_jw *w, const char *key)
{
    if (w->error)
        return -1;
    if (w->depth == 0 || !w->in_obj[w->depth - 1] || !w->key_due)
        return failw(w, "object key where a value is due");
    if (!key)
        return failw(w, "NULL object key");
    size_t n = strlen(key);
    if (!ct_utf8_valid(key, n))
        return failw(w, "object key is not valid UTF-8");
    if (yajl_gen_string(w->g, (const unsigned char *)key, n) != yajl_gen_status_ok)
        return failw(w, "yajl_gen refused the key");
    w->key_due = false;
    return 0;
}

int ct_jw_str(struct ct_jw *w, const char *s)
{
    return ct_jw_strn(w, s, s ? strlen(s) : 0);
}

int ct_jw_strn(struct ct_jw *w, const char *s, size_t len)
{
    if (!s)
        return ct_jw_null(w);
    if (value_begin(w) < 0)
        return -1;
    if (!ct_utf8_valid(s, len))
        return failw(w, "string is not valid UTF-8");
    return value_end(w, yajl_gen_string(w->g, (const unsigned char *)s, len));
}

int ct_jw_int(struct ct_jw *w, long long v)
{
    if (value_begin(w) < 0)
        return -1;
    return value_end(w, yajl_gen_integer(w->g, v));
}

int ct_jw_num2(struct ct_jw *w, double v)
{
    char buf[400];
    int n;

    if (value_begin(w) < 0)
        return -1;
    if (!isfinite(v))
        return failw(w, "number is not finite");
    if (fabs(v) < 1e13) {
        /* whole hundredths: v * 100 stays far below 2^53, so llround sees the value
         * the caller meant and ties go away from zero (0.125 -> 0.13) */
        long long c = llround(v * 100.0);
        unsigned long long m = c < 0 ? 0ULL - (unsigned long long)c : (unsigned long long)c;
        unsigned long long ip = m / 100, frac = m % 100;
        const char *sign = c < 0 ? "-" : "";
        if (frac == 0)
            n = snprintf(buf, sizeof buf, "%s%llu", sign, ip);
        else if (frac % 10 == 0)
            n = snprintf(buf, sizeof buf, "%s%llu.%llu", sign, ip, frac / 10);
        else
            n = snprintf(buf, sizeof buf, "%s%llu.%02llu", sign, ip, frac);
    } else {
        /* huge values: printf's exact decimal rounding, trailing zeros dropped */
        n = snprintf(buf, sizeof buf, "%.2f", v);
        if (n > 0 && (size_t)n < sizeof buf) {
            while (buf[n - 1] == '0')
                buf[--n] = '\0';
            if (buf[n - 1] == '.')
                buf[--n] = '\0';
        }
    }
    if (n < 0 || (size_t)n >= sizeof buf)
        return failw(w, "number does not fit");
    return value_end(w, yajl_gen_number(w->g, buf, (size_t)n));
}

int ct_jw_bool(struct ct_jw *w, bool v)
{
    if (value_begin(w) < 0)
        return -1;
    return value_end(w, yajl_gen_bool(w->g, v));
}

int ct_jw_null(struct ct_jw *w)
{
    if (value_begin(w) < 0)
        return -1;
    return value_end(w, yajl_gen_null(w->g));
}

int ct_jw_date(struct ct_jw *w, int64_t days)
{
    char buf[32];
    ct_date_format(days, buf);
    return ct_jw_str(w, buf);
}

int ct_jw_raw(struct ct_jw *w, const char *text, size_t len)
{
    if (value_begin(w) < 0)
        return -1;
    if (!text || len == 0)
        return failw(w, "empty raw JSON value");
    if (memchr(text, '\0', len) || !ct_utf8_valid(text, len))
        return failw(w, "raw JSON value is not valid UTF-8 text");
    /* yajl_gen_number copies its argument verbatim and treats it as one value, which is
     * exactly a splice: separators and the map key/value state stay right. */
    return value_end(w, yajl_gen_number(w->g, text, len));
}

int ct_jw_kstr(struct ct_jw *w, const char *key, const char *s)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_str(w, s);
}

int ct_jw_kint(struct ct_jw *w, const char *key, long long v)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_int(w, v);
}

int ct_jw_knum2(struct ct_jw *w, const char *key, double v)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_num2(w, v);
}

int ct_jw_kbool(struct ct_jw *w, const char *key, bool v)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_bool(w, v);
}

int ct_jw_knull(struct ct_jw *w, const char *key)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_null(w);
}

int ct_jw_kdate(struct ct_jw *w, const char *key, int64_t days)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_date(w, days);
}

int ct_jw_kraw(struct ct_jw *w, const char *key, const char *text, size_t len)
{
    return ct_jw_key(w, key) < 0 ? -1 : ct_jw_raw(w, text, len);
}

const char *ct_jw_result(struct ct_jw *w, size_t *len)
{
    const unsigned char *buf = NULL;
    size_t n = 0;

    if (len)
        *len = 0;
    if (w->error || w->depth != 0 || !w->done)
        return NULL;
    if (yajl_gen_get_buf(w->g, &buf, &n) != yajl_gen_status_ok)
        return NULL;
    if (len)
        *len = n;
    return (const char *)buf;
}

const char *ct_jw_error(const struct ct_jw *w)
{
    if (w->error)
        return w->error;
    return NULL;
}
