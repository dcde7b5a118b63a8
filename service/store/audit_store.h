/*
 * The audit trail: rows of who read victim data or changed what, written
 * in the transaction of what they record, and read back by admins newest
 * first. The table refuses updates and deletes (migration 0010).
 */
#ifndef FRAUD_AUDIT_STORE_H
#define FRAUD_AUDIT_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "store/db.h"

/* Who acted. Plain data with borrowed strings; NULL members are recorded
 * as NULL (the command line has no request, key or route). */
struct audit_actor {
    const char *request_id;
    const char *key_prefix;
    const char *organisation_id;
    const char *role;
    const char *method;
    const char *route;
};

#define AUDIT_STORE_LIMIT_DEFAULT 50
#define AUDIT_STORE_LIMIT_MAX     200

/* Which rows a page of the trail holds. Plain data, borrowed strings;
 * NULL members do not filter. */
struct audit_filter {
    unsigned    limit;
    /* The page starts below this id (the last id of the previous page). */
    const char *before_id;
    const char *action;
    const char *key_prefix;
    const char *organisation_id;
    const char *report_id;
    const char *from;   /* RFC 3339, inclusive */
    const char *to;     /* RFC 3339, exclusive */
};

/* Adds one row: `action` (such as "report.read_victim") by `actor`,
 * about report `report_id` and/or `subject` (either may be NULL). Runs in
 * the caller's transaction. Borrows everything. */
enum store_status audit_store_add(struct db_conn *conn, const struct audit_actor *actor,
                                  const char *action, const char *report_id,
                                  const char *subject);

/* One page, newest first: on STORE_OK *items is a new reference to an
 * array of rows, *more says whether another page follows and last_id
 * (room for 24 bytes) holds the id it starts below. Borrows filter. */
enum store_status audit_store_list(struct db_conn *conn, const struct audit_filter *filter,
                                   json_t **items, bool *more, char last_id[24]);

#endif
