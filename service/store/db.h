/*
 * PostgreSQL connections: a fixed pool (THREADS), lent to callers in the
 * order they asked, each connection with every named statement prepared
 * once when it opens. A broken
 * connection is dropped and reopened (and its statements prepared again)
 * by the next caller, so the service heals when the database comes back.
 */
#ifndef FRAUD_DB_H
#define FRAUD_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/statements.h"

/* How a store call ended; the HTTP edge maps these to statuses. */
enum store_status {
    STORE_OK = 0,
    STORE_NOT_FOUND,
    STORE_UNAVAILABLE,  /* cannot reach the database: retry later */
    STORE_TIMEOUT,      /* ran past STATEMENT_TIMEOUT_MS and was cancelled */
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

/* Lends a ready connection: a free one, or the first given back after
 * every caller that asked before this one was served. NULL when none is
 * free within the statement timeout (at least a second; without one, it
 * waits), or none can be opened within the connect timeout. Give it back
 * with db_release. */
struct db_conn *db_acquire(struct db *db);

void db_release(struct db *db, struct db_conn *conn);

/* How many callers of db_acquire wait for a connection now. */
unsigned db_waiting(struct db *db);

/* Runs a prepared statement with text parameters (NULL for SQL NULL).
 * Returns a result the caller PQclears, or NULL. On failure *status says
 * whether the database was unreachable or refused; a connection found
 * broken is reopened on its next acquire. */
PGresult *db_run(struct db_conn *conn, enum statement id, const char *const *params,
                 enum store_status *status);

/* Runs a prepared statement without parameters whose answer is not
 * needed (BEGIN, ANALYZE ...) and says how it went. */
enum store_status db_run_command(struct db_conn *conn, enum statement id);

/* Runs a statement whose answer is one JSON text in the first column of
 * its first row. On STORE_OK *out is a new reference; STORE_NOT_FOUND when
 * the statement returned no row. */
enum store_status db_run_json(struct db_conn *conn, enum statement id, const char *const *params,
                              json_t **out);

/* Runs `command identifier`, a statement that cannot be prepared (REINDEX,
 * DROP INDEX ... CONCURRENTLY, which no transaction may hold either).
 * command is a constant of the caller; identifier, a name the database
 * gave (never input), is quoted as one. */
enum store_status db_run_on(struct db_conn *conn, const char *command, const char *identifier);

/* Returns a handle that cancels the statement conn runs at the time
 * (PQcancel), from any thread, until PQfreeCancel; NULL when out of
 * memory. Take it on the thread that uses conn. */
PGcancel *db_cancel_handle(struct db_conn *conn);

/* BEGIN, COMMIT and ROLLBACK. begin/commit return STORE_OK or why not;
 * rollback is best effort (a broken connection rolls back by itself). */
enum store_status db_begin(struct db_conn *conn);
enum store_status db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

/* COPY ... FROM STDIN, which cannot be a prepared statement. copy_sql is a
 * constant of the caller, never built from input; the data travels apart
 * from it. Returns STORE_OK once the server waits for data. */
enum store_status db_copy_begin(struct db_conn *conn, const char *copy_sql);

/* Sends len bytes of COPY data (whole rows or parts of them). libpq
 * buffers them and writes as its buffer fills. Borrows data. */
enum store_status db_copy_put(struct db_conn *conn, const char *data, size_t len);

/* Ends the COPY: `abort_reason` NULL finishes it and returns whether the
 * server took every row; otherwise the server is told to fail the COPY
 * (and so the transaction) with that text, and the result is STORE_FAILED
 * unless the connection is gone. */
enum store_status db_copy_end(struct db_conn *conn, const char *abort_reason);

#endif
