/*
 * Writing and reading reports. The write is one statement (see
 * statements.c) between BEGIN and COMMIT; indicator lists travel as JSON
 * parameters, which also keeps them out of any SQL text.
 */
#include "store/reports_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* The JSON text of one indicator list, [{"position": 0, ...}, ...].
 * Returns a new string the caller frees, or NULL when out of memory. */
static char *
phones_param(const struct report *report)
{
    json_t *list = json_array();
    char   *text;

    for (size_t i = 0; i < report->phone_count; i++) {
        const struct report_phone *p = &report->phones[i];

        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s?, s:b, s:b, s:b, s:s?, s:s?}", "position",
                            (json_int_t)i, "raw", p->raw, "e164",
                            p->normalised ? p->phone.e164 : NULL, "leading_plus",
                            p->phone.leading_plus, "international",
                            p->normalised && p->phone.international, "valid",
                            p->normalised && p->phone.valid, "type",
                            p->normalised && p->phone.type[0] ? p->phone.type : NULL, "region",
                            p->normalised && p->phone.region[0] ? p->phone.region : NULL));
    }
    text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

static char *
named_param(const struct report_named *items, size_t count)
{
    json_t *list = json_array();
    char   *text;

    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s?}", "position", (json_int_t)i,
                                              "value", items[i].value, "qualifier",
                                              items[i].qualifier));
    text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

static char *
urls_param(const struct report *report)
{
    json_t *list = json_array();
    char   *text;

    for (size_t i = 0; i < report->url_count; i++)
        json_array_append_new(list, json_pack("{s:I, s:s}", "position", (json_int_t)i, "value",
                                              report->urls[i]));
    text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return text;
}

enum {
    LIST_PHONES, LIST_APPS, LIST_ACCOUNTS, LIST_URLS, LIST_CHAT_IDS, LIST_COUNT
};

static enum store_status
insert_row(struct db_conn *conn, const struct report *r, char *const lists[LIST_COUNT],
           char id[40])
{
    char               loss_minor[24];
    enum store_status  status;
    PGresult          *res;
    const char *params[23] = {
        r->source, r->scam_type, r->stage, r->channel, r->impersonated, r->info_leak,
        r->region, r->locality, r->occurred_at, r->has_loss ? loss_minor : NULL,
        r->has_loss ? r->loss.currency : NULL, r->victim_age_band, r->victim_gender,
        r->victim_name, r->victim_contact, r->narrative, r->case_number, r->station,
        lists[LIST_PHONES], lists[LIST_APPS], lists[LIST_ACCOUNTS], lists[LIST_URLS],
        lists[LIST_CHAT_IDS],
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
reports_store_insert(struct db_conn *conn, const struct report *report, json_t **stored)
{
    char             *lists[LIST_COUNT] = {
        phones_param(report),
        named_param(report->apps, report->app_count),
        named_param(report->accounts, report->account_count),
        urls_param(report),
        named_param(report->chat_ids, report->chat_id_count),
    };
    char              id[40];
    enum store_status status = STORE_FAILED;

    *stored = NULL;
    for (int i = 0; i < LIST_COUNT; i++)
        if (lists[i] == NULL)
            goto out;
    status = db_begin(conn);
    if (status != STORE_OK)
        goto out;
    status = insert_row(conn, report, lists, id);
    /* Read back inside the transaction: the answer is exactly what COMMIT
     * makes durable, with no second snapshot in between. */
    if (status == STORE_OK)
        status = reports_store_get(conn, id, stored);
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK) {
        db_rollback(conn);
        json_decref(*stored);
        *stored = NULL;
    }
out:
    for (int i = 0; i < LIST_COUNT; i++)
        free(lists[i]);
    return status;
}

enum store_status
reports_store_get(struct db_conn *conn, const char *id, json_t **stored)
{
    const char       *params[1] = {id};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_REPORT_GET, params, &status);

    *stored = NULL;
    if (res == NULL)
        return status;
    if (PQntuples(res) == 0) {
        status = STORE_NOT_FOUND;
    } else {
        *stored = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        status = *stored != NULL ? STORE_OK : STORE_FAILED;
    }
    PQclear(res);
    return status;
}
