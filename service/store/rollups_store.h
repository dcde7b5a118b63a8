/*
 * The trend rollups' queue (migrations/0013_trend_rollups.sql): writers'
 * triggers append contributions to trend_pending; these calls move them
 * into the rollup tables. And the upkeep of the rollups' indexes, which
 * the applies leave larger than they need be (statements.c says why).
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

/* The most indexes one round of upkeep treats; the next round takes the
 * rest. */
#define ROLLUPS_INDEXES_MAX 32

/* An index of the rollup tables that wants work. */
struct rollups_index {
    char      name[64];   /* NAMEDATALEN */
    bool      leftover;   /* what an interrupted rebuild left: to drop */
    long long bytes;
};

/* Takes the session-level advisory lock ROLLUPS_LOCK_KEY when no other
 * session holds it, and sets *taken to whether it did. Borrows conn. */
enum store_status rollups_store_lock(struct db_conn *conn, bool *taken);

/* Gives the lock back. Borrows conn. */
enum store_status rollups_store_unlock(struct db_conn *conn);

/* Fills out (ROLLUPS_INDEXES_MAX long) with the leftovers of interrupted
 * rebuilds first, then the indexes of at least min_bytes larger than
 * percent % of their estimated size when built afresh, and sets *count.
 * Borrows conn. */
enum store_status rollups_store_indexes(struct db_conn *conn, unsigned percent,
                                        long long min_bytes, struct rollups_index *out,
                                        size_t *count);

/* Gathers the rollup tables' statistics (ANALYZE), which the estimate of
 * rollups_store_indexes needs, for a caller that cannot wait for
 * autovacuum: a bulk load. Borrows conn. */
enum store_status rollups_store_analyze(struct db_conn *conn);

/* Drops a leftover (DROP INDEX CONCURRENTLY) or rebuilds an index
 * (REINDEX INDEX CONCURRENTLY): reads and writes of its table go on
 * meanwhile. On STORE_OK *bytes is the index's size now (0 once dropped).
 * Takes as long as building the index; conn should have no statement
 * timeout. Borrows conn and index. */
enum store_status rollups_store_fix(struct db_conn *conn, const struct rollups_index *index,
                                    long long *bytes);

#endif
