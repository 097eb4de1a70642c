/* fields.c - money, UUID and read-only field helpers and the tree-to-writer copy
 * (include/ct/fields.h), built on json.c's readers so paths, flags and error collection behave
 * the same everywhere. */
#include "ct/fields.h"

#include <ctype.h>
#include <string.h>

static const char *const money_fields[] = {"amount", "currency", NULL};

int ct_uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int ct_jr_uuid(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
               const char **out)
{
    const char *s = NULL;
    if (ct_jr_string(r, obj, key, flags, 64, &s) < 0)
        return -1;
    if (r->last != CT_JR_VALUE)
        return 0;
    if (!ct_uuid_valid(s))
        return ct_jr_fail(r, key, "must be a UUID");
    char *copy = ct_arena_strdup(r->a, s);
    for (char *p = copy; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *out = copy;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_money(struct ct_jr *r, const struct ct_json *obj, const char *key, unsigned flags,
                struct ct_money *out)
{
    const struct ct_json *m = NULL;
    if (ct_jr_object(r, obj, key, flags, &m) < 0)
        return -1;
    if (r->last != CT_JR_VALUE)
        return 0;
    struct ct_jr c = ct_jr_child(r, key);
    int bad = 0;
    double value = 0;
    const char *currency = NULL;
    if (ct_jr_no_unknown(&c, m, money_fields) < 0)
        bad = 1;
    if (ct_jr_number(&c, m, "amount", CT_JR_REQUIRED, 0, CT_MONEY_MAX, &value) < 0)
        bad = 1;
    if (ct_jr_string(&c, m, "currency", CT_JR_ONE_LINE, 16, &currency) < 0) {
        bad = 1;
    } else if (currency && (strlen(currency) != 3 || strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) {
        ct_jr_fail(&c, "currency", "must be three upper-case letters (ISO 4217) such as EUR");
        bad = 1;
    }
    if (bad) {
        r->last = CT_JR_INVALID;
        return -1;
    }
    const struct ct_json *amount = ct_json_get(m, "amount");
    out->amount = ct_arena_strndup(r->a, amount->number.raw, amount->number.raw_len);
    out->value = value;
    out->currency = currency;
    r->last = CT_JR_VALUE;
    return 0;
}

int ct_jr_read_only(struct ct_jr *r, const struct ct_json *obj, const char *const *names)
{
    int bad = 0;
    for (size_t i = 0; names[i]; i++)
        if (ct_json_get(obj, names[i])) {
            ct_jr_fail(r, names[i], "cannot be changed");
            bad = 1;
        }
    return bad ? -1 : 0;
}

void ct_jr_copy(const struct ct_jr *r, const struct ct_json *obj, const char *key, struct ct_jw *w)
{
    if (r->last == CT_JR_NULL) {
        ct_jw_knull(w, key);
    } else if (r->last == CT_JR_VALUE) {
        ct_jw_key(w, key);
        ct_jw_json(w, ct_json_get(obj, key));
    }
}

int ct_jw_json(struct ct_jw *w, const struct ct_json *v)
{
    if (!v)
        return ct_jw_null(w);
    switch (v->type) {
    case CT_JSON_NULL:
        return ct_jw_null(w);
    case CT_JSON_BOOL:
        return ct_jw_bool(w, v->boolean);
    case CT_JSON_NUMBER:
        return ct_jw_raw(w, v->number.raw, v->number.raw_len);
    case CT_JSON_STRING:
        return ct_jw_strn(w, v->string.ptr, v->string.len);
    case CT_JSON_ARRAY:
        ct_jw_arr_open(w);
        for (size_t i = 0; i < v->array.count; i++)
            ct_jw_json(w, v->array.items[i]);
        return ct_jw_arr_close(w);
    case CT_JSON_OBJECT:
        ct_jw_obj_open(w);
        for (size_t i = 0; i < v->object.count; i++) {
            ct_jw_key(w, v->object.keys[i]);
            ct_jw_json(w, v->object.values[i]);
        }
        return ct_jw_obj_close(w);
    }
    return -1;
}
