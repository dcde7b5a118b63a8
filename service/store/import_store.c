/*
 * The import's COPY stream. Each report becomes one row of COPY text
 * (batch id, line, payload), the payload being the normalised report as a
 * JSON object in the shape the move statement (statements.c) unpacks.
 * Every IMPORT_MOVE_ROWS rows the COPY is ended, the staged rows are moved
 * and a new COPY begins: the staging table stays small, and the work left
 * after the last line is at most one such move, however long the upload.
 */
#include "store/import_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/indicator_rows.h"

/* Rows are handed to libpq once this much COPY text is pending. */
#define IMPORT_FLUSH_BYTES (64 * 1024)
/* Staged rows moved at a time: about half a second of database work, for
 * which the HTTP worker thread waits. */
#define IMPORT_MOVE_ROWS 2000

struct import_batch {
    struct db_conn *conn;
    char            batch_id[40];
    /* The organisation every report of the batch belongs to; "" for none. */
    char            organisation[40];
    bool            copying;
    /* COPY text not yet handed to libpq: whole rows only. */
    char           *pending;
    size_t          pending_len;
    size_t          pending_cap;
    bool            out_of_memory;
    /* Rows staged since the last move; the last line moved and the last
     * line staged; how many reports the moves so far stored. */
    int64_t         staged;
    int64_t         moved_through;
    int64_t         last_line;
    int64_t         stored;
};

enum store_status
import_store_begin(struct db_conn *conn, const char *organisation, struct import_batch **batch)
{
    struct import_batch *fresh = calloc(1, sizeof(*fresh));
    enum store_status    status = fresh != NULL ? db_begin(conn) : STORE_FAILED;
    PGresult            *res = NULL;

    *batch = NULL;
    if (fresh != NULL && organisation != NULL)
        snprintf(fresh->organisation, sizeof(fresh->organisation), "%s", organisation);
    if (status == STORE_OK)
        res = db_run(conn, STMT_IMPORT_START, NULL, &status);
    if (res != NULL) {
        snprintf(fresh->batch_id, sizeof(fresh->batch_id), "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    if (status == STORE_OK)
        status = db_copy_begin(conn, statements_import_copy_sql);
    if (status != STORE_OK) {
        if (fresh != NULL)
            db_rollback(conn);
        free(fresh);
        return status;
    }
    fresh->conn = conn;
    fresh->copying = true;
    *batch = fresh;
    return STORE_OK;
}

static int
reserve(struct import_batch *batch, size_t more)
{
    size_t cap = batch->pending_cap != 0 ? batch->pending_cap : 2 * IMPORT_FLUSH_BYTES;
    char  *grown;

    if (batch->out_of_memory)
        return -1;
    if (more <= batch->pending_cap - batch->pending_len)
        return 0;
    while (cap - batch->pending_len < more)
        cap *= 2;
    grown = realloc(batch->pending, cap);
    if (grown == NULL) {
        batch->out_of_memory = true;
        return -1;
    }
    batch->pending = grown;
    batch->pending_cap = cap;
    return 0;
}

static void
append(struct import_batch *batch, const char *text, size_t len)
{
    if (reserve(batch, len) != 0)
        return;
    memcpy(batch->pending + batch->pending_len, text, len);
    batch->pending_len += len;
}

/* json_dump_callback sink: the JSON text with COPY text format's escapes
 * for backslash, newline, carriage return and tab, so that a backslash
 * escape inside a JSON string reaches jsonb unchanged. */
static int
append_escaped(const char *text, size_t len, void *data)
{
    struct import_batch *batch = data;
    size_t               run = 0;

    if (reserve(batch, 2 * len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        const char *escape = text[i] == '\\' ? "\\\\"
                           : text[i] == '\n' ? "\\n"
                           : text[i] == '\r' ? "\\r"
                           : text[i] == '\t' ? "\\t"
                                             : NULL;

        if (escape == NULL) {
            batch->pending[batch->pending_len + run++] = text[i];
            continue;
        }
        batch->pending[batch->pending_len + run++] = escape[0];
        batch->pending[batch->pending_len + run++] = escape[1];
    }
    batch->pending_len += run;
    return 0;
}

/* The report as the move statement reads it: absent members are left out
 * (NULL there), indicator lists as indicator_rows.h builds them for
 * POST /v1/reports. Returns a new reference, or NULL when out of memory. */
static json_t *
payload_of(const struct report *r)
{
    json_t *payload = json_pack(
        "{s:s, s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*,"
        " s:s*, s:s*}",
        "source", r->source, "scam_type", r->scam_type, "stage", r->stage, "channel",
        r->channel, "impersonated", r->impersonated, "info_leak", r->info_leak, "region",
        r->region, "locality", r->locality, "occurred_at", r->occurred_at, "victim_age_band",
        r->victim_age_band, "victim_gender", r->victim_gender, "victim_name", r->victim_name,
        "victim_contact", r->victim_contact, "narrative", r->narrative, "case_number",
        r->case_number, "station", r->station);
    int failed = payload == NULL;

    if (!failed && r->has_loss)
        failed = json_object_set_new(payload, "loss_minor",
                                     json_integer((json_int_t)r->loss.amount_minor)) != 0
              || json_object_set_new(payload, "loss_currency",
                                     json_string(r->loss.currency)) != 0;
    if (!failed)
        failed = json_object_set_new(payload, "phones", indicator_rows_phones(r)) != 0
              || json_object_set_new(payload, "apps",
                                     indicator_rows_named(r->apps, r->app_count)) != 0
              || json_object_set_new(payload, "accounts",
                                     indicator_rows_named(r->accounts, r->account_count)) != 0
              || json_object_set_new(payload, "urls", indicator_rows_urls(r)) != 0
              || json_object_set_new(payload, "chat_ids",
                                     indicator_rows_named(r->chat_ids, r->chat_id_count)) != 0;
    if (failed) {
        json_decref(payload);
        return NULL;
    }
    return payload;
}

static enum store_status
flush(struct import_batch *batch)
{
    enum store_status status;

    if (batch->out_of_memory)
        return STORE_FAILED;
    status = db_copy_put(batch->conn, batch->pending, batch->pending_len);
    batch->pending_len = 0;
    return status;
}

/* Ends the COPY and moves what it staged into the report tables. */
static enum store_status
move_staged(struct import_batch *batch)
{
    char              after[24];
    const char       *params[3] = {batch->batch_id, after,
                                   batch->organisation[0] != '\0' ? batch->organisation : NULL};
    enum store_status status = flush(batch);
    enum store_status ended = db_copy_end(batch->conn, status == STORE_OK ? NULL
                                                                           : "import failed");
    PGresult         *res;

    batch->copying = false;
    if (status != STORE_OK || ended != STORE_OK)
        return status != STORE_OK ? status : ended;
    snprintf(after, sizeof(after), "%" PRId64, batch->moved_through);
    res = db_run(batch->conn, STMT_IMPORT_MOVE, params, &status);
    if (res == NULL)
        return status;
    batch->stored += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    batch->moved_through = batch->last_line;
    batch->staged = 0;
    PQclear(res);
    return STORE_OK;
}

enum store_status
import_store_add(struct import_batch *batch, int64_t line, const struct report *report)
{
    json_t           *payload = payload_of(report);
    char              head[80];
    int               head_len = snprintf(head, sizeof(head), "%s\t%" PRId64 "\t",
                                          batch->batch_id, line);
    size_t            row_start = batch->pending_len;
    enum store_status status;

    if (payload == NULL)
        return STORE_FAILED;
    append(batch, head, (size_t)head_len);
    if (json_dump_callback(payload, append_escaped, batch, JSON_COMPACT) != 0)
        batch->out_of_memory = true;
    append(batch, "\n", 1);
    json_decref(payload);
    if (batch->out_of_memory) {
        batch->pending_len = row_start;
        return STORE_FAILED;
    }
    batch->last_line = line;
    if (++batch->staged < IMPORT_MOVE_ROWS)
        return batch->pending_len >= IMPORT_FLUSH_BYTES ? flush(batch) : STORE_OK;
    status = move_staged(batch);
    if (status == STORE_OK)
        status = db_copy_begin(batch->conn, statements_import_copy_sql);
    batch->copying = status == STORE_OK;
    return status;
}

static void
batch_free(struct import_batch *batch)
{
    free(batch->pending);
    free(batch);
}

enum store_status
import_store_finish(struct import_batch *batch, int64_t *stored)
{
    enum store_status status = move_staged(batch);

    if (status == STORE_OK)
        status = db_commit(batch->conn);
    if (status != STORE_OK)
        db_rollback(batch->conn);
    *stored = status == STORE_OK ? batch->stored : 0;
    batch_free(batch);
    return status;
}

void
import_store_abort(struct import_batch *batch)
{
    if (batch == NULL)
        return;
    if (batch->copying)
        db_copy_end(batch->conn, "import abandoned");
    db_rollback(batch->conn);
    batch_free(batch);
}
