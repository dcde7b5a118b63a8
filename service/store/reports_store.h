/*
 * Reports in PostgreSQL: the one write path for a validated report, and
 * the read-back as the API represents it.
 */
#ifndef FRAUD_REPORTS_STORE_H
#define FRAUD_REPORTS_STORE_H

#include <jansson.h>

#include "domain/report.h"
#include "store/db.h"

/* Stores a validated report and all its indicators in one transaction and
 * returns its representation as now stored (a new reference in *stored)
 * only after COMMIT succeeded. Borrows conn and report. */
enum store_status reports_store_insert(struct db_conn *conn, const struct report *report,
                                       json_t **stored);

/* Reads report `id` (a canonical UUID). Returns STORE_NOT_FOUND when there
 * is none; on STORE_OK *stored is a new reference. */
enum store_status reports_store_get(struct db_conn *conn, const char *id, json_t **stored);

#endif
