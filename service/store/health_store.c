/*
 * Readiness queries.
 */
#include "store/health_store.h"

#include <stdlib.h>

enum store_status
health_store_migrations(struct db_conn *conn, int *applied)
{
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_MIGRATIONS_APPLIED, NULL, &status);

    if (res == NULL)
        return status;
    *applied = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return STORE_OK;
}
