/*
 * The trend worker: a background thread that moves the contributions
 * writers leave in trend_pending into the trend rollups, a batch per
 * transaction (migrations/0013_trend_rollups.sql says why this counts
 * each report exactly once).
 */
#ifndef FRAUD_TREND_WORKER_H
#define FRAUD_TREND_WORKER_H

#include "store/db.h"

/* Pending rows applied per statement: a few hundred milliseconds of work,
 * far below the statement timeout. */
#define TREND_APPLY_BATCH 5000

struct trend_worker;

/* Starts the thread: it applies at once, then every interval_ms
 * milliseconds, and again at once while a batch came back full. Borrows
 * db until trend_worker_stop. Returns NULL (after logging why) when the
 * thread cannot start. */
struct trend_worker *trend_worker_start(struct db *db, unsigned interval_ms);

/* Wakes the thread, waits for it to end (at most one batch away) and
 * frees it. NULL is allowed. */
void trend_worker_stop(struct trend_worker *worker);

/* Applies until nothing is pending, also waiting for rows another caller
 * (a running service's worker) is applying, each batch on a connection
 * borrowed from db for that batch only. Returns how many rows this call
 * applied, or -1 when the database failed. */
long trend_worker_drain(struct db *db);

#endif
