/*
 * A report's indicator lists as the JSON arrays that the insert statements
 * unpack with jsonb_to_recordset: one shape for POST /v1/reports and for
 * the bulk import, so both write the same rows.
 */
#ifndef FRAUD_INDICATOR_ROWS_H
#define FRAUD_INDICATOR_ROWS_H

#include <jansson.h>

#include "domain/report.h"

/* [{"position": 0, "raw", "e164", "leading_plus", "international",
 * "valid", "type", "region"}, ...]. Borrows report. Returns a new
 * reference, or NULL when out of memory. */
json_t *indicator_rows_phones(const struct report *report);

/* [{"position": 0, "value", "qualifier"}, ...] for apps (qualifier: role),
 * accounts (kind) and chat ids (app). Borrows items. Returns a new
 * reference, or NULL when out of memory. */
json_t *indicator_rows_named(const struct report_named *items, size_t count);

/* [{"position": 0, "value"}, ...]. Borrows report. Returns a new
 * reference, or NULL when out of memory. */
json_t *indicator_rows_urls(const struct report *report);

#endif
