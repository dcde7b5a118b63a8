/*
 * PostgreSQL connections: a fixed pool, one connection per HTTP worker,
 * each with every named statement prepared once when it opens. A broken
 * connection is dropped and reopened (and its statements prepared again)
 * by the next caller, so the service heals when the database comes back.
 */
#ifndef FRAUD_DB_H
#define FRAUD_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "store/statements.h"

/* How a store call ended; the HTTP edge maps these to statuses. */
enum store_status {
    STORE_OK = 0,
    STORE_NOT_FOUND,
    STORE_UNAVAILABLE,  /* cannot reach the database: retry later */
    STORE_FAILED,       /* the database refused: a bug or a broken invariant */
};

struct db;
struct db_conn;

/* Returns a pool of `size` lazily opened connections to `conninfo`
 * (borrowed until db_destroy); NULL when out of memory. */
struct db *db_create(const char *conninfo, unsigned size, unsigned connect_timeout_ms,
                     unsigned statement_timeout_ms);

/* Closes every connection and frees the pool. */
void db_destroy(struct db *db);

/* Lends a ready connection; NULL when none can be opened within the
 * connect timeout. Give it back with db_release. */
struct db_conn *db_acquire(struct db *db);

void db_release(struct db *db, struct db_conn *conn);

/* Runs a prepared statement with text parameters (NULL for SQL NULL).
 * Returns a result the caller PQclears, or NULL. On failure *status says
 * whether the database was unreachable or refused; a connection found
 * broken is reopened on its next acquire. */
PGresult *db_run(struct db_conn *conn, enum statement id, const char *const *params,
                 enum store_status *status);

/* BEGIN, COMMIT and ROLLBACK. begin/commit return STORE_OK or why not;
 * rollback is best effort (a broken connection rolls back by itself). */
enum store_status db_begin(struct db_conn *conn);
enum store_status db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

#endif
