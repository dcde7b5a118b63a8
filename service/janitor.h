/*
 * The janitor: a background thread that purges expired idempotency keys
 * in small batches, each its own short transaction, so the table stays
 * small without one long DELETE that would hold up intake; and that
 * rebuilds the rollups' indexes when the applies have left them much
 * larger than they need be (store/statements.c, ROLLUPS_INDEXES_SQL).
 */
#ifndef FRAUD_JANITOR_H
#define FRAUD_JANITOR_H

#include <stdatomic.h>

#include "store/db.h"

/* Keys deleted per statement. */
#define JANITOR_PURGE_BATCH 500

/* Rollup indexes smaller than this are never rebuilt: reading them costs
 * little whatever their shape, and a small index's size is mostly its
 * fixed pages, which the estimate does not model. */
#define JANITOR_REINDEX_MIN_BYTES (8LL << 20)

struct janitor;

struct janitor_config {
    unsigned interval_s;        /* how often a round runs */
    unsigned ttl_h;             /* idempotency keys older than this go */
    unsigned reindex_percent;   /* janitor_reindex's percent; 0: never */
};

/* Starts the thread: a round at once, then every interval_s seconds. A
 * round purges the expired keys on connections of db, then, unless
 * reindex_percent is 0, runs janitor_reindex on upkeep, a pool of its own
 * without a statement timeout (a rebuild takes as long as building the
 * index, and must not hold a connection requests need). Borrows db and
 * upkeep until janitor_stop; copies cfg. Returns NULL (after logging why)
 * when the thread cannot start. */
struct janitor *janitor_start(struct db *db, struct db *upkeep, const struct janitor_config *cfg);

/* Wakes the thread, cancels a rebuild under way (the next round drops what
 * it left), waits for the thread to end (at most one purge batch away) and
 * frees it. NULL is allowed. */
void janitor_stop(struct janitor *janitor);

/* One round of upkeep of the rollups' indexes on a connection of db:
 * drops what interrupted rebuilds left, then rebuilds, one at a time and
 * without blocking reads or writes, every index of at least min_bytes
 * larger than percent % of its estimated size when built afresh. While
 * another session (another instance) does this, does nothing. Logs each
 * index. Returns how many it dropped or rebuilt, or -1 when the database
 * failed. */
long janitor_reindex(struct db *db, unsigned percent, long long min_bytes);

/* One purge: deletes the idempotency keys older than ttl_h hours,
 * JANITOR_PURGE_BATCH at a time, each batch on a connection borrowed from
 * db for that batch only, until none is left or *stop (when stop is not
 * NULL) is true. Returns how many went, or -1 when the database failed. */
long janitor_purge(struct db *db, unsigned ttl_h, const atomic_bool *stop);

#endif
