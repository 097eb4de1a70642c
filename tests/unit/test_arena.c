/* test_arena.c - the arena allocator and the error carrier (lib/core/arena.c, lib/core/err.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ct/arena.h"
#include "ct/err.h"

static void test_alloc_many(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    char *prev = NULL;
    for (int i = 0; i < 5000; i++) {
        char *p = ct_arena_alloc(a, (size_t)(i % 97) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (int j = 0; j < i % 97 + 1; j++)
            assert_int_equal(p[j], 0);
        memset(p, 'x', (size_t)(i % 97) + 1);
        prev = p;
    }
    assert_non_null(prev);
    char *big = ct_arena_alloc(a, 100000);
    memset(big, 1, 100000);
    char *after = ct_arena_alloc(a, 8);
    assert_non_null(after);
    assert_true(ct_arena_used(a) > 100000);
    ct_arena_free(a);
}

static void test_strings(void **state)
{
    (void)state;
    struct ct_arena *a = ct_arena_new();
    assert_string_equal(ct_arena_strdup(a, "kunta"), "kunta");
    assert_null(ct_arena_strdup(a, NULL));
    assert_string_equal(ct_arena_strndup(a, "Pohjois-Karjala", 7), "Pohjois");
    assert_string_equal(ct_arena_printf(a, "%s-%03d", "LOT", 7), "LOT-007");
    ct_arena_free(a);
    ct_arena_free(NULL);
}

static void test_err(void **state)
{
    (void)state;
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(e.status, 0);
    assert_int_equal(ct_err_field(&e, "person.hetu", "is not valid"), -1);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.detail, "person.hetu: is not valid");
    assert_string_equal(ct_err_type(&e), "validation");
    for (int i = 0; i < 40; i++)
        ct_err_field(&e, "x", "y");
    assert_int_equal(e.nfields, CT_ERR_MAX_FIELDS);
    ct_err_clear(&e);
    assert_int_equal(ct_err_set(&e, 409, "key %s reused", "abc"), -1);
    assert_string_equal(e.detail, "key abc reused");
    assert_string_equal(ct_err_title(409), "Conflict");
    assert_string_equal(ct_err_title(413), "Content Too Large");
    assert_string_equal(ct_err_type(&e), "conflict");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_many),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
