/* orgjson.c - validation and normalisation of an organisation record (CONTRACT §3):
 * Y-tunnus with check digit for Finnish organisations (required for buyers and suppliers),
 * Finnish NUTS-3 region (required for Finnish buyers), municipality code, alpha-3 country.
 * Other countries' identifiers and NUTS codes are kept as given. */
#include "ct/orgjson.h"
#include "ct/jw.h"
#include "ct/nuts.h"
#include "ct/ytunnus.h"

#include <string.h>

static const char *const kinds[] = {"admin", "buyer", "supplier", "analyst", "centre", NULL};
static const char *const allowed[] = {"name", "kind", "country", "business_id", "region",
                                      "municipality_code", "social_enterprise", NULL};

const char *ct_org_normalize(struct ct_arena *a, const struct ct_json *b, size_t *len, struct ct_err *e)
{
    struct ct_jr jr = {a, e, "", CT_JR_ABSENT};
    const char *name = NULL, *country = "FIN", *bid = NULL, *region = NULL, *muni = NULL;
    int kind = -1;
    bool social = false;
    ct_jr_no_unknown(&jr, b, allowed);
    ct_jr_string(&jr, b, "name", CT_JR_REQUIRED | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 300, &name);
    ct_jr_enum(&jr, b, "kind", CT_JR_REQUIRED, kinds, &kind);
    ct_jr_string(&jr, b, "country", 0, 3, &country);
    if (jr.last == CT_JR_VALUE && (strlen(country) != 3 || strspn(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        ct_err_field(e, "country", "must be an ISO 3166-1 alpha-3 code such as FIN");
    int finnish = strcmp(country, "FIN") == 0;
    int buyer = kind == 1, supplier = kind == 2;

    ct_jr_string(&jr, b, "business_id", CT_JR_NULLABLE | CT_JR_NONEMPTY | CT_JR_ONE_LINE, 64, &bid);
    char *ytunnus = ct_arena_alloc(a, 16);
    if (bid && finnish) {
        const char *why;
        if (ct_ytunnus_normalize(bid, ytunnus, &why))
            ct_err_field(e, "business_id", "%s", why);
        else
            bid = ytunnus;
    }
    if (!bid && finnish && (buyer || supplier) && jr.last != CT_JR_INVALID)
        ct_err_field(e, "business_id", "is required for a Finnish buyer or supplier");

    ct_jr_string(&jr, b, "region", CT_JR_NULLABLE, 5, &region);
    if (region && finnish && !ct_nuts_is_finnish(region))
        ct_err_field(e, "region", "must be a Finnish NUTS-3 code such as FI1D3");
    else if (region && !ct_nuts_valid_format(region))
        ct_err_field(e, "region", "must be a NUTS-3 code");
    if (!region && finnish && buyer && jr.last != CT_JR_INVALID)
        ct_err_field(e, "region", "is required for a Finnish buyer");

    ct_jr_string(&jr, b, "municipality_code", CT_JR_NULLABLE, 3, &muni);
    if (muni && (strlen(muni) != 3 || strspn(muni, "0123456789") != 3))
        ct_err_field(e, "municipality_code", "must be a three-digit municipality code");
    ct_jr_bool(&jr, b, "social_enterprise", 0, &social);
    if (e->status)
        return NULL;

    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    ct_jw_kstr(w, "name", name);
    ct_jw_kstr(w, "kind", kinds[kind]);
    ct_jw_kstr(w, "country", country);
    ct_jw_kstr(w, "business_id", bid);
    ct_jw_kstr(w, "region", region);
    ct_jw_kstr(w, "municipality_code", muni);
    ct_jw_kbool(w, "social_enterprise", social);
    ct_jw_obj_close(w);
    const char *out = ct_jw_result(w, len);
    char *copy = ct_arena_strndup(a, out, *len);
    ct_jw_free(w);
    return copy;
}
