/* test_hetu.c - table-driven tests of ct_hetu_parse: every century sign, leap days in
 * each century, individual numbers 000/001/002/999, wrong check characters, bad lengths,
 * white space and case. Check characters were computed as DDMMYYNNN mod 31 into
 * "0123456789ABCDEFHJKLMNPRSTUVWXY" (e.g. 290200123 = 31 * 9361294 + 9 -> '9'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/dates.h"
#include "ct/hetu.h"

struct valid_case {
    const char *in;
    const char *canonical;
};

static const struct valid_case valid[] = {
    {"131052-308T", "131052-308T"},   /* the contract's example, 1952 */
    {"100190-999P", "100190-999P"},   /* 1990, highest individual number */
    {"100190Y999P", "100190Y999P"},   /* same digits, new 1900s sign */
    {"150585X411W", "150585X411W"},
    {"150585W411W", "150585W411W"},
    {"230766V012W", "230766V012W"},
    {"041272U835S", "041272U835S"},
    {"120845+611H", "120845+611H"},   /* 1845 */
    {"290296+7775", "290296+7775"},   /* 29.2.1896, a leap year */
    {"290296-045J", "290296-045J"},   /* 29.2.1996 */
    {"290200A1239", "290200A1239"},   /* 29.2.2000: divisible by 400, a leap year */
    {"290204A250D", "290204A250D"},   /* 29.2.2004 */
    {"010100A002H", "010100A002H"},   /* lowest individual number */
    {"311299-999E", "311299-999E"},
    {"010101B101Y", "010101B101Y"},
    {"311231C550D", "311231C550D"},
    {"280212D346X", "280212D346X"},
    {"010603E9009", "010603E9009"},
    {"121270F2640", "121270F2640"},
    {"050705A909F", "050705A909F"},
    {"010594Y9032", "010594Y9032"},
    {"290100-003L", "290100-003L"},   /* 29 January is fine in any year */
    {"310101-0046", "310101-0046"},
    /* case and white space */
    {"131052-308t", "131052-308T"},
    {"010594y9032", "010594Y9032"},
    {"290200a1239", "290200A1239"},
    {"150585x411w", "150585X411W"},
    {"230766v012w", "230766V012W"},
    {"041272u835s", "041272U835S"},
    {"010101b101y", "010101B101Y"},
    {"311231c550d", "311231C550D"},
    {"280212d346x", "280212D346X"},
    {"010603e9009", "010603E9009"},
    {"121270f2640", "121270F2640"},
    {"  131052-308T", "131052-308T"},
    {"131052-308T  ", "131052-308T"},
    {"\t131052-308T\r\n", "131052-308T"},
};

/* Each invalid input with a word its reason must contain, so that a case cannot pass
 * for the wrong reason (say, a bad date caught only by its check character). */
struct invalid_case {
    const char *in;
    const char *reason;
};

static const struct invalid_case invalid[] = {
    /* dates */
    {"290201-123J", "date"},  /* 29.2.1901: not a leap year */
    {"290200-1239", "date"},  /* 29.2.1900: century, not divisible by 400 */
    {"290200+1239", "date"},  /* 29.2.1800 */
    {"290201A123J", "date"},  /* 29.2.2001 */
    {"300200A123X", "date"},  /* 30 February */
    {"310400A1236", "date"},  /* 31 April */
    {"311104A123V", "date"},  /* 31 November */
    {"000100A123S", "date"},  /* day 0 */
    {"011300A1233", "date"},  /* month 13 */
    {"010000A123L", "date"},  /* month 0 */
    {"320190-999W", "date"},  /* day 32 */
    /* individual numbers */
    {"131052-000V", "individual number"},  /* 000: right check character, number not allowed */
    {"131052-001W", "individual number"},  /* 001 */
    /* check character */
    {"131052-308U", "check character"},
    {"131052-308S", "check character"},
    {"100190-999R", "check character"},
    {"290200A123A", "check character"},
    {"131052-308G", "check character"},  /* G, I, O, Q, Z are never check characters */
    {"131052-308I", "check character"},
    {"131052-308O", "check character"},
    {"131052-308Q", "check character"},
    {"131052-308Z", "check character"},
    {"131052-3080", "check character"},
    /* century signs */
    {"131052G308T", "century sign"},
    {"131052Z308T", "century sign"},
    {"131052/308T", "century sign"},
    {"131052*308T", "century sign"},
    {"131052 308T", "century sign"},
    {"1310520308T", "century sign"},
    {"131052_308T", "century sign"},
    /* lengths and characters */
    {"", "empty"},
    {"   ", "empty"},
    {"131052-308", "11 characters"},
    {"131052-308TT", "11 characters"},
    {"31052-308T", "11 characters"},
    {"1131052-308T", "11 characters"},
    {"131052--308T", "11 characters"},
    {"131052-308T\n131052-308T", "11 characters"},
    {"13105a-308T", "six digits"},
    {"131052-3a8T", "three digits"},
    {"1310 52-308", "six digits"},
    {"131052-308 T", "11 characters"},
    {"１31052-308T", "11 characters"},  /* full-width digit */
    {"131052\xE2\x80\x90" "308T", "11 characters"},  /* Unicode hyphen */
    {"131052\xAD" "308T", "century sign"},  /* a stray Latin-1 soft hyphen byte */
    {"131052\x00" "308T", "11 characters"},  /* embedded NUL: the C string ends early */
};

static void test_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char out[12] = "junk";
        const char *why = "unset";
        int rc = ct_hetu_parse(valid[i].in, out, &why);
        if (rc != 0)
            fail_msg("valid case %zu refused: %s", i, why ? why : "(null)");
        if (strcmp(out, valid[i].canonical) != 0)
            fail_msg("valid case %zu canonicalised to %s", i, out);
    }
}

static void test_invalid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char out[12] = "junk";
        const char *why = NULL;
        int rc = ct_hetu_parse(invalid[i].in, out, &why);
        if (rc != -1)
            fail_msg("invalid case %zu accepted", i);
        if (why == NULL || strstr(why, invalid[i].reason) == NULL)
            fail_msg("invalid case %zu: reason \"%s\" lacks \"%s\"", i, why ? why : "(null)",
                     invalid[i].reason);
        if (out[0] != '\0')
            fail_msg("invalid case %zu left output behind", i);
    }
}

/* The reason never quotes the input, not even a part of it. */
static void test_reason_never_quotes_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        const char *in = invalid[i].in;
        const char *why = NULL;
        if (ct_hetu_parse(in, NULL, &why) == 0)
            fail_msg("invalid case %zu accepted", i);
        assert_non_null(why);
        /* Any run of four characters of the input (a birth year and month, say). */
        size_t len = strlen(in);
        for (size_t off = 0; len >= 4 && off + 4 <= len; off++) {
            char piece[5];
            memcpy(piece, in + off, 4);
            piece[4] = '\0';
            if (strspn(piece, " ") == 4)
                continue;
            if (strstr(why, piece) != NULL)
                fail_msg("reason for case %zu quotes the input", i);
        }
    }
}

static void test_specific_reasons(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(ct_hetu_parse("290201-123J", NULL, &why), -1);
    assert_non_null(strstr(why, "date"));
    assert_int_equal(ct_hetu_parse("131052-001W", NULL, &why), -1);
    assert_non_null(strstr(why, "individual number"));
    assert_int_equal(ct_hetu_parse("131052-308U", NULL, &why), -1);
    assert_non_null(strstr(why, "check character"));
    assert_int_equal(ct_hetu_parse("131052G308T", NULL, &why), -1);
    assert_non_null(strstr(why, "century sign"));
    assert_int_equal(ct_hetu_parse("131052-30", NULL, &why), -1);
    assert_non_null(strstr(why, "11 characters"));
}

/* Every sign of a century parses the same digits into the same date. */
static void test_each_century_sign(void **state)
{
    (void)state;
    /* 150585 411 -> 150585411 mod 31 = 28 -> 'W' for every sign. */
    const char *signs = "+-YXWVUABCDEF";
    for (const char *p = signs; *p; p++) {
        char in[12], out[12];
        const char *why = NULL;
        memcpy(in, "150585?411W", 12);
        in[6] = *p;
        if (ct_hetu_parse(in, out, &why) != 0)
            fail_msg("century sign %c refused: %s", *p, why);
        assert_string_equal(out, in);
    }
}

/* 29 February exists in 1896, 1996, 2000 and 2096 but not in 1800, 1900 or 2100 (which
 * cannot be written anyway). The same digits 290200 change meaning with the sign. */
static void test_leap_day_by_century(void **state)
{
    (void)state;
    assert_int_equal(ct_hetu_parse("290200A1239", NULL, NULL), 0);
    assert_int_equal(ct_hetu_parse("290200B1239", NULL, NULL), 0);
    assert_int_equal(ct_hetu_parse("290200-1239", NULL, NULL), -1);
    assert_int_equal(ct_hetu_parse("290200Y1239", NULL, NULL), -1);
    assert_int_equal(ct_hetu_parse("290200+1239", NULL, NULL), -1);
    assert_int_equal(ct_hetu_parse("290296+7775", NULL, NULL), 0);
    assert_int_equal(ct_hetu_parse("290296A7775", NULL, NULL), 0); /* 2096 */
}

static void test_null_and_optional_outputs(void **state)
{
    (void)state;
    const char *why = NULL;
    char out[12] = "junk";
    assert_int_equal(ct_hetu_parse(NULL, out, &why), -1);
    assert_non_null(why);
    assert_string_equal(out, "");
    assert_int_equal(ct_hetu_parse("131052-308T", NULL, NULL), 0);
    assert_int_equal(ct_hetu_parse("131052-308U", NULL, NULL), -1);
}

/* A very long input is refused by length without trouble. */
static void test_long_input(void **state)
{
    (void)state;
    static char big[100001];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *why = NULL;
    assert_int_equal(ct_hetu_parse(big, NULL, &why), -1);
    assert_non_null(why);
}

/* The century sign decides the year of birth: + 1800s, - Y X W V U 1900s, A-F 2000s. */
static void test_birth_date(void **state)
{
    (void)state;
    static const struct {
        const char *hetu;
        const char *date;
    } cases[] = {
        {"120845+611H", "1845-08-12"},
        {"290296+7775", "1896-02-29"},
        {"131052-308T", "1952-10-13"},
        {"100190Y999P", "1990-01-10"},
        {"150585X411W", "1985-05-15"},
        {"150585W411W", "1985-05-15"},
        {"230766V012W", "1966-07-23"},
        {"041272U835S", "1972-12-04"},
        {"290200A1239", "2000-02-29"},
        {"010101B101Y", "2001-01-01"},
        {"311231C550D", "2031-12-31"},
        {"280212D346X", "2012-02-28"},
        {"010603E9009", "2003-06-01"},
        {"121270F2640", "2070-12-12"},
        {" 010594y9032 ", "1994-05-01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = -1, want = -2;
        assert_int_equal(ct_date_parse(cases[i].date, &want), 0);
        if (ct_hetu_birth_date(cases[i].hetu, &got) != 0)
            fail_msg("birth date case %zu refused", i);
        if (got != want) {
            char buf[11];
            fail_msg("birth date case %zu: got %s", i, ct_date_format(got, buf));
        }
    }
    int64_t untouched = 42;
    assert_int_equal(ct_hetu_birth_date("290200-1239", &untouched), -1);
    assert_int_equal(ct_hetu_birth_date("131052-308U", &untouched), -1);
    assert_int_equal(ct_hetu_birth_date(NULL, &untouched), -1);
    assert_int_equal(untouched, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_table),
        cmocka_unit_test(test_invalid_table),
        cmocka_unit_test(test_reason_never_quotes_input),
        cmocka_unit_test(test_specific_reasons),
        cmocka_unit_test(test_each_century_sign),
        cmocka_unit_test(test_leap_day_by_century),
        cmocka_unit_test(test_null_and_optional_outputs),
        cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_birth_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
