/* test_webhook.c - Standard Webhooks secrets and signatures, against known answers: the
 * specification's own test vector (whsec_MfKQ9r8G..., msg_p5jXN8AQM9LWM0D4loKWxJek,
 * 1614265330, {"test": 2432232314}) and one of ours (key bytes 00..17, evt_01, 1767225600),
 * both recomputed with `openssl dgst -sha256 -mac HMAC -macopt hexkey:... -binary | base64`
 * and python3 hmac. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ct/webhook.h"

#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS 1614265330LL
#define SPEC_BODY "{\"test\": 2432232314}"
#define SPEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

#define OWN_SECRET "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"
#define OWN_BODY "{\"id\":\"evt_01\",\"type\":\"tender.created\",\"data\":{\"region\":\"FI1D3\"}}"
#define OWN_SIG "v1,1L1sWiqIYLlWKr2bF9YRQedvbi5xmfWMzhhD3Mim4qg="
#define OWN_EMPTY_SIG "v1,LQHnzgUs8MkBFsllM/GO/BqTAuI2aH7ajyzYPt1cJkk=" /* evt_01, ts -5, "" */

static void decode_ok(const char *secret, unsigned char *key, size_t *keylen);

static void decode_ok(const char *secret, unsigned char *key, size_t *keylen)
{
    *keylen = CT_WEBHOOK_KEY_MAX;
    if (ct_webhook_secret_decode(secret, key, keylen) != 0)
        fail_msg("secret refused");
}

static void test_spec_vector(void **state)
{
    (void)state;
    static const unsigned char want_key[24] = {
        0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
        0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0,
    };
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
    char sig[CT_WEBHOOK_SIGNATURE_BUFSIZE];

    decode_ok(SPEC_SECRET, key, &keylen);
    assert_int_equal(keylen, 24);
    assert_memory_equal(key, want_key, 24);
    assert_int_equal(ct_webhook_sign(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY,
                                     strlen(SPEC_BODY), sig, sizeof sig), 0);
    assert_string_equal(sig, SPEC_SIG);
    assert_int_equal(strlen(sig), CT_WEBHOOK_SIGNATURE_BUFSIZE - 1);
}

static void test_own_vector(void **state)
{
    (void)state;
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
    char sig[CT_WEBHOOK_SIGNATURE_BUFSIZE];

    decode_ok(OWN_SECRET, key, &keylen);
    assert_int_equal(keylen, 24);
    for (size_t i = 0; i < keylen; i++)
        assert_int_equal(key[i], i);
    assert_int_equal(ct_webhook_sign(key, keylen, "evt_01", 1767225600LL, OWN_BODY,
                                     strlen(OWN_BODY), sig, sizeof sig), 0);
    assert_string_equal(sig, OWN_SIG);
    /* Empty body (NULL allowed) and a negative timestamp are written as given. */
    assert_int_equal(ct_webhook_sign(key, keylen, "evt_01", -5LL, NULL, 0, sig, sizeof sig), 0);
    assert_string_equal(sig, OWN_EMPTY_SIG);
    assert_int_equal(ct_webhook_sign(key, keylen, "evt_01", -5LL, "", 0, sig, sizeof sig), 0);
    assert_string_equal(sig, OWN_EMPTY_SIG);
}

/* Every input changes the signature: id, timestamp, body, key. */
static void test_sign_covers_every_input(void **state)
{
    (void)state;
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
    char base[CT_WEBHOOK_SIGNATURE_BUFSIZE], s[CT_WEBHOOK_SIGNATURE_BUFSIZE];

    decode_ok(SPEC_SECRET, key, &keylen);
    assert_int_equal(ct_webhook_sign(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY,
                                     strlen(SPEC_BODY), base, sizeof base), 0);
    assert_int_equal(ct_webhook_sign(key, keylen, "msg_p5jXN8AQM9LWM0D4loKWxJeK", SPEC_TS,
                                     SPEC_BODY, strlen(SPEC_BODY), s, sizeof s), 0);
    assert_string_not_equal(base, s);
    assert_int_equal(ct_webhook_sign(key, keylen, SPEC_ID, SPEC_TS + 1, SPEC_BODY,
                                     strlen(SPEC_BODY), s, sizeof s), 0);
    assert_string_not_equal(base, s);
    assert_int_equal(ct_webhook_sign(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY,
                                     strlen(SPEC_BODY) - 1, s, sizeof s), 0);
    assert_string_not_equal(base, s);
    key[0] ^= 1;
    assert_int_equal(ct_webhook_sign(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY,
                                     strlen(SPEC_BODY), s, sizeof s), 0);
    assert_string_not_equal(base, s);
}

/* The body is bytes: an embedded NUL is signed, not a terminator. */
static void test_sign_binary_body(void **state)
{
    (void)state;
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
    char a[CT_WEBHOOK_SIGNATURE_BUFSIZE], b[CT_WEBHOOK_SIGNATURE_BUFSIZE];
    decode_ok(SPEC_SECRET, key, &keylen);
    assert_int_equal(ct_webhook_sign(key, keylen, "m", 1, "ab\0c", 4, a, sizeof a), 0);
    assert_int_equal(ct_webhook_sign(key, keylen, "m", 1, "ab\0d", 4, b, sizeof b), 0);
    assert_string_not_equal(a, b);
}

static void test_sign_small_buffer(void **state)
{
    (void)state;
    unsigned char key[24] = {0};
    char sig[CT_WEBHOOK_SIGNATURE_BUFSIZE];
    memset(sig, 'x', sizeof sig);
    assert_int_equal(ct_webhook_sign(key, sizeof key, "m", 1, "b", 1, sig, sizeof sig - 1), -1);
    assert_int_equal(sig[0], '\0');
    assert_int_equal(ct_webhook_sign(key, sizeof key, "m", 1, "b", 1, NULL, 100), -1);
    assert_int_equal(ct_webhook_sign(key, sizeof key, NULL, 1, "b", 1, sig, sizeof sig), -1);
    assert_int_equal(ct_webhook_sign(key, sizeof key, "m", 1, NULL, 3, sig, sizeof sig), -1);
}

static void test_secret_new(void **state)
{
    (void)state;
    char a[CT_WEBHOOK_SECRET_BUFSIZE], b[CT_WEBHOOK_SECRET_BUFSIZE];
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;

    assert_int_equal(ct_webhook_secret_new(a, sizeof a), 0);
    assert_int_equal(ct_webhook_secret_new(b, sizeof b), 0);
    assert_int_equal(strlen(a), 38);
    assert_memory_equal(a, "whsec_", 6);
    assert_int_equal(strspn(a + 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789+/"), 32);
    assert_string_not_equal(a, b);
    decode_ok(a, key, &keylen);
    assert_int_equal(keylen, 24);

    /* Round trip: a secret we make signs and verifies. */
    char sig[CT_WEBHOOK_SIGNATURE_BUFSIZE];
    assert_int_equal(
        ct_webhook_sign(key, keylen, "evt_x", 1700000000, "{}", 2, sig, sizeof sig), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, "evt_x", 1700000000, "{}", 2, sig), 1);

    memset(a, 'x', sizeof a);
    assert_int_equal(ct_webhook_secret_new(a, sizeof a - 1), -1);
    assert_int_equal(a[0], '\0');
    assert_int_equal(ct_webhook_secret_new(NULL, 64), -1);
}

static void test_secret_decode_table(void **state)
{
    (void)state;
    static const struct {
        const char *secret;
        int ok;
        size_t len;
    } cases[] = {
        {SPEC_SECRET, 1, 24},
        {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1, 24},            /* prefix optional */
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1, 32}, /* 32 bytes, one pad */
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", 1, 34}, /* two pads */
        /* 64 bytes: the largest accepted */
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm"
         "JygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
         1, 64},
        /* 65 bytes: too long */
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm"
         "JygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=",
         0, 0},
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY=", 0, 0},         /* 23 bytes: too short */
        {"whsec_", 0, 0},
        {"", 0, 0},
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", 0, 0},          /* 31 characters */
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", 0, 0},        /* 33 characters */
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w", 0, 0},         /* base64url character */
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa_w", 0, 0},
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa w", 0, 0},
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0, 0},
        {" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0, 0},
        {"whsec_MfKQ9r8GKYqrTwjU=D8ILPZIo2LaLaSw", 0, 0},         /* padding inside */
        {"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===", 0, 0}, /* three pads */
        {"whsec_====", 0, 0},
        {"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0, 0},         /* prefix is lower case */
        {"whsec_whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char key[CT_WEBHOOK_KEY_MAX];
        size_t keylen = sizeof key;
        int rc = ct_webhook_secret_decode(cases[i].secret, key, &keylen);
        if (cases[i].ok && rc != 0)
            fail_msg("case %zu refused", i);
        if (!cases[i].ok && rc != -1)
            fail_msg("case %zu accepted", i);
        if (cases[i].ok && keylen != cases[i].len)
            fail_msg("case %zu: %zu bytes, expected %zu", i, keylen, cases[i].len);
        if (cases[i].ok)
            for (size_t k = 0; i >= 2 && k < keylen; k++)
                if (key[k] != k)
                    fail_msg("case %zu: byte %zu is %u", i, k, key[k]);
    }
}

/* The caller's key buffer bounds the output. */
static void test_secret_decode_capacity(void **state)
{
    (void)state;
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen = 23;
    assert_int_equal(ct_webhook_secret_decode(SPEC_SECRET, key, &keylen), -1);
    keylen = 24;
    assert_int_equal(ct_webhook_secret_decode(SPEC_SECRET, key, &keylen), 0);
    assert_int_equal(keylen, 24);
    assert_int_equal(ct_webhook_secret_decode(NULL, key, &keylen), -1);
    assert_int_equal(ct_webhook_secret_decode(SPEC_SECRET, NULL, &keylen), -1);
    assert_int_equal(ct_webhook_secret_decode(SPEC_SECRET, key, NULL), -1);
}

static void test_verify(void **state)
{
    (void)state;
    unsigned char key[CT_WEBHOOK_KEY_MAX];
    size_t keylen;
    size_t blen = strlen(SPEC_BODY);
    decode_ok(SPEC_SECRET, key, &keylen);

    assert_int_equal(
        ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen, SPEC_SIG), 1);
    /* Several signatures (key rotation), in any position. */
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen,
                                       "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "
                                       SPEC_SIG), 1);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen,
                                       SPEC_SIG " v1a,whatever"), 1);
    /* Wrong body, timestamp, id, version, truncated or empty header. */
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, "{\"test\": 2432232315}",
                                       blen, SPEC_SIG), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS + 1, SPEC_BODY, blen,
                                       SPEC_SIG), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, "msg_other", SPEC_TS, SPEC_BODY, blen,
                                       SPEC_SIG), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen,
                                       "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen,
                                       "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE"), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen, ""), 0);
    assert_int_equal(ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen, NULL), 0);
    key[23] ^= 0x80;
    assert_int_equal(
        ct_webhook_verify(key, keylen, SPEC_ID, SPEC_TS, SPEC_BODY, blen, SPEC_SIG), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vector),
        cmocka_unit_test(test_own_vector),
        cmocka_unit_test(test_sign_covers_every_input),
        cmocka_unit_test(test_sign_binary_body),
        cmocka_unit_test(test_sign_small_buffer),
        cmocka_unit_test(test_secret_new),
        cmocka_unit_test(test_secret_decode_table),
        cmocka_unit_test(test_secret_decode_capacity),
        cmocka_unit_test(test_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
