/* test_text.c - the byte-string helpers of lib/core/text.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ct/text.h"

static void test_trim(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {{"abc", "abc"}, {"  abc", "abc"}, {"abc \t\r\n", "abc"}, {"\v a b \f", "a b"}, {"", ""}, {" \t ", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        const char *s = ct_text_trim(cases[i].in, &len);
        assert_int_equal(len, strlen(cases[i].want));
        assert_memory_equal(s, cases[i].want, len);
    }
}

static void test_digits_and_spaces(void **state)
{
    (void)state;
    assert_true(ct_text_all_digits("0123456789", 10));
    assert_true(ct_text_all_digits("12x", 2));
    assert_false(ct_text_all_digits("12x", 3));
    assert_false(ct_text_all_digits("-1", 2));
    assert_true(ct_text_all_digits("", 0));
    assert_true(ct_text_is_space(' ') && ct_text_is_space('\t') && ct_text_is_space('\f'));
    assert_false(ct_text_is_space('a') || ct_text_is_space('\0') || ct_text_is_space((char)0xa0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_digits_and_spaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
