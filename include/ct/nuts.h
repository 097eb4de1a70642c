/* nuts.h - NUTS-3 (2021) region codes: the Finnish ones with their Finnish labels, and a
 * format check for other countries' codes (kept as given by notice imports). Pure. */
#ifndef CT_NUTS_H
#define CT_NUTS_H

/* Finnish label of one of the 19 Finnish NUTS-3 codes ("FI1D3" -> "Pohjois-Karjala",
 * "FI200" -> "Ahvenanmaa/Åland"); NULL for any other code. Returns a static string. */
const char *ct_nuts_label(const char *code);

/* 1 when code is one of the 19 Finnish NUTS-3 codes, else 0. */
int ct_nuts_is_finnish(const char *code);

/* 1 when code has NUTS shape: two upper-case letters then 0-3 upper-case letters or digits. */
int ct_nuts_valid_format(const char *code);

/* Iterate the Finnish codes: i from 0; NULL past the end. */
const char *ct_nuts_finnish_code(int i);

#endif
