/* xmlsafe.h - the one way clausetrack turns bytes into an XML tree: libxml2 with no
 * network, no DTD, no entities, a size cap, and errors captured into struct ct_err instead
 * of stderr. Also the small bounded helpers the extractors (eforms.c, clausenotice.c) share.
 * Mapping a tree into domain structs is theirs; writing to the database is lib/db's. */
#ifndef CT_XMLSAFE_H
#define CT_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "ct/arena.h"
#include "ct/err.h"

/* Initialise libxml2 for multi-threaded use: xmlInitParser, a check of the library
 * version, and an external-entity loader that refuses every URL (nothing is ever read from
 * a file or the network while parsing). Call once from the main thread before any other
 * thread uses XML (it is idempotent and guarded by pthread_once, so extra calls are
 * harmless). Returns 0 (kept int for symmetry with the other module initialisers). */
int ct_xml_init(void);

/* Release libxml2's global state (xmlCleanupParser). Call once at exit, after every thread
 * that used XML has stopped. */
void ct_xml_cleanup(void);

/* Parses buf[0..len) as one XML document.
 * - len > max_len (or len > INT_MAX) -> 413 "XML body too large (N bytes, limit M)".
 * - any DOCTYPE at all (internal subset, external subset, entity declarations) -> 400
 *   "DTD/entities not allowed", with the line/column of the DOCTYPE. The parser is stopped
 *   inside the DOCTYPE callback, before any declaration is read and before any element
 *   content exists, so billion-laughs and external-entity documents are never expanded
 *   and nothing is fetched. eForms and ClauseNotice documents never need a DTD.
 * - not well-formed (or empty) -> 400 "malformed XML at line L, column C: <libxml2 msg>",
 *   with e->line and e->column set from the parser's first error.
 * - not namespace-well-formed (undeclared prefix, empty xmlns:p) -> 400 the same way.
 * Options: XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES (line numbers beyond
 * 65535 stay right); never NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE, so
 * libxml2's default limits (depth 256, 10 MB text nodes) apply. Not NOBLANKS either:
 * white-space text nodes are harmless (the text helpers trim) and the tree stays faithful
 * to the input for schema validation. Nothing is printed to stderr.
 * Borrows buf. Returns a new document (caller frees with xmlFreeDoc), or NULL with e set.
 * Thread-safe after ct_xml_init. */
xmlDocPtr ct_xmlsafe_parse(const char *buf, size_t len, size_t max_len,
                           struct ct_err *e) CT_MUSTCHECK;

/* Source line of a node (xmlGetLineNo, which honours XML_PARSE_BIG_LINES); 0 if unknown. */
int ct_xmlsafe_line(const xmlNode *node);

/* Text content of node (all descendant text), with leading and trailing white space
 * removed, copied into the arena. *out is NULL when node is NULL or the text is empty.
 * Returns 0, or -1 when the trimmed text is longer than max_bytes (then *out is NULL).
 * libxml2 hands out valid UTF-8 only, so the copy is valid UTF-8. */
int ct_xmlsafe_text(struct ct_arena *a, const xmlNode *node, size_t max_bytes,
                    const char **out) CT_MUSTCHECK;

/* Value of attribute name (no namespace) of node, trimmed, copied into the arena; NULL
 * when absent or empty, or when longer than max_bytes. */
const char *ct_xmlsafe_attr(struct ct_arena *a, const xmlNode *node, const char *name,
                            size_t max_bytes);

/* 1 when the document's root element has local name `name` in namespace `ns_uri`. */
int ct_xmlsafe_root_is(const xmlDoc *doc, const char *ns_uri, const char *name);

#endif
