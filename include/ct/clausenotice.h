/* clausenotice.h - the project's own ClauseNotice format (urn:clausetrack:notice:1,
 * xsd/clause-notice.xsd, docs/clause-notice.md): schema loading (once, shared by threads),
 * validation of a parsed document (a validation context per call), and mapping into struct
 * ct_notice. Safe parsing is xmlsafe.c's job; storing is the import layer's. */
#ifndef CT_CLAUSENOTICE_H
#define CT_CLAUSENOTICE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "ct/arena.h"
#include "ct/err.h"
#include "ct/notice.h"

#define CT_CLAUSENOTICE_NS "urn:clausetrack:notice:1"
#define CT_CLAUSENOTICE_MAX_XSD (1024 * 1024) /* bytes: a schema file larger than this is refused */

/* A compiled schema. Opaque; read-only once loaded, so one instance may be used by any
 * number of threads at once. */
struct ct_clausenotice_schema;

/* Reads and compiles the schema file at path (e.g. "xsd/clause-notice.xsd" or the installed
 * share/clausetrack/xsd/clause-notice.xsd). The file is parsed like any untrusted XML
 * (ct_xmlsafe_parse: no DTD, no entities) and may not import or include other files.
 * Returns a new schema (caller frees with ct_clausenotice_schema_free), or NULL with e set:
 * 500 "cannot read ..." / "invalid schema ... line N: message". Call after ct_xml_init. */
struct ct_clausenotice_schema *ct_clausenotice_schema_load(const char *path,
                                                           struct ct_err *e) CT_MUSTCHECK;

/* The same from a buffer (borrowed; may be freed after the call). */
struct ct_clausenotice_schema *ct_clausenotice_schema_load_mem(const char *buf, size_t len,
                                                               struct ct_err *e) CT_MUSTCHECK;

/* Frees a schema; NULL is fine. No thread may still be validating with it. */
void ct_clausenotice_schema_free(struct ct_clausenotice_schema *s);

/* Validates doc (borrowed) against schema s (borrowed), then maps it into a new struct
 * ct_notice in arena a (format CT_NOTICE_FORMAT_CLAUSENOTICE, type CT_NOTICE_CLAUSE_NOTICE,
 * language "FIN", buyer country "FIN"). Beyond the schema it checks: the buyer's BusinessId
 * and a FIN supplier's SupplierBusinessId are valid Y-tunnus or FI VAT numbers (stored as
 * the Y-tunnus), CPV codes, MinMonthsPerPerson only with hire_persons (default 6),
 * social_enterprise_share quantity <= 100, EndsOn >= StartsOn, a commitment names a clause
 * of the whole tender or of the contract's lot, and its quantity is at least the clause's.
 * Signals: "employment-condition" (source "clause") for each lot ref that has a clause
 * (NULL lot ref for a tender-wide clause), and (source "description") when the tender
 * description uses employment wording.
 * Errors, all 422 (a schema violation is "valid XML syntax, invalid values", CONTRACT §2):
 * one field = the element path from the root with 1-based indexes on repeated elements and
 * "@name" for attributes ("ClauseNotice/Clauses/Clause[2]/Quantity",
 * "ClauseNotice/Contracts/Contract[1]/Commitments/Commitment[1]/@quantity"), e->line =
 * that element's line, e->column = 0 (libxml2 reports no column for schema errors),
 * detail "<path>: <message> (line N)". Only the first schema error is reported.
 * Returns 0 with *out set, or -1. Thread-safe. */
int ct_clausenotice_extract(struct ct_arena *a, xmlDocPtr doc,
                            const struct ct_clausenotice_schema *s, struct ct_notice **out,
                            struct ct_err *e) CT_MUSTCHECK;

#endif
