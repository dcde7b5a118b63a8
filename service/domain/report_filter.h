/*
 * Which reports a list asks for: the query parameters of GET /v1/reports
 * checked one by one (codes against the code lists, times as RFC 3339,
 * phones normalised to E.164, region prefixes as code ranges) into a
 * filter the store turns into one query, plus the opaque page cursor.
 * No HTTP and no SQL here: the caller hands in name/value pairs.
 */
#ifndef FRAUD_REPORT_FILTER_H
#define FRAUD_REPORT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/violations.h"
#include "domain/vocab.h"

#define REPORT_FILTER_LIMIT_DEFAULT 50
#define REPORT_FILTER_LIMIT_MAX     200
/* A cursor is base64url of "<epoch_us>.<uuid>": at most 16 + 1 + 36 bytes,
 * so 72 characters and the NUL. */
#define REPORT_FILTER_CURSOR_MAX    80
/* RFC 3339 text kept for a time filter, NUL included. */
#define REPORT_FILTER_TIME_MAX      48

/* A parsed query. Codes, app, account and station point into the values
 * given to report_filter_set (borrowed: keep those alive while the filter
 * is used); everything else is copied in. Absent: NULL or "". */
struct report_filter {
    unsigned    limit;
    /* The position after which the page starts: the last report of the
     * previous page, by (reported_at, id). */
    bool        has_cursor;
    int64_t     cursor_us;              /* reported_at, microseconds since 1970 */
    char        cursor_id[37];
    const char *source, *scam_type, *stage, *stage_min, *channel, *status;
    const char *app, *account, *station;
    /* A six-digit region matches one code; a two- or four-digit prefix
     * matches the codes from region_low to region_high. */
    char        region_exact[7], region_low[7], region_high[7];
    char        phone_e164[20];
    /* Half-open ranges [from, to), as RFC 3339 text PostgreSQL reads. */
    char        occurred_from[REPORT_FILTER_TIME_MAX], occurred_to[REPORT_FILTER_TIME_MAX];
    char        reported_from[REPORT_FILTER_TIME_MAX], reported_to[REPORT_FILTER_TIME_MAX];
    /* Not a parameter: set by the caller to list only the reports of this
     * organisation (a UUID, borrowed); NULL lists every report. */
    const char *organisation;
    /* One bit per parameter already taken: a second one is refused. */
    uint32_t    given;
};

/* An empty filter: every report, REPORT_FILTER_LIMIT_DEFAULT per page. */
void report_filter_init(struct report_filter *filter);

/* Takes one query parameter. `value` may be NULL (a name without "=").
 * Borrows vocab for the call and name/value as said above. Returns 0, or
 * -1 after adding one violation to `errs` whose pointer member is the
 * parameter's name (codes: unknown_parameter, duplicate, empty, format,
 * range, too_long, unknown_code). */
int report_filter_set(struct report_filter *filter, const struct vocab *vocab,
                      const char *name, const char *value, struct violations *errs);

/* Writes the cursor of the position (epoch_us, id) into out (size bytes,
 * at least REPORT_FILTER_CURSOR_MAX). Returns 0, or -1 when id is not a
 * canonical lower-case UUID or epoch_us is out of range. */
int report_filter_cursor_encode(int64_t epoch_us, const char *id, char *out, size_t size);

#endif
