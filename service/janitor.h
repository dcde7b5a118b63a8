/*
 * The janitor: a background thread that purges expired idempotency keys
 * in small batches, each its own short transaction, so the table stays
 * small without one long DELETE that would hold up intake.
 */
#ifndef FRAUD_JANITOR_H
#define FRAUD_JANITOR_H

#include <stdatomic.h>

#include "store/db.h"

/* Keys deleted per statement. */
#define JANITOR_PURGE_BATCH 500

struct janitor;

/* Starts the thread: it purges at once, then every interval_s seconds,
 * the keys older than ttl_h hours. Borrows db until janitor_stop. Returns
 * NULL (after logging why) when the thread cannot start. */
struct janitor *janitor_start(struct db *db, unsigned interval_s, unsigned ttl_h);

/* Wakes the thread, waits for it to end (at most one purge batch away)
 * and frees it. NULL is allowed. */
void janitor_stop(struct janitor *janitor);

/* One purge: deletes the idempotency keys older than ttl_h hours,
 * JANITOR_PURGE_BATCH at a time, each batch on a connection borrowed from
 * db for that batch only, until none is left or *stop (when stop is not
 * NULL) is true. Returns how many went, or -1 when the database failed. */
long janitor_purge(struct db *db, unsigned ttl_h, const atomic_bool *stop);

#endif
