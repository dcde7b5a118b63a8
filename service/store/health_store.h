/*
 * What readiness asks of the database.
 */
#ifndef FRAUD_HEALTH_STORE_H
#define FRAUD_HEALTH_STORE_H

#include "store/db.h"

/* How many migrations schema_migrations records, in *applied. */
enum store_status health_store_migrations(struct db_conn *conn, int *applied);

#endif
