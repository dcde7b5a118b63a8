/*
 * The report resource: parse, validate, store, answer. Each handler starts
 * from the 500 the server preset and has one exit that releases everything.
 */
#include "handlers/reports.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "domain/apikey.h"
#include "domain/report.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "handlers/idempotency.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/reports_store.h"

/* Validates against the current code lists; when a code is unknown, once
 * more against freshly loaded lists, in case a code was just added. */
static int
validate(struct app *app, json_t *doc, struct report *report, struct violations *errs)
{
    struct vocab *vocab = app_vocab(app);
    int           rc;

    violations_init(errs);
    rc = report_parse(doc, vocab, time(NULL), report, errs);
    if (rc != 0 && report_unknown_codes(errs)) {
        struct db_conn *conn = db_acquire(app->db);
        struct vocab   *fresh = conn != NULL ? app_vocab_refresh(app, conn) : NULL;

        db_release(app->db, conn);
        if (fresh != NULL) {
            report_release(report);
            violations_init(errs);
            rc = report_parse(doc, fresh, time(NULL), report, errs);
            vocab_unref(fresh);
        }
    }
    vocab_unref(vocab);
    return rc;
}

/* For a caller whose counts are suppressed, a value other reports name
 * fewer than k times reads null: known, but not how often. */
static void
hide_small_counts(json_t *receipt, json_int_t k)
{
    static const char *const maps[] = {"phones", "accounts", "urls"};
    json_t                  *seen = json_object_get(receipt, "seen_before");
    const char              *value;
    json_t                  *count;

    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        json_object_foreach(json_object_get(seen, maps[i]), value, count)
            if (json_integer_value(count) < k)
                json_object_set_new(json_object_get(seen, maps[i]), value, json_null());
}

void
reports_create(struct request *req, struct response *resp)
{
    struct app        *app = req->app;
    struct report      report = {0};
    struct violations  errs;
    struct idempotency idem = {0};
    struct db_conn    *conn = NULL;
    json_error_t       error;
    json_t            *doc = NULL;
    json_t            *stored = NULL;
    char               id[REPORTS_STORE_ID_SIZE];
    char               receipt[APIKEY_RECEIPT_LEN + 1];
    char               receipt_hash[2 * APIKEY_HASH_LEN + 1];
    enum store_status  status;

    if (!idempotency_begin(req, resp, &idem))
        goto out;
    doc = body_parse_json(req->body, req->body_len, &error);
    if (doc == NULL) {
        respond_malformed_json(resp, req, &error);
        goto out;
    }
    if (validate(app, doc, &report, &errs) != 0
        || access_check_source(req, &report, "", &errs) != 0) {
        respond_violations(resp, req, &errs);
        goto out;
    }
    if (apikey_receipt(receipt, receipt_hash) != 0)
        goto out;
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    /* The report, its read-back and the Idempotency-Key's answer in one
     * transaction: neither is ever durable without the other. */
    status = db_begin(conn);
    if (status == STORE_OK)
        status = reports_store_add(conn, &report, access_owner(req), receipt_hash, id);
    if (status == STORE_OK)
        status = reports_store_get(conn, id, NULL, &stored);
    /* The token that reads this report back, shown here only. */
    if (status == STORE_OK && json_object_set_new(stored, "receipt", json_string(receipt)) != 0)
        status = STORE_FAILED;
    /* Only the receipt says whether its numbers are known: GET does not. */
    if (status == STORE_OK)
        status = reports_store_seen_before(conn, id, stored);
    if (status == STORE_OK && access_counts_suppressed(req))
        hide_small_counts(stored, (json_int_t)app->cfg->trend_k);
    if (status == STORE_OK) {
        snprintf(resp->location, sizeof(resp->location), "/v1/reports/%s", id);
        status = idempotency_commit(&idem, conn, 201, resp->location, stored);
    }
    if (status != STORE_OK) {
        db_rollback(conn);
        resp->location[0] = '\0';
        failure_respond(resp, req, status);
        goto out;
    }
    /* Acknowledged only now: COMMIT has returned. */
    respond_json(resp, 201, stored);
    stored = NULL;
out:
    db_release(app->db, conn);
    idempotency_release(&idem);
    report_release(&report);
    json_decref(stored);
    json_decref(doc);
}

/* Reads report `id` as the caller may see it: of its scope only, and
 * with the victim's name and contact for police of the report's own
 * organisation, whose read is then audited in the same transaction. */
static enum store_status
read_report(struct request *req, struct db_conn *conn, json_t **stored)
{
    struct audit_actor actor;
    bool               added = false;
    enum store_status  status;

    if (!access_sees_victims(req))
        return reports_store_get(conn, req->param, access_scope(req), stored);
    status = db_begin(conn);
    if (status == STORE_OK)
        status = reports_store_get(conn, req->param, access_scope(req), stored);
    if (status == STORE_OK)
        status = reports_store_victim(conn, req->param, access_owner(req), *stored, &added);
    if (status == STORE_OK && added) {
        access_audit_actor(req, &actor);
        status = audit_store_add(conn, &actor, "report.read_victim", req->param, NULL);
    }
    if (status == STORE_OK)
        status = db_commit(conn);
    if (status != STORE_OK) {
        db_rollback(conn);
        json_decref(*stored);
        *stored = NULL;
    }
    return status;
}

void
reports_get(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = NULL;
    json_t           *stored = NULL;
    json_int_t        version;
    enum store_status status;

    if (!report_is_id(req->param)) {
        respond_problem(resp, req, 400, "invalid-id", "Invalid report id",
                        "A report id is a UUID such as 0b6f3e0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = read_report(req, conn, &stored);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    /* The version is the ETag: PATCH wants it back in If-Match. */
    version = json_integer_value(json_object_get(stored, "version"));
    respond_etag(resp, version);
    if (respond_etag_matches(MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_IF_NONE_MATCH),
                             version, true)) {
        respond_not_modified(resp);
        goto out;
    }
    respond_json(resp, 200, stored);
    stored = NULL;
out:
    db_release(app->db, conn);
    json_decref(stored);
}

void
reports_by_receipt(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = NULL;
    json_t           *stored = NULL;
    enum store_status status;

    /* A token of any other shape names no report: no query for it. */
    if (strlen(req->param) != APIKEY_RECEIPT_LEN || strncmp(req->param, "fr_", 3) != 0) {
        respond_problem(resp, req, 404, "not-found", "Not found", "There is no such report");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = reports_store_by_receipt(conn, req->param, &stored);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, stored);
    stored = NULL;
out:
    db_release(app->db, conn);
    json_decref(stored);
}
