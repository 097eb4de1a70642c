/* fuzz_notice.c - libFuzzer target for the notice parser (lib/xml): any bytes go through
 * ct_notice_parse with the ClauseNotice schema loaded; it must answer or refuse, never crash,
 * leak or read out of bounds. Seeds: tests/fixtures/xml. Built and run by `make fuzz`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ct/arena.h"
#include "ct/clausenotice.h"
#include "ct/notice.h"
#include "ct/xmlsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_clausenotice_schema *schema;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema) {
        struct ct_err e;
        ct_err_clear(&e);
        if (ct_xml_init() != 0)
            abort();
        schema = ct_clausenotice_schema_load("xsd/clause-notice.xsd", &e);
        if (!schema)
            abort();
    }
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    struct ct_notice_opts opts = {.clause_schema = schema};
    struct ct_notice *n = NULL;
    (void)ct_notice_parse(a, (const char *)data, size, 1 << 20, &opts, &n, &e);
    ct_arena_free(a);
    return 0;
}
