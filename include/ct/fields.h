/* fields.h - API field helpers on top of json.h's readers: money objects
 * {"amount": 125000.00, "currency": "EUR"} (CONTRACT §2, OCDS style), UUID strings, members a
 * client may not change, and copying validated members into the normalised body a route hands
 * to SQL. Errors are collected as 422 field errors like every other reader; what an amount or
 * an id means is the caller's business. */
#ifndef CT_FIELDS_H
#define CT_FIELDS_H

#include <stddef.h>

#include "ct/json.h"
#include "ct/jw.h"

/* A money value as read. Strings point into the reader's arena or the tree. */
struct ct_money {
    const char *amount;   /* the amount exactly as written (JSON number text, NUL-terminated) */
    double value;         /* the same as a double, for range checks */
    const char *currency; /* three upper-case letters, or NULL when the input left it out */
};

/* Largest amount accepted: fits numeric(18, 2) with room to spare. */
#define CT_MONEY_MAX 999999999999999.0

/* Reads obj.key as a money object: only "amount" (required, a number 0..CT_MONEY_MAX) and
 * "currency" (optional, three upper-case letters as in ISO 4217). Flags as for every reader
 * (CT_JR_REQUIRED, CT_JR_NULLABLE). Field errors name key itself ("must be an object"),
 * key.amount, key.currency or key.<unknown member>. Contract as in json.h. */
int ct_jr_money(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                struct ct_money *out);

/* Reads obj.key as a UUID string in the canonical 8-4-4-4-12 hexadecimal form (either case);
 * *out is a new lower-case copy in r's arena. Contract as in json.h. */
int ct_jr_uuid(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               const char **out);

/* 1 when s is a UUID in the canonical 8-4-4-4-12 hexadecimal form (either case), else 0. */
int ct_uuid_valid(const char *s);

/* Reports every member of obj named in names[] (NULL-terminated) as "cannot be changed":
 * for PATCH bodies echoing read-only members (id, created_at). 0 when there is none, else -1. */
int ct_jr_read_only(struct ct_jr *r, const struct ct_json *obj, const char *const *names);

/* Call right after a reader on obj.key: writes key and the member's value as given (numbers
 * exactly as written) into w when r->last is CT_JR_VALUE, key: null when it is CT_JR_NULL,
 * and nothing when the member was absent or invalid. */
void ct_jr_copy(const struct ct_jr *r, const struct ct_json *obj, const char *key, struct ct_jw *w);

/* Writes the tree value v into w (numbers exactly as written). 0, or -1 as ct_jw_* does. */
int ct_jw_json(struct ct_jw *w, const struct ct_json *v);

#endif
