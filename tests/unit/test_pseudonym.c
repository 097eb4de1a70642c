/* test_pseudonym.c - the pseudonym key file (missing, malformed, too open, accepted) and
 * the pseudonyms themselves, against known answers computed outside this code base:
 *   printf '131052-308T' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
 *   python3: hmac.new(bytes(range(32)), b"ref\0" + org + b"\0" + b"EMP-0042", sha256)
 * Files live in a fresh mkdtemp folder under /tmp, removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ct/err.h"
#include "ct/pseudonym.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char dir[64];

static int setup(void **state);
static int teardown(void **state);
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw);
static void path_in_dir(char *out, size_t outlen, const char *name);
static void write_file(const char *path, const char *content, size_t len, mode_t mode);
static void test_key(unsigned char key[32]);

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ct_test_pseudonym_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in_dir(char *out, size_t outlen, const char *name)
{
    snprintf(out, outlen, "%s/%s", dir, name);
}

/* A file made with mkstemp (mode 0600), then given content and mode. */
static void write_file(const char *path, const char *content, size_t len, mode_t mode)
{
    char tmpl[96];
    snprintf(tmpl, sizeof tmpl, "%s/tmp_XXXXXX", dir);
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    assert_int_equal(chmod(tmpl, mode), 0);
    assert_int_equal(rename(tmpl, path), 0);
}

static void test_key(unsigned char key[32])
{
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)i;
}

/* ---- key loading ---------------------------------------------------------------- */

static void test_load_accepts_0600(void **state)
{
    (void)state;
    char path[128];
    unsigned char key[32], want[32];
    struct ct_err e;
    static const struct {
        const char *name;
        const char *content;
        mode_t mode;
    } cases[] = {
        {"nl", KEY_HEX "\n", 0600},
        {"no_nl", KEY_HEX, 0600},
        {"crlf", KEY_HEX "\r\n", 0600},
        {"upper", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n", 0600},
        {"ro", KEY_HEX "\n", 0400},
        {"owner_only_rwx", KEY_HEX "\n", 0700},
    };
    test_key(want);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        path_in_dir(path, sizeof path, cases[i].name);
        write_file(path, cases[i].content, strlen(cases[i].content), cases[i].mode);
        ct_err_clear(&e);
        memset(key, 0xee, sizeof key);
        if (ct_pseudonym_key_load(path, key, &e) != 0)
            fail_msg("case %s refused: %s", cases[i].name, e.detail);
        assert_memory_equal(key, want, 32);
        assert_int_equal(e.status, 0);
    }
}

struct refusal {
    const char *name;
    const char *content; /* NULL: do not create the file */
    mode_t mode;
    const char *reason;  /* a phrase the detail must contain */
};

static void test_load_refusals(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"missing", NULL, 0, "does not exist"},
        {"mode0644", KEY_HEX "\n", 0644, "group or others"},
        {"mode0640", KEY_HEX "\n", 0640, "group or others"},
        {"mode0604", KEY_HEX "\n", 0604, "group or others"},
        {"mode0620", KEY_HEX "\n", 0620, "group or others"},
        {"mode0602", KEY_HEX "\n", 0602, "group or others"},
        {"mode0601", KEY_HEX "\n", 0601, "group or others"},
        {"mode0666", KEY_HEX "\n", 0666, "group or others"},
        {"empty", "", 0600, "64 hex characters"},
        {"only_nl", "\n", 0600, "64 hex characters"},
        {"short63", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n", 0600,
         "64 hex characters"},
        {"long65", KEY_HEX "0\n", 0600, "64 hex characters"},
        {"long128", KEY_HEX KEY_HEX, 0600, "64 hex characters"},
        {"huge", KEY_HEX KEY_HEX KEY_HEX "\n", 0600, "too long"},
        {"bad_hex", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n", 0600,
         "not a hex digit"},
        {"bad_hex_first", "z00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
         0600, "not a hex digit"},
        {"space_inside", "00010203040506070809 0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
         0600, "not a hex digit"},
        {"leading_space", " " KEY_HEX "\n", 0600, "not a hex digit"},
        {"trailing_space", KEY_HEX " \n", 0600, "more than one line"},
        {"two_newlines", KEY_HEX "\n\n", 0600, "more than one line"},
        {"two_lines", KEY_HEX "\nab\n", 0600, "more than one line"},
        {"two_keys", KEY_HEX "\n" KEY_HEX "\n", 0600, "too long"},
        {"prefix_0x", "0x" KEY_HEX "\n", 0600, "not a hex digit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        unsigned char key[32];
        struct ct_err e;
        path_in_dir(path, sizeof path, cases[i].name);
        if (cases[i].content)
            write_file(path, cases[i].content, strlen(cases[i].content), cases[i].mode);
        ct_err_clear(&e);
        memset(key, 0xee, sizeof key);
        if (ct_pseudonym_key_load(path, key, &e) != -1)
            fail_msg("case %s accepted", cases[i].name);
        if (strstr(e.detail, cases[i].reason) == NULL)
            fail_msg("case %s: detail \"%s\" lacks \"%s\"", cases[i].name, e.detail,
                     cases[i].reason);
        if (strstr(e.detail, path) == NULL)
            fail_msg("case %s: detail does not name the path", cases[i].name);
        if (strstr(e.detail, "0a0b0c") != NULL || strstr(e.detail, "1d1e1") != NULL)
            fail_msg("case %s: detail quotes the key", cases[i].name);
        assert_int_equal(e.status, 500);
        for (int k = 0; k < 32; k++)
            if (key[k] != 0)
                fail_msg("case %s: key not wiped", cases[i].name);
    }
}

static void test_load_refuses_directory_and_empty_path(void **state)
{
    (void)state;
    unsigned char key[32];
    struct ct_err e;
    ct_err_clear(&e);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(ct_pseudonym_key_load(dir, key, &e), -1);
    assert_non_null(strstr(e.detail, "not a regular file"));
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_load("", key, &e), -1);
    assert_non_null(strstr(e.detail, "no path"));
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_load(NULL, key, &e), -1);
    assert_int_equal(e.status, 500);
}

/* A symbolic link to a good key is followed (as mounted secrets often are). */
static void test_load_follows_symlink(void **state)
{
    (void)state;
    char target[128], link[128];
    unsigned char key[32], want[32];
    struct ct_err e;
    path_in_dir(target, sizeof target, "symlink_target");
    path_in_dir(link, sizeof link, "symlink");
    write_file(target, KEY_HEX "\n", strlen(KEY_HEX) + 1, 0600);
    assert_int_equal(symlink(target, link), 0);
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_load(link, key, &e), 0);
    test_key(want);
    assert_memory_equal(key, want, 32);
}

/* ---- key creation --------------------------------------------------------------- */

static void test_create_then_load(void **state)
{
    (void)state;
    char path[128], path2[128];
    unsigned char key[32], key2[32];
    struct ct_err e;
    struct stat st;
    mode_t old = umask(0022);

    path_in_dir(path, sizeof path, "created");
    path_in_dir(path2, sizeof path2, "created2");
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create(path, &e), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65); /* 64 hex + newline */
    assert_int_equal(ct_pseudonym_key_load(path, key, &e), 0);

    /* Never replaces an existing key. */
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create(path, &e), -1);
    assert_non_null(strstr(e.detail, "already exists"));
    assert_non_null(strstr(e.detail, path));
    assert_int_equal(ct_pseudonym_key_load(path, key2, &e), 0);
    assert_memory_equal(key, key2, 32);

    /* A second key is different: the bytes are random. */
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create(path2, &e), 0);
    assert_int_equal(ct_pseudonym_key_load(path2, key2, &e), 0);
    assert_memory_not_equal(key, key2, 32);

    /* A restrictive umask still yields a readable 0600 file. */
    umask(0377);
    path_in_dir(path2, sizeof path2, "created_umask");
    assert_int_equal(ct_pseudonym_key_create(path2, &e), 0);
    assert_int_equal(stat(path2, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    umask(old);
}

static void test_create_refusals(void **state)
{
    (void)state;
    char path[128], link[128];
    struct ct_err e;

    /* A dangling symbolic link is not followed into creating its target. */
    path_in_dir(path, sizeof path, "link_target_must_not_appear");
    path_in_dir(link, sizeof link, "dangling");
    assert_int_equal(symlink(path, link), 0);
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create(link, &e), -1);
    assert_int_equal(access(path, F_OK), -1);

    /* A folder that does not exist. */
    path_in_dir(path, sizeof path, "no/such/folder/key");
    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create(path, &e), -1);
    assert_non_null(strstr(e.detail, path));
    assert_int_equal(e.status, 500);

    ct_err_clear(&e);
    assert_int_equal(ct_pseudonym_key_create("", &e), -1);
}

/* ---- pseudonyms ------------------------------------------------------------------- */

static void test_person_known_answer(void **state)
{
    (void)state;
    unsigned char key[32];
    char out[65];
    test_key(key);
    ct_pseudonym_person(key, "131052-308T", out);
    assert_string_equal(out, "0f38c15d4df3c1046b3f596a5f39b5d30e229ee67cbec09507ca3947ffdbcd82");
    ct_pseudonym_person(key, "100190-999P", out);
    assert_string_equal(out, "63a8c5fb962549b9f86ef043e787affbc82face1dc3dd280db2a19d10a7b1e9f");
    ct_pseudonym_person(key, "100190Y999P", out);
    assert_string_equal(out, "4a9ce5351364feef4794f6f9159970d3bf292047f9c644270dec7f2135bb366f");
}

/* The century sign is part of the identity: 100190-999P and 100190Y999P are two people. */
static void test_century_sign_distinguishes(void **state)
{
    (void)state;
    unsigned char key[32];
    char a[65], b[65];
    test_key(key);
    ct_pseudonym_person(key, "100190-999P", a);
    ct_pseudonym_person(key, "100190Y999P", b);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
}

/* Same person, same key: the same pseudonym; another key: another pseudonym. */
static void test_person_depends_on_key(void **state)
{
    (void)state;
    unsigned char key[32], other[32];
    char a[65], b[65], c[65];
    test_key(key);
    test_key(other);
    other[31] ^= 1;
    ct_pseudonym_person(key, "131052-308T", a);
    ct_pseudonym_person(key, "131052-308T", b);
    ct_pseudonym_person(other, "131052-308T", c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
}

static void test_supplier_ref(void **state)
{
    (void)state;
    static const char org[] = "3f2c8a4e-1b7d-4c1e-9a55-0d2f6b8e7c10";
    static const char org2[] = "3f2c8a4e-1b7d-4c1e-9a55-0d2f6b8e7c11";
    unsigned char key[32];
    char a[65], b[65], p[65];
    test_key(key);

    ct_pseudonym_supplier_ref(key, org, "EMP-0042", a);
    assert_string_equal(a, "283f851866513f1a36549b704d165ed14afa877141df0505643ee15ebdb22a1d");

    /* Surrounding white space is ignored; case is not. */
    ct_pseudonym_supplier_ref(key, org, "  EMP-0042\t\n", b);
    assert_string_equal(a, b);
    ct_pseudonym_supplier_ref(key, org, "emp-0042", b);
    assert_string_not_equal(a, b);

    /* Per supplier. */
    ct_pseudonym_supplier_ref(key, org2, "EMP-0042", b);
    assert_string_not_equal(a, b);

    /* The boundary between org id and ref cannot be moved. */
    ct_pseudonym_supplier_ref(key, "ab", "c", a);
    ct_pseudonym_supplier_ref(key, "a", "bc", b);
    assert_string_not_equal(a, b);

    /* A ref that looks like a henkilötunnus never yields that person's pseudonym. */
    ct_pseudonym_person(key, "131052-308T", p);
    ct_pseudonym_supplier_ref(key, org, "131052-308T", a);
    ct_pseudonym_supplier_ref(key, "", "131052-308T", b);
    assert_string_not_equal(a, p);
    assert_string_not_equal(b, p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_accepts_0600),
        cmocka_unit_test(test_load_refusals),
        cmocka_unit_test(test_load_refuses_directory_and_empty_path),
        cmocka_unit_test(test_load_follows_symlink),
        cmocka_unit_test(test_create_then_load),
        cmocka_unit_test(test_create_refusals),
        cmocka_unit_test(test_person_known_answer),
        cmocka_unit_test(test_century_sign_distinguishes),
        cmocka_unit_test(test_person_depends_on_key),
        cmocka_unit_test(test_supplier_ref),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
