/*
 * Reports in PostgreSQL: the one write path for a validated report, and
 * the read-back as the API represents it.
 */
#ifndef FRAUD_REPORTS_STORE_H
#define FRAUD_REPORTS_STORE_H

#include <jansson.h>

#include "domain/report.h"
#include "store/db.h"

/* A report id as text (a canonical UUID), with its NUL. */
#define REPORTS_STORE_ID_SIZE 40

/* Inside the caller's transaction: stores a validated report and all its
 * indicators and writes the new report's id into id. Borrows conn and
 * report. The caller commits, or rolls back on any failure. */
enum store_status reports_store_add(struct db_conn *conn, const struct report *report,
                                    char id[REPORTS_STORE_ID_SIZE]);

/* Stores a validated report and all its indicators in one transaction and
 * returns its representation as now stored (a new reference in *stored)
 * only after COMMIT succeeded. Borrows conn and report. */
enum store_status reports_store_insert(struct db_conn *conn, const struct report *report,
                                       json_t **stored);

/* Reads report `id` (a canonical UUID). Returns STORE_NOT_FOUND when there
 * is none; on STORE_OK *stored is a new reference. */
enum store_status reports_store_get(struct db_conn *conn, const char *id, json_t **stored);

/* For the receipt of new report `id`, in the transaction that added it:
 * sets member "seen_before" of `receipt` (borrowed) to how many other
 * reports name each of its phones (E.164), accounts and URLs, as
 * {"phones": {"+86...": 2}, "accounts": {}, "urls": {}}; a value no other
 * report names is left out. */
enum store_status reports_store_seen_before(struct db_conn *conn, const char *id,
                                            json_t *receipt);

#endif
