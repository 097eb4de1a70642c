/* fuzz_json.c - libFuzzer target for the bounded JSON parser (lib/json): any bytes go through
 * ct_json_parse with the default limits and, when they parse, through the organisation rules
 * (ct_org_normalize) that the API applies to request bodies. Built and run by `make fuzz`. */
#include <stddef.h>
#include <stdint.h>

#include "ct/arena.h"
#include "ct/json.h"
#include "ct/orgjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ct_arena *a = ct_arena_new();
    struct ct_err e;
    ct_err_clear(&e);
    const struct ct_json *j = ct_json_parse(a, (const char *)data, size, NULL, &e);
    if (j && j->type == CT_JSON_OBJECT) {
        size_t len;
        ct_err_clear(&e);
        (void)ct_org_normalize(a, j, &len, &e);
    }
    ct_arena_free(a);
    return 0;
}
