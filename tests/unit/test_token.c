/* test_token.c - API tokens: shape of generated tokens, uniqueness, an unbiased spread
 * over the 62 characters, SHA-256 known answers (python3 hashlib / sha256sum), and the
 * shape check over many well- and ill-formed strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ct/token.h"

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int cmp_str(const void *a, const void *b);

static void test_generate_shape(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        char t[CT_TOKEN_BUFSIZE];
        assert_int_equal(ct_token_generate(t, sizeof t), 0);
        assert_int_equal(strlen(t), 46);
        assert_memory_equal(t, "ct_", 3);
        assert_int_equal(strspn(t + 3, base62), 43);
        assert_int_equal(ct_token_looks_valid(t), 1);
    }
}

static void test_generate_small_buffer(void **state)
{
    (void)state;
    char t[CT_TOKEN_BUFSIZE];
    memset(t, 'x', sizeof t);
    assert_int_equal(ct_token_generate(t, CT_TOKEN_BUFSIZE - 1), -1);
    assert_int_equal(t[0], '\0');
    assert_int_equal(ct_token_generate(t, 0), -1);
    assert_int_equal(ct_token_generate(NULL, 100), -1);
    /* A larger buffer is fine. */
    char big[100];
    assert_int_equal(ct_token_generate(big, sizeof big), 0);
    assert_int_equal(strlen(big), 46);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_generate_unique(void **state)
{
    (void)state;
    enum { N = 2000 };
    char (*t)[CT_TOKEN_BUFSIZE] = calloc(N, CT_TOKEN_BUFSIZE);
    assert_non_null(t);
    for (int i = 0; i < N; i++)
        assert_int_equal(ct_token_generate(t[i], CT_TOKEN_BUFSIZE), 0);
    qsort(t, N, CT_TOKEN_BUFSIZE, cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(t[i - 1], t[i]);
    free(t);
}

/* Rejection sampling makes every character equally likely. Mapping a byte with plain
 * "% 62" would make the first 8 characters about 21% more frequent (5/256 against
 * 4/256): over 172,000 characters each is expected 2,774 times (sd about 52), so a
 * +-12% band (over 6 sd) passes an unbiased generator and fails the biased one. */
static void test_generate_unbiased(void **state)
{
    (void)state;
    enum { N = 4000 };
    long count[256] = {0};
    for (int i = 0; i < N; i++) {
        char t[CT_TOKEN_BUFSIZE];
        assert_int_equal(ct_token_generate(t, sizeof t), 0);
        for (int k = 3; k < CT_TOKEN_LEN; k++)
            count[(unsigned char)t[k]]++;
    }
    double expect = (double)N * 43 / 62;
    for (const char *c = base62; *c; c++) {
        long n = count[(unsigned char)*c];
        if (n < expect * 0.88 || n > expect * 1.12)
            fail_msg("character %c drawn %ld times, expected about %.0f", *c, n, expect);
    }
}

static void test_hash_known_answers(void **state)
{
    (void)state;
    char out[65];
    ct_token_hash("", out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ct_token_hash("ct_abc", out);
    assert_string_equal(out, "5cc527a520c97c06abf7ff41aeae02689f856d83c267eeb60cb8ba0f49b922f3");
    ct_token_hash("ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", out);
    assert_string_equal(out, "384d1c1f94a70048cde1dd3b1929f1d6d60f9cab4e0010a6c31419091ad3dc3c");
}

static void test_hash_distinguishes(void **state)
{
    (void)state;
    char t[CT_TOKEN_BUFSIZE], a[65], b[65];
    assert_int_equal(ct_token_generate(t, sizeof t), 0);
    ct_token_hash(t, a);
    ct_token_hash(t, b);
    assert_string_equal(a, b);
    t[45] = t[45] == 'a' ? 'b' : 'a';
    ct_token_hash(t, b);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
}

static void test_looks_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
        "ct_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "ct_0000000000000000000000000000000000000000000",
        "ct_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    };
    static const char *const bad[] = {
        "",
        "ct_",
        "ct",
        "c",
        "CT_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",  /* prefix is lower case */
        "cx_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
        "ct-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij",  /* no prefix, right length */
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",   /* 42 after the prefix */
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh", /* 44 */
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef_",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef+",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef/",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef=",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef ",
        " ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg ",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg\n",
        "ct_ 123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
        "ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcde\xC3\xA4",  /* a-umlaut, 46 bytes */
        "Bearer ct_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (ct_token_looks_valid(good[i]) != 1)
            fail_msg("good case %zu refused", i);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ct_token_looks_valid(bad[i]) != 0)
            fail_msg("bad case %zu accepted", i);
    assert_int_equal(ct_token_looks_valid(NULL), 0);
}

/* A megabyte-long header is refused after reading a bounded prefix. */
static void test_looks_valid_long(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, "ct_", 3);
    memset(s + 3, 'a', n - 3);
    s[n] = '\0';
    assert_int_equal(ct_token_looks_valid(s), 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape),
        cmocka_unit_test(test_generate_small_buffer),
        cmocka_unit_test(test_generate_unique),
        cmocka_unit_test(test_generate_unbiased),
        cmocka_unit_test(test_hash_known_answers),
        cmocka_unit_test(test_hash_distinguishes),
        cmocka_unit_test(test_looks_valid),
        cmocka_unit_test(test_looks_valid_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
