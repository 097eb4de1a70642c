/* json.c - bounded JSON parsing into an arena tree, and field readers (include/ct/json.h).
 * yajl does the lexing and grammar; this file adds what yajl leaves out: strict UTF-8
 * (yajl only checks the shape of multi-byte sequences), paired surrogate escapes, no NUL,
 * unique keys and the size limits. Domain rules are left to lib/domain. */
#include "ct/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ct/dates.h"

const struct ct_json_limits ct_json_default_limits = {
    .max_depth = 32,
    .max_string = 64 * 1024,
    .max_items = 10000,
    .max_keys = 256,
};

/* A container being built: its node and where its children start in the slot stack. */
struct frame {
    struct ct_json *node;
    size_t base;
};

/* A child of an open container; key is NULL for array items. */
struct slot {
    const char *key;
    size_t keylen;
    uint32_t hash;
    struct ct_json *value;
};

struct parser {
    struct ct_arena *a;
    const struct ct_json_limits *lim;
    struct ct_err *e;
    yajl_handle h;
    size_t len;          /* input length, for offsets reported while finishing */
    int finishing;       /* inside yajl_complete_parse: yajl's offsets no longer ours */
    int failed;          /* a callback has set e */
    struct frame *frames;
    size_t nframes, capframes;
    struct slot *slots;
    size_t nslots, capslots;
    struct ct_json *root;
    locale_t cloc;       /* "C" numeric locale for strtod_l, made on the first number */
};

static size_t utf8_seq(const unsigned char *p, size_t n);
static size_t utf8_scan(const unsigned char *p, size_t n);
static long hex4(const unsigned char *p, size_t n, size_t i);
static int prescan(const unsigned char *p, size_t len, struct ct_err *e);
static size_t offset_now(const struct parser *ps);
static int fail(struct parser *ps, const char *fmt, ...) CT_PRINTF(2, 3);
static uint32_t fnv1a(const unsigned char *s, size_t n);
static void printable_key(const unsigned char *k, size_t n, char *out, size_t outsz);
static struct slot *push_slot(struct parser *ps);
static int add_value(struct parser *ps, struct ct_json *v);
static int open_container(struct parser *ps, enum ct_json_type t);
static int close_container(struct parser *ps);
static int on_null(void *ctx);
static int on_bool(void *ctx, int b);
static int on_number(void *ctx, const char *s, size_t n);
static int on_string(void *ctx, const unsigned char *s, size_t n);
static int on_map_key(void *ctx, const unsigned char *s, size_t n);
static int on_start_map(void *ctx);
static int on_end_map(void *ctx);
static int on_start_array(void *ctx);
static int on_end_array(void *ctx);
static void *yalloc(void *ctx, size_t n);
static void *yrealloc(void *ctx, void *p, size_t n);
static void yfree(void *ctx, void *p);
static void yajl_failure(struct parser *ps, const char *buf, size_t len, size_t off);

static const char *path_of(const struct ct_jr *r, const char *key, char *buf, size_t bufsz);
static int field_error(struct ct_jr *r, const char *key, const char *fmt, ...) CT_PRINTF(3, 4);
static int elem_error(struct ct_jr *r, const char *key, size_t i, const char *fmt, ...)
    CT_PRINTF(4, 5);
static const struct ct_json *lookup(struct ct_jr *r, const struct ct_json *obj, const char *key,
                                    unsigned flags);
static const char *string_problem(const struct ct_json *v, unsigned flags, size_t maxlen,
                                  char *buf, size_t bufsz);
static int enum_index(const struct ct_json *v, const char *const *names);
static const char *enum_list(struct ct_arena *a, const char *const *names);
static void fmt_num(double x, char *buf, size_t bufsz);
static int number_to_int(const struct ct_json *v, int64_t *out, int *range);
static int count_problem(struct ct_jr *r, const char *key, size_t n, size_t min_items,
                         size_t max_items);
static int string_eq(const struct ct_json *x, const struct ct_json *y);

/* ---- UTF-8 ------------------------------------------------------------------------- */

/* Length of the strict UTF-8 sequence at p (Unicode table 3-7), or 0 if ill-formed. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;  /* no overlongs */
        else if (c == 0xED)
            hi = 0x9F;  /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;  /* no overlongs */
        else if (c == 0xF4)
            hi = 0x8F;  /* nothing beyond U+10FFFF */
    } else
        return 0;       /* continuation byte, C0, C1, F5..FF */
    if (n < len)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

/* Offset of the first ill-formed byte, or n when all is well. */
static size_t utf8_scan(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

int ct_utf8_valid(const char *s, size_t len)
{
    if (len == 0)
        return 1;
    if (!s)
        return 0;
    return utf8_scan((const unsigned char *)s, len) == len;
}

/* ---- parsing ----------------------------------------------------------------------- */

/* The 4 hex digits at p[i..i+4) as a number, or -1. */
static long hex4(const unsigned char *p, size_t n, size_t i)
{
    long v = 0;
    if (i + 4 > n)
        return -1;
    for (size_t k = i; k < i + 4; k++) {
        int d;
        if (p[k] >= '0' && p[k] <= '9')
            d = p[k] - '0';
        else if (p[k] >= 'a' && p[k] <= 'f')
            d = p[k] - 'a' + 10;
        else if (p[k] >= 'A' && p[k] <= 'F')
            d = p[k] - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Before yajl sees the input: strict UTF-8 everywhere, and inside strings \u escapes
 * that yajl would silently mangle (lone or mismatched surrogates become '?' or a wrong
 * code point) or that decode to NUL. Malformed escapes are left for yajl to report. */
static int prescan(const unsigned char *p, size_t len, struct ct_err *e)
{
    int in_str = 0;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t k = utf8_seq(p + i, len - i);
            if (k == 0)
                return ct_err_set(e, 400, "invalid UTF-8 at byte %zu", i);
            i += k;
        } else if (!in_str) {
            in_str = c == '"';
            i++;
        } else if (c == '"') {
            in_str = 0;
            i++;
        } else if (c != '\\') {
            i++;
        } else if (i + 1 >= len || p[i + 1] >= 0x80) {
            i++;  /* yajl reports the broken escape */
        } else if (p[i + 1] != 'u') {
            i += 2;
        } else {
            long cp = hex4(p, len, i + 2);
            if (cp < 0) {
                i += 2;
            } else if (cp == 0) {
                return ct_err_set(e, 400, "NUL character (\\u0000) in a string at byte %zu", i);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return ct_err_set(e, 400, "unpaired surrogate escape in a string at byte %zu", i);
            } else if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = -1;
                if (i + 7 < len && p[i + 6] == '\\' && p[i + 7] == 'u')
                    lo = hex4(p, len, i + 8);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return ct_err_set(e, 400, "unpaired surrogate escape in a string at byte %zu",
                                      i);
                i += 12;
            } else {
                i += 6;
            }
        }
    }
    return 0;
}

static size_t offset_now(const struct parser *ps)
{
    return ps->finishing ? ps->len : yajl_get_bytes_consumed(ps->h);
}

/* Sets the 400 with " at byte N" appended; returns 0 so callbacks can `return fail(...)`. */
static int fail(struct parser *ps, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ct_err_set(ps->e, 400, "%s at byte %zu", msg, offset_now(ps));
    ps->failed = 1;
    return 0;
}

static uint32_t fnv1a(const unsigned char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

/* A key fit to quote in a message: short printable ASCII, else empty. */
static void printable_key(const unsigned char *k, size_t n, char *out, size_t outsz)
{
    out[0] = '\0';
    if (n == 0 || n >= outsz || n > 64)
        return;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7E || k[i] == '"' || k[i] == '\\')
            return;
    memcpy(out, k, n);
    out[n] = '\0';
}

static struct slot *push_slot(struct parser *ps)
{
    if (ps->nslots == ps->capslots) {
        ps->capslots = ps->capslots ? ps->capslots * 2 : 64;
        ps->slots = ct_xrealloc(ps->slots, ps->capslots * sizeof *ps->slots);
    }
    struct slot *s = &ps->slots[ps->nslots++];
    memset(s, 0, sizeof *s);
    return s;
}

/* Attaches v to the open container (or makes it the root). 1 to go on, 0 to stop. */
static int add_value(struct parser *ps, struct ct_json *v)
{
    if (ps->nframes == 0) {
        ps->root = v;
        return 1;
    }
    struct frame *f = &ps->frames[ps->nframes - 1];
    if (f->node->type == CT_JSON_OBJECT) {
        /* yajl guarantees a key came first */
        ps->slots[ps->nslots - 1].value = v;
        return 1;
    }
    if (ps->nslots - f->base >= ps->lim->max_items)
        return fail(ps, "array has more than %zu items (limit)", ps->lim->max_items);
    push_slot(ps)->value = v;
    return 1;
}

static int open_container(struct parser *ps, enum ct_json_type t)
{
    if (ps->nframes >= ps->lim->max_depth)
        return fail(ps, "nesting deeper than %zu levels (limit)", ps->lim->max_depth);
    struct ct_json *v = ct_arena_alloc(ps->a, sizeof *v);
    v->type = t;
    if (!add_value(ps, v))
        return 0;
    if (ps->nframes == ps->capframes) {
        ps->capframes = ps->capframes ? ps->capframes * 2 : 16;
        ps->frames = ct_xrealloc(ps->frames, ps->capframes * sizeof *ps->frames);
    }
    ps->frames[ps->nframes++] = (struct frame){.node = v, .base = ps->nslots};
    return 1;
}

static int close_container(struct parser *ps)
{
    struct frame f = ps->frames[--ps->nframes];
    size_t n = ps->nslots - f.base;
    struct slot *s = n ? ps->slots + f.base : NULL; /* no slots yet: slots may still be NULL */

    if (f.node->type == CT_JSON_ARRAY) {
        f.node->array.count = n;
        if (n) {
            f.node->array.items = ct_arena_alloc(ps->a, n * sizeof *f.node->array.items);
            for (size_t i = 0; i < n; i++)
                f.node->array.items[i] = s[i].value;
        }
    } else {
        f.node->object.count = n;
        if (n) {
            f.node->object.keys = ct_arena_alloc(ps->a, n * sizeof *f.node->object.keys);
            f.node->object.values = ct_arena_alloc(ps->a, n * sizeof *f.node->object.values);
            for (size_t i = 0; i < n; i++) {
                f.node->object.keys[i] = s[i].key;
                f.node->object.values[i] = s[i].value;
            }
        }
    }
    ps->nslots = f.base;
    return 1;
}

static int on_null(void *ctx)
{
    struct parser *ps = ctx;
    struct ct_json *v = ct_arena_alloc(ps->a, sizeof *v);
    v->type = CT_JSON_NULL;
    return add_value(ps, v);
}

static int on_bool(void *ctx, int b)
{
    struct parser *ps = ctx;
    struct ct_json *v = ct_arena_alloc(ps->a, sizeof *v);
    v->type = CT_JSON_BOOL;
    v->boolean = b != 0;
    return add_value(ps, v);
}

static int on_number(void *ctx, const char *s, size_t n)
{
    struct parser *ps = ctx;
    if (n > CT_JSON_MAX_NUMBER_TEXT)
        return fail(ps, "number longer than %d characters (limit)", CT_JSON_MAX_NUMBER_TEXT);
    struct ct_json *v = ct_arena_alloc(ps->a, sizeof *v);
    v->type = CT_JSON_NUMBER;
    v->number.raw = ct_arena_strndup(ps->a, s, n);
    v->number.raw_len = n;
    /* yajl has checked the JSON number grammar, which strtod accepts whole in the C
     * locale; strtod_l keeps a process locale with a decimal comma out of it */
    if (!ps->cloc)
        ps->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (ps->cloc)
        v->number.value = strtod_l(v->number.raw, NULL, ps->cloc);
    else
        v->number.value = strtod(v->number.raw, NULL);
    if (!isfinite(v->number.value))
        return fail(ps, "number out of range");
    return add_value(ps, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    struct parser *ps = ctx;
    if (n > ps->lim->max_string)
        return fail(ps, "string longer than %zu bytes (limit)", ps->lim->max_string);
    if (memchr(s, '\0', n))
        return fail(ps, "NUL character in a string");
    struct ct_json *v = ct_arena_alloc(ps->a, sizeof *v);
    v->type = CT_JSON_STRING;
    v->string.ptr = ct_arena_strndup(ps->a, (const char *)s, n);
    v->string.len = n;
    return add_value(ps, v);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t n)
{
    struct parser *ps = ctx;
    struct frame *f = &ps->frames[ps->nframes - 1];
    size_t count = ps->nslots - f->base;

    if (n > ps->lim->max_string)
        return fail(ps, "object key longer than %zu bytes (limit)", ps->lim->max_string);
    if (memchr(s, '\0', n))
        return fail(ps, "NUL character in an object key");
    if (count >= ps->lim->max_keys)
        return fail(ps, "object has more than %zu members (limit)", ps->lim->max_keys);

    uint32_t h = fnv1a(s, n);
    for (size_t i = f->base; i < ps->nslots; i++) {
        const struct slot *o = &ps->slots[i];
        if (o->hash == h && o->keylen == n && memcmp(o->key, s, n) == 0) {
            char shown[72];
            printable_key(s, n, shown, sizeof shown);
            if (shown[0])
                return fail(ps, "duplicate object key \"%s\"", shown);
            return fail(ps, "duplicate object key");
        }
    }
    struct slot *sl = push_slot(ps);
    sl->key = ct_arena_strndup(ps->a, (const char *)s, n);
    sl->keylen = n;
    sl->hash = h;
    return 1;
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, CT_JSON_OBJECT);
}

static int on_end_map(void *ctx)
{
    return close_container(ctx);
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, CT_JSON_ARRAY);
}

static int on_end_array(void *ctx)
{
    return close_container(ctx);
}

/* yajl allocates through these so that running out of memory aborts (house rule). */
static void *yalloc(void *ctx, size_t n)
{
    (void)ctx;
    return ct_xmalloc(n);
}

static void *yrealloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return ct_xrealloc(p, n);
}

static void yfree(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

/* Turns a yajl syntax error into the 400: yajl's own words, never the verbose form that
 * quotes the input. */
static void yajl_failure(struct parser *ps, const char *buf, size_t len, size_t off)
{
    unsigned char *msg = yajl_get_error(ps->h, 0, (const unsigned char *)buf, len);
    char text[200] = "syntax error";
    if (msg) {
        snprintf(text, sizeof text, "%s", (const char *)msg);
        yajl_free_error(ps->h, msg);
    }
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '.'))
        text[--n] = '\0';
    ct_err_set(ps->e, 400, "malformed JSON at byte %zu: %s", off, text);
}

struct ct_json *ct_json_parse(struct ct_arena *a, const char *buf, size_t len,
                              const struct ct_json_limits *lim, struct ct_err *e)
{
    static const yajl_callbacks callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_bool,
        .yajl_number = on_number,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_map_key,
        .yajl_end_map = on_end_map,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end_array,
    };
    yajl_alloc_funcs afs = {.malloc = yalloc, .realloc = yrealloc, .free = yfree, .ctx = NULL};
    struct parser ps = {.a = a, .lim = lim ? lim : &ct_json_default_limits, .e = e, .len = len};
    struct ct_json *root = NULL;
    yajl_status st;
    size_t i;

    if (!buf)
        len = 0;
    for (i = 0; i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
            break;
    if (i == len) {
        ct_err_set(e, 400, "request body is empty (expected a JSON value)");
        return NULL;
    }
    if (prescan((const unsigned char *)buf, len, e) < 0)
        return NULL;

    ps.h = yajl_alloc(&callbacks, &afs, &ps);
    if (!ps.h) {
        ct_err_set(e, 500, "cannot allocate a JSON parser");
        return NULL;
    }
    yajl_config(ps.h, yajl_allow_comments, 0);
    yajl_config(ps.h, yajl_dont_validate_strings, 0);

    st = yajl_parse(ps.h, (const unsigned char *)buf, len);
    if (st == yajl_status_error) {
        yajl_failure(&ps, buf, len, yajl_get_bytes_consumed(ps.h));
        goto out;
    }
    if (st == yajl_status_ok) {
        ps.finishing = 1;
        st = yajl_complete_parse(ps.h);
        if (st == yajl_status_error) {
            yajl_failure(&ps, buf, len, len);
            goto out;
        }
    }
    if (st != yajl_status_ok) {
        if (!ps.failed)
            ct_err_set(e, 400, "malformed JSON");
        goto out;
    }
    root = ps.root;
    if (!root)  /* cannot happen after a complete parse; be explicit anyway */
        ct_err_set(e, 400, "malformed JSON: no value");

out:
    yajl_free(ps.h);
    free(ps.frames);
    free(ps.slots);
    if (ps.cloc)
        freelocale(ps.cloc);
    return root;
}

const struct ct_json *ct_json_get(const struct ct_json *obj, const char *key)
{
    if (!obj || obj->type != CT_JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < obj->object.count; i++)
        if (strcmp(obj->object.keys[i], key) == 0)
            return obj->object.values[i];
    return NULL;
}

const char *ct_json_type_name(enum ct_json_type t)
{
    switch (t) {
    case CT_JSON_NULL: return "null";
    case CT_JSON_BOOL: return "boolean";
    case CT_JSON_NUMBER: return "number";
    case CT_JSON_STRING: return "string";
    case CT_JSON_ARRAY: return "array";
    case CT_JSON_OBJECT: return "object";
    }
    return "unknown";
}

/* ---- readers ----------------------------------------------------------------------- */

/* "prefix.key", "key", or the prefix itself when key is NULL. */
static const char *path_of(const struct ct_jr *r, const char *key, char *buf, size_t bufsz)
{
    const char *p = r->prefix ? r->prefix : "";
    if (!key)
        snprintf(buf, bufsz, "%s", p);
    else if (p[0])
        snprintf(buf, bufsz, "%s.%s", p, key);
    else
        snprintf(buf, bufsz, "%s", key);
    return buf;
}

static int field_error(struct ct_jr *r, const char *key, const char *fmt, ...)
{
    char path[sizeof r->e->fields[0].field];
    char msg[sizeof r->e->fields[0].message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->last = CT_JR_INVALID;
    return ct_err_field(r->e, path_of(r, key, path, sizeof path), "%s", msg);
}

static int elem_error(struct ct_jr *r, const char *key, size_t i, const char *fmt, ...)
{
    char base[sizeof r->e->fields[0].field];
    char path[sizeof r->e->fields[0].field + 24];
    char msg[sizeof r->e->fields[0].message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(path, sizeof path, "%s[%zu]", path_of(r, key, base, sizeof base), i);
    r->last = CT_JR_INVALID;
    return ct_err_field(r->e, path, "%s", msg);
}

/* The member to read, or NULL when the reader is done: absent (error if required) or
 * null (error unless nullable). Sets r->last for those cases. */
static const struct ct_json *lookup(struct ct_jr *r, const struct ct_json *obj, const char *key,
                                    unsigned flags)
{
    const struct ct_json *v = ct_json_get(obj, key);
    if (!v) {
        r->last = CT_JR_ABSENT;
        if (flags & CT_JR_REQUIRED)
            field_error(r, key, "is required");
        return NULL;
    }
    if (v->type == CT_JSON_NULL) {
        r->last = CT_JR_NULL;
        if (!(flags & CT_JR_NULLABLE))
            field_error(r, key, "must not be null");
        return NULL;
    }
    return v;
}

/* Why string v is not acceptable, or NULL. */
static const char *string_problem(const struct ct_json *v, unsigned flags, size_t maxlen,
                                  char *buf, size_t bufsz)
{
    if (v->type != CT_JSON_STRING)
        return "must be a string";
    if ((flags & CT_JR_NONEMPTY) && v->string.len == 0)
        return "must not be empty";
    if (maxlen && v->string.len > maxlen) {
        snprintf(buf, bufsz, "must be at most %zu bytes long", maxlen);
        return buf;
    }
    for (size_t i = 0; i < v->string.len; i++) {
        unsigned char c = (unsigned char)v->string.ptr[i];
        if (c == '\t' || c == '\n' || c == '\r') {
            if (flags & CT_JR_ONE_LINE)
                return "must be a single line";
        } else if (c < 0x20 || c == 0x7F) {
            return "must not contain control characters";
        }
    }
    return NULL;
}

static int enum_index(const struct ct_json *v, const char *const *names)
{
    if (v->type != CT_JSON_STRING)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v->string.ptr) == 0)
            return i;
    return -1;
}

static const char *enum_list(struct ct_arena *a, const char *const *names)
{
    size_t n = 1;
    for (size_t i = 0; names[i]; i++)
        n += strlen(names[i]) + 2;
    char *s = ct_arena_alloc(a, n), *p = s;
    for (size_t i = 0; names[i]; i++) {
        size_t k = strlen(names[i]);
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, names[i], k);
        p += k;
    }
    *p = '\0';
    return s;
}

/* Bounds in messages: integral values without a fraction, others shortest-ish. */
static void fmt_num(double x, char *buf, size_t bufsz)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, bufsz, "%.0f", x);
    else
        snprintf(buf, bufsz, "%.15g", x);
}

/* 0 with *out set; -1 when not integral (*range 0) or outside int64 (*range 1). */
static int number_to_int(const struct ct_json *v, int64_t *out, int *range)
{
    *range = 0;
    if (!strpbrk(v->number.raw, ".eE")) {
        errno = 0;
        long long x = strtoll(v->number.raw, NULL, 10);
        if (errno == ERANGE) {
            *range = 1;
            return -1;
        }
        *out = x;
        return 0;
    }
    double d = v->number.value;
    if (d != floor(d))
        return -1;
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
        *range = 1;
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

static int count_problem(struct ct_jr *r, const char *key, size_t n, size_t min_items,
                         size_t max_items)
{
    if (n < min_items)
        return field_error(r, key, "must have at least %zu item%s", min_items,
                           min_items == 1 ? "" : "s");
    if (n > max_items)
        return field_error(r, key, "must have at most %zu item%s", max_items,
                           max_items == 1 ? "" : "s");
    return 0;
}

static int string_eq(const struct ct_json *x, const struct ct_json *y)
{
    return x->type == CT_JSON_STRING && y->type == CT_JSON_STRING &&
           x->string.len == y->string.len &&
           memcmp(x->string.ptr, y->string.ptr, x->string.len) == 0;
}

int ct_jr_string(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 size_t maxlen, const char **out)
{
    char buf[64];
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    const char *why = string_problem(v, flags, maxlen, buf, sizeof buf);
    if (why)
        return field_error(r, key, "%s", why);
    *out = v->string.ptr;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_int(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
              int64_t min, int64_t max, int64_t *out)
{
    int64_t x;
    int range;
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_NUMBER || (number_to_int(v, &x, &range) < 0 && !range))
        return field_error(r, key, "must be an integer");
    if (range || x < min || x > max) {
        if (min == INT64_MIN)
            return field_error(r, key, "must be at most %lld", (long long)max);
        if (max == INT64_MAX)
            return field_error(r, key, "must be at least %lld", (long long)min);
        return field_error(r, key, "must be between %lld and %lld", (long long)min,
                           (long long)max);
    }
    *out = x;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_number(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 double min, double max, double *out)
{
    char lo[32], hi[32];
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_NUMBER)
        return field_error(r, key, "must be a number");
    double x = v->number.value;
    if (x < min || x > max) {
        fmt_num(min, lo, sizeof lo);
        fmt_num(max, hi, sizeof hi);
        if (isinf(min))
            return field_error(r, key, "must be at most %s", hi);
        if (isinf(max))
            return field_error(r, key, "must be at least %s", lo);
        return field_error(r, key, "must be between %s and %s", lo, hi);
    }
    *out = x;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_bool(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               bool *out)
{
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_BOOL)
        return field_error(r, key, "must be true or false");
    *out = v->boolean;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_date(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               int64_t *out)
{
    int64_t d;
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_STRING || ct_date_parse(v->string.ptr, &d) < 0)
        return field_error(r, key, "must be a date (YYYY-MM-DD)");
    *out = d;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_enum(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               const char *const *names, int *out)
{
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    int i = enum_index(v, names);
    if (i < 0)
        return field_error(r, key, "must be one of: %s", enum_list(r->a, names));
    *out = i;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_strings(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                  size_t min_items, size_t max_items, size_t maxlen,
                  const char ***out, size_t *n)
{
    char buf[64];
    int bad = 0;
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_ARRAY)
        return field_error(r, key, "must be an array");
    if (count_problem(r, key, v->array.count, min_items, max_items) < 0)
        return -1;
    for (size_t i = 0; i < v->array.count; i++) {
        const struct ct_json *it = v->array.items[i];
        const char *why = string_problem(it, flags, maxlen, buf, sizeof buf);
        if (!why && (flags & CT_JR_UNIQUE))
            for (size_t j = 0; j < i && !why; j++)
                if (string_eq(v->array.items[j], it))
                    why = "is a duplicate";
        if (why) {
            elem_error(r, key, i, "%s", why);
            bad = 1;
        }
    }
    if (bad)
        return -1;
    const char **list = NULL;
    if (v->array.count) {
        list = ct_arena_alloc(r->a, v->array.count * sizeof *list);
        for (size_t i = 0; i < v->array.count; i++)
            list[i] = v->array.items[i]->string.ptr;
    }
    *out = list;
    *n = v->array.count;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_enums(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                const char *const *names, size_t min_items, size_t max_items,
                int **out, size_t *n)
{
    int bad = 0;
    int *list = NULL;
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_ARRAY)
        return field_error(r, key, "must be an array");
    if (count_problem(r, key, v->array.count, min_items, max_items) < 0)
        return -1;
    if (v->array.count)
        list = ct_arena_alloc(r->a, v->array.count * sizeof *list);
    for (size_t i = 0; i < v->array.count; i++) {
        int k = enum_index(v->array.items[i], names);
        if (k < 0) {
            elem_error(r, key, i, "must be one of: %s", enum_list(r->a, names));
            bad = 1;
            continue;
        }
        if (flags & CT_JR_UNIQUE) {
            size_t j;
            for (j = 0; j < i; j++)
                if (string_eq(v->array.items[j], v->array.items[i]))
                    break;
            if (j < i) {
                elem_error(r, key, i, "is a duplicate");
                bad = 1;
                continue;
            }
        }
        list[i] = k;
    }
    if (bad)
        return -1;
    *out = list;
    *n = v->array.count;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_object(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 const struct ct_json **out)
{
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_OBJECT)
        return field_error(r, key, "must be an object");
    *out = v;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_array(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                size_t min_items, size_t max_items, const struct ct_json **out)
{
    const struct ct_json *v = lookup(r, obj, key, flags);
    if (!v)
        return r->last == CT_JR_INVALID ? -1 : 0;
    if (v->type != CT_JSON_ARRAY)
        return field_error(r, key, "must be an array");
    if (count_problem(r, key, v->array.count, min_items, max_items) < 0)
        return -1;
    *out = v;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_no_unknown(struct ct_jr *r, const struct ct_json *obj, const char *const *allowed)
{
    int bad = 0;
    if (!obj || obj->type != CT_JSON_OBJECT)
        return 0;
    for (size_t i = 0; i < obj->object.count; i++) {
        size_t k;
        for (k = 0; allowed[k]; k++)
            if (strcmp(allowed[k], obj->object.keys[i]) == 0)
                break;
        if (!allowed[k]) {
            field_error(r, obj->object.keys[i], "is not a known field");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

int ct_jr_want_object(struct ct_jr *r, const struct ct_json *v)
{
    if (v && v->type == CT_JSON_OBJECT)
        return 0;
    r->last = CT_JR_INVALID;
    if (!r->prefix || !r->prefix[0]) {
        ct_err_set(r->e, 422, "request body must be a JSON object");
        return -1;
    }
    return field_error(r, NULL, "must be an object");
}

int ct_jr_fail(struct ct_jr *r, const char *key, const char *fmt, ...)
{
    char msg[sizeof r->e->fields[0].message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return field_error(r, key, "%s", msg);
}

struct ct_jr ct_jr_child(const struct ct_jr *r, const char *key)
{
    char path[256];
    struct ct_jr c = {.a = r->a, .e = r->e, .last = CT_JR_ABSENT};
    c.prefix = ct_arena_strdup(r->a, path_of(r, key, path, sizeof path));
    return c;
}

struct ct_jr ct_jr_child_index(const struct ct_jr *r, const char *key, size_t index)
{
    char path[256];
    struct ct_jr c = {.a = r->a, .e = r->e, .last = CT_JR_ABSENT};
    c.prefix = ct_arena_printf(r->a, "%s[%zu]", path_of(r, key, path, sizeof path), index);
    return c;
}
