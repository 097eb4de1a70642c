/* test_readyz.c - /readyz follows the database with no restart of the daemon: 200, then 503
 * while PostgreSQL is stopped (requests needing the database get 503 problem+json), then 200
 * again by itself once PostgreSQL is back. Runs last: it stops the shared test cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct it_daemon D;
static char *tok;

static int setup(void **state)
{
    (void)state;
    it_db_create(&D, "readyz");
    char *org = it_org(&D, "analyst", "Seuranta", NULL, NULL);
    tok = it_token(&D, org);
    free(org);
    it_daemon_start(&D, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_teardown(&D);
    free(tok);
    return 0;
}

static int pg(const char *action)
{
    char *cmd = it_fmt("%s/ops/pg %s \"$CT_PG_DIR\" >/dev/null 2>&1", it_root(), action);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

/* Poll /readyz until it answers want, for at most seconds; returns the milliseconds it took or -1. */
static int wait_ready(int want, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        struct it_resp r;
        if (it_get(&D, "/readyz", NULL, &r) == 0) {
            int st = r.status;
            it_resp_free(&r);
            if (st == want)
                return i * 100;
        }
        usleep(100 * 1000);
    }
    return -1;
}

static void test_flip(void **state)
{
    (void)state;
    assert_true(wait_ready(200, 5) >= 0);
    struct it_resp r;
    assert_int_equal(it_get(&D, "/v1/me", tok, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);

    assert_int_equal(pg("stop"), 0);
    int down_ms = wait_ready(503, 10);
    assert_true(down_ms >= 0);
    fprintf(stderr, "readyz: 503 %d ms after PostgreSQL stopped\n", down_ms);
    assert_int_equal(it_get(&D, "/readyz", NULL, &r), 0);
    assert_int_equal(r.status, 503);
    char *ct = it_header(&r, "content-type");
    assert_string_equal(ct, "application/problem+json");
    free(ct);
    it_resp_free(&r);
    /* a database-backed route: 503 too, with a problem; the process stays up */
    assert_int_equal(it_get(&D, "/v1/organizations", tok, &r), 0);
    assert_true(r.status == 503 || r.status == 403);
    it_resp_free(&r);
    assert_int_equal(it_get(&D, "/healthz", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);

    assert_int_equal(pg("start"), 0);
    int up_ms = wait_ready(200, 15);
    assert_true(up_ms >= 0);
    fprintf(stderr, "readyz: 200 again %d ms after PostgreSQL started\n", up_ms);
    /* token cache expired meanwhile: this is a real lookup again */
    usleep(600 * 1000);
    assert_int_equal(it_get(&D, "/v1/me", tok, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    assert_int_equal(it_daemon_stop(&D), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flip),
    };
    return cmocka_run_group_tests_name("readyz", tests, setup, teardown);
}
