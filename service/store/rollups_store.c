/*
 * The statements of statements.c ("trend_apply", "trend_pending",
 * "rollups_*"); the exactly-once reasoning is in the migration, next to
 * trend_apply().
 */
#include "store/rollups_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum store_status
rollups_store_apply(struct db_conn *conn, int max_rows, long *applied)
{
    char              max_text[16];
    const char       *params[1] = {max_text};
    enum store_status status;
    PGresult         *res;

    snprintf(max_text, sizeof(max_text), "%d", max_rows);
    res = db_run(conn, STMT_TREND_APPLY, params, &status);
    if (res == NULL)
        return status;
    *applied = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return STORE_OK;
}

/* Runs a statement that answers one boolean. */
static enum store_status
run_boolean(struct db_conn *conn, enum statement id, bool *answer)
{
    enum store_status status;
    PGresult         *res = db_run(conn, id, NULL, &status);

    if (res == NULL)
        return status;
    *answer = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return STORE_OK;
}

enum store_status
rollups_store_pending(struct db_conn *conn, bool *pending)
{
    return run_boolean(conn, STMT_TREND_PENDING, pending);
}

enum store_status
rollups_store_lock(struct db_conn *conn, bool *taken)
{
    return run_boolean(conn, STMT_ROLLUPS_LOCK, taken);
}

enum store_status
rollups_store_unlock(struct db_conn *conn)
{
    bool held;

    return run_boolean(conn, STMT_ROLLUPS_UNLOCK, &held);
}

enum store_status
rollups_store_indexes(struct db_conn *conn, unsigned percent, long long min_bytes,
                      struct rollups_index *out, size_t *count)
{
    char              percent_text[16], min_text[24];
    const char       *params[2] = {percent_text, min_text};
    enum store_status status;
    PGresult         *res;
    int               rows;

    snprintf(percent_text, sizeof(percent_text), "%u", percent);
    snprintf(min_text, sizeof(min_text), "%lld", min_bytes);
    res = db_run(conn, STMT_ROLLUPS_INDEXES, params, &status);
    if (res == NULL)
        return status;
    rows = PQntuples(res);
    *count = 0;
    for (int i = 0; i < rows && *count < ROLLUPS_INDEXES_MAX; i++) {
        struct rollups_index *index = &out[(*count)++];

        snprintf(index->name, sizeof(index->name), "%s", PQgetvalue(res, i, 0));
        index->leftover = strcmp(PQgetvalue(res, i, 1), "t") == 0;
        index->bytes = atoll(PQgetvalue(res, i, 2));
    }
    PQclear(res);
    return STORE_OK;
}

enum store_status
rollups_store_analyze(struct db_conn *conn)
{
    return db_run_command(conn, STMT_ROLLUPS_ANALYZE);
}

enum store_status
rollups_store_fix(struct db_conn *conn, const struct rollups_index *index, long long *bytes)
{
    const char       *params[1] = {index->name};
    enum store_status status;
    PGresult         *res;

    *bytes = 0;
    if (index->leftover)
        return db_run_on(conn, "DROP INDEX CONCURRENTLY IF EXISTS", index->name);
    status = db_run_on(conn, "REINDEX INDEX CONCURRENTLY", index->name);
    if (status != STORE_OK)
        return status;
    res = db_run(conn, STMT_ROLLUPS_INDEX_SIZE, params, &status);
    if (res == NULL)
        return status;
    *bytes = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return STORE_OK;
}
