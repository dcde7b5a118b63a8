/*
 * Pages of reports for GET /v1/reports: newest first by (reported_at, id),
 * filtered as a report_filter says, one query per page.
 */
#ifndef FRAUD_REPORTS_LIST_STORE_H
#define FRAUD_REPORTS_LIST_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/report_filter.h"
#include "store/db.h"

/* Parameters of the list statements ($1 .. $20 in statements.c). */
#define REPORTS_LIST_STORE_PARAMS 21

/* One page. items is a new reference to an array of reports as
 * GET /v1/reports/{id} returns them; when more reports follow, more is
 * true and last_us, last_id give the position of the page's last one. */
struct reports_list_page {
    json_t *items;
    bool    more;
    int64_t last_us;
    char    last_id[37];
};

/* Which statement a page runs and with which text parameters (NULL for
 * SQL NULL). The pointers borrow from the filter and from the call's own
 * buffers. Exposed so that a test can EXPLAIN exactly that query. */
struct reports_list_call {
    enum statement statement;
    const char    *params[REPORTS_LIST_STORE_PARAMS];
    char           fetch[16];
    char           cursor_us[24];
};

/* Fills *call for `filter`. Borrows filter, which must outlive *call. */
void reports_list_store_call(const struct report_filter *filter, struct reports_list_call *call);

/* Reads the page `filter` asks for. Borrows conn and filter. On STORE_OK
 * the caller owns page->items (json_decref); on failure it is NULL. */
enum store_status reports_list_store_page(struct db_conn *conn, const struct report_filter *filter,
                                          struct reports_list_page *page);

#endif
