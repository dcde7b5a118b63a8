/*
 * Police updates in PostgreSQL. One update is one transaction, driven by
 * the caller in this order: report_updates_store_lock (BEGIN, lock, read),
 * report_updates_store_unknown_related and report_updates_store_apply as
 * needed, then report_updates_store_commit with the history rows, or
 * report_updates_store_abandon on any refusal. Also the history read.
 */
#ifndef FRAUD_REPORT_UPDATES_STORE_H
#define FRAUD_REPORT_UPDATES_STORE_H

#include <jansson.h>
#include <stddef.h>

#include "domain/report_patch.h"
#include "store/audit_store.h"
#include "store/db.h"

/* A report as an update sees it. Owns the reference. */
struct report_updates_state {
    json_t *report;     /* the API representation, "version" included */
};

void report_updates_store_state_free(struct report_updates_state *state);

/* BEGINs, locks report `id` (a canonical UUID) against other updates
 * until commit or abandon, and reads it into *state, which the caller
 * frees. Any status but STORE_OK has already rolled back (STORE_NOT_FOUND
 * when there is no such report, or when `scope` is not NULL and the report
 * belongs to another organisation than that UUID). */
enum store_status report_updates_store_lock(struct db_conn *conn, const char *id,
                                            const char *scope,
                                            struct report_updates_state *state);

/* Finds the patch's related ids that name no report (of organisation
 * `scope`, when not NULL): their indices in patch->related go to
 * unknown[] (room for patch->related_count) and their number to
 * *unknown_count. Borrows everything. */
enum store_status report_updates_store_unknown_related(struct db_conn *conn,
                                                       const struct report_patch *patch,
                                                       const char *scope, size_t *unknown,
                                                       size_t *unknown_count);

/* Applies a checked patch to locked report `id`: the members it names,
 * its appended indicators and links, and version + 1; then reads the
 * report again into *after, which the caller frees. Borrows the rest. */
enum store_status report_updates_store_apply(struct db_conn *conn, const char *id,
                                             const struct report_patch *patch,
                                             struct report_updates_state *after);

/* Records `changes` (report_patch_changes' array) as the history of
 * `version` of report `id`, made by `actor`, with its audit row naming
 * `audit`, and COMMITs. Borrows everything. Anything but STORE_OK has
 * rolled back. */
enum store_status report_updates_store_commit(struct db_conn *conn, const char *id,
                                              long long version, const char *actor,
                                              json_t *changes,
                                              const struct audit_actor *audit);

/* Rolls back: nothing of the update is kept, and the lock is released. */
void report_updates_store_abandon(struct db_conn *conn);

/* Reads the history of report `id`: {"items": [{"version", "changed_at",
 * "actor", "changes": [{"field", "old", "new"}]}]}, oldest first. On
 * STORE_OK *history is a new reference; STORE_NOT_FOUND when there is no
 * such report (of organisation `scope`, when not NULL). */
enum store_status report_updates_store_history(struct db_conn *conn, const char *id,
                                               const char *scope, json_t **history);

#endif
