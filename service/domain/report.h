/*
 * A fraud report: parsed from the request JSON, validated against the
 * code lists, normalised (phones to E.164, times to instants). No HTTP and
 * no SQL here: the handler feeds JSON in, the store takes the struct out.
 */
#ifndef FRAUD_REPORT_H
#define FRAUD_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/money.h"
#include "domain/phone.h"
#include "domain/violations.h"
#include "domain/vocab.h"

/* Caps, in UTF-8 bytes or items; api/openapi.yaml states the same. */
#define REPORT_LIST_MAX       100
#define REPORT_NAME_MAX       200
#define REPORT_URL_MAX        2048
#define REPORT_LOCALITY_MAX   400
#define REPORT_PERSON_MAX     400
#define REPORT_NARRATIVE_MAX  16384
#define REPORT_CASE_MAX       128
/* Clock skew tolerated on occurred_at, and the earliest date accepted. */
#define REPORT_FUTURE_SKEW_S  300
#define REPORT_EARLIEST_S     631152000 /* 1990-01-01T00:00:00Z */

struct report_phone {
    const char  *raw;
    bool         normalised;
    struct phone phone;
};

/* An indicator with an optional qualifier: an app and its role, an account
 * and its kind, a chat id and its app. */
struct report_named {
    const char *value;
    const char *qualifier;
};

/* Every string points into `doc`, which the report holds a reference to;
 * absent optional members are NULL. */
struct report {
    json_t              *doc;
    const char          *source, *scam_type, *stage, *channel, *impersonated, *info_leak;
    const char          *occurred_at;
    const char          *region, *locality, *narrative, *case_number, *station;
    const char          *victim_age_band, *victim_gender, *victim_name, *victim_contact;
    bool                 has_loss;
    struct money         loss;
    struct report_phone *phones;
    size_t               phone_count;
    struct report_named *apps;
    size_t               app_count;
    struct report_named *accounts;
    size_t               account_count;
    const char         **urls;
    size_t               url_count;
    struct report_named *chat_ids;
    size_t               chat_id_count;
};

/* Validates and normalises `doc` into *out, checking codes against
 * `vocab` and times against `now_s`. Borrows doc (the report takes a
 * reference of its own) and vocab. Returns 0 on success; -1 when the
 * report is invalid, with every problem in `errs`. Either way, release
 * *out with report_release(). */
int report_parse(json_t *doc, const struct vocab *vocab, int64_t now_s,
                 struct report *out, struct violations *errs);

/* Frees what report_parse allocated and drops the reference to doc. */
void report_release(struct report *report);

/* Whether any message in `errs` is an unknown code: the code lists may
 * have grown since the snapshot was taken, so such a report is worth one
 * more try against fresh lists. */
bool report_unknown_codes(const struct violations *errs);

/* Validates one member of a report, `name` as POST /v1/reports calls it,
 * with the rules report_parse applies to it, into *out; problems are
 * reported at `pointer`, so an update can read its "/add_phones" with the
 * rules of "phones". Borrows value and vocab; the strings set in *out
 * point into value, so out->doc must hold a reference to its document. A
 * NULL or JSON null value is absent: nothing is read. Returns 0 (problems
 * go to errs), or -1 when `name` is not a report member or out of memory.
 * Release *out with report_release(). */
int report_parse_member(const char *name, json_t *value, const char *pointer,
                        const struct vocab *vocab, int64_t now_s, struct report *out,
                        struct violations *errs);

/* A code from list `kind` at `pointer`, checked as report_parse checks
 * codes. Returns it (borrowed from value), or NULL after adding a
 * violation to errs. */
const char *report_parse_code(json_t *value, const char *pointer, enum vocab_kind kind,
                              const struct vocab *vocab, struct violations *errs);

/* Whether `text` is a report id: a UUID, 8-4-4-4-12 hexadecimal digits
 * in either case. */
bool report_is_id(const char *text);

#endif
