/*
 * The trend rollups' queue (migrations/0013_trend_rollups.sql): writers'
 * triggers append contributions to trend_pending; these calls move them
 * into the rollup tables.
 */
#ifndef FRAUD_ROLLUPS_STORE_H
#define FRAUD_ROLLUPS_STORE_H

#include <stdbool.h>

#include "store/db.h"

/* Applies the oldest max_rows pending contributions that no other caller
 * holds, in one statement (its own transaction unless conn is inside
 * one), and sets *applied to how many. Borrows conn. */
enum store_status rollups_store_apply(struct db_conn *conn, int max_rows, long *applied);

/* Sets *pending to whether any committed contribution is still waiting,
 * including those another caller is applying right now. Borrows conn. */
enum store_status rollups_store_pending(struct db_conn *conn, bool *pending);

#endif
