/* noticejson.h - a parsed notice (struct ct_notice) as the JSON document the database's
 * api.notice_import takes, and its content hash. Shared by POST /v1/notices and
 * `clausetrack import`, so both import exactly the same way. */
#ifndef CT_NOTICEJSON_H
#define CT_NOTICEJSON_H

#include <stddef.h>
#include "ct/arena.h"
#include "ct/notice.h"

/* The notice as JSON text in arena memory (*len bytes). hash_hex (65 bytes) receives the
 * SHA-256 of that text: the same extracted content gives the same hash, so re-importing a
 * notice is a no-op and the same id and version with other content is a conflict. */
const char *ct_notice_to_json(struct ct_arena *a, const struct ct_notice *n, size_t *len, char *hash_hex);

#endif
