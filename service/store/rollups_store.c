/*
 * The statements of statements.c ("trend_apply", "trend_pending"); the
 * exactly-once reasoning is in the migration, next to trend_apply().
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

enum store_status
rollups_store_pending(struct db_conn *conn, bool *pending)
{
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_TREND_PENDING, NULL, &status);

    if (res == NULL)
        return status;
    *pending = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return STORE_OK;
}
