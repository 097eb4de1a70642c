/* nuts.c - the 19 Finnish NUTS-3 (2021) regions with their Finnish labels, in the order
 * CONTRACT.md §3 lists them, and a shape check for other countries' NUTS codes (which
 * notice imports keep as given, labelled by the code). Pure, static data only. */
#include "ct/nuts.h"

#include <stddef.h>
#include <string.h>

struct region {
    const char *code;
    const char *label;
};

static const struct region finnish[] = {
    {"FI1B1", "Helsinki-Uusimaa"},
    {"FI1C1", "Varsinais-Suomi"},
    {"FI1C2", "Kanta-Häme"},
    {"FI1C3", "Päijät-Häme"},
    {"FI1C4", "Kymenlaakso"},
    {"FI1C5", "Etelä-Karjala"},
    {"FI193", "Keski-Suomi"},
    {"FI194", "Etelä-Pohjanmaa"},
    {"FI195", "Pohjanmaa"},
    {"FI196", "Satakunta"},
    {"FI197", "Pirkanmaa"},
    {"FI1D1", "Etelä-Savo"},
    {"FI1D2", "Pohjois-Savo"},
    {"FI1D3", "Pohjois-Karjala"},
    {"FI1D5", "Keski-Pohjanmaa"},
    {"FI1D7", "Lappi"},
    {"FI1D8", "Kainuu"},
    {"FI1D9", "Pohjois-Pohjanmaa"},
    {"FI200", "Ahvenanmaa/Åland"},
};

#define NFINNISH ((int)(sizeof finnish / sizeof finnish[0]))

static const struct region *find(const char *code);
static int is_upper(char c);
static int is_digit(char c);

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const struct region *find(const char *code)
{
    if (code == NULL)
        return NULL;
    for (int i = 0; i < NFINNISH; i++)
        if (strcmp(finnish[i].code, code) == 0)
            return &finnish[i];
    return NULL;
}

const char *ct_nuts_label(const char *code)
{
    const struct region *r = find(code);
    return r ? r->label : NULL;
}

int ct_nuts_is_finnish(const char *code)
{
    return find(code) != NULL;
}

int ct_nuts_valid_format(const char *code)
{
    if (code == NULL || !is_upper(code[0]) || !is_upper(code[1]))
        return 0;
    int n = 0;
    for (const char *p = code + 2; *p; p++, n++)
        if (n >= 3 || !(is_upper(*p) || is_digit(*p)))
            return 0;
    return 1;
}

const char *ct_nuts_finnish_code(int i)
{
    if (i < 0 || i >= NFINNISH)
        return NULL;
    return finnish[i].code;
}
