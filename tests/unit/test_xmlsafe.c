/* test_xmlsafe.c - the XML door: DOCTYPE/entity refusal (billion laughs, external entities,
 * external subsets), malformed documents with exact line and column, the size cap, nothing on
 * stderr, line numbers past 65535, concurrent parsing, and the bounded text helpers. Fixtures
 * come from tests/fixtures/xml ($CT_FIXTURES/xml overrides); run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/xmlsafe.h"

#define MAX (1u << 20)
#define THREADS 4
#define ROUNDS 200

static char *fixture(const char *name, size_t *len);
static void expect_fail(const char *doc, size_t max, int status, const char *detail, int line,
                        int column);
static void *parse_loop(void *arg);
static int setup(void **state);
static int teardown(void **state);

static void test_well_formed(void **state);
static void test_doctype_refused(void **state);
static void test_fixtures_refused(void **state);
static void test_malformed(void **state);
static void test_size_cap(void **state);
static void test_silent(void **state);
static void test_big_line_numbers(void **state);
static void test_threads(void **state);
static void test_text_helpers(void **state);

static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("CT_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/xml/%s", dir && *dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read fixture %s (run from the repository root or set CT_FIXTURES)",
                 path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void expect_fail(const char *doc, size_t max, int status, const char *detail, int line,
                        int column)
{
    struct ct_err e;
    ct_err_clear(&e);
    xmlDocPtr d = ct_xmlsafe_parse(doc, strlen(doc), max, &e);
    if (d) {
        xmlFreeDoc(d);
        fail_msg("expected %d for %.60s", status, doc);
    }
    assert_int_equal(e.status, status);
    if (detail)
        assert_string_equal(e.detail, detail);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(ct_xml_init(), 0);
    assert_int_equal(ct_xml_init(), 0); /* idempotent */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_xml_cleanup();
    return 0;
}

static void test_well_formed(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\">\n  <b>x &amp; y &#228;</b>\n"
                      "  <![CDATA[<raw>]]>\n</a>\n";
    struct ct_err e;
    ct_err_clear(&e);
    xmlDocPtr d = ct_xmlsafe_parse(doc, strlen(doc), MAX, &e);
    assert_non_null(d);
    assert_int_equal(e.status, 0);
    assert_true(ct_xmlsafe_root_is(d, "urn:x", "a"));
    assert_false(ct_xmlsafe_root_is(d, "urn:y", "a"));
    assert_false(ct_xmlsafe_root_is(d, "urn:x", "b"));
    xmlNodePtr root = xmlDocGetRootElement(d);
    xmlNodePtr b = root->children;
    while (b && b->type != XML_ELEMENT_NODE)
        b = b->next;
    assert_non_null(b);
    assert_int_equal(ct_xmlsafe_line(root), 2);
    assert_int_equal(ct_xmlsafe_line(b), 3);
    struct ct_arena *a = ct_arena_new();
    const char *t;
    assert_int_equal(ct_xmlsafe_text(a, b, 100, &t), 0);
    assert_string_equal(t, "x & y ä"); /* predefined and character references are fine */
    xmlFreeDoc(d);
    ct_arena_free(a);

    /* a root without a namespace is never "ours" */
    doc = "<a/>";
    d = ct_xmlsafe_parse(doc, strlen(doc), MAX, &e);
    assert_non_null(d);
    assert_false(ct_xmlsafe_root_is(d, "", "a"));
    xmlFreeDoc(d);
}

static void test_doctype_refused(void **state)
{
    (void)state;
    /* any DOCTYPE is refused, with or without declarations, before the root is read */
    expect_fail("<?xml version=\"1.0\"?>\n<!DOCTYPE a>\n<a/>", MAX, 400,
                "DTD/entities not allowed (DOCTYPE at line 2)", 2, 1);
    expect_fail("<!DOCTYPE a SYSTEM \"file:///etc/passwd\">\n<a/>", MAX, 400,
                "DTD/entities not allowed (DOCTYPE at line 1)", 1, 1);
    expect_fail("<!DOCTYPE a PUBLIC \"-//X//Y\" \"http://example.invalid/a.dtd\"><a/>", MAX, 400,
                NULL, 1, 1);
    expect_fail("<!-- c -->\n\n<!DOCTYPE a [ <!ENTITY % p SYSTEM \"http://example.invalid/p\"> %p; ]>"
                "<a/>",
                MAX, 400, NULL, 3, 1);
    expect_fail("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", MAX, 400, NULL, 1, 1);
    expect_fail("<!DOCTYPE a [<!ATTLIST a b CDATA \"default\">]><a/>", MAX, 400, NULL, 1, 1);
    /* an undeclared entity is simply malformed */
    expect_fail("<a>&e;</a>", MAX, 400, "malformed XML at line 1, column 7: Entity 'e' not defined",
                1, 7);
}

static void test_fixtures_refused(void **state)
{
    (void)state;
    static const char *const names[] = {"bad_billion_laughs.xml", "bad_xxe.xml"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *buf = fixture(names[i], &len);
        struct ct_err e;
        ct_err_clear(&e);
        xmlDocPtr d = ct_xmlsafe_parse(buf, len, MAX, &e);
        assert_null(d);
        assert_int_equal(e.status, 400);
        assert_string_equal(e.detail, "DTD/entities not allowed (DOCTYPE at line 2)");
        assert_int_equal(e.line, 2);
        free(buf);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    expect_fail("<a>\n  <b>\n</a>", MAX, 400,
                "malformed XML at line 3, column 5: Opening and ending tag mismatch: b line 2 and a",
                3, 5);
    expect_fail("", MAX, 400, "malformed XML at line 1, column 1: document is empty", 1, 1);
    expect_fail("   ", MAX, 400, NULL, 1, 4);
    expect_fail("<a>", MAX, 400, NULL, 1, 4);
    expect_fail("<a b=1/>", MAX, 400, NULL, 1, 6);
    expect_fail("<a/><b/>", MAX, 400, "malformed XML at line 1, column 5: Extra content at the "
                                      "end of the document", 1, 5);
    expect_fail("<?xml version=\"1.0\" encoding=\"x-unknown\"?><a/>", MAX, 400, NULL, 1, 41);
    expect_fail("<a>\xff\xfe</a>", MAX, 400,
                "malformed XML at line 1, column 4: Input is not proper UTF-8, indicate encoding ! "
                "Bytes: 0xFF 0xFE 0x3C 0x2F",
                1, 4);
    /* namespace well-formedness counts too */
    expect_fail("<a xmlns:p=\"\"><p:b/></a>", MAX, 400,
                "malformed XML at line 1, column 14: xmlns:p: Empty XML namespace is not allowed", 1,
                14);
    expect_fail("<a><p:b/></a>", MAX, 400,
                "malformed XML at line 1, column 8: Namespace prefix p on b is not defined", 1, 8);

    size_t len;
    char *buf = fixture("bad_malformed.xml", &len);
    struct ct_err e;
    ct_err_clear(&e);
    assert_null(ct_xmlsafe_parse(buf, len, MAX, &e));
    assert_int_equal(e.status, 400);
    assert_int_equal(e.line, 5);
    assert_int_equal(e.column, 36);
    assert_non_null(strstr(e.detail, "line 5, column 36"));
    free(buf);
}

static void test_size_cap(void **state)
{
    (void)state;
    const char *doc = "<a>0123456789</a>"; /* 17 bytes */
    struct ct_err e;
    ct_err_clear(&e);
    assert_null(ct_xmlsafe_parse(doc, strlen(doc), 16, &e));
    assert_int_equal(e.status, 413);
    assert_string_equal(e.detail, "XML body too large (17 bytes, limit 16)");
    ct_err_clear(&e);
    xmlDocPtr d = ct_xmlsafe_parse(doc, strlen(doc), 17, &e);
    assert_non_null(d);
    xmlFreeDoc(d);
    ct_err_clear(&e);
    assert_null(ct_xmlsafe_parse(doc, (size_t)1 << 31, (size_t)-1, &e)); /* > INT_MAX */
    assert_int_equal(e.status, 413);
    /* nesting deeper than libxml2's default limit (256) is refused, not followed */
    size_t depth = 300, n = depth * 7 + 1;
    char *deep = malloc(n);
    assert_non_null(deep);
    char *w = deep;
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "<a>");
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "</a>");
    ct_err_clear(&e);
    assert_null(ct_xmlsafe_parse(deep, strlen(deep), MAX, &e));
    assert_int_equal(e.status, 400);
    free(deep);
}

/* Errors go into struct ct_err, never to stderr. */
static void test_silent(void **state)
{
    (void)state;
    char name[] = "/tmp/ct_xmlsafe_stderr_XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fd, 2) >= 0);
    struct ct_err e;
    ct_err_clear(&e);
    static const char *const docs[] = {"<a><b></a>", "<a>&e;</a>", "<!DOCTYPE a><a/>",
                                       "<?xml version=\"1.0\" encoding=\"x-unknown\"?><a/>",
                                       "<a xmlns:p=\"\"><p:b/></a>", "\xef\xbb\xbf<a>\xc3</a>"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        assert_null(ct_xmlsafe_parse(docs[i], strlen(docs[i]), MAX, &e));
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(name);
    assert_int_equal(size, 0);
}

static void test_big_line_numbers(void **state)
{
    (void)state;
    size_t lines = 70000;
    char *doc = malloc(lines * 2 + 64);
    assert_non_null(doc);
    char *w = doc;
    w += sprintf(w, "<a>");
    for (size_t i = 0; i < lines; i++)
        *w++ = '\n';
    w += sprintf(w, "<b/><c></a>");
    struct ct_err e;
    ct_err_clear(&e);
    assert_null(ct_xmlsafe_parse(doc, strlen(doc), MAX, &e));
    assert_int_equal(e.line, 70001);

    /* and a node's line past 65535 */
    w = doc + 3 + lines;
    sprintf(w, "<b/></a>");
    xmlDocPtr d = ct_xmlsafe_parse(doc, strlen(doc), MAX, &e);
    assert_non_null(d);
    xmlNodePtr b = xmlDocGetRootElement(d)->children;
    while (b && b->type != XML_ELEMENT_NODE)
        b = b->next;
    assert_int_equal(ct_xmlsafe_line(b), 70001);
    xmlFreeDoc(d);
    free(doc);
}

static void *parse_loop(void *arg)
{
    const char *good = arg;
    for (int i = 0; i < ROUNDS; i++) {
        struct ct_err e;
        ct_err_clear(&e);
        xmlDocPtr d = ct_xmlsafe_parse(good, strlen(good), MAX, &e);
        if (!d)
            return (void *)1;
        xmlFreeDoc(d);
        const char *bad = (i % 2) ? "<a>\n<b></a>" : "<!DOCTYPE a [<!ENTITY e \"x\">]><a/>";
        ct_err_clear(&e);
        if (ct_xmlsafe_parse(bad, strlen(bad), MAX, &e) || e.status != 400 ||
            e.line != ((i % 2) ? 2 : 1))
            return (void *)2;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    size_t len;
    char *buf = fixture("cn_fi_employment.xml", &len);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_loop, buf), 0);
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_null(rc);
    }
    free(buf);
}

static void test_text_helpers(void **state)
{
    (void)state;
    const char *doc = "<r><a>  \n  padded text\t\n</a><b/><c>   </c><d k=\"  v  \" e=\"\">12345</d></r>";
    struct ct_err e;
    ct_err_clear(&e);
    xmlDocPtr d = ct_xmlsafe_parse(doc, strlen(doc), MAX, &e);
    assert_non_null(d);
    struct ct_arena *a = ct_arena_new();
    xmlNodePtr r = xmlDocGetRootElement(d);
    xmlNodePtr na = r->children, nb = na->next, nc = nb->next, nd = nc->next;
    const char *t;
    assert_int_equal(ct_xmlsafe_text(a, na, 100, &t), 0);
    assert_string_equal(t, "padded text");
    assert_int_equal(ct_xmlsafe_text(a, nb, 100, &t), 0);
    assert_null(t);
    assert_int_equal(ct_xmlsafe_text(a, nc, 100, &t), 0);
    assert_null(t); /* white space only counts as absent */
    assert_int_equal(ct_xmlsafe_text(a, nd, 5, &t), 0);
    assert_string_equal(t, "12345");
    assert_int_equal(ct_xmlsafe_text(a, nd, 4, &t), -1);
    assert_null(t);
    assert_int_equal(ct_xmlsafe_text(a, NULL, 4, &t), 0);
    assert_null(t);
    assert_string_equal(ct_xmlsafe_attr(a, nd, "k", 10), "v");
    assert_null(ct_xmlsafe_attr(a, nd, "k", 0));
    assert_null(ct_xmlsafe_attr(a, nd, "e", 10));
    assert_null(ct_xmlsafe_attr(a, nd, "missing", 10));
    assert_null(ct_xmlsafe_attr(a, NULL, "k", 10));
    assert_int_equal(ct_xmlsafe_line(NULL), 0);
    xmlFreeDoc(d);
    ct_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_fixtures_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_silent),
        cmocka_unit_test(test_big_line_numbers),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_text_helpers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
