/*
 * A page of the report list: one statement of the report_list family (see
 * statements.c), run inside a short transaction that makes PostgreSQL plan
 * it with the actual values each time.
 */
#include "store/reports_list_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Empty text is an absent filter: SQL NULL. */
static const char *
or_null(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* The most selective indicator given starts the query from its index:
 * a phone number names few reports, an account few, an app often many. */
static enum statement
drive_statement(const struct report_filter *filter)
{
    if (filter->phone_e164[0] != '\0')
        return STMT_REPORT_LIST_BY_PHONE;
    if (filter->account != NULL)
        return STMT_REPORT_LIST_BY_ACCOUNT;
    if (filter->app != NULL)
        return STMT_REPORT_LIST_BY_APP;
    return STMT_REPORT_LIST;
}

void
reports_list_store_call(const struct report_filter *filter, struct reports_list_call *call)
{
    const char **p = call->params;

    call->statement = drive_statement(filter);
    /* One row past the page tells whether another page follows. */
    snprintf(call->fetch, sizeof(call->fetch), "%u", filter->limit + 1);
    snprintf(call->cursor_us, sizeof(call->cursor_us), "%" PRId64, filter->cursor_us);
    p[0] = call->fetch;
    p[1] = filter->has_cursor ? call->cursor_us : NULL;
    p[2] = filter->has_cursor ? filter->cursor_id : NULL;
    p[3] = filter->source;
    p[4] = filter->scam_type;
    p[5] = filter->stage;
    p[6] = filter->stage_min;
    p[7] = or_null(filter->region_exact);
    p[8] = or_null(filter->region_low);
    p[9] = or_null(filter->region_high);
    p[10] = or_null(filter->occurred_from);
    p[11] = or_null(filter->occurred_to);
    p[12] = or_null(filter->reported_from);
    p[13] = or_null(filter->reported_to);
    p[14] = filter->channel;
    p[15] = filter->app;
    p[16] = or_null(filter->phone_e164);
    p[17] = filter->account;
    p[18] = filter->station;
    p[19] = filter->status;
    p[20] = filter->organisation;
}

/* Rows are (report JSON, reported_at in microseconds, id); at most
 * limit + 1 of them, the last only telling that more follow. */
static enum store_status
page_read(PGresult *res, unsigned limit, struct reports_list_page *page)
{
    int rows = PQntuples(res);
    int shown = rows > (int)limit ? (int)limit : rows;

    page->items = json_array();
    if (page->items == NULL)
        return STORE_FAILED;
    for (int i = 0; i < shown; i++) {
        json_t *report = json_loads(PQgetvalue(res, i, 0), 0, NULL);

        if (report == NULL || json_array_append_new(page->items, report) != 0)
            return STORE_FAILED;
    }
    page->more = rows > (int)limit;
    if (page->more) {
        page->last_us = strtoll(PQgetvalue(res, shown - 1, 1), NULL, 10);
        snprintf(page->last_id, sizeof(page->last_id), "%s", PQgetvalue(res, shown - 1, 2));
    }
    return STORE_OK;
}

enum store_status
reports_list_store_page(struct db_conn *conn, const struct report_filter *filter,
                        struct reports_list_page *page)
{
    struct reports_list_call call;
    enum store_status        status;
    PGresult                *res;

    memset(page, 0, sizeof(*page));
    reports_list_store_call(filter, &call);
    status = db_begin(conn);
    if (status != STORE_OK)
        return status;
    /* A plan cached for one set of filters is wrong for the next: with
     * the values known, an absent filter folds away and a given one can
     * use its index. Planning each time costs about a millisecond; a
     * generic plan scans the whole table for a rare station or region.
     * SET LOCAL keeps this to the list: intake keeps its cached plans. */
    status = db_run_command(conn, STMT_REPORT_LIST_CUSTOM_PLANS);
    if (status == STORE_OK) {
        res = db_run(conn, call.statement, call.params, &status);
        if (res != NULL) {
            status = page_read(res, filter->limit, page);
            PQclear(res);
        }
    }
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK) {
        db_rollback(conn);
        json_decref(page->items);
        page->items = NULL;
    }
    return status;
}
