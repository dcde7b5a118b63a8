/*
 * The report resource: parse, validate, store, answer. Each handler starts
 * from the 500 the server preset and has one exit that releases everything.
 */
#include "handlers/reports.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "domain/report.h"
#include "handlers/failure.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/reports_store.h"

static void
respond_malformed(struct response *resp, const struct request *req, const json_error_t *error)
{
    respond_problem(resp, req, 400, "malformed-json", "The body is not valid JSON", "%s",
                    error->text);
    json_object_set_new(resp->body, "line", json_integer(error->line));
    json_object_set_new(resp->body, "column", json_integer(error->column));
    json_object_set_new(resp->body, "position", json_integer(error->position));
}

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

void
reports_create(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct report     report = {0};
    struct violations errs;
    struct db_conn   *conn = NULL;
    json_error_t      error;
    json_t           *doc;
    json_t           *stored = NULL;
    enum store_status status;

    doc = body_parse_json(req->body, req->body_len, &error);
    if (doc == NULL) {
        respond_malformed(resp, req, &error);
        goto out;
    }
    if (validate(app, doc, &report, &errs) != 0) {
        respond_violations(resp, req, &errs);
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = reports_store_insert(conn, &report, &stored);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    /* Acknowledged only now: COMMIT has returned, the client may not retry. */
    snprintf(resp->location, sizeof(resp->location), "/v1/reports/%s",
             json_string_value(json_object_get(stored, "id")));
    respond_json(resp, 201, stored);
    stored = NULL;
out:
    db_release(app->db, conn);
    report_release(&report);
    json_decref(stored);
    json_decref(doc);
}

/* 8-4-4-4-12 hexadecimal digits, as PostgreSQL prints a uuid. */
static bool
is_uuid(const char *text)
{
    static const int group_end[] = {8, 13, 18, 23};
    size_t           g = 0;

    if (strlen(text) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (g < 4 && i == (size_t)group_end[g]) {
            if (text[i] != '-')
                return false;
            g++;
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}

void
reports_get(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = NULL;
    json_t           *stored = NULL;
    enum store_status status;

    if (!is_uuid(req->param)) {
        respond_problem(resp, req, 400, "invalid-id", "Invalid report id",
                        "A report id is a UUID such as 0b6f3e0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = reports_store_get(conn, req->param, &stored);
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
