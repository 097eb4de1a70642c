/* routes.c - the daemon's route table, assembled at start from each resource file's own
 * table (routes_<resource>.c exports `const struct ct_route routes_<resource>[]`, ended by an
 * entry whose method is NULL). The router itself is lib/http. */
#include "daemon.h"

#include <string.h>

static const struct ct_route *const tables[] = {
    routes_system,
    routes_orgs,
    routes_tenders, routes_clauses, routes_contracts,
    routes_notices,
    routes_placements,
    routes_compliance,
    routes_subscriptions,
    routes_ocds,
    routes_impact,
    routes_dashboard,
};

struct ct_route *routes_build(int *n)
{
    int total = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct ct_route *r = tables[t]; r->method; r++)
            total++;
    struct ct_route *all = ct_xcalloc((size_t)total, sizeof *all);
    int i = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct ct_route *r = tables[t]; r->method; r++)
            all[i++] = *r;
    *n = total;
    return all;
}
