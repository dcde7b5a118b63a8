/*
 * Reports in PostgreSQL: the one write path for a validated report, and
 * the read-back as the API represents it.
 */
#ifndef FRAUD_REPORTS_STORE_H
#define FRAUD_REPORTS_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/report.h"
#include "store/db.h"

/* A report id as text (a canonical UUID), with its NUL. */
#define REPORTS_STORE_ID_SIZE 40

/* Inside the caller's transaction: stores a validated report and all its
 * indicators, as belonging to `organisation` (a UUID; NULL for none) and
 * readable with the receipt token whose SHA-256 is `receipt_hash` (64 hex
 * digits; NULL for none), and writes the new report's id into id. Borrows
 * everything. The caller commits, or rolls back on any failure. */
enum store_status reports_store_add(struct db_conn *conn, const struct report *report,
                                    const char *organisation, const char *receipt_hash,
                                    char id[REPORTS_STORE_ID_SIZE]);

/* Reads report `id` (a canonical UUID). Returns STORE_NOT_FOUND when there
 * is none, or when `scope` is not NULL and the report belongs to another
 * organisation than that UUID; on STORE_OK *stored is a new reference. */
enum store_status reports_store_get(struct db_conn *conn, const char *id, const char *scope,
                                    json_t **stored);

/* Adds the victim's name and contact to `stored` (borrowed), the
 * representation of report `id`, as members of its "victim" object, when
 * the report belongs to `organisation` and names either; *added says
 * whether it did. Borrows everything. */
enum store_status reports_store_victim(struct db_conn *conn, const char *id,
                                       const char *organisation, json_t *stored, bool *added);

/* Reads the report whose receipt token is `token` (borrowed): STORE_OK
 * with a new reference in *stored, or STORE_NOT_FOUND. */
enum store_status reports_store_by_receipt(struct db_conn *conn, const char *token,
                                           json_t **stored);

/* For the receipt of new report `id`, in the transaction that added it:
 * sets member "seen_before" of `receipt` (borrowed) to how many other
 * reports name each of its phones (E.164), accounts and URLs, as
 * {"phones": {"+86...": 2}, "accounts": {}, "urls": {}}; a value no other
 * report names is left out. */
enum store_status reports_store_seen_before(struct db_conn *conn, const char *id,
                                            json_t *receipt);

#endif
