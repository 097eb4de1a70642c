/* json.h - bounded parsing of a JSON request body into an arena-allocated tree (yajl's
 * callback parser underneath), and field readers that validate that tree into plain C
 * values while collecting every bad field as a 422 field error. Body-size limits and
 * content types are lib/http's job; domain rules (hetu, Y-tunnus, ...) are lib/domain's. */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct/arena.h"
#include "ct/err.h"

/* ---- the tree ---------------------------------------------------------------------- */

enum ct_json_type {
    CT_JSON_NULL,   /* null */
    CT_JSON_BOOL,   /* true or false: .boolean */
    CT_JSON_NUMBER, /* .number: value and the text as written */
    CT_JSON_STRING, /* .string: UTF-8, NUL-terminated, no NUL inside */
    CT_JSON_ARRAY,  /* .array: items in document order */
    CT_JSON_OBJECT  /* .object: members in document order, keys unique */
};

/* One JSON value. Every pointer inside points into the arena given to ct_json_parse and
 * lives as long as that arena. Strings and keys are valid (strict) UTF-8, NUL-terminated,
 * never contain a NUL byte, so strlen() agrees with the stored length. */
struct ct_json {
    enum ct_json_type type;
    union {
        bool boolean;
        struct {
            double value;     /* strtod of raw; always finite */
            const char *raw;  /* the number exactly as written ("125000.00", "-1e3") */
            size_t raw_len;
        } number;
        struct {
            const char *ptr;
            size_t len;       /* bytes, without the terminating NUL */
        } string;
        struct {
            struct ct_json **items;
            size_t count;
        } array;
        struct {
            const char **keys;        /* keys[i] belongs to values[i] */
            struct ct_json **values;
            size_t count;
        } object;
    };
};

/* Limits checked while parsing; exceeding one is a 400 whose detail names the limit.
 * Each is taken literally (max_depth 0 allows only a scalar document). */
struct ct_json_limits {
    size_t max_depth;  /* nesting of arrays and objects */
    size_t max_string; /* bytes of one string or key, after unescaping */
    size_t max_items;  /* elements of one array */
    size_t max_keys;   /* members of one object */
};

/* depth 32, string 64 KiB, items 10000, keys 256. */
extern const struct ct_json_limits ct_json_default_limits;

/* Numbers longer than this many characters are refused (400), whatever the limits. */
#define CT_JSON_MAX_NUMBER_TEXT 100

/* Parses exactly one JSON value (RFC 8259; any type at the top level, surrounding white
 * space allowed) from buf[0..len). Borrows buf; the tree is allocated in a (returns new,
 * freed with the arena). lim NULL means ct_json_default_limits.
 * Returns the root, or NULL with e->status 400 and a detail naming the problem and its
 * byte offset (never quoting the input beyond a short printable key): empty body,
 * malformed JSON (yajl's message), invalid or non-strict UTF-8 (overlongs, surrogates,
 * beyond U+10FFFF), \u escapes with unpaired surrogates, NUL characters (\u0000),
 * duplicate object keys, trailing content, numbers out of double range or too long, and
 * each exceeded limit. Comments are not allowed. On failure the arena may hold garbage;
 * nothing else is allocated. */
struct ct_json *ct_json_parse(struct ct_arena *a, const char *buf, size_t len,
                              const struct ct_json_limits *lim, struct ct_err *e) CT_MUSTCHECK;

/* The member named key of obj (borrowed), or NULL when obj is NULL, not an object, or
 * has no such member. A member whose value is null is returned (type CT_JSON_NULL). */
const struct ct_json *ct_json_get(const struct ct_json *obj, const char *key);

/* "null", "boolean", "number", "string", "array" or "object". Never NULL. */
const char *ct_json_type_name(enum ct_json_type t);

/* 1 when s[0..len) is strict UTF-8 (shortest form, no surrogates, at most U+10FFFF),
 * else 0. NUL bytes are valid UTF-8. For bodies that are not JSON (CSV, plain text). */
int ct_utf8_valid(const char *s, size_t len);

/* ---- field readers ----------------------------------------------------------------- */

/* What the last reader call found; readers leave their output untouched unless VALUE. */
enum ct_jr_state {
    CT_JR_ABSENT,  /* no such member (or the container was not an object) */
    CT_JR_NULL,    /* the member is null and the reader allowed it (CT_JR_NULLABLE) */
    CT_JR_VALUE,   /* the member was read into *out */
    CT_JR_INVALID  /* a field error was appended */
};

/* Reader context: borrowed arena (for paths and output arrays), borrowed error that
 * collects field errors (status 422 via ct_err_field), and the path of the object being
 * read ("" or NULL for the body itself, "person", "lots[1]"). Field paths are
 * prefix + "." + key, or key when the prefix is empty. */
struct ct_jr {
    struct ct_arena *a;
    struct ct_err *e;
    const char *prefix;
    enum ct_jr_state last; /* set by every reader call */
};

/* Reader flags. */
#define CT_JR_REQUIRED 0x01u /* absent -> "is required" */
#define CT_JR_NULLABLE 0x02u /* null is accepted (state CT_JR_NULL, output untouched);
                              * without it null -> "must not be null" */
#define CT_JR_NONEMPTY 0x04u /* strings: "" -> "must not be empty" */
#define CT_JR_ONE_LINE 0x08u /* strings: tab, CR and LF are refused as well */
#define CT_JR_UNIQUE   0x10u /* arrays of strings/enums: repeated values are refused */

/* The common contract of every ct_jr_* reader below:
 * obj is the object to read from (borrowed; a non-object counts as having no members),
 * key the member name. Returns 0 when the member is valid (output written), absent and
 * optional, or null and nullable (output untouched in both cases); returns -1 after
 * appending a field error at prefix.key (array readers: one at prefix.key[i] for each bad
 * element) and leaves the output untouched. r->last tells which case happened. Readers
 * never stop at the first error: call them all, then look at r->e->status. */

/* A string of at most maxlen bytes (0: no limit beyond the parser's). Control characters
 * (U+0000-U+001F, U+007F) are refused except tab, CR and LF unless CT_JR_ONE_LINE.
 * *out points into the tree (no copy). Leading/trailing white space is kept. */
int ct_jr_string(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 size_t maxlen, const char **out);

/* An integer in [min, max]. Integral numbers written with a fraction or exponent
 * (3.0, 1e2) are accepted; 3.5 is "must be an integer". */
int ct_jr_int(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
              int64_t min, int64_t max, int64_t *out);

/* A number in [min, max]. */
int ct_jr_number(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 double min, double max, double *out);

/* true or false. */
int ct_jr_bool(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               bool *out);

/* A "YYYY-MM-DD" string naming a real date (ct_date_parse); *out is its day number. */
int ct_jr_date(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               int64_t *out);

/* A string equal to one of names[] (NULL-terminated, case-sensitive); *out is its index. */
int ct_jr_enum(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               const char *const *names, int *out);

/* An array of min_items..max_items strings, each checked as ct_jr_string with maxlen
 * and the string flags. *out is a new arena array of *n pointers into the tree. Element
 * errors are reported per element (key[i]); the reader still returns -1 only once. */
int ct_jr_strings(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                  size_t min_items, size_t max_items, size_t maxlen,
                  const char ***out, size_t *n);

/* An array of min_items..max_items names from names[]; *out is a new arena array of
 * *n indexes. Element errors as for ct_jr_strings. */
int ct_jr_enums(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                const char *const *names, size_t min_items, size_t max_items,
                int **out, size_t *n);

/* An object member; *out is the borrowed node. Read it with a child context. */
int ct_jr_object(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                 const struct ct_json **out);

/* An array of min_items..max_items values of any type; *out is the borrowed node. */
int ct_jr_array(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                size_t min_items, size_t max_items, const struct ct_json **out);

/* Reports every member of obj whose key is not in allowed[] (NULL-terminated) as
 * "is not a known field". 0 when there is none (or obj is not an object), else -1. */
int ct_jr_no_unknown(struct ct_jr *r, const struct ct_json *obj, const char *const *allowed);

/* Checks that v (the value at r->prefix) is an object: 0, or -1 after an error - a field
 * error "must be an object" at the prefix, or for the body itself (empty prefix) a 422
 * with detail "request body must be a JSON object". */
int ct_jr_want_object(struct ct_jr *r, const struct ct_json *v);

/* Appends a field error of the caller's own (e.g. a domain rule) at prefix.key, or at
 * the prefix itself when key is NULL. Sets r->last to CT_JR_INVALID. Returns -1. */
int ct_jr_fail(struct ct_jr *r, const char *key, const char *fmt, ...) CT_PRINTF(3, 4);

/* Child contexts sharing r's arena and error: the prefix becomes prefix.key, or
 * prefix.key[index]. The path string is allocated in r->a. */
struct ct_jr ct_jr_child(const struct ct_jr *r, const char *key);
struct ct_jr ct_jr_child_index(const struct ct_jr *r, const char *key, size_t index);

#endif
