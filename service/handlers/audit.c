/*
 * Reading the audit trail: filters as query parameters, pages of up to
 * AUDIT_STORE_LIMIT_MAX rows, and the next page's cursor in the body.
 */
#include "handlers/audit.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "domain/report.h"
#include "domain/timestamp.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "store/audit_store.h"

struct audit_query {
    struct audit_filter filter;
    struct violations   errs;
    unsigned            seen;   /* one bit per parameter given */
};

static bool
is_digits(const char *text, size_t max)
{
    size_t len = strlen(text);

    return len > 0 && len <= max && strspn(text, "0123456789") == len;
}

/* Checks one parameter's value; returns the detail of what is wrong, or
 * NULL when it is right. */
static const char *
check_value(const char *name, const char *value)
{
    int64_t epoch;

    if (strcmp(name, "limit") == 0)
        return is_digits(value, 3) && atoi(value) >= 1 && atoi(value) <= AUDIT_STORE_LIMIT_MAX
                   ? NULL
                   : "must be a whole number from 1 to 200";
    if (strcmp(name, "cursor") == 0)
        return is_digits(value, 18) ? NULL : "must be the cursor of a previous page";
    if (strcmp(name, "organisation_id") == 0 || strcmp(name, "report_id") == 0)
        return report_is_id(value) ? NULL : "must be a UUID";
    if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0)
        return timestamp_parse_rfc3339(value, &epoch) == 0 ? NULL
                                                           : "must be an RFC 3339 time";
    return strlen(value) <= 64 ? NULL : "must be at most 64 bytes";
}

static enum MHD_Result
take_parameter(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    static const char *const names[] = {"action", "key_prefix", "organisation_id",
                                        "report_id", "from", "to", "limit", "cursor"};
    struct audit_query      *query = cls;
    struct audit_filter     *f = &query->filter;
    const char             **slots[] = {&f->action, &f->key_prefix, &f->organisation_id,
                                        &f->report_id, &f->from, &f->to, NULL, &f->before_id};
    const char              *wrong;
    size_t                   i = 0;

    (void)kind;
    while (i < sizeof(names) / sizeof(names[0]) && strcmp(names[i], name) != 0)
        i++;
    if (i == sizeof(names) / sizeof(names[0])) {
        violations_add(&query->errs, name, "unknown_parameter", "is not a parameter here");
        return MHD_YES;
    }
    if ((query->seen & (1u << i)) != 0) {
        violations_add(&query->errs, name, "duplicate", "may be given once");
        return MHD_YES;
    }
    query->seen |= 1u << i;
    wrong = value == NULL || value[0] == '\0' ? "must not be empty" : check_value(name, value);
    if (wrong != NULL)
        violations_add(&query->errs, name, "format", "%s", wrong);
    else if (slots[i] != NULL)
        *slots[i] = value;
    else
        f->limit = (unsigned)atoi(value);
    return MHD_YES;
}

void
audit_list(struct request *req, struct response *resp)
{
    struct app        *app = req->app;
    struct audit_query query = {.filter = {.limit = AUDIT_STORE_LIMIT_DEFAULT}};
    struct db_conn    *conn = NULL;
    json_t            *items = NULL;
    bool               more = false;
    char               last_id[24];
    enum store_status  status;

    violations_init(&query.errs);
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, take_parameter, &query);
    if (query.errs.count + query.errs.dropped > 0) {
        respond_invalid_query(resp, req, &query.errs);
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = audit_store_list(conn, &query.filter, &items, &more, last_id);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, json_pack("{s:o, s:s?}", "items", items, "next",
                                      more ? last_id : NULL));
    items = NULL;
out:
    db_release(app->db, conn);
    json_decref(items);
}
