/* nutsjson.c - the 19 Finnish region labels as a JSON object (see include/ct/nutsjson.h); the
 * labels themselves live in lib/domain/nuts.c only. */
#include "ct/nutsjson.h"
#include "ct/arena.h"
#include "ct/jw.h"
#include "ct/nuts.h"

#include <stdlib.h>

char *ct_nuts_labels_json(void)
{
    struct ct_jw *w = ct_jw_new();
    ct_jw_obj_open(w);
    for (int i = 0; ct_nuts_finnish_code(i); i++)
        ct_jw_kstr(w, ct_nuts_finnish_code(i), ct_nuts_label(ct_nuts_finnish_code(i)));
    ct_jw_obj_close(w);
    const char *json = ct_jw_result(w, NULL);
    char *out = ct_xstrdup(json ? json : "{}");
    ct_jw_free(w);
    return out;
}
