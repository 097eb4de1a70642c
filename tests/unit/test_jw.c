/* test_jw.c - the JSON writer (lib/json/jw.c): byte-exact output, two-decimal numbers,
 * raw splices, the key/value bookkeeping and the sticky error state; and a round trip
 * through ct_json_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ct/arena.h"
#include "ct/dates.h"
#include "ct/err.h"
#include "ct/json.h"
#include "ct/jw.h"

static void expect_doc(struct ct_jw *w, const char *want, size_t want_len);
static const char *num2(double v);

#define EXPECT(w, lit) expect_doc((w), (lit), sizeof(lit) - 1)

static void expect_doc(struct ct_jw *w, const char *want, size_t want_len)
{
    size_t n = 12345;
    const char *got = ct_jw_result(w, &n);
    if (!got)
        fail_msg("no result: %s", ct_jw_error(w) ? ct_jw_error(w) : "(incomplete)");
    if (n != want_len || memcmp(got, want, n) != 0)
        fail_msg("\n got: %.*s\nwant: %.*s", (int)n, got, (int)want_len, want);
    assert_int_equal(got[n], '\0');
    assert_null(ct_jw_error(w));
}

/* The text ct_jw_num2 writes for v, as a one-value document. */
static const char *num2(double v)
{
    static char out[512];
    struct ct_jw *w = ct_jw_new();
    size_t n;
    if (ct_jw_num2(w, v) < 0) {
        ct_jw_free(w);
        return NULL;
    }
    const char *s = ct_jw_result(w, &n);
    assert_non_null(s);
    assert_true(n < sizeof out);
    memcpy(out, s, n + 1);
    ct_jw_free(w);
    return out;
}

static void test_empty_containers(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    assert_int_equal(ct_jw_obj_open(w), 0);
    assert_int_equal(ct_jw_obj_close(w), 0);
    EXPECT(w, "{}");
    ct_jw_free(w);

    w = ct_jw_new();
    ct_jw_arr_open(w);
    ct_jw_arr_close(w);
    EXPECT(w, "[]");
    ct_jw_free(w);
    ct_jw_free(NULL);
}

static void test_nested_document(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "contract_id", "c1");
    ct_jw_kdate(w, "as_of", ct_days_from_civil(2026, 11, 30));
    ct_jw_key(w, "clauses");
    ct_jw_arr_open(w);
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "kind", "hire_persons");
    ct_jw_kint(w, "required", 3);
    ct_jw_knum2(w, "expected_by_now", 1.5);
    ct_jw_knum2(w, "percent", 100.0 / 3.0);
    ct_jw_kbool(w, "report_overdue", false);
    ct_jw_knull(w, "next_report_due");
    ct_jw_kstr(w, "note", NULL);
    ct_jw_obj_close(w);
    ct_jw_arr_close(w);
    ct_jw_key(w, "empty");
    ct_jw_arr_open(w);
    ct_jw_arr_close(w);
    ct_jw_key(w, "mixed");
    ct_jw_arr_open(w);
    ct_jw_int(w, 1);
    ct_jw_str(w, "x");
    ct_jw_null(w);
    ct_jw_bool(w, true);
    ct_jw_bool(w, false);
    ct_jw_obj_open(w);
    ct_jw_obj_close(w);
    ct_jw_date(w, 0);
    ct_jw_arr_close(w);
    assert_int_equal(ct_jw_obj_close(w), 0);
    EXPECT(w, "{\"contract_id\":\"c1\",\"as_of\":\"2026-11-30\",\"clauses\":[{\"kind\":"
              "\"hire_persons\",\"required\":3,\"expected_by_now\":1.5,\"percent\":33.33,"
              "\"report_overdue\":false,\"next_report_due\":null,\"note\":null}],\"empty\":[],"
              "\"mixed\":[1,\"x\",null,true,false,{},\"1970-01-01\"]}");
    ct_jw_free(w);
}

static void test_strings(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    ct_jw_arr_open(w);
    ct_jw_str(w, "quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f \x7f");
    ct_jw_str(w, "P\xc3\xa4ij\xc3\xa4t-H\xc3\xa4me \xe2\x82\xac \xf0\x9f\x98\x80");
    ct_jw_strn(w, "a\0b", 3);
    ct_jw_strn(w, "abcdef", 2);
    ct_jw_strn(w, NULL, 5);
    ct_jw_str(w, "");
    ct_jw_arr_close(w);
    EXPECT(w, "[\"quote\\\" backslash\\\\ slash/ \\b\\f\\n\\r\\t \\u0001\\u001F \x7f\","
              "\"P\xc3\xa4ij\xc3\xa4t-H\xc3\xa4me \xe2\x82\xac \xf0\x9f\x98\x80\","
              "\"a\\u0000b\",\"ab\",null,\"\"]");
    ct_jw_free(w);

    w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "k\xc3\xa4y \"q\"", "v");
    ct_jw_obj_close(w);
    EXPECT(w, "{\"k\xc3\xa4y \\\"q\\\"\":\"v\"}");
    ct_jw_free(w);
}

static void test_integers(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    ct_jw_arr_open(w);
    ct_jw_int(w, 0);
    ct_jw_int(w, -1);
    ct_jw_int(w, 125000);
    ct_jw_int(w, LLONG_MAX);
    ct_jw_int(w, LLONG_MIN);
    ct_jw_arr_close(w);
    EXPECT(w, "[0,-1,125000,9223372036854775807,-9223372036854775808]");
    ct_jw_free(w);
}

static void test_num2(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {33.333333, "33.33"},
        {100.0 / 3.0, "33.33"},
        {200.0 / 3.0, "66.67"},
        {1.5, "1.5"},
        {3, "3"},
        {3.0000001, "3"},
        {0, "0"},
        {-0.0, "0"},
        {-0.004, "0"},
        {-0.005, "-0.01"},
        {0.125, "0.13"},
        {-0.125, "-0.13"},
        {0.01, "0.01"},
        {0.07, "0.07"},
        {0.1 + 0.2, "0.3"},
        {99.999, "100"},
        {-12.3, "-12.3"},
        {-1.05, "-1.05"},
        {143.5, "143.5"},
        {0.4, "0.4"},
        {125000.00, "125000"},
        {123456789.12, "123456789.12"},
        {9999999999999.99, "9999999999999.99"},
        {10000000000000.0, "10000000000000"},
        {12345678901234.5, "12345678901234.5"},
        {-12345678901234.25, "-12345678901234.25"},
        {999999999999999.0, "999999999999999"},
        {1e15, "1000000000000000"},
        {-1e20, "-100000000000000000000"},
        {1e300, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = num2(cases[i].v);
        if (!cases[i].want) {
            /* 1e300: all 301 digits, a valid JSON number */
            assert_non_null(got);
            assert_int_equal(strlen(got), 301);
            assert_int_equal(got[0], '1');
            assert_int_equal(strspn(got + 1, "0123456789"), 300);
            continue;
        }
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu (%.17g): got %s, want %s", i, cases[i].v, got ? got : "(error)",
                     cases[i].want);
    }
    assert_null(num2(NAN));
    assert_null(num2(INFINITY));
    assert_null(num2(-INFINITY));

    struct ct_jw *w = ct_jw_new();
    assert_int_equal(ct_jw_num2(w, NAN), -1);
    assert_string_equal(ct_jw_error(w), "number is not finite");
    assert_null(ct_jw_result(w, NULL));
    ct_jw_free(w);
}

static void test_raw(void **state)
{
    (void)state;
    const char *jsonb = "{\"x\": [1, 2], \"y\": null}";
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kraw(w, "a", jsonb, strlen(jsonb));
    ct_jw_kint(w, "b", 1);
    ct_jw_key(w, "c");
    ct_jw_arr_open(w);
    ct_jw_raw(w, "[]", 2);
    ct_jw_raw(w, "\"s\"", 3);
    ct_jw_raw(w, "12.50", 5);
    ct_jw_int(w, 7);
    ct_jw_arr_close(w);
    ct_jw_kraw(w, "d", "true", 4);
    ct_jw_obj_close(w);
    EXPECT(w, "{\"a\":{\"x\": [1, 2], \"y\": null},\"b\":1,\"c\":[[],\"s\",12.50,7],\"d\":true}");
    ct_jw_free(w);

    w = ct_jw_new();
    assert_int_equal(ct_jw_raw(w, "{\"only\":1}", 10), 0);
    EXPECT(w, "{\"only\":1}");
    ct_jw_free(w);

    /* a raw value is a value: it cannot stand where a key is due */
    w = ct_jw_new();
    ct_jw_obj_open(w);
    assert_int_equal(ct_jw_raw(w, "1", 1), -1);
    assert_string_equal(ct_jw_error(w), "value where an object key is due");
    ct_jw_free(w);

    w = ct_jw_new();
    assert_int_equal(ct_jw_raw(w, "", 0), -1);
    assert_string_equal(ct_jw_error(w), "empty raw JSON value");
    ct_jw_free(w);

    w = ct_jw_new();
    assert_int_equal(ct_jw_raw(w, "\"\xc0\xaf\"", 4), -1);
    assert_string_equal(ct_jw_error(w), "raw JSON value is not valid UTF-8 text");
    ct_jw_free(w);

    w = ct_jw_new();
    assert_int_equal(ct_jw_raw(w, "1\0", 2), -1);
    ct_jw_free(w);
}

/* Misuse puts the writer into the error state for good. */
static void test_state_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *why;
    } expect[] = {
        {"string at key position", "value where an object key is due"},
        {"key in array", "object key where a value is due"},
        {"key after key", "object key where a value is due"},
        {"key at top level", "object key where a value is due"},
        {"second top-level value", "value after the end of the document"},
        {"array closes object", "array close without a matching open"},
        {"object closes array", "object close without a matching open"},
        {"close at top", "object close without a matching open"},
        {"close after dangling key", "object closed after a key without its value"},
        {"bad utf-8 string", "string is not valid UTF-8"},
        {"bad utf-8 key", "object key is not valid UTF-8"},
        {"null key", "NULL object key"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        struct ct_jw *w = ct_jw_new();
        int rc = 0;
        switch (i) {
        case 0: ct_jw_obj_open(w); rc = ct_jw_str(w, "k"); break;
        case 1: ct_jw_arr_open(w); rc = ct_jw_key(w, "k"); break;
        case 2: ct_jw_obj_open(w); ct_jw_key(w, "a"); rc = ct_jw_key(w, "b"); break;
        case 3: rc = ct_jw_key(w, "k"); break;
        case 4: ct_jw_int(w, 1); rc = ct_jw_int(w, 2); break;
        case 5: ct_jw_obj_open(w); rc = ct_jw_arr_close(w); break;
        case 6: ct_jw_arr_open(w); rc = ct_jw_obj_close(w); break;
        case 7: rc = ct_jw_obj_close(w); break;
        case 8: ct_jw_obj_open(w); ct_jw_key(w, "a"); rc = ct_jw_obj_close(w); break;
        case 9: ct_jw_arr_open(w); rc = ct_jw_str(w, "\xed\xa0\x80"); break;
        case 10: ct_jw_obj_open(w); rc = ct_jw_key(w, "\x80"); break;
        case 11: ct_jw_obj_open(w); rc = ct_jw_key(w, NULL); break;
        }
        if (rc != -1)
            fail_msg("%s: no error", expect[i].name);
        if (!ct_jw_error(w) || strcmp(ct_jw_error(w), expect[i].why) != 0)
            fail_msg("%s: got %s", expect[i].name, ct_jw_error(w) ? ct_jw_error(w) : "NULL");
        /* sticky: nothing works afterwards, and there is no result */
        assert_int_equal(ct_jw_null(w), -1);
        assert_int_equal(ct_jw_arr_open(w), -1);
        assert_int_equal(ct_jw_obj_close(w), -1);
        assert_int_equal(ct_jw_key(w, "x"), -1);
        size_t n = 99;
        assert_null(ct_jw_result(w, &n));
        assert_int_equal(n, 0);
        assert_string_equal(ct_jw_error(w), expect[i].why);
        ct_jw_free(w);
    }
}

static void test_incomplete(void **state)
{
    (void)state;
    size_t n = 99;
    struct ct_jw *w = ct_jw_new();
    assert_null(ct_jw_result(w, &n));  /* nothing written */
    assert_int_equal(n, 0);
    ct_jw_obj_open(w);
    ct_jw_kint(w, "a", 1);
    assert_null(ct_jw_result(w, &n));  /* still open */
    assert_null(ct_jw_error(w));       /* but not an error: it may still be finished */
    ct_jw_obj_close(w);
    EXPECT(w, "{\"a\":1}");
    assert_non_null(ct_jw_result(w, NULL));
    ct_jw_free(w);
}

static void test_depth(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    for (int i = 0; i < CT_JW_MAX_DEPTH; i++)
        assert_int_equal(ct_jw_arr_open(w), 0);
    for (int i = 0; i < CT_JW_MAX_DEPTH; i++)
        assert_int_equal(ct_jw_arr_close(w), 0);
    size_t n;
    assert_non_null(ct_jw_result(w, &n));
    assert_int_equal(n, 2 * CT_JW_MAX_DEPTH);
    ct_jw_free(w);

    w = ct_jw_new();
    for (int i = 0; i < CT_JW_MAX_DEPTH; i++)
        ct_jw_arr_open(w);
    assert_int_equal(ct_jw_obj_open(w), -1);
    assert_string_equal(ct_jw_error(w), "nesting too deep");
    ct_jw_free(w);
}

/* What the writer produces, the parser reads back unchanged. */
static void test_round_trip(void **state)
{
    (void)state;
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_key(w, "items");
    ct_jw_arr_open(w);
    for (int i = 0; i < 2000; i++) {
        ct_jw_obj_open(w);
        ct_jw_kint(w, "i", i);
        ct_jw_kstr(w, "s", "\xc3\xa4\n\"\\\x01");
        ct_jw_knum2(w, "p", i / 3.0);
        ct_jw_obj_close(w);
    }
    ct_jw_arr_close(w);
    ct_jw_knull(w, "next_cursor");
    ct_jw_obj_close(w);
    size_t n;
    const char *doc = ct_jw_result(w, &n);
    assert_non_null(doc);
    assert_true(n > 60000);

    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_json *v = ct_json_parse(a, doc, n, NULL, &e);
    if (!v)
        fail_msg("%s", e.detail);
    const struct ct_json *items = ct_json_get(v, "items");
    assert_non_null(items);
    assert_int_equal(items->array.count, 2000);
    const struct ct_json *last = items->array.items[1999];
    assert_int_equal(ct_json_get(last, "i")->number.value, 1999);
    assert_string_equal(ct_json_get(last, "s")->string.ptr, "\xc3\xa4\n\"\\\x01");
    assert_string_equal(ct_json_get(last, "p")->number.raw, "666.33");
    assert_int_equal(ct_json_get(v, "next_cursor")->type, CT_JSON_NULL);
    ct_arena_free(a);
    ct_jw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_nested_document),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_num2),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_state_errors),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
