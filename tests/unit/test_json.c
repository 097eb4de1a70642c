/* test_json.c - bounded JSON parsing and the field readers (lib/json/json.c): valid and
 * invalid documents, strict UTF-8, surrogate escapes, limits, duplicate keys, and the
 * readers' field paths and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/arena.h"
#include "ct/dates.h"
#include "ct/err.h"
#include "ct/json.h"

static void dump(const struct ct_json *v, char **p, char *end);
static char *render(const struct ct_json *v);
static struct ct_json *parse_ok(struct ct_arena *a, const char *s, size_t n);
static void expect_detail(const char *in, size_t n, const struct ct_json_limits *lim,
                          const char *want);
static char *repeat(const char *open, size_t times, const char *mid, const char *close);

#define S(lit) (lit), (sizeof(lit) - 1)

/* Canonical rendering of a tree for comparisons: numbers as written, bytes outside
 * printable ASCII as \xHH, so what the parser decoded is visible exactly. */
static void dump(const struct ct_json *v, char **p, char *end)
{
#define PUT(...) (*p += snprintf(*p, (size_t)(end - *p), __VA_ARGS__))
    switch (v->type) {
    case CT_JSON_NULL: PUT("null"); break;
    case CT_JSON_BOOL: PUT("%s", v->boolean ? "true" : "false"); break;
    case CT_JSON_NUMBER: PUT("%s", v->number.raw); break;
    case CT_JSON_STRING:
        assert_int_equal(strlen(v->string.ptr), v->string.len);
        PUT("\"");
        for (size_t i = 0; i < v->string.len; i++) {
            unsigned char c = (unsigned char)v->string.ptr[i];
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"')
                PUT("%c", c);
            else
                PUT("\\x%02x", c);
        }
        PUT("\"");
        break;
    case CT_JSON_ARRAY:
        PUT("[");
        for (size_t i = 0; i < v->array.count; i++) {
            if (i)
                PUT(",");
            dump(v->array.items[i], p, end);
        }
        PUT("]");
        break;
    case CT_JSON_OBJECT:
        PUT("{");
        for (size_t i = 0; i < v->object.count; i++) {
            if (i)
                PUT(",");
            PUT("%s:", v->object.keys[i]);
            dump(v->object.values[i], p, end);
        }
        PUT("}");
        break;
    }
#undef PUT
}

static char *render(const struct ct_json *v)
{
    static char buf[8192];
    char *p = buf;
    buf[0] = '\0';
    dump(v, &p, buf + sizeof buf);
    return buf;
}

static struct ct_json *parse_ok(struct ct_arena *a, const char *s, size_t n)
{
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_json *v = ct_json_parse(a, s, n, NULL, &e);
    if (!v)
        fail_msg("unexpected failure for <%.*s>: %s", (int)n, s, e.detail);
    assert_int_equal(e.status, 0);
    return v;
}

/* Parsing must fail with 400 and exactly this detail. */
static void expect_detail(const char *in, size_t n, const struct ct_json_limits *lim,
                          const char *want)
{
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_json *v = ct_json_parse(a, in, n, lim, &e);
    if (v)
        fail_msg("unexpected success for <%.*s>", (int)(n > 60 ? 60 : n), in);
    assert_int_equal(e.status, 400);
    if (strcmp(e.detail, want) != 0)
        fail_msg("for <%.*s>\n got: %s\nwant: %s", (int)(n > 60 ? 60 : n), in, e.detail, want);
    assert_int_equal(e.nfields, 0);
    ct_arena_free(a);
}

static char *repeat(const char *open, size_t times, const char *mid, const char *close)
{
    size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
    char *s = malloc(times * (lo + lc) + lm + 1), *p = s;
    for (size_t i = 0; i < times; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, mid, lm);
    p += lm;
    for (size_t i = 0; i < times; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

/* ---- parsing: valid documents ------------------------------------------------------ */

static void test_valid_documents(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"null", "null"},
        {" \t\r\n true \n", "true"},
        {"false", "false"},
        {"0", "0"},
        {"-0", "-0"},
        {"1.5e3", "1.5e3"},
        {"-12.25E-2", "-12.25E-2"},
        {"12345678901234567890", "12345678901234567890"},
        {"\"\"", "\"\""},
        {"\"plain\"", "\"plain\""},
        {"\"a\\u00e9b\"", "\"a\\xc3\\xa9b\""},
        {"\"\\u20AC\"", "\"\\xe2\\x82\\xac\""},
        {"\"\\ud83d\\ude00\"", "\"\\xf0\\x9f\\x98\\x80\""},
        {"\"\\uD834\\uDD1E\"", "\"\\xf0\\x9d\\x84\\x9e\""},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\x22\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\""},
        {"\"\\\\u0000\"", "\"\\x5cu0000\""},       /* an escaped backslash, then text */
        {"\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\"",
         "\"h\\xc3\\xa9llo \\xe2\\x82\\xac \\xf0\\x9d\\x84\\x9e\""},
        {"\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", "\"\\xef\\xbf\\xbf\\xf4\\x8f\\xbf\\xbf\""},
        {"\"\xed\x9f\xbf\xee\x80\x80\"", "\"\\xed\\x9f\\xbf\\xee\\x80\\x80\""},
        {"[]", "[]"},
        {"{}", "{}"},
        {"[1,[2,[3,[]]],{}]", "[1,[2,[3,[]]],{}]"},
        {"{\"a\":{\"b\":[true,null,\"x\"]},\"c\":-1}", "{a:{b:[true,null,\"x\"]},c:-1}"},
        {"{\"a\":1,\"A\":2}", "{a:1,A:2}"},
        {"{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]}",
         "{a:1,b:{a:2},c:[{a:3},{a:4}]}"},
        {"{\"z\":1,\"y\":2,\"x\":3}", "{z:1,y:2,x:3}"},
        {"[ 1 , 2 ]", "[1,2]"},
        {"1e-400", "1e-400"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct ct_arena *a = ct_arena_new();
        struct ct_json *v = parse_ok(a, cases[i].in, strlen(cases[i].in));
        const char *got = render(v);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu <%s>\n got: %s\nwant: %s", i, cases[i].in, got, cases[i].want);
        ct_arena_free(a);
    }
}

static void test_number_values(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_json *v = parse_ok(a, S("[125000.00, -0.5, 1e3, 12345678901234567890]"));
    assert_int_equal(v->type, CT_JSON_ARRAY);
    assert_int_equal(v->array.count, 4);
    assert_int_equal(v->array.items[0]->type, CT_JSON_NUMBER);
    assert_string_equal(v->array.items[0]->number.raw, "125000.00");
    assert_int_equal(v->array.items[0]->number.raw_len, 9);
    assert_true(v->array.items[0]->number.value == 125000.0);
    assert_true(v->array.items[1]->number.value == -0.5);
    assert_true(v->array.items[2]->number.value == 1000.0);
    assert_true(v->array.items[3]->number.value == 12345678901234567890.0);
    ct_arena_free(a);
}

/* A process locale with a decimal comma must not change how numbers are read. */
static void test_number_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"fi_FI.UTF-8", "fi_FI.utf8", "de_DE.UTF-8",
                                        "de_DE.utf8", "sv_SE.UTF-8", "fr_FR.UTF-8", NULL};
    const char *set = NULL;
    for (size_t i = 0; names[i] && !set; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (!set || strcmp(localeconv()->decimal_point, ",") != 0) {
        setlocale(LC_NUMERIC, "C");
        skip();
    }
    struct ct_arena *a = ct_arena_new();
    struct ct_json *v = parse_ok(a, S("[1.5, 2.25e1]"));
    setlocale(LC_NUMERIC, "C");
    assert_true(v->array.items[0]->number.value == 1.5);
    assert_true(v->array.items[1]->number.value == 22.5);
    ct_arena_free(a);
}

static void test_types_and_get(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_json *v = parse_ok(a, S("{\"s\":\"x\",\"n\":null,\"b\":false,\"o\":{\"k\":1}}"));
    assert_int_equal(v->type, CT_JSON_OBJECT);
    assert_int_equal(v->object.count, 4);
    assert_string_equal(v->object.keys[0], "s");
    assert_string_equal(v->object.keys[3], "o");
    assert_int_equal(ct_json_get(v, "s")->type, CT_JSON_STRING);
    assert_int_equal(ct_json_get(v, "s")->string.len, 1);
    assert_int_equal(ct_json_get(v, "n")->type, CT_JSON_NULL);
    assert_int_equal(ct_json_get(v, "b")->type, CT_JSON_BOOL);
    assert_false(ct_json_get(v, "b")->boolean);
    assert_null(ct_json_get(v, "missing"));
    assert_null(ct_json_get(v, "S"));
    assert_null(ct_json_get(NULL, "s"));
    assert_null(ct_json_get(ct_json_get(v, "s"), "s"));
    assert_non_null(ct_json_get(ct_json_get(v, "o"), "k"));
    assert_null(ct_json_get(v, NULL));

    struct ct_json *top = parse_ok(a, S("null"));
    assert_non_null(top);
    assert_int_equal(top->type, CT_JSON_NULL);
    assert_null(ct_json_get(top, "x"));

    assert_string_equal(ct_json_type_name(CT_JSON_NULL), "null");
    assert_string_equal(ct_json_type_name(CT_JSON_BOOL), "boolean");
    assert_string_equal(ct_json_type_name(CT_JSON_NUMBER), "number");
    assert_string_equal(ct_json_type_name(CT_JSON_STRING), "string");
    assert_string_equal(ct_json_type_name(CT_JSON_ARRAY), "array");
    assert_string_equal(ct_json_type_name(CT_JSON_OBJECT), "object");
    ct_arena_free(a);
}

/* ---- parsing: invalid documents ---------------------------------------------------- */

static void test_empty(void **state)
{
    (void)state;
    const char *want = "request body is empty (expected a JSON value)";
    expect_detail("", 0, NULL, want);
    expect_detail(NULL, 0, NULL, want);
    expect_detail(S("   \r\n\t "), NULL, want);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"[1,]", "malformed JSON at byte 4: parse error: unallowed token at this point in JSON text"},
        {"{\"a\":1,}", "malformed JSON at byte 8: parse error: invalid object key (must be a string)"},
        {"{\"a\" 1}", "malformed JSON at byte 6: parse error: object key and value must be separated by a colon (':')"},
        {"[1] [2]", "malformed JSON at byte 5: parse error: trailing garbage"},
        {"{} x", "malformed JSON at byte 4: parse error: trailing garbage"},
        {"[1,2,x]", "malformed JSON at byte 6: lexical error: invalid char in json text"},
        {"nul", "malformed JSON at byte 3: lexical error: invalid string in json text"},
        {"[1", "malformed JSON at byte 2: parse error: premature EOF"},
        {"{", "malformed JSON at byte 1: parse error: premature EOF"},
        {"\"abc", "malformed JSON at byte 4: parse error: premature EOF"},
        {"01", "malformed JSON at byte 2: parse error: trailing garbage"},
        {"1.", "malformed JSON at byte 2: lexical error: malformed number, a digit is required after the decimal point"},
        {"-", "malformed JSON at byte 1: lexical error: malformed number, a digit is required after the minus sign"},
        {"\"a\tb\"", "malformed JSON at byte 2: lexical error: invalid character inside string"},
        {"// c\n1", "malformed JSON at byte 0: lexical error: probable comment found in input text, comments are not enabled"},
        {"/* c */ 1", "malformed JSON at byte 0: lexical error: probable comment found in input text, comments are not enabled"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_detail(cases[i].in, strlen(cases[i].in), NULL, cases[i].want);

    /* and many more that only need to fail with 400 */
    static const char *bad[] = {
        ".5", "+1", "NaN", "Infinity", "-Infinity", "'a'", "{a:1}", "[1 2]", "\"\\x41\"",
        "\"\\u12\"", "\"\\u12g4\"", "tru", "True", "[", "]", "}", "{\"a\"}", "{\"a\":}", "[,1]",
        "{\"a\":1 \"b\":2}", "\xef\xbb\xbf{}", "1 2", "\"a\" \"b\"", "[1]]", "{}}",
        "\"\\\"", "\"\\", "0x10", "1e", "1e+", "--1", "[\"a\",]", "\"\n\"", "{\"a\":1}/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct ct_arena *a = ct_arena_new();
        struct ct_err e;
        ct_err_clear(&e);
        if (ct_json_parse(a, bad[i], strlen(bad[i]), NULL, &e))
            fail_msg("unexpected success for <%s>", bad[i]);
        assert_int_equal(e.status, 400);
        assert_true(e.detail[0] != '\0');
        ct_arena_free(a);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_detail(S("\"\xc0\xaf\""), NULL, "invalid UTF-8 at byte 1");          /* overlong '/' */
    expect_detail(S("\"\xc1\xbf\""), NULL, "invalid UTF-8 at byte 1");          /* overlong */
    expect_detail(S("\"\xe0\x80\xaf\""), NULL, "invalid UTF-8 at byte 1");      /* overlong, 3 */
    expect_detail(S("\"\xf0\x80\x80\xaf\""), NULL, "invalid UTF-8 at byte 1");  /* overlong, 4 */
    expect_detail(S("\"\xed\xa0\x80\""), NULL, "invalid UTF-8 at byte 1");      /* U+D800 */
    expect_detail(S("\"\xed\xbf\xbf\""), NULL, "invalid UTF-8 at byte 1");      /* U+DFFF */
    expect_detail(S("\"\xf4\x90\x80\x80\""), NULL, "invalid UTF-8 at byte 1");  /* > U+10FFFF */
    expect_detail(S("\"\xf5\x80\x80\x80\""), NULL, "invalid UTF-8 at byte 1");
    expect_detail(S("\"\x80\""), NULL, "invalid UTF-8 at byte 1");              /* lone continuation */
    expect_detail(S("\"ab\xbf\""), NULL, "invalid UTF-8 at byte 3");
    expect_detail(S("\"\xe2\x82\""), NULL, "invalid UTF-8 at byte 1");          /* truncated */
    expect_detail(S("\"\xc3\""), NULL, "invalid UTF-8 at byte 1");
    expect_detail(S("\"\xff\""), NULL, "invalid UTF-8 at byte 1");
    expect_detail(S("\"\xfe\""), NULL, "invalid UTF-8 at byte 1");
    expect_detail(S("[1,2,\"\xc0\"]"), NULL, "invalid UTF-8 at byte 6");
    expect_detail(S("{\"k\xc0\xaf\":1}"), NULL, "invalid UTF-8 at byte 3");      /* in a key */
    expect_detail(S("[\x80]"), NULL, "invalid UTF-8 at byte 1");                /* outside strings */
    expect_detail(S("\"\xe2\x82"), NULL, "invalid UTF-8 at byte 1");            /* cut at the end */
}

static void test_escapes(void **state)
{
    (void)state;
    expect_detail(S("\"\\ud800\""), NULL, "unpaired surrogate escape in a string at byte 1");
    expect_detail(S("\"\\ud800x\""), NULL, "unpaired surrogate escape in a string at byte 1");
    expect_detail(S("\"ab\\udc00\""), NULL, "unpaired surrogate escape in a string at byte 3");
    expect_detail(S("\"\\ud800\\u0041\""), NULL,
                  "unpaired surrogate escape in a string at byte 1");
    expect_detail(S("\"\\ud800\\ud800\""), NULL,
                  "unpaired surrogate escape in a string at byte 1");
    expect_detail(S("\"\\uDBFF\\n\""), NULL, "unpaired surrogate escape in a string at byte 1");
    expect_detail(S("{\"\\udfff\":1}"), NULL, "unpaired surrogate escape in a string at byte 2");
    expect_detail(S("\"a\\u0000b\""), NULL, "NUL character (\\u0000) in a string at byte 2");
    expect_detail(S("{\"a\\u0000\":1}"), NULL, "NUL character (\\u0000) in a string at byte 3");
    expect_detail(S("\"\\\\\\u0000\""), NULL, "NUL character (\\u0000) in a string at byte 3");
    /* raw NUL bytes: yajl refuses them as it refuses every raw control character */
    expect_detail(S("\"a\0b\""), NULL,
                  "malformed JSON at byte 2: lexical error: invalid character inside string");
    expect_detail(S("[1]\0"), NULL, "malformed JSON at byte 4: parse error: trailing garbage");
    /* an escaped quote does not end the string for the pre-scan */
    expect_detail(S("\"\\\"\\ud800\""), NULL, "unpaired surrogate escape in a string at byte 3");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    expect_detail(S("{\"a\":1,\"a\":2}"), NULL, "duplicate object key \"a\" at byte 10");
    expect_detail(S("{\"a\":1,\"b\":2,\"a\":3}"), NULL, "duplicate object key \"a\" at byte 16");
    expect_detail(S("{\"\\u0061\":1,\"a\":2}"), NULL, "duplicate object key \"a\" at byte 15");
    expect_detail(S("[{}, {\"x\":{\"k\":1,\"k\":1}}]"), NULL,
                  "duplicate object key \"k\" at byte 20");
    /* keys that are not plain ASCII are not quoted back */
    expect_detail(S("{\"\xc3\xa9\":1,\"\xc3\xa9\":2}"), NULL, "duplicate object key at byte 12");
    expect_detail(S("{\"\":1,\"\":2}"), NULL, "duplicate object key at byte 8");
}

static void test_numbers_out_of_range(void **state)
{
    (void)state;
    expect_detail(S("1e400"), NULL, "number out of range at byte 5");
    expect_detail(S("[-1e400]"), NULL, "number out of range at byte 7");
    char num[CT_JSON_MAX_NUMBER_TEXT + 3];
    memset(num, '1', sizeof num - 1);
    num[sizeof num - 1] = '\0';
    expect_detail(num, strlen(num), NULL, "number longer than 100 characters (limit) at byte 102");
    num[CT_JSON_MAX_NUMBER_TEXT] = '\0';
    struct ct_arena *a = ct_arena_new();
    parse_ok(a, num, strlen(num));
    ct_arena_free(a);
}

static void test_no_echo(void **state)
{
    (void)state;
    /* a malformed body holding a henkilötunnus must not bring it back in the detail */
    const char *in = "{\"person\":{\"hetu\":\"131052-308T\" }, oops}";
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    assert_null(ct_json_parse(a, in, strlen(in), NULL, &e));
    assert_int_equal(e.status, 400);
    assert_null(strstr(e.detail, "131052"));
    assert_null(strstr(e.detail, "oops"));
    ct_arena_free(a);
}

/* ---- limits ------------------------------------------------------------------------ */

static void test_default_limits(void **state)
{
    (void)state;
    assert_int_equal(ct_json_default_limits.max_depth, 32);
    assert_int_equal(ct_json_default_limits.max_string, 65536);
    assert_int_equal(ct_json_default_limits.max_items, 10000);
    assert_int_equal(ct_json_default_limits.max_keys, 256);
}

static void test_depth(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    char *ok = repeat("[", 32, "1", "]");
    parse_ok(a, ok, strlen(ok));
    free(ok);
    char *deep = repeat("[", 33, "1", "]");
    expect_detail(deep, strlen(deep), NULL, "nesting deeper than 32 levels (limit) at byte 33");
    free(deep);
    char *objs = repeat("{\"a\":", 32, "{}", "}");
    expect_detail(objs, strlen(objs), NULL, "nesting deeper than 32 levels (limit) at byte 161");
    free(objs);
    char *objs_ok = repeat("{\"a\":", 31, "{}", "}");
    parse_ok(a, objs_ok, strlen(objs_ok));
    free(objs_ok);

    /* a depth bomb stops at the limit instead of building a million levels */
    size_t n = 1000000;
    char *bomb = malloc(n);
    memset(bomb, '[', n);
    expect_detail(bomb, n, NULL, "nesting deeper than 32 levels (limit) at byte 33");
    free(bomb);

    struct ct_json_limits flat = ct_json_default_limits;
    flat.max_depth = 0;
    expect_detail(S("[]"), &flat, "nesting deeper than 0 levels (limit) at byte 1");
    struct ct_err e;
    ct_err_clear(&e);
    assert_non_null(ct_json_parse(a, S("\"scalar\""), &flat, &e));
    ct_arena_free(a);
}

static void test_string_limit(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    struct ct_json_limits lim = ct_json_default_limits;
    lim.max_string = 8;

    ct_err_clear(&e);
    assert_non_null(ct_json_parse(a, S("[\"12345678\", \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]"), &lim, &e));
    expect_detail(S("\"123456789\""), &lim, "string longer than 8 bytes (limit) at byte 11");
    /* bytes after unescaping count: five e-acutes are 10 bytes */
    expect_detail(S("\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\""), &lim,
                  "string longer than 8 bytes (limit) at byte 32");
    expect_detail(S("{\"123456789\":1}"), &lim, "object key longer than 8 bytes (limit) at byte 12");

    /* the default: 64 KiB is fine, one byte more is not */
    size_t n = 65536 + 2;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[0] = big[n - 1] = '"';
    ct_err_clear(&e);
    struct ct_json *v = ct_json_parse(a, big, n, NULL, &e);
    assert_non_null(v);
    assert_int_equal(v->string.len, 65536);
    big = realloc(big, n + 2);
    memset(big, 'x', n + 1);
    big[0] = big[n] = '"';
    expect_detail(big, n + 1, NULL, "string longer than 65536 bytes (limit) at byte 65539");
    free(big);
    ct_arena_free(a);
}

static void test_items_and_keys(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    struct ct_json_limits lim = ct_json_default_limits;
    lim.max_items = 3;
    lim.max_keys = 2;

    ct_err_clear(&e);
    struct ct_json *v = ct_json_parse(a, S("[[1,2,3],[4,5,6],{\"a\":[],\"b\":[7]}]"), &lim, &e);
    assert_non_null(v);
    assert_string_equal(render(v), "[[1,2,3],[4,5,6],{a:[],b:[7]}]");
    expect_detail(S("[1,2,3,4]"), &lim, "array has more than 3 items (limit) at byte 8");
    expect_detail(S("[[1,2,3,[]]]"), &lim, "array has more than 3 items (limit) at byte 9");
    expect_detail(S("{\"a\":1,\"b\":2,\"c\":3}"), &lim,
                  "object has more than 2 members (limit) at byte 16");

    /* defaults: 10000 items and 256 keys pass, one more fails */
    size_t cap = 10001 * 2 + 8;
    char *arr = malloc(cap), *p = arr;
    *p++ = '[';
    for (int i = 0; i < 10000; i++) {
        *p++ = '0';
        *p++ = ',';
    }
    p[-1] = ']';
    ct_err_clear(&e);
    v = ct_json_parse(a, arr, (size_t)(p - arr), NULL, &e);
    assert_non_null(v);
    assert_int_equal(v->array.count, 10000);
    p[-1] = ',';
    *p++ = '0';
    *p++ = ']';
    expect_detail(arr, (size_t)(p - arr), NULL, "array has more than 10000 items (limit) at byte 20002");
    free(arr);

    char obj[257 * 16];
    p = obj;
    *p++ = '{';
    for (int i = 0; i < 256; i++)
        p += sprintf(p, "\"k%d\":%d,", i, i);
    p[-1] = '}';
    ct_err_clear(&e);
    v = ct_json_parse(a, obj, (size_t)(p - obj), NULL, &e);
    assert_non_null(v);
    assert_int_equal(v->object.count, 256);
    assert_string_equal(v->object.keys[255], "k255");
    assert_int_equal(ct_json_get(v, "k200")->number.value, 200);
    p[-1] = ',';
    p += sprintf(p, "\"k256\":1}");
    struct ct_err e2;
    ct_err_clear(&e2);
    assert_null(ct_json_parse(a, obj, (size_t)(p - obj), NULL, &e2));
    assert_int_equal(e2.status, 400);
    assert_non_null(strstr(e2.detail, "object has more than 256 members (limit)"));
    ct_arena_free(a);
}

/* ---- ct_utf8_valid ----------------------------------------------------------------- */

static void test_utf8_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        int ok;
    } cases[] = {
        {S(""), 1},
        {S("ascii text"), 1},
        {S("\x00"), 1},
        {S("\x7f"), 1},
        {S("\xc2\x80"), 1},
        {S("\xdf\xbf"), 1},
        {S("\xe0\xa0\x80"), 1},
        {S("\xed\x9f\xbf"), 1},
        {S("\xee\x80\x80"), 1},
        {S("\xef\xbf\xbf"), 1},
        {S("\xf0\x90\x80\x80"), 1},
        {S("\xf4\x8f\xbf\xbf"), 1},
        {S("p\xc3\xa4iv\xc3\xa4"), 1},
        {S("\x80"), 0},
        {S("\xbf"), 0},
        {S("\xc0\xaf"), 0},
        {S("\xc1\xbf"), 0},
        {S("\xc2"), 0},
        {S("\xc2\x7f"), 0},
        {S("\xc2\xc0"), 0},
        {S("\xe0\x80\xaf"), 0},
        {S("\xe0\x9f\xbf"), 0},
        {S("\xed\xa0\x80"), 0},
        {S("\xed\xbf\xbf"), 0},
        {S("\xe2\x82"), 0},
        {S("\xe2\x28\xa1"), 0},
        {S("\xf0\x80\x80\x80"), 0},
        {S("\xf0\x8f\xbf\xbf"), 0},
        {S("\xf4\x90\x80\x80"), 0},
        {S("\xf5\x80\x80\x80"), 0},
        {S("\xf8\x88\x80\x80\x80"), 0},
        {S("\xfe"), 0},
        {S("\xff"), 0},
        {S("ok\xf0\x9f\x98"), 0},
        {S("ok\xf0\x9f\x98\x80"), 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (ct_utf8_valid(cases[i].s, cases[i].n) != cases[i].ok)
            fail_msg("case %zu: expected %d", i, cases[i].ok);
    assert_int_equal(ct_utf8_valid(NULL, 0), 1);
    assert_int_equal(ct_utf8_valid(NULL, 3), 0);
}

/* ---- readers ----------------------------------------------------------------------- */

struct rfix {
    struct ct_arena *a;
    struct ct_err e;
    struct ct_jr r;
    struct ct_json *doc;
};

static struct rfix *rfix_new(const char *json);
static void rfix_free(struct rfix *f);
static void expect_field(const struct ct_err *e, int i, const char *field, const char *message);

static struct rfix *rfix_new(const char *json)
{
    struct rfix *f = calloc(1, sizeof *f);
    f->a = ct_arena_new();
    ct_err_clear(&f->e);
    f->doc = ct_json_parse(f->a, json, strlen(json), NULL, &f->e);
    if (!f->doc)
        fail_msg("fixture does not parse: %s", f->e.detail);
    f->r = (struct ct_jr){.a = f->a, .e = &f->e, .prefix = ""};
    return f;
}

static void rfix_free(struct rfix *f)
{
    ct_arena_free(f->a);
    free(f);
}

static void expect_field(const struct ct_err *e, int i, const char *field, const char *message)
{
    if (i >= e->nfields)
        fail_msg("no field error #%d (have %d); wanted %s: %s", i, e->nfields, field, message);
    if (strcmp(e->fields[i].field, field) != 0 || strcmp(e->fields[i].message, message) != 0)
        fail_msg("field error #%d\n got: %s: %s\nwant: %s: %s", i, e->fields[i].field,
                 e->fields[i].message, field, message);
}

static void test_jr_string(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("{\"name\":\"Acme Oy\",\"empty\":\"\",\"nul\":null,\"num\":5,"
                              "\"long\":\"\xc3\xa4\xc3\xa4\xc3\xa4\",\"ctl\":\"a\\u0001b\","
                              "\"del\":\"a\x7f\",\"multi\":\"a\\nb\\tc\\r\"}");
    struct ct_jr *r = &f->r;
    const char *s = "untouched";

    assert_int_equal(ct_jr_string(r, f->doc, "name", CT_JR_REQUIRED, 100, &s), 0);
    assert_string_equal(s, "Acme Oy");
    assert_int_equal(r->last, CT_JR_VALUE);

    s = "untouched";
    assert_int_equal(ct_jr_string(r, f->doc, "absent", 0, 100, &s), 0);
    assert_int_equal(r->last, CT_JR_ABSENT);
    assert_string_equal(s, "untouched");
    assert_int_equal(ct_jr_string(r, f->doc, "nul", CT_JR_NULLABLE, 100, &s), 0);
    assert_int_equal(r->last, CT_JR_NULL);
    assert_string_equal(s, "untouched");
    assert_int_equal(ct_jr_string(r, f->doc, "empty", 0, 100, &s), 0);
    assert_string_equal(s, "");
    s = "untouched";
    assert_int_equal(ct_jr_string(r, f->doc, "long", 0, 6, &s), 0);      /* 6 bytes */
    assert_int_equal(ct_jr_string(r, f->doc, "multi", 0, 0, &s), 0);
    assert_string_equal(s, "a\nb\tc\r");
    assert_int_equal(f->e.status, 0);
    assert_int_equal(f->e.nfields, 0);

    s = "untouched";
    assert_int_equal(ct_jr_string(r, f->doc, "absent", CT_JR_REQUIRED, 100, &s), -1);
    assert_int_equal(r->last, CT_JR_INVALID);
    assert_int_equal(ct_jr_string(r, f->doc, "nul", 0, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "nul", CT_JR_REQUIRED, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "num", 0, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "empty", CT_JR_NONEMPTY, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "long", 0, 5, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "ctl", 0, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "del", 0, 100, &s), -1);
    assert_int_equal(ct_jr_string(r, f->doc, "multi", CT_JR_ONE_LINE, 100, &s), -1);
    assert_string_equal(s, "untouched");

    assert_int_equal(f->e.status, 422);
    assert_int_equal(f->e.nfields, 9);
    expect_field(&f->e, 0, "absent", "is required");
    expect_field(&f->e, 1, "nul", "must not be null");
    expect_field(&f->e, 2, "nul", "must not be null");
    expect_field(&f->e, 3, "num", "must be a string");
    expect_field(&f->e, 4, "empty", "must not be empty");
    expect_field(&f->e, 5, "long", "must be at most 5 bytes long");
    expect_field(&f->e, 6, "ctl", "must not contain control characters");
    expect_field(&f->e, 7, "del", "must not contain control characters");
    expect_field(&f->e, 8, "multi", "must be a single line");
    assert_string_equal(f->e.detail, "absent: is required");
    rfix_free(f);
}

static void test_jr_int(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("{\"q\":3,\"f\":3.0,\"e\":1e2,\"neg\":-7,\"half\":3.5,\"str\":\"3\","
                              "\"big\":9223372036854775808,\"min\":-9223372036854775808,"
                              "\"huge\":1e300,\"zero\":0}");
    struct ct_jr *r = &f->r;
    int64_t v = 42;

    assert_int_equal(ct_jr_int(r, f->doc, "q", CT_JR_REQUIRED, 1, 500, &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(ct_jr_int(r, f->doc, "f", 0, 1, 500, &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(ct_jr_int(r, f->doc, "e", 0, 1, 500, &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(ct_jr_int(r, f->doc, "min", 0, INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(ct_jr_int(r, f->doc, "none", 0, 1, 500, &v), 0);
    assert_int_equal(r->last, CT_JR_ABSENT);
    assert_int_equal(f->e.nfields, 0);

    v = 42;
    assert_int_equal(ct_jr_int(r, f->doc, "half", 0, 1, 500, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "str", 0, 1, 500, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "neg", 0, 1, 500, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "neg", 0, 0, INT64_MAX, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "q", 0, INT64_MIN, 2, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "big", 0, INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "huge", 0, 0, 1000, &v), -1);
    assert_int_equal(ct_jr_int(r, f->doc, "zero", 0, 1, 1, &v), -1);
    assert_int_equal(v, 42);
    expect_field(&f->e, 0, "half", "must be an integer");
    expect_field(&f->e, 1, "str", "must be an integer");
    expect_field(&f->e, 2, "neg", "must be between 1 and 500");
    expect_field(&f->e, 3, "neg", "must be at least 0");
    expect_field(&f->e, 4, "q", "must be at most 2");
    expect_field(&f->e, 5, "big", "must be at most 9223372036854775807");
    expect_field(&f->e, 6, "huge", "must be between 0 and 1000");
    expect_field(&f->e, 7, "zero", "must be between 1 and 1");
    assert_int_equal(f->e.nfields, 8);
    rfix_free(f);
}

static void test_jr_number_bool_date(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("{\"pct\":33.5,\"neg\":-0.25,\"s\":\"1\",\"t\":true,\"b\":\"yes\","
                              "\"d\":\"2026-02-01\",\"bad_d\":\"2026-02-30\",\"num_d\":20260201,"
                              "\"sp_d\":\" 2026-02-01\"}");
    struct ct_jr *r = &f->r;
    double x = -1;
    bool b = false;
    int64_t d = -1;

    assert_int_equal(ct_jr_number(r, f->doc, "pct", 0, 0, 100, &x), 0);
    assert_true(x == 33.5);
    assert_int_equal(ct_jr_bool(r, f->doc, "t", CT_JR_REQUIRED, &b), 0);
    assert_true(b);
    assert_int_equal(ct_jr_date(r, f->doc, "d", CT_JR_REQUIRED, &d), 0);
    assert_int_equal(d, ct_days_from_civil(2026, 2, 1));
    assert_int_equal(f->e.nfields, 0);

    x = -1;
    assert_int_equal(ct_jr_number(r, f->doc, "neg", 0, 0, 100, &x), -1);
    assert_int_equal(ct_jr_number(r, f->doc, "neg", 0, 0.5, 1.25, &x), -1);
    assert_int_equal(ct_jr_number(r, f->doc, "pct", 0, -INFINITY, 10, &x), -1);
    assert_int_equal(ct_jr_number(r, f->doc, "neg", 0, 0, INFINITY, &x), -1);
    assert_int_equal(ct_jr_number(r, f->doc, "s", 0, 0, 100, &x), -1);
    assert_int_equal(ct_jr_number(r, f->doc, "gone", CT_JR_REQUIRED, 0, 100, &x), -1);
    assert_true(x == -1);
    b = false;
    assert_int_equal(ct_jr_bool(r, f->doc, "b", 0, &b), -1);
    assert_false(b);
    d = -1;
    assert_int_equal(ct_jr_date(r, f->doc, "bad_d", 0, &d), -1);
    assert_int_equal(ct_jr_date(r, f->doc, "num_d", 0, &d), -1);
    assert_int_equal(ct_jr_date(r, f->doc, "sp_d", 0, &d), -1);
    assert_int_equal(d, -1);

    expect_field(&f->e, 0, "neg", "must be between 0 and 100");
    expect_field(&f->e, 1, "neg", "must be between 0.5 and 1.25");
    expect_field(&f->e, 2, "pct", "must be at most 10");
    expect_field(&f->e, 3, "neg", "must be at least 0");
    expect_field(&f->e, 4, "s", "must be a number");
    expect_field(&f->e, 5, "gone", "is required");
    expect_field(&f->e, 6, "b", "must be true or false");
    expect_field(&f->e, 7, "bad_d", "must be a date (YYYY-MM-DD)");
    expect_field(&f->e, 8, "num_d", "must be a date (YYYY-MM-DD)");
    expect_field(&f->e, 9, "sp_d", "must be a date (YYYY-MM-DD)");
    assert_int_equal(f->e.nfields, 10);
    rfix_free(f);
}

static const char *const reporting_names[] = {"monthly", "quarterly", NULL};
static const char *const group_names[] = {"partially_able", "long_term_unemployed", "youth",
                                          NULL};

static void test_jr_enum(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("{\"reporting\":\"quarterly\",\"bad\":\"Monthly\",\"num\":1,"
                              "\"groups\":[\"youth\",\"partially_able\"],"
                              "\"bad_groups\":[\"youth\",\"martians\",7,\"youth\"],"
                              "\"not_arr\":\"youth\",\"none\":[]}");
    struct ct_jr *r = &f->r;
    int k = -1;
    int *ks = NULL;
    size_t n = 99;

    assert_int_equal(ct_jr_enum(r, f->doc, "reporting", CT_JR_REQUIRED, reporting_names, &k), 0);
    assert_int_equal(k, 1);
    assert_int_equal(ct_jr_enums(r, f->doc, "groups", CT_JR_UNIQUE, group_names, 1, 7, &ks, &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(ks[0], 2);
    assert_int_equal(ks[1], 0);
    assert_int_equal(ct_jr_enums(r, f->doc, "none", 0, group_names, 0, 7, &ks, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(f->e.nfields, 0);

    k = -1;
    ks = NULL;
    n = 99;
    assert_int_equal(ct_jr_enum(r, f->doc, "bad", 0, reporting_names, &k), -1);
    assert_int_equal(ct_jr_enum(r, f->doc, "num", 0, reporting_names, &k), -1);
    assert_int_equal(k, -1);
    assert_int_equal(ct_jr_enums(r, f->doc, "bad_groups", CT_JR_UNIQUE, group_names, 1, 7, &ks,
                                 &n), -1);
    assert_int_equal(ct_jr_enums(r, f->doc, "not_arr", 0, group_names, 1, 7, &ks, &n), -1);
    assert_int_equal(ct_jr_enums(r, f->doc, "none", 0, group_names, 1, 7, &ks, &n), -1);
    assert_int_equal(ct_jr_enums(r, f->doc, "groups", 0, group_names, 0, 1, &ks, &n), -1);
    assert_null(ks);
    assert_int_equal(n, 99);

    expect_field(&f->e, 0, "bad", "must be one of: monthly, quarterly");
    expect_field(&f->e, 1, "num", "must be one of: monthly, quarterly");
    expect_field(&f->e, 2, "bad_groups[1]",
                 "must be one of: partially_able, long_term_unemployed, youth");
    expect_field(&f->e, 3, "bad_groups[2]",
                 "must be one of: partially_able, long_term_unemployed, youth");
    expect_field(&f->e, 4, "bad_groups[3]", "is a duplicate");
    expect_field(&f->e, 5, "not_arr", "must be an array");
    expect_field(&f->e, 6, "none", "must have at least 1 item");
    expect_field(&f->e, 7, "groups", "must have at most 1 item");
    assert_int_equal(f->e.nfields, 8);
    rfix_free(f);
}

static void test_jr_strings(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("{\"tags\":[\"a\",\"b\",\"a\"],\"bad\":[\"ok\",5,\"\",\"toolong\",null],"
                              "\"many\":[\"1\",\"2\",\"3\"]}");
    struct ct_jr *r = &f->r;
    const char **list = NULL;
    size_t n = 0;

    assert_int_equal(ct_jr_strings(r, f->doc, "tags", 0, 0, 10, 5, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0], "a");
    assert_string_equal(list[2], "a");
    assert_int_equal(f->e.nfields, 0);

    list = NULL;
    assert_int_equal(ct_jr_strings(r, f->doc, "tags", CT_JR_UNIQUE, 0, 10, 5, &list, &n), -1);
    assert_int_equal(ct_jr_strings(r, f->doc, "bad", CT_JR_NONEMPTY, 0, 10, 5, &list, &n), -1);
    assert_int_equal(ct_jr_strings(r, f->doc, "many", 0, 4, 10, 5, &list, &n), -1);
    assert_int_equal(ct_jr_strings(r, f->doc, "many", 0, 0, 2, 5, &list, &n), -1);
    assert_int_equal(ct_jr_strings(r, f->doc, "gone", CT_JR_REQUIRED, 0, 2, 5, &list, &n), -1);
    assert_null(list);
    expect_field(&f->e, 0, "tags[2]", "is a duplicate");
    expect_field(&f->e, 1, "bad[1]", "must be a string");
    expect_field(&f->e, 2, "bad[2]", "must not be empty");
    expect_field(&f->e, 3, "bad[3]", "must be at most 5 bytes long");
    expect_field(&f->e, 4, "bad[4]", "must be a string");
    expect_field(&f->e, 5, "many", "must have at least 4 items");
    expect_field(&f->e, 6, "many", "must have at most 2 items");
    expect_field(&f->e, 7, "gone", "is required");
    assert_int_equal(f->e.nfields, 8);
    rfix_free(f);
}

static void test_jr_no_unknown(void **state)
{
    (void)state;
    static const char *const allowed[] = {"kind", "quantity", NULL};
    struct rfix *f = rfix_new("{\"kind\":\"x\",\"qty\":1,\"quantity\":2,\"Kind\":3}");
    struct ct_jr *r = &f->r;

    assert_int_equal(ct_jr_no_unknown(r, f->doc, allowed), -1);
    expect_field(&f->e, 0, "qty", "is not a known field");
    expect_field(&f->e, 1, "Kind", "is not a known field");
    assert_int_equal(f->e.nfields, 2);

    static const char *const all[] = {"kind", "qty", "quantity", "Kind", NULL};
    assert_int_equal(ct_jr_no_unknown(r, f->doc, all), 0);
    assert_int_equal(ct_jr_no_unknown(r, ct_json_get(f->doc, "qty"), allowed), 0);
    assert_int_equal(f->e.nfields, 2);

    struct ct_jr child = ct_jr_child(r, "person");
    struct rfix *g = rfix_new("{\"hetu\":\"x\",\"name\":\"y\"}");
    child.e = &g->e;
    static const char *const only_hetu[] = {"hetu", NULL};
    assert_int_equal(ct_jr_no_unknown(&child, g->doc, only_hetu), -1);
    expect_field(&g->e, 0, "person.name", "is not a known field");
    rfix_free(g);
    rfix_free(f);
}

/* A whole request read the way a handler does: every bad field reported at once, with
 * paths into nested objects and arrays. */
static void test_jr_whole_request(void **state)
{
    (void)state;
    static const char *const kinds[] = {"hire_persons", "person_months", NULL};
    static const char *const lot_keys[] = {"lot_ref", "cpv", NULL};
    struct rfix *f = rfix_new(
        "{\"title\":5,\"kind\":\"bogus\",\"quantity\":0,\"starts_on\":\"2026-02-30\","
        "\"person\":{\"hetu\":7},"
        "\"lots\":[{\"lot_ref\":\"LOT-1\",\"cpv\":\"79620000\"},"
        "{\"lot_ref\":null,\"cpv\":\"\",\"extra\":1},\"not an object\"],"
        "\"sanction_eur\":null,\"unknown\":true}");
    static const char *const top_keys[] = {"title", "kind", "quantity", "starts_on",
                                           "person", "lots", "sanction_eur", NULL};
    struct ct_jr *r = &f->r;
    const char *title = NULL, *hetu = NULL;
    int kind = -1;
    int64_t qty = 0, starts = 0;
    double sanction = -1;
    const struct ct_json *person = NULL, *lots = NULL;

    assert_int_equal(ct_jr_want_object(r, f->doc), 0);
    ct_jr_no_unknown(r, f->doc, top_keys);
    ct_jr_string(r, f->doc, "title", CT_JR_REQUIRED | CT_JR_NONEMPTY, 500, &title);
    ct_jr_enum(r, f->doc, "kind", CT_JR_REQUIRED, kinds, &kind);
    ct_jr_int(r, f->doc, "quantity", CT_JR_REQUIRED, 1, 500, &qty);
    ct_jr_date(r, f->doc, "starts_on", CT_JR_REQUIRED, &starts);
    assert_int_equal(ct_jr_number(r, f->doc, "sanction_eur", CT_JR_NULLABLE, 0, 1e9, &sanction),
                     0);
    assert_int_equal(r->last, CT_JR_NULL);
    assert_true(sanction == -1);
    if (ct_jr_object(r, f->doc, "person", CT_JR_REQUIRED, &person) == 0 && person) {
        struct ct_jr pr = ct_jr_child(r, "person");
        ct_jr_string(&pr, person, "hetu", CT_JR_REQUIRED, 11, &hetu);
    }
    if (ct_jr_array(r, f->doc, "lots", 0, 0, 100, &lots) == 0 && lots) {
        for (size_t i = 0; i < lots->array.count; i++) {
            struct ct_jr lr = ct_jr_child_index(r, "lots", i);
            const struct ct_json *lot = lots->array.items[i];
            const char *ref = NULL, *cpv = NULL;
            if (ct_jr_want_object(&lr, lot) < 0)
                continue;
            ct_jr_no_unknown(&lr, lot, lot_keys);
            ct_jr_string(&lr, lot, "lot_ref", CT_JR_REQUIRED, 50, &ref);
            if (ct_jr_string(&lr, lot, "cpv", CT_JR_REQUIRED | CT_JR_NONEMPTY, 10, &cpv) == 0 &&
                cpv && strcmp(cpv, "79620000") != 0)
                ct_jr_fail(&lr, "cpv", "is not a CPV code");
        }
    }
    ct_jr_fail(r, NULL, "is not acceptable as a whole");

    assert_int_equal(f->e.status, 422);
    int i = 0;
    expect_field(&f->e, i++, "unknown", "is not a known field");
    expect_field(&f->e, i++, "title", "must be a string");
    expect_field(&f->e, i++, "kind", "must be one of: hire_persons, person_months");
    expect_field(&f->e, i++, "quantity", "must be between 1 and 500");
    expect_field(&f->e, i++, "starts_on", "must be a date (YYYY-MM-DD)");
    expect_field(&f->e, i++, "person.hetu", "must be a string");
    expect_field(&f->e, i++, "lots[1].extra", "is not a known field");
    expect_field(&f->e, i++, "lots[1].lot_ref", "must not be null");
    expect_field(&f->e, i++, "lots[1].cpv", "must not be empty");
    expect_field(&f->e, i++, "lots[2]", "must be an object");
    expect_field(&f->e, i++, "", "is not acceptable as a whole");
    assert_int_equal(f->e.nfields, i);
    assert_null(title);
    assert_int_equal(kind, -1);
    assert_int_equal(qty, 0);
    rfix_free(f);
}

static void test_jr_paths_and_root(void **state)
{
    (void)state;
    struct rfix *f = rfix_new("[1,2]");
    struct ct_jr *r = &f->r;

    /* the body itself must be an object: a 422 with a detail, not a field */
    assert_int_equal(ct_jr_want_object(r, f->doc), -1);
    assert_int_equal(f->e.status, 422);
    assert_int_equal(f->e.nfields, 0);
    assert_string_equal(f->e.detail, "request body must be a JSON object");
    ct_err_clear(&f->e);
    r->prefix = NULL;
    assert_int_equal(ct_jr_want_object(r, NULL), -1);
    assert_string_equal(f->e.detail, "request body must be a JSON object");

    /* readers on a non-object see no members */
    ct_err_clear(&f->e);
    const char *s = NULL;
    assert_int_equal(ct_jr_string(r, f->doc, "x", 0, 0, &s), 0);
    assert_int_equal(r->last, CT_JR_ABSENT);
    assert_int_equal(ct_jr_string(r, f->doc, "x", CT_JR_REQUIRED, 0, &s), -1);
    expect_field(&f->e, 0, "x", "is required");

    struct ct_jr a = ct_jr_child(r, "lots");
    assert_string_equal(a.prefix, "lots");
    assert_ptr_equal(a.e, r->e);
    assert_ptr_equal(a.a, r->a);
    struct ct_jr b = ct_jr_child_index(&a, "items", 3);
    assert_string_equal(b.prefix, "lots.items[3]");
    struct ct_jr c = ct_jr_child(&b, "cpv");
    assert_string_equal(c.prefix, "lots.items[3].cpv");
    struct ct_jr d = ct_jr_child_index(r, "lots", 0);
    assert_string_equal(d.prefix, "lots[0]");
    ct_jr_fail(&c, NULL, "custom %d", 7);
    ct_jr_fail(&d, "k", "other");
    expect_field(&f->e, 1, "lots.items[3].cpv", "custom 7");
    expect_field(&f->e, 2, "lots[0].k", "other");
    assert_int_equal(c.last, CT_JR_INVALID);
    rfix_free(f);
}

/* Found by tests/fuzz/fuzz_json: an empty container closed before any member existed, then
 * garbage. Must be an ordinary 400, with no arithmetic on a NULL member table. */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    static const char *const docs[] = {"{}]", "{}],2,{\"\"", "[]]", "{}{}"};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        struct ct_arena *a = ct_arena_new();
        struct ct_err e;
        ct_err_clear(&e);
        assert_null(ct_json_parse(a, docs[i], strlen(docs[i]), NULL, &e));
        assert_int_equal(e.status, 400);
        ct_arena_free(a);
    }
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *v = ct_json_parse(a, "{}", 2, NULL, &e);
    assert_non_null(v);
    assert_int_equal(v->object.count, 0);
    ct_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regressions),
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_number_values),
        cmocka_unit_test(test_number_locale),
        cmocka_unit_test(test_types_and_get),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_numbers_out_of_range),
        cmocka_unit_test(test_no_echo),
        cmocka_unit_test(test_default_limits),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_items_and_keys),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_jr_string),
        cmocka_unit_test(test_jr_int),
        cmocka_unit_test(test_jr_number_bool_date),
        cmocka_unit_test(test_jr_enum),
        cmocka_unit_test(test_jr_strings),
        cmocka_unit_test(test_jr_no_unknown),
        cmocka_unit_test(test_jr_whole_request),
        cmocka_unit_test(test_jr_paths_and_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
