/* pseudonym.c - loading and creating the pseudonym key file, and HMAC-SHA256 pseudonyms
 * of persons (canonical henkilötunnus) and of suppliers' own references (OpenSSL 3 EVP_MAC).
 * The key lives only in the caller's memory; this file never logs and never puts a key,
 * a henkilötunnus or a reference into an error. Validation of the henkilötunnus is
 * lib/domain/hetu.c's. */
#include "ct/pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define KEY_HEX_LEN (2 * CT_PSEUDONYM_KEY_LEN)
#define KEY_FILE_MAX 128 /* bytes read at most; anything longer is malformed */

struct part {
    const void *data;
    size_t len;
};

static void hmac_sha256(const unsigned char *key, size_t keylen, const struct part *parts,
                        size_t nparts, unsigned char md[32]);
static void to_hex(const unsigned char *in, size_t n, char *out);
static int hex_value(char c);
static int parse_key_text(const char *text, size_t len, unsigned char *key, const char **why);
static int write_all(int fd, const char *p, size_t n);

/* HMAC-SHA256 over the concatenation of parts. libcrypto fails here only when it cannot
 * allocate, which is fatal in this code base (as ct_xmalloc). */
static void hmac_sha256(const unsigned char *key, size_t keylen, const struct part *parts,
                        size_t nparts, unsigned char md[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    size_t mdlen = 0;
    int ok = ctx != NULL;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ok && EVP_MAC_init(ctx, key, keylen, params) == 1;
    for (size_t i = 0; ok && i < nparts; i++)
        ok = EVP_MAC_update(ctx, parts[i].data, parts[i].len) == 1;
    ok = ok && EVP_MAC_final(ctx, md, &mdlen, 32) == 1 && mdlen == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok)
        abort();
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* text holds 64 hex characters and at most one trailing "\n" or "\r\n". */
static int parse_key_text(const char *text, size_t len, unsigned char *key, const char **why)
{
    size_t nhex = 0;
    while (nhex < len && hex_value(text[nhex]) >= 0)
        nhex++;
    const char *rest = text + nhex;
    size_t nrest = len - nhex;
    int line_end = nrest == 0 || (nrest == 1 && rest[0] == '\n') ||
                   (nrest == 2 && rest[0] == '\r' && rest[1] == '\n');

    if (nhex == len || line_end) {
        if (nhex != KEY_HEX_LEN) {
            *why = "must hold exactly 64 hex characters (32 bytes)";
            return -1;
        }
    } else if (nhex < KEY_HEX_LEN) {
        *why = "holds a character that is not a hex digit";
        return -1;
    } else {
        *why = "holds more than one line of 64 hex characters";
        return -1;
    }
    for (size_t i = 0; i < CT_PSEUDONYM_KEY_LEN; i++)
        key[i] = (unsigned char)(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ct_pseudonym_key_load(const char *path, unsigned char key[CT_PSEUDONYM_KEY_LEN],
                          struct ct_err *e)
{
    char buf[KEY_FILE_MAX + 1];
    size_t len = 0;
    struct stat st;
    const char *why = NULL;
    int fd = -1, rc = -1;

    memset(key, 0, CT_PSEUDONYM_KEY_LEN);
    if (path == NULL || path[0] == '\0')
        return ct_err_set(e, 500, "pseudonym key file: no path configured");

    /* O_NONBLOCK: a FIFO at path must not hang the start; fstat refuses it below. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            ct_err_set(e, 500, "pseudonym key file %s does not exist", path);
        else
            ct_err_set(e, 500, "pseudonym key file %s cannot be opened: %s", path, strerror(err));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        ct_err_set(e, 500, "pseudonym key file %s cannot be examined: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        ct_err_set(e, 500, "pseudonym key file %s is not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        ct_err_set(e, 500,
                   "pseudonym key file %s is accessible by group or others (mode %04o); "
                   "it must be 0600 or stricter",
                   path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ct_err_set(e, 500, "pseudonym key file %s cannot be read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > KEY_FILE_MAX) {
            ct_err_set(e, 500, "pseudonym key file %s is malformed: it is too long", path);
            goto out;
        }
    }
    if (parse_key_text(buf, len, key, &why) != 0) {
        ct_err_set(e, 500, "pseudonym key file %s is malformed: it %s", path, why);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        OPENSSL_cleanse(key, CT_PSEUDONYM_KEY_LEN);
    OPENSSL_cleanse(buf, sizeof buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int ct_pseudonym_key_create(const char *path, struct ct_err *e)
{
    unsigned char raw[CT_PSEUDONYM_KEY_LEN];
    char text[KEY_HEX_LEN + 2];
    int fd = -1, rc = -1, created = 0;

    if (path == NULL || path[0] == '\0')
        return ct_err_set(e, 500, "pseudonym key file: no path configured");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST)
            ct_err_set(e, 500, "pseudonym key file %s already exists; not replacing it", path);
        else
            ct_err_set(e, 500, "pseudonym key file %s cannot be created: %s", path, strerror(err));
        goto out;
    }
    created = 1;
    /* The umask may have taken bits away; set exactly 0600. */
    if (fchmod(fd, 0600) != 0) {
        ct_err_set(e, 500, "pseudonym key file %s: cannot set mode 0600: %s", path,
                   strerror(errno));
        goto out;
    }
    if (RAND_bytes(raw, sizeof raw) != 1) {
        ct_err_set(e, 500, "pseudonym key file %s: no random bytes available", path);
        goto out;
    }
    to_hex(raw, sizeof raw, text);
    text[KEY_HEX_LEN] = '\n';
    text[KEY_HEX_LEN + 1] = '\0';
    if (write_all(fd, text, KEY_HEX_LEN + 1) != 0 || fsync(fd) != 0) {
        ct_err_set(e, 500, "pseudonym key file %s cannot be written: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        ct_err_set(e, 500, "pseudonym key file %s cannot be written: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = 0;
out:
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(text, sizeof text);
    if (fd >= 0)
        close(fd);
    if (rc != 0 && created)
        unlink(path);
    return rc;
}

void ct_pseudonym_person(const unsigned char key[CT_PSEUDONYM_KEY_LEN],
                         const char *canonical_hetu, char out_hex[CT_PSEUDONYM_HEX_LEN + 1])
{
    unsigned char md[32];
    struct part parts[1] = {{canonical_hetu, strlen(canonical_hetu)}};

    hmac_sha256(key, CT_PSEUDONYM_KEY_LEN, parts, 1, md);
    to_hex(md, sizeof md, out_hex);
}

void ct_pseudonym_supplier_ref(const unsigned char key[CT_PSEUDONYM_KEY_LEN],
                               const char *supplier_org_id, const char *ref,
                               char out_hex[CT_PSEUDONYM_HEX_LEN + 1])
{
    unsigned char md[32];
    const char *start = ref;
    while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r' ||
           *start == '\v' || *start == '\f')
        start++;
    const char *end = start + strlen(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
                           end[-1] == '\r' || end[-1] == '\v' || end[-1] == '\f'))
        end--;
    /* "ref" NUL org NUL ref: sizeof "ref" includes the NUL, as does strlen(org) + 1. */
    struct part parts[3] = {
        {"ref", sizeof "ref"},
        {supplier_org_id, strlen(supplier_org_id) + 1},
        {start, (size_t)(end - start)},
    };

    hmac_sha256(key, CT_PSEUDONYM_KEY_LEN, parts, 3, md);
    to_hex(md, sizeof md, out_hex);
}
