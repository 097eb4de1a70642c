/* jw.h - a JSON writer over yajl_gen that builds one compact document in a malloc'd
 * buffer. It checks the shape as it goes (keys only where a key belongs, every value in
 * an object after its key, containers closed in order); the first misuse or bad input
 * puts the writer into a sticky error state, so callers write a whole document and check
 * once, at ct_jw_result. Sending the buffer (evbuffer, file) is the caller's job. */
#ifndef CT_JW_H
#define CT_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ct_jw;

/* Deepest nesting of arrays and objects (below yajl_gen's own limit of 127). */
#define CT_JW_MAX_DEPTH 100

/* Returns a new, empty writer (caller frees with ct_jw_free). Never NULL: allocation
 * failure aborts. */
struct ct_jw *ct_jw_new(void);
/* Frees the writer and its buffer. NULL is fine. */
void ct_jw_free(struct ct_jw *w);

/* Every writing function returns 0, or -1 when the writer is (now) in the error state:
 * called in the wrong place (a value where a key is due, a key outside an object, a
 * second top-level value, a close that does not match), a string that is not strict
 * UTF-8, a non-finite number, too deep nesting. After an error nothing more is written.
 * Checking each return is optional; ct_jw_result reports the failure. */

int ct_jw_obj_open(struct ct_jw *w);
int ct_jw_obj_close(struct ct_jw *w);
int ct_jw_arr_open(struct ct_jw *w);
int ct_jw_arr_close(struct ct_jw *w);

/* An object key (borrowed, NUL-terminated); the next call must write its value. */
int ct_jw_key(struct ct_jw *w, const char *key);

/* A string value, escaped as JSON needs; s NULL writes null. Borrowed. */
int ct_jw_str(struct ct_jw *w, const char *s);
/* A string of exactly len bytes (may contain NUL, written as \u0000); s NULL: null. */
int ct_jw_strn(struct ct_jw *w, const char *s, size_t len);
int ct_jw_int(struct ct_jw *w, long long v);
/* v rounded to two decimals (ties away from zero) in its shortest text:
 * 33.333 -> 33.33, 1.5 -> 1.5, 3 -> 3, 0.125 -> 0.13, -0.001 -> 0. From 1e13 on, printf's
 * exact decimal rounding is used instead. Non-finite v is an error. */
int ct_jw_num2(struct ct_jw *w, double v);
int ct_jw_bool(struct ct_jw *w, bool v);
int ct_jw_null(struct ct_jw *w);
/* A civil day number (lib/core/dates) as a "YYYY-MM-DD" string. */
int ct_jw_date(struct ct_jw *w, int64_t days);
/* Splices text[0..len), one already-encoded JSON value (e.g. PostgreSQL jsonb output),
 * verbatim at a value position. The caller vouches that it is valid JSON; it is only
 * checked to be non-empty, strict UTF-8 and free of NUL bytes. */
int ct_jw_raw(struct ct_jw *w, const char *text, size_t len);

/* key + value in one call; same rules as the pairs they stand for. */
int ct_jw_kstr(struct ct_jw *w, const char *key, const char *s);
int ct_jw_kint(struct ct_jw *w, const char *key, long long v);
int ct_jw_knum2(struct ct_jw *w, const char *key, double v);
int ct_jw_kbool(struct ct_jw *w, const char *key, bool v);
int ct_jw_knull(struct ct_jw *w, const char *key);
int ct_jw_kdate(struct ct_jw *w, const char *key, int64_t days);
int ct_jw_kraw(struct ct_jw *w, const char *key, const char *text, size_t len);

/* The finished document, NUL-terminated, *len bytes (len may be NULL). The buffer is
 * owned by w and valid until the next write or ct_jw_free. NULL (and *len 0) when the
 * writer is in the error state or the document is incomplete (nothing written, or a
 * container still open). */
const char *ct_jw_result(struct ct_jw *w, size_t *len);

/* A static description of what put w in the error state, or NULL when there is none. */
const char *ct_jw_error(const struct ct_jw *w);

#endif
