/* orgjson.h - the rules of an organisation record (CONTRACT §3), read from a JSON object:
 * shared by POST /v1/organizations and `clausetrack org add` so both accept the same input. */
#ifndef CT_ORGJSON_H
#define CT_ORGJSON_H

#include <stddef.h>
#include "ct/arena.h"
#include "ct/err.h"
#include "ct/json.h"

/* Validates obj (name, kind, country, business_id, region, municipality_code,
 * social_enterprise; nothing else) and returns its normalised JSON text (Y-tunnus canonical,
 * FI VAT turned into a Y-tunnus, country defaulting to FIN) in arena memory, length in *len.
 * NULL with every bad field appended to e (422). */
const char *ct_org_normalize(struct ct_arena *a, const struct ct_json *obj, size_t *len, struct ct_err *e);

#endif
