/* test_fields.c - the API field helpers (lib/json/fields.c): money objects (amount as written,
 * currency shape, unknown members, null and absent), UUIDs, read-only members, and copying
 * validated members into a normalised body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ct/arena.h"
#include "ct/err.h"
#include "ct/fields.h"
#include "ct/json.h"
#include "ct/jw.h"

struct money_case {
    const char *body;   /* {"v": ...} */
    int ok;             /* reader returns 0 */
    const char *amount; /* when read */
    const char *currency;
    const char *fields; /* the field errors, "|"-separated, when not ok */
};

static const struct ct_json *parse(struct ct_arena *a, const char *s);
static void expect_errors(const struct ct_err *e, const char *fields);

static const struct money_case money_cases[] = {
    {"{\"v\": {\"amount\": 125000.00, \"currency\": \"EUR\"}}", 1, "125000.00", "EUR", NULL},
    {"{\"v\": {\"amount\": 0}}", 1, "0", NULL, NULL},
    {"{\"v\": {\"amount\": 1e3, \"currency\": \"SEK\"}}", 1, "1e3", "SEK", NULL},
    {"{\"v\": {\"amount\": 999999999999999}}", 1, "999999999999999", NULL, NULL},
    {"{\"v\": null}", 1, NULL, NULL, NULL},
    {"{}", 1, NULL, NULL, NULL},
    {"{\"v\": {\"amount\": -0.01}}", 0, NULL, NULL, "v.amount"},
    {"{\"v\": {\"amount\": 1e15}}", 0, NULL, NULL, "v.amount"},
    {"{\"v\": {\"amount\": \"5\"}}", 0, NULL, NULL, "v.amount"},
    {"{\"v\": {\"currency\": \"EUR\"}}", 0, NULL, NULL, "v.amount"},
    {"{\"v\": {\"amount\": 5, \"currency\": \"eur\"}}", 0, NULL, NULL, "v.currency"},
    {"{\"v\": {\"amount\": 5, \"currency\": \"EURO\"}}", 0, NULL, NULL, "v.currency"},
    {"{\"v\": {\"amount\": 5, \"currency\": 978}}", 0, NULL, NULL, "v.currency"},
    {"{\"v\": {\"amount\": 5, \"cents\": 1}}", 0, NULL, NULL, "v.cents"},
    {"{\"v\": {\"amount\": -1, \"currency\": \"E\", \"x\": 1}}", 0, NULL, NULL, "v.x|v.amount|v.currency"},
    {"{\"v\": 5}", 0, NULL, NULL, "v"},
    {"{\"v\": [1]}", 0, NULL, NULL, "v"},
};

static const struct ct_json *parse(struct ct_arena *a, const char *s)
{
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = ct_json_parse(a, s, strlen(s), NULL, &e);
    assert_non_null(j);
    return j;
}

static void expect_errors(const struct ct_err *e, const char *fields)
{
    char buf[256];
    buf[0] = '\0';
    for (int i = 0; i < e->nfields; i++) {
        if (i)
            strcat(buf, "|");
        strcat(buf, e->fields[i].field);
    }
    assert_string_equal(buf, fields);
    assert_int_equal(e->status, 422);
}

static void test_money(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof money_cases / sizeof *money_cases; i++) {
        const struct money_case *c = &money_cases[i];
        struct ct_arena *a = ct_arena_new();
        struct ct_err e;
        ct_err_clear(&e);
        struct ct_jr jr = {a, &e, "", CT_JR_ABSENT};
        struct ct_money m = {0};
        int rc = ct_jr_money(&jr, parse(a, c->body), "v", CT_JR_NULLABLE, &m);
        if (c->ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(e.status, 0);
            if (c->amount) {
                assert_int_equal(jr.last, CT_JR_VALUE);
                assert_string_equal(m.amount, c->amount);
                if (c->currency)
                    assert_string_equal(m.currency, c->currency);
                else
                    assert_null(m.currency);
            } else {
                assert_true(jr.last == CT_JR_NULL || jr.last == CT_JR_ABSENT);
                assert_null(m.amount);
            }
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(jr.last, CT_JR_INVALID);
            assert_null(m.amount);
            expect_errors(&e, c->fields);
        }
        ct_arena_free(a);
    }
}

static void test_money_required_in_child(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr root = {a, &e, "", CT_JR_ABSENT};
    struct ct_jr lot = ct_jr_child_index(&root, "lots", 1);
    struct ct_money m = {0};
    assert_int_equal(ct_jr_money(&lot, parse(a, "{}"), "value", CT_JR_REQUIRED, &m), -1);
    assert_int_equal(ct_jr_money(&lot, parse(a, "{\"value\": {\"amount\": 1, \"currency\": \"x\"}}"), "value", 0, &m), -1);
    expect_errors(&e, "lots[1].value|lots[1].value.currency");
    ct_arena_free(a);
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(ct_uuid_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(ct_uuid_valid("7D0F818C-3337-404d-a719-392a36ad5078"));
    assert_false(ct_uuid_valid(NULL));
    assert_false(ct_uuid_valid(""));
    assert_false(ct_uuid_valid("7d0f818c3337404da719392a36ad5078"));
    assert_false(ct_uuid_valid("7d0f818c-3337-404d-a719-392a36ad507"));
    assert_false(ct_uuid_valid("7d0f818c-3337-404d-a719-392a36ad5078 "));
    assert_false(ct_uuid_valid("7d0f818g-3337-404d-a719-392a36ad5078"));
    assert_false(ct_uuid_valid("7d0f818c-3337+404d-a719-392a36ad5078"));

    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr jr = {a, &e, "", CT_JR_ABSENT};
    const char *out = NULL;
    const struct ct_json *b = parse(a, "{\"a\": \"7D0F818C-3337-404D-A719-392A36AD5078\", \"b\": \"nope\", \"c\": 1, \"d\": null}");
    assert_int_equal(ct_jr_uuid(&jr, b, "a", CT_JR_REQUIRED, &out), 0);
    assert_string_equal(out, "7d0f818c-3337-404d-a719-392a36ad5078");
    out = NULL;
    assert_int_equal(ct_jr_uuid(&jr, b, "b", 0, &out), -1);
    assert_int_equal(ct_jr_uuid(&jr, b, "c", 0, &out), -1);
    assert_int_equal(ct_jr_uuid(&jr, b, "d", CT_JR_NULLABLE, &out), 0);
    assert_int_equal(jr.last, CT_JR_NULL);
    assert_int_equal(ct_jr_uuid(&jr, b, "e", CT_JR_REQUIRED, &out), -1);
    assert_null(out);
    expect_errors(&e, "b|c|e");
    ct_arena_free(a);
}

static void test_read_only(void **state)
{
    (void)state;
    static const char *const fixed[] = {"id", "created_at", NULL};
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr jr = {a, &e, "", CT_JR_ABSENT};
    assert_int_equal(ct_jr_read_only(&jr, parse(a, "{\"title\": 1}"), fixed), 0);
    assert_int_equal(e.status, 0);
    assert_int_equal(ct_jr_read_only(&jr, parse(a, "{\"created_at\": null, \"id\": 1}"), fixed), -1);
    expect_errors(&e, "id|created_at");
    assert_string_equal(e.fields[0].message, "cannot be changed");
    ct_arena_free(a);
}

static void test_copy(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_jr jr = {a, &e, "", CT_JR_ABSENT};
    const struct ct_json *b = parse(a, "{\"n\": 12.50, \"s\": \"a\\u00e4\\n\", \"z\": null, \"bad\": 3, "
                                       "\"arr\": [1, true, {\"k\": [null]}]}");
    struct ct_jw *w = ct_jw_new();
    double x;
    const char *s;
    const struct ct_json *arr;
    ct_jw_obj_open(w);
    ct_jr_number(&jr, b, "n", 0, 0, 100, &x);
    ct_jr_copy(&jr, b, "n", w);
    ct_jr_string(&jr, b, "s", 0, 10, &s);
    ct_jr_copy(&jr, b, "s", w);
    ct_jr_string(&jr, b, "z", CT_JR_NULLABLE, 10, &s);
    ct_jr_copy(&jr, b, "z", w);
    ct_jr_string(&jr, b, "absent", 0, 10, &s);
    ct_jr_copy(&jr, b, "absent", w);
    ct_jr_string(&jr, b, "bad", 0, 10, &s); /* invalid: not copied */
    ct_jr_copy(&jr, b, "bad", w);
    ct_jr_array(&jr, b, "arr", 0, 0, 10, &arr);
    ct_jr_copy(&jr, b, "arr", w);
    ct_jw_obj_close(w);
    const char *out = ct_jw_result(w, NULL);
    assert_non_null(out);
    assert_string_equal(out, "{\"n\":12.50,\"s\":\"a\xc3\xa4\\n\",\"z\":null,\"arr\":[1,true,{\"k\":[null]}]}");
    ct_jw_free(w);
    expect_errors(&e, "bad");
    ct_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_money_required_in_child),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests_name("fields", tests, NULL, NULL);
}
