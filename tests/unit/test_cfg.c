/* test_cfg.c - configuration loading (lib/core/cfg.c): defaults, the file, environment
 * overrides, and errors that name the file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/cfg.h"

static char path[64];

static void write_cfg(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/ct-test-cfg-%d.conf", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    struct ct_cfg c;
    struct ct_err e;
    ct_err_clear(&e);
    unsetenv("CLAUSETRACK_LISTEN");
    assert_int_equal(ct_cfg_load(&c, NULL, &e), 0);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.max_json_body, 1048576);
    assert_int_equal(c.max_xml_body, 16777216);
    assert_int_equal(c.suppress_below, 5);
    assert_int_equal(c.threads, 1);
    assert_string_equal(c.log_format, "text");
}

static void test_file_and_env(void **state)
{
    (void)state;
    write_cfg("# comment\n\nlisten = 127.0.0.1:9090\nthreads=4\nlog_format = \"json\"\nocds_prefix = ocds-213czf\n");
    setenv("CLAUSETRACK_THREADS", "2", 1);
    struct ct_cfg c;
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(ct_cfg_load(&c, path, &e), 0);
    assert_string_equal(c.listen, "127.0.0.1:9090");
    assert_int_equal(c.threads, 2); /* the environment wins */
    assert_string_equal(c.log_format, "json");
    assert_string_equal(c.ocds_prefix, "213czf");
    unsetenv("CLAUSETRACK_THREADS");
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"listen = a\nnonsense\n", ":2: expected \"key = value\""},
        {"colour = blue\n", ":1: colour: unknown configuration key"},
        {"threads = 0\n", ":1: threads: must be a whole number from 1 to 64"},
        {"threads = 2x\n", ":1: threads: must be a whole number"},
        {"log_format = xml\n", ":1: log_format: must be json or text"},
        {"log_level = loud\n", ":1: log_level: must be error"},
        {"\n\nocds_prefix = my prefix\n", ":3: ocds_prefix: must be letters and digits"},
        {"max_json_body = 10\n", ":1: max_json_body: must be a whole number from 1024"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_cfg(cases[i].text);
        struct ct_cfg c;
        struct ct_err e;
        ct_err_clear(&e);
        assert_int_equal(ct_cfg_load(&c, path, &e), -1);
        if (!strstr(e.detail, cases[i].want))
            fprintf(stderr, "case %zu: %s\n", i, e.detail);
        assert_non_null(strstr(e.detail, cases[i].want));
        assert_non_null(strstr(e.detail, path));
    }
    struct ct_cfg c;
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(ct_cfg_load(&c, "/nonexistent/clausetrack.conf", &e), -1);
    assert_non_null(strstr(e.detail, "cannot open"));
    setenv("CLAUSETRACK_SUPPRESS_BELOW", "zero", 1);
    ct_err_clear(&e);
    assert_int_equal(ct_cfg_load(&c, NULL, &e), -1);
    assert_non_null(strstr(e.detail, "CLAUSETRACK_SUPPRESS_BELOW"));
    unsetenv("CLAUSETRACK_SUPPRESS_BELOW");
}

static void test_reloadable(void **state)
{
    (void)state;
    struct ct_cfg a, b;
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(ct_cfg_load(&a, NULL, &e), 0);
    write_cfg("max_json_body = 2048\nlisten = 127.0.0.1:1\nlog_level = debug\n");
    assert_int_equal(ct_cfg_load(&b, path, &e), 0);
    ct_cfg_apply_reloadable(&a, &b);
    assert_int_equal(a.max_json_body, 2048);
    assert_string_equal(a.log_level, "debug");
    assert_string_equal(a.listen, "127.0.0.1:8080"); /* not reloadable */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_file_and_env),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_reloadable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
