/* eforms.h - maps a parsed eForms notice (UBL 2.3, eForms SDK 1.x: ContractNotice,
 * ContractAwardNotice, PriorInformationNotice) into struct ct_notice. The XPaths live in one
 * table in lib/xml/eforms.c, one row per BT id. Parsing the bytes safely is xmlsafe.c's
 * job, choosing the extractor is notice.c's, storing the result is the import layer's. */
#ifndef CT_EFORMS_H
#define CT_EFORMS_H

#include <libxml/tree.h>

#include "ct/arena.h"
#include "ct/err.h"
#include "ct/notice.h"

#define CT_EFORMS_NS_CN "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"
#define CT_EFORMS_NS_CAN "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2"
#define CT_EFORMS_NS_PIN \
    "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2"

/* The notice type of doc's root (namespace URI + local name, never the prefix), or 0 when
 * the root is not one of the three eForms notices. */
enum ct_notice_type ct_eforms_detect(const xmlDoc *doc);

/* Extracts one eForms notice from doc (borrowed; not modified; may be freed after return:
 * every string is copied into arena a). Rules, beyond "take what is there":
 * - required: OPP-070 subtype, BT-701 notice id, BT-757 version (digits), BT-05 issue date,
 *   BT-04 procedure id (not for a PriorInformationNotice, which is then keyed by BT-701),
 *   a buyer (OPT-300 resolving to an organisation with a BT-500 name), BT-21 title, BT-23
 *   nature (works/services/supplies), and at least one lot (BT-137) in a ContractNotice or
 *   ContractAwardNotice; a PIN may have none.
 * - an organisation whose BT-514 country is FIN (buyer or winner) needs a BT-501 that is a
 *   valid Y-tunnus or FI VAT number (stored as the Y-tunnus); a Finnish buyer needs one of
 *   the 19 Finnish NUTS-3 codes as BT-507. Other countries keep BT-501 as given.
 * - amounts, dates, CPV codes and codes must parse; references between result parts
 *   (BT-13713, OPT-315/316, OPT-320/321, BT-3202, OPT-310/210, OPT-300) must resolve.
 * - BT-758 change notices are handled like any other notice (changes_notice is noted).
 * - multilingual texts: the languageID="FIN" variant when present, else the first;
 *   employment wording is looked for in every language variant.
 * - award winners become contracts: one per (LotResult lot, SettledContract, winning
 *   tender: BT-3202, else the result's OPT-320); the supplier is the tendering party's group
 *   leader (OPT-170), else its first member. A LotResult with BT-142 = selec-w but no
 *   SettledContract yields contracts without BT-145/BT-150 for its OPT-320 tenders; one with
 *   BT-142 = clos-nw or open-nw yields none.
 * Errors: 422 with one field = the BT/OPT id (e.g. "BT-701"), e->line = the line of the
 * element at fault (or of its parent when missing), detail "<id>: <what> (line N)".
 * (500 only if a row of the XPath table fails to compile: a programming error.)
 * Returns 0 with *out set, or -1. Thread-safe. */
int ct_eforms_extract(struct ct_arena *a, xmlDocPtr doc, struct ct_notice **out,
                      struct ct_err *e) CT_MUSTCHECK;

#endif
