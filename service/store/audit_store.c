/*
 * The audit trail in PostgreSQL: one INSERT per event and one filtered
 * page read, both prepared statements (statements.c).
 */
#include "store/audit_store.h"

#include <stdio.h>
#include <stdlib.h>

enum store_status
audit_store_add(struct db_conn *conn, const struct audit_actor *actor, const char *action,
                const char *report_id, const char *subject)
{
    const char *params[9] = {
        actor->request_id, actor->key_prefix, actor->organisation_id, actor->role,
        actor->method, actor->route, report_id, action, subject,
    };
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_AUDIT_ADD, params, &status);

    PQclear(res);
    return status;
}

enum store_status
audit_store_list(struct db_conn *conn, const struct audit_filter *filter, json_t **items,
                 bool *more, char last_id[24])
{
    char              fetch[16];
    const char       *params[8] = {
        fetch, filter->before_id, filter->action, filter->key_prefix,
        filter->organisation_id, filter->report_id, filter->from, filter->to,
    };
    enum store_status status;
    PGresult         *res;
    int               rows, shown;

    /* One row past the page tells whether another page follows. */
    snprintf(fetch, sizeof(fetch), "%u", filter->limit + 1);
    *items = NULL;
    *more = false;
    last_id[0] = '\0';
    res = db_run(conn, STMT_AUDIT_LIST, params, &status);
    if (res == NULL)
        return status;
    rows = PQntuples(res);
    shown = rows > (int)filter->limit ? (int)filter->limit : rows;
    *items = json_array();
    for (int i = 0; i < shown && *items != NULL; i++)
        if (json_array_append_new(*items, json_loads(PQgetvalue(res, i, 0), 0, NULL)) != 0)
            status = STORE_FAILED;
    if (*items == NULL)
        status = STORE_FAILED;
    *more = rows > (int)filter->limit;
    if (*more && shown > 0)
        snprintf(last_id, 24, "%s", PQgetvalue(res, shown - 1, 1));
    PQclear(res);
    return status;
}
