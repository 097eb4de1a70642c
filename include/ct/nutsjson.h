/* nutsjson.h - the Finnish NUTS-3 labels of lib/domain/nuts.c as one JSON object
 * {"FI1B1": "Helsinki-Uusimaa", ...}, for SQL functions that label regions. */
#ifndef CT_NUTSJSON_H
#define CT_NUTSJSON_H

/* Returns a new string (caller frees). Never NULL: allocation failure aborts. */
char *ct_nuts_labels_json(void);

#endif
