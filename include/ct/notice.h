/* notice.h - one imported procurement notice as a domain struct (CONTRACT.md §4-§6), whatever
 * its format: an eForms ContractNotice / ContractAwardNotice / PriorInformationNotice, or a
 * project ClauseNotice. ct_notice_parse detects the format and calls eforms.c or
 * clausenotice.c. Everything is owned by the caller's arena; nothing here touches the
 * database: the import layer matches tenders, organisations and contracts by the keys below. */
#ifndef CT_NOTICE_H
#define CT_NOTICE_H

#include <stddef.h>

#include "ct/arena.h"
#include "ct/err.h"

/* ---- limits on every input (over a limit -> 422 naming the field) ------------------- */

#define CT_NOTICE_MAX_LOTS 500           /* BT-137 lots per notice */
#define CT_NOTICE_MAX_CONTRACTS 1000     /* winners / contracts per notice */
#define CT_NOTICE_MAX_SIGNALS 4000       /* signals per notice, after de-duplication */
#define CT_NOTICE_MAX_CLAUSES 200        /* ClauseNotice clauses */
#define CT_NOTICE_MAX_COMMITMENTS 200    /* commitments per ClauseNotice contract */
#define CT_NOTICE_MAX_ORGS 1000          /* eForms organisations (efac:Organization) */
#define CT_NOTICE_MAX_RESULTS 2000       /* eForms LotResult / LotTender / SettledContract /
                                            TenderingParty elements, each */
#define CT_NOTICE_MAX_TARGET_GROUPS 7    /* distinct target groups per clause */
#define CT_NOTICE_MAX_ID 200             /* bytes: ids, codes, references */
#define CT_NOTICE_MAX_NAME 2000          /* bytes: titles, organisation names, cities */
#define CT_NOTICE_MAX_TEXT 24000         /* bytes: descriptions, BT-70, BT-777 (6000 chars) */

/* ---- enumerations ------------------------------------------------------------------- */

enum ct_notice_format {
    CT_NOTICE_FORMAT_EFORMS = 1,       /* UBL 2.3 eForms SDK 1.x */
    CT_NOTICE_FORMAT_CLAUSENOTICE = 2  /* urn:clausetrack:notice:1 (xsd/clause-notice.xsd) */
};

enum ct_notice_type {
    CT_NOTICE_CONTRACT_NOTICE = 1,       /* "ContractNotice" (competition, incl. qu-sy, subco) */
    CT_NOTICE_CONTRACT_AWARD_NOTICE = 2, /* "ContractAwardNotice" (result, veat, can-modif) */
    CT_NOTICE_PRIOR_INFORMATION = 3,     /* "PriorInformationNotice" (planning, pin-cfc) */
    CT_NOTICE_CLAUSE_NOTICE = 4          /* "ClauseNotice" (project format) */
};

enum ct_notice_nature {
    CT_NOTICE_NATURE_NONE = 0,     /* not given (never for a parsed notice: BT-23 required) */
    CT_NOTICE_NATURE_WORKS = 1,    /* "works" */
    CT_NOTICE_NATURE_SERVICES = 2, /* "services" */
    CT_NOTICE_NATURE_SUPPLIES = 3  /* "supplies" */
};

/* ---- parts -------------------------------------------------------------------------- */

/* An amount as given ("125000.00", a plain non-negative decimal, at most 15 integer and
 * 6 fraction digits) and as a double, with an ISO 4217 currency ("EUR"). set = 0: absent. */
struct ct_notice_money {
    int set;
    double amount;
    char text[32];
    char currency[4];
};

/* An organisation: the buyer, or a contract's supplier. */
struct ct_notice_org {
    const char *name;        /* BT-500 (ClauseNotice Name / SupplierName); never NULL */
    const char *id_raw;      /* BT-501 as given (trimmed); NULL when absent */
    const char *business_id; /* country FIN: the Y-tunnus "NNNNNNN-C" (a Finnish VAT number
                                "FI12345678" is stored as its Y-tunnus), never NULL;
                                other countries: id_raw unchanged (may be NULL) */
    const char *nuts;        /* BT-507; for a Finnish buyer one of the 19 Finnish NUTS-3
                                codes (required); else as given, shape-checked; may be NULL */
    const char *city;        /* BT-513; may be NULL */
    const char *country;     /* BT-514 ISO 3166-1 alpha-3 ("FIN"); NULL when the notice has
                                none (then no Y-tunnus rule applies) */
    const char *municipality_code; /* ClauseNotice only: three digits ("167"); else NULL */
    int line;                /* line of the organisation element */
};

/* A lot (BT-137). Lots groups ('LotsGroup') and parts ('Part') are not lots. */
struct ct_notice_lot {
    const char *lot_ref;     /* BT-137 ("LOT-0001"); unique within the notice */
    const char *title;       /* BT-21-Lot (Finnish text when present); may be NULL */
    const char *description; /* BT-24-Lot; may be NULL */
    const char *cpv;         /* BT-262-Lot, 8 digits; may be NULL */
    struct ct_notice_money estimated_value; /* BT-27-Lot */
    char deadline[11];       /* BT-131(d) "YYYY-MM-DD" (offset dropped); "" when absent */
    int line;
};

/* Something the importer found about employment or social aims (CONTRACT §4).
 * Codes: "strategic-procurement:soc-obj" (BT-06), "social-objective:<code>" (BT-775),
 * "reserved-participation:<code>" (BT-71, not for "none"), "reserved-execution" (BT-736 =
 * yes), "employment-condition" (BT-775 opp, or employment wording in BT-70, BT-777 or
 * BT-24; ClauseNotice: source "clause" for each lot that has a clause). At most one signal
 * per (code, lot_ref): the first found is kept (order: per lot BT-06, BT-775, BT-71, BT-736,
 * BT-70, BT-777, BT-24-Lot; then the notice-level BT-24). */
struct ct_notice_signal {
    const char *code;
    const char *source;  /* "BT-06", "BT-775", "BT-71", "BT-736", "BT-70", "BT-777",
                            "BT-24", or "clause" / "description" for a ClauseNotice */
    const char *lot_ref; /* NULL: the whole tender */
    const char *text;    /* BT-777 text for soc-obj; the matching text for wording hits;
                            else NULL */
    int line;
};

/* A supplier's hiring commitment for one clause of the same ClauseNotice. */
struct ct_notice_commitment {
    const char *clause_key; /* the clause's local key (Clause/@key) */
    size_t clause_index;    /* index into ct_notice.clauses */
    double quantity;        /* >= the clause's quantity */
    int line;
};

/* A contract: a winner of an award notice, or a ClauseNotice Contract. */
struct ct_notice_contract {
    const char *lot_ref;            /* BT-13713 of the LotResult / ClauseNotice LotRef;
                                       NULL: the whole tender */
    struct ct_notice_org supplier;  /* winner's organisation (the group leader, else the
                                       first member, of a consortium) */
    struct ct_notice_money value;   /* BT-720 of the winning tender / ClauseNotice Value */
    char signed_on[11];             /* BT-145 conclusion date / SignedOn; "" when absent */
    char starts_on[11];             /* ClauseNotice only; "" for eForms */
    char ends_on[11];               /* ClauseNotice only; "" for eForms */
    const char *contract_ref;       /* BT-150 / ContractRef; may be NULL */
    const char *tender_ref;         /* eForms technical ids for messages: "TEN-0001" */
    const char *settled_ref;        /* "CON-0001"; NULL when the result has no contract */
    struct ct_notice_commitment *commitments;
    size_t ncommitments;
    int line;
};

/* One employment clause of a ClauseNotice (CONTRACT §5), already validated: names are the
 * exact JSON names of include/ct/clause.h. */
struct ct_notice_clause {
    const char *key;          /* local key, unique in the notice (for commitments) */
    const char *lot_ref;      /* NULL: the whole tender */
    const char *kind;         /* "hire_persons" | "person_months" | "apprenticeships" |
                                 "work_trials" | "social_enterprise_share" */
    const char *target_groups[CT_NOTICE_MAX_TARGET_GROUPS]; /* distinct, document order */
    size_t ntarget_groups;    /* >= 1 */
    double quantity;          /* > 0; <= 100 for social_enterprise_share */
    double min_months_per_person; /* hire_persons: given or 6; other kinds: 0 */
    double min_weekly_hours;  /* default 0 */
    const char *reporting;    /* "monthly" | "quarterly" */
    int has_sanction;
    double sanction_eur;      /* when has_sanction */
    const char *description;  /* may be NULL */
    int line;
};

/* ---- the notice ------------------------------------------------------------------------ */

struct ct_notice {
    enum ct_notice_format format;
    enum ct_notice_type type;
    const char *type_code;    /* BT-02 ("cn-standard", "can-social"); "ClauseNotice" */
    const char *subtype;      /* OPP-070 ("16", "29", "E3"); NULL for a ClauseNotice */
    const char *sdk;          /* cbc:CustomizationID ("eforms-sdk-1.13"); may be NULL */
    const char *language;     /* BT-702(a) ("FIN"); "FIN" for a ClauseNotice */
    const char *notice_id;    /* BT-701 / NoticeId */
    const char *version;      /* BT-757 as given ("01") / NoticeVersion ("1") */
    int version_num;          /* the same as a number, 0..999999999 */
    const char *procedure_id; /* BT-04 / ProcedureId. NULL only for a PriorInformationNotice
                                 without one: that notice creates a `planned` tender keyed by
                                 notice_id (CONTRACT §4) */
    const char *changes_notice; /* BT-758: the notice this change notice changes, as given
                                   ("<BT-701>-<BT-757>"); NULL when not a change notice.
                                   Handled like any other newer version of the procedure */
    char issue_date[11];      /* BT-05(a) "YYYY-MM-DD" (offset dropped); always set */
    char deadline[11];        /* BT-131(d): the earliest lot deadline / Deadline; "" if none */
    struct ct_notice_org buyer; /* the first buyer (OPT-300-Procedure-Buyer) */
    const char *title;        /* BT-21-Procedure (Finnish text when present); never NULL */
    const char *description;  /* BT-24-Procedure; may be NULL */
    enum ct_notice_nature nature; /* BT-23-Procedure */
    const char *cpv;          /* BT-262-Procedure, 8 digits; may be NULL */
    struct ct_notice_money estimated_value; /* BT-27-Procedure */

    struct ct_notice_lot *lots;           /* may be empty (PIN without lots) */
    size_t nlots;
    struct ct_notice_signal *signals;
    size_t nsignals;
    struct ct_notice_contract *contracts; /* award notices; ClauseNotice Contracts */
    size_t ncontracts;
    struct ct_notice_clause *clauses;     /* ClauseNotice only */
    size_t nclauses;
    int line;                             /* line of the root element */
};

struct ct_clausenotice_schema;

/* Parse options. Zero-initialise and set what you need. */
struct ct_notice_opts {
    /* The compiled ClauseNotice schema (ct_clausenotice_schema_load); borrowed, may be
     * shared by every thread. NULL: ClauseNotice documents are refused with 500. */
    const struct ct_clausenotice_schema *clause_schema;
};

/* Parses one notice from buf[0..len): ct_xmlsafe_parse (size cap max_len, DTD/entities
 * refused), then dispatch on the root element's namespace URI and local name:
 *   urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2            ContractNotice
 *   urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2  ContractAwardNotice
 *   urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2
 *                                                                  PriorInformationNotice
 *   urn:clausetrack:notice:1                                                  ClauseNotice
 * Errors: 413 too large; 400 malformed XML or DTD/entities (line and column set); 422 any
 * other root ("not a supported notice: {ns}name", field "root"), a missing or invalid field
 * (eForms: field = the BT id such as "BT-701", "BT-501"; ClauseNotice: field = the element
 * path such as "ClauseNotice/Clauses/Clause[2]/Quantity"; e->line = the element's line);
 * 500 when a ClauseNotice arrives and opts has no schema. All output is in arena a;
 * *out is set only on success. Thread-safe (after ct_xml_init). */
int ct_notice_parse(struct ct_arena *a, const char *buf, size_t len, size_t max_len,
                    const struct ct_notice_opts *opts, struct ct_notice **out,
                    struct ct_err *e) CT_MUSTCHECK;

/* "ContractNotice", "ContractAwardNotice", "PriorInformationNotice", "ClauseNotice";
 * NULL for anything else. Static strings. */
const char *ct_notice_type_name(enum ct_notice_type t);

/* "works", "services", "supplies"; NULL for CT_NOTICE_NATURE_NONE. */
const char *ct_notice_nature_name(enum ct_notice_nature n);

/* The nature for "works" / "services" / "supplies", or CT_NOTICE_NATURE_NONE. */
enum ct_notice_nature ct_notice_nature_parse(const char *s);

/* ---- helpers shared by the extractors ---------------------------------------------------- */

/* A growing signal list in an arena (used by eforms.c and clausenotice.c). */
struct ct_notice_signals {
    struct ct_notice_signal *items;
    size_t n, cap;
};

/* Adds a signal unless one with the same code and lot_ref is already there (the strings
 * are borrowed from the arena: pass arena-owned or static strings). Returns 0, or -1 with
 * a 422 naming source when CT_NOTICE_MAX_SIGNALS would be exceeded. */
int ct_notice_add_signal(struct ct_arena *a, struct ct_notice_signals *list, const char *code,
                         const char *source, const char *lot_ref, const char *text, int line,
                         struct ct_err *e) CT_MUSTCHECK;

/* 1 when text mentions an employment obligation in Finnish, Swedish or English
 * (case-insensitive, also for Ä/Ö/Å): "työllistämisehto", "työllistä", "työllistämis",
 * "osatyökyk", "osatyökyi", "pitkäaikaistyö", "vajaakuntoi", "sysselsättningsvillkor",
 * "sysselsättningskrav", "långtidsarbetslös", "partiellt arbetsför",
 * "employment condition", "employment obligation", "employment requirement",
 * "long-term unemployed", "partial work capacity", "reduced work capacity". */
int ct_notice_mentions_employment(const char *text);

/* Parses a plain decimal amount ("125000.00": digits, optional '.' and 1-6 digits, at most
 * 15 integer digits, no sign, no exponent) into m->amount/m->text and copies the currency
 * (three upper-case letters; NULL or invalid -> -1). 0 with m->set = 1, or -1. */
int ct_notice_money_parse(const char *amount, const char *currency, struct ct_notice_money *m);

/* Accepts "YYYY-MM-DD" optionally followed by "Z" or "+HH:MM"/"-HH:MM" (xsd:date), checks
 * it is a real date and writes "YYYY-MM-DD" into out (11 bytes). 0, or -1. */
int ct_notice_date_parse(const char *s, char out[11]);

#endif
