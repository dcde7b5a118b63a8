/*
 * Writing and reading reports. The write is one statement (see
 * statements.c) between BEGIN and COMMIT; indicator lists travel as JSON
 * parameters, which also keeps them out of any SQL text.
 */
#include "store/reports_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/indicator_rows.h"

/* The JSON text of one indicator list (indicator_rows.h has the shapes).
 * Takes `list`, also when NULL. Returns a new string the caller frees, or
 * NULL when out of memory. */
static char *
list_text(json_t *list)
{
    char *text = list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;

    json_decref(list);
    return text;
}

enum {
    LIST_PHONES, LIST_APPS, LIST_ACCOUNTS, LIST_URLS, LIST_CHAT_IDS, LIST_COUNT
};

static enum store_status
insert_row(struct db_conn *conn, const struct report *r, char *const lists[LIST_COUNT],
           const char *organisation, const char *receipt_hash, char id[40])
{
    char               loss_minor[24];
    enum store_status  status;
    PGresult          *res;
    const char *params[25] = {
        r->source, r->scam_type, r->stage, r->channel, r->impersonated, r->info_leak,
        r->region, r->locality, r->occurred_at, r->has_loss ? loss_minor : NULL,
        r->has_loss ? r->loss.currency : NULL, r->victim_age_band, r->victim_gender,
        r->victim_name, r->victim_contact, r->narrative, r->case_number, r->station,
        lists[LIST_PHONES], lists[LIST_APPS], lists[LIST_ACCOUNTS], lists[LIST_URLS],
        lists[LIST_CHAT_IDS], organisation, receipt_hash,
    };

    snprintf(loss_minor, sizeof(loss_minor), "%" PRId64, r->loss.amount_minor);
    res = db_run(conn, STMT_REPORT_INSERT, params, &status);
    if (res != NULL) {
        snprintf(id, 40, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    return status;
}

enum store_status
reports_store_add(struct db_conn *conn, const struct report *report, const char *organisation,
                  const char *receipt_hash, char id[REPORTS_STORE_ID_SIZE])
{
    char             *lists[LIST_COUNT] = {
        list_text(indicator_rows_phones(report)),
        list_text(indicator_rows_named(report->apps, report->app_count)),
        list_text(indicator_rows_named(report->accounts, report->account_count)),
        list_text(indicator_rows_urls(report)),
        list_text(indicator_rows_named(report->chat_ids, report->chat_id_count)),
    };
    enum store_status status = STORE_FAILED;

    for (int i = 0; i < LIST_COUNT; i++)
        if (lists[i] == NULL)
            goto out;
    status = insert_row(conn, report, lists, organisation, receipt_hash, id);
out:
    for (int i = 0; i < LIST_COUNT; i++)
        free(lists[i]);
    return status;
}

enum store_status
reports_store_get(struct db_conn *conn, const char *id, const char *scope, json_t **stored)
{
    const char *params[2] = {id, scope};

    return db_run_json(conn, STMT_REPORT_GET, params, stored);
}

enum store_status
reports_store_seen_before(struct db_conn *conn, const char *id, json_t *receipt)
{
    const char       *params[1] = {id};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_REPORT_SEEN_BEFORE, params, &status);
    json_t           *seen;

    if (res == NULL)
        return status;
    seen = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    return json_object_set_new(receipt, "seen_before", seen) == 0 ? STORE_OK : STORE_FAILED;
}

enum store_status
reports_store_victim(struct db_conn *conn, const char *id, const char *organisation,
                     json_t *stored, bool *added)
{
    const char       *params[2] = {id, organisation};
    json_t           *victim = json_object_get(stored, "victim");
    json_t           *details = NULL;
    enum store_status status = db_run_json(conn, STMT_REPORT_VICTIM, params, &details);

    *added = false;
    if (status == STORE_NOT_FOUND)
        return STORE_OK;
    if (status == STORE_OK && (!json_is_object(victim) || json_object_update(victim, details) != 0))
        status = STORE_FAILED;
    json_decref(details);
    *added = status == STORE_OK;
    return status;
}

enum store_status
reports_store_by_receipt(struct db_conn *conn, const char *token, json_t **stored)
{
    const char *params[1] = {token};

    return db_run_json(conn, STMT_REPORT_BY_RECEIPT, params, stored);
}
