/*
 * Bulk import into PostgreSQL: validated reports stream through COPY into
 * a staging table as they arrive, and one statement moves the whole batch
 * into the report tables before COMMIT. Nothing is stored unless all of it is.
 */
#ifndef FRAUD_IMPORT_STORE_H
#define FRAUD_IMPORT_STORE_H

#include <stdint.h>

#include "domain/report.h"
#include "store/db.h"

struct import_batch;

/* Opens a batch on conn (borrowed until import_store_finish or
 * import_store_abort): a transaction, a batch id, and a COPY waiting for
 * rows. Every report of it will belong to `organisation` (a UUID, copied;
 * NULL for none). On STORE_OK *batch is new; otherwise nothing is left
 * open. */
enum store_status import_store_begin(struct db_conn *conn, const char *organisation,
                                     struct import_batch **batch);

/* Sends one validated report, from line `line` of the upload, towards the
 * staging table; rows go out in chunks, so memory does not grow with the
 * batch. Borrows report. */
enum store_status import_store_add(struct import_batch *batch, int64_t line,
                                   const struct report *report);

/* Ends the COPY, moves every staged report into the report tables and
 * COMMITs; *stored is how many reports were stored. Takes batch, also on
 * failure, when nothing at all is stored. */
enum store_status import_store_finish(struct import_batch *batch, int64_t *stored);

/* Abandons the batch: nothing is stored. Takes batch; NULL is ignored. */
void import_store_abort(struct import_batch *batch);

#endif
