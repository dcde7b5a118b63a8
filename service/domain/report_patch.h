/*
 * A police update of a stored report: a JSON Merge Patch (RFC 7396) read
 * with the report's own member rules, checked against the report as it is
 * stored, and the list of what an applied update changed, for its history.
 * No HTTP and no SQL here.
 */
#ifndef FRAUD_REPORT_PATCH_H
#define FRAUD_REPORT_PATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/money.h"
#include "domain/report.h"
#include "domain/violations.h"
#include "domain/vocab.h"

/* The members a patch may set, one bit each in report_patch.named. */
enum report_patch_member {
    REPORT_PATCH_STATUS,
    REPORT_PATCH_SCAM_TYPE,
    REPORT_PATCH_STAGE,
    REPORT_PATCH_CHANNEL,
    REPORT_PATCH_IMPERSONATED,
    REPORT_PATCH_INFO_LEAK,
    REPORT_PATCH_OCCURRED_AT,
    REPORT_PATCH_REGION,
    REPORT_PATCH_LOCALITY,
    REPORT_PATCH_NARRATIVE,
    REPORT_PATCH_LOSS,
    REPORT_PATCH_RECOVERED,
    REPORT_PATCH_MEMBER_COUNT
};

/* Lists are never replaced, only appended to, and reports only linked. */
#define REPORT_PATCH_LINKS_MAX REPORT_LIST_MAX

struct report_patch {
    /* New values, read by report.c's rules into a report: a correction of
     * scam_type lands in fields.scam_type, add_phones in fields.phones and
     * so on. Its doc is the patch document; every string points into it. */
    struct report fields;
    /* Bit (1u << member) set when the patch names the member, JSON null
     * included (which clears it); `invalid` when its value was refused. A
     * member named and valid with a NULL value here is to be cleared. */
    unsigned      named;
    unsigned      invalid;
    const char   *status;
    bool          has_recovered;
    struct money  recovered;
    /* Ids of reports to link to, in the order sent; NULL where an item was
     * refused, so that index i is still /related/i. */
    const char  **related;
    size_t        related_count;
};

/* Reads the patch `doc`: members it may set, each with POST's rules;
 * server-owned and other fixed members are `read_only`, anything else
 * `unknown_field`. Borrows doc (the patch keeps a reference of its own)
 * and vocab; times are checked against now_s. Returns 0, or -1 with every
 * problem in errs. Either way, release *out with report_patch_release(). */
int report_patch_parse(json_t *doc, const struct vocab *vocab, int64_t now_s,
                       struct report_patch *out, struct violations *errs);

/* Checks the patch against the report it updates: `current` is the
 * report as stored (its API representation), `links` the array of report
 * ids it is already linked to and `id` its own id. The stage only moves
 * forward; each list stays within REPORT_LIST_MAX items in all; recovered
 * money is in the loss's currency and not over it; no link to the report
 * itself. Borrows everything. Returns 0, or -1 after adding violations. */
int report_patch_check(const struct report_patch *patch, const json_t *current,
                       const json_t *links, const char *id, const struct vocab *vocab,
                       struct violations *errs);

/* Frees what report_patch_parse allocated and drops the document. */
void report_patch_release(struct report_patch *patch);

/* What changed from `before` to `after` (two objects of the same shape):
 * [{"field": JSON Pointer, "old": value, "new": value}, ...], one item per
 * member that differs, except "version"; an item appended to a list is a
 * change of its own ("/phones/3", old null). Borrows both. Returns a new
 * reference (an empty array when nothing changed), NULL when out of
 * memory. */
json_t *report_patch_changes(json_t *before, json_t *after);

#endif
