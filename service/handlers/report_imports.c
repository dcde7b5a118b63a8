/*
 * Bulk import. The body is split into lines as it arrives; each line is
 * validated by report_parse exactly as POST /v1/reports validates a body,
 * and a valid one goes straight on to the store's COPY. Memory stays the
 * same whatever the length of the upload: one line, one chunk of COPY
 * text, and the first REPORT_IMPORTS_ERRORS_MAX problems.
 */
#include "handlers/report_imports.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "domain/report.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "http/body.h"
#include "http/respond.h"
#include "log.h"
#include "store/import_store.h"

/* Seconds a client is asked to wait when imports are at their limit. */
#define IMPORT_BUSY_RETRY_S 5

struct import {
    struct app          *app;
    struct request      *req;
    struct vocab        *vocab;
    struct db_conn      *conn;
    struct import_batch *batch;
    bool                 holds_slot;
    /* A line that spans pieces of the body, kept up to line_max bytes
     * plus a carriage return; past that only line_too_long is kept. */
    char                *line;
    size_t               line_len;
    size_t               line_max;
    bool                 line_too_long;
    /* Lines taken so far, blank ones included: the number of the last. */
    int64_t              line_no;
    int64_t              received;
    int64_t              rejected;
    int64_t              blank;
    json_t              *errors;
    /* STORE_OK until the store failed; then the rest is only read. */
    enum store_status    failure;
};

/* Each import holds a pooled connection for its whole upload, and the pool
 * has THREADS of them: imports may take at most half, so single reports
 * always find one. */
static atomic_uint imports_running;

static bool
slot_claim(const struct app *app)
{
    unsigned limit = app->cfg->threads / 2 > 0 ? app->cfg->threads / 2 : 1;

    if (atomic_fetch_add(&imports_running, 1) < limit)
        return true;
    atomic_fetch_sub(&imports_running, 1);
    return false;
}

static void
import_free(struct import *im)
{
    if (im == NULL)
        return;
    import_store_abort(im->batch);
    db_release(im->app->db, im->conn);
    vocab_unref(im->vocab);
    if (im->holds_slot)
        atomic_fetch_sub(&imports_running, 1);
    json_decref(im->errors);
    free(im->line);
    free(im);
}

static struct import *
import_new(struct request *req)
{
    struct import *im = calloc(1, sizeof(*im));

    if (im == NULL)
        return NULL;
    im->app = req->app;
    im->req = req;
    /* A line is one report: it gets the cap a POST body has. */
    im->line_max = im->app->cfg->body_max;
    im->line = malloc(im->line_max + 1);
    im->errors = json_array();
    if (im->line == NULL || im->errors == NULL) {
        import_free(im);
        return NULL;
    }
    return im;
}

/* The code lists for the whole import. The COPY cannot pause for a reload
 * when a line names an unknown code, so reload before it starts (at most
 * every APP_VOCAB_REFRESH_S, as for single reports). */
static struct vocab *
vocab_for_import(struct app *app, struct db_conn *conn)
{
    struct vocab *fresh = app_vocab_refresh(app, conn);

    return fresh != NULL ? fresh : app_vocab(app);
}

static void *
import_begin(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct import    *im = import_new(req);
    struct import    *started = NULL;
    enum store_status status;

    if (im == NULL)
        goto out;
    im->holds_slot = slot_claim(app);
    if (!im->holds_slot) {
        respond_problem(resp, req, 503, "imports-busy", "Too many imports",
                        "Other imports are running; retry in %d seconds", IMPORT_BUSY_RETRY_S);
        resp->retry_after_s = IMPORT_BUSY_RETRY_S;
        goto out;
    }
    im->conn = db_acquire(app->db);
    if (im->conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    im->vocab = vocab_for_import(app, im->conn);
    status = import_store_begin(im->conn, access_owner(req), &im->batch);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    started = im;
out:
    if (started == NULL)
        import_free(im);
    return started;
}

/* Counts line im->line_no as rejected and lists it with `problem`
 * (taken); NULL once the list is full. */
static void
reject(struct import *im, json_t *problem)
{
    im->rejected++;
    if (problem != NULL)
        json_array_append_new(im->errors, json_pack("{s:I, s:o}", "line",
                                                    (json_int_t)im->line_no, "problem",
                                                    problem));
}

/* Past the first REPORT_IMPORTS_ERRORS_MAX, problems are not even built.
 * Those listed are the ones POST /v1/reports answers for the same text,
 * made by the same respond_* calls into a response that is never sent. */
static bool
errors_full(const struct import *im)
{
    return json_array_size(im->errors) >= REPORT_IMPORTS_ERRORS_MAX;
}

static void
reject_too_long(struct import *im)
{
    struct response scratch = {0};

    if (errors_full(im)) {
        reject(im, NULL);
        return;
    }
    respond_problem(&scratch, im->req, 413, "line-too-long", "Line too long",
                    "A line may be at most %zu bytes", im->line_max);
    reject(im, scratch.body);
}

static void
reject_malformed(struct import *im, const json_error_t *error)
{
    struct response scratch = {0};

    if (errors_full(im)) {
        reject(im, NULL);
        return;
    }
    respond_problem(&scratch, im->req, 400, "malformed-json", "The body is not valid JSON",
                    "%s", error->text);
    json_object_set_new(scratch.body, "line", json_integer(error->line));
    json_object_set_new(scratch.body, "column", json_integer(error->column));
    json_object_set_new(scratch.body, "position", json_integer(error->position));
    reject(im, scratch.body);
}

static void
reject_invalid(struct import *im, const struct violations *errs)
{
    struct response scratch = {0};

    if (errors_full(im)) {
        reject(im, NULL);
        return;
    }
    respond_violations(&scratch, im->req, errs);
    reject(im, scratch.body);
}

/* One report: parse, validate, on to the COPY. */
static void
import_report(struct import *im, const char *text, size_t len)
{
    struct report     report = {0};
    struct violations errs;
    json_error_t      error;
    json_t           *doc = body_parse_json(text, len, &error);
    enum store_status status;

    if (doc == NULL) {
        reject_malformed(im, &error);
        goto out;
    }
    violations_init(&errs);
    if (report_parse(doc, im->vocab, time(NULL), &report, &errs) != 0) {
        reject_invalid(im, &errs);
        goto out;
    }
    status = import_store_add(im->batch, im->line_no, &report);
    if (status != STORE_OK)
        im->failure = status;
out:
    report_release(&report);
    json_decref(doc);
}

static bool
is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
            return false;
    return true;
}

/* One line, its newline removed; a CR before it goes too (CRLF files).
 * Blank lines are numbered but neither stored nor rejected. */
static void
take_line(struct import *im, const char *text, size_t len, bool too_long)
{
    im->line_no++;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    too_long = too_long || len > im->line_max;
    if (!too_long && is_blank(text, len)) {
        im->blank++;
        return;
    }
    im->received++;
    if (too_long)
        reject_too_long(im);
    else
        import_report(im, text, len);
}

/* Keeps part of a line that continues in the next piece. */
static void
keep(struct import *im, const char *data, size_t len)
{
    if (im->line_too_long || len > im->line_max + 1 - im->line_len) {
        im->line_too_long = true;
        return;
    }
    memcpy(im->line + im->line_len, data, len);
    im->line_len += len;
}

static int
import_chunk(void *state, const char *data, size_t len)
{
    struct import *im = state;

    while (len > 0 && im->failure == STORE_OK) {
        const char *newline = memchr(data, '\n', len);
        size_t      piece = newline != NULL ? (size_t)(newline - data) : len;

        if (newline != NULL && im->line_len == 0 && !im->line_too_long) {
            /* The whole line is in this piece: no copy. */
            take_line(im, data, piece, false);
        } else {
            keep(im, data, piece);
            if (newline != NULL)
                take_line(im, im->line, im->line_len, im->line_too_long);
        }
        if (newline != NULL) {
            im->line_len = 0;
            im->line_too_long = false;
            piece++;
        }
        data += piece;
        len -= piece;
    }
    return im->failure == STORE_OK ? 0 : -1;
}

static void
import_end(void *state, struct request *req, struct response *resp)
{
    struct import       *im = state;
    struct import_batch *batch;
    int64_t              stored = 0;
    enum store_status    status;

    /* The last line needs no newline. */
    if (im->failure == STORE_OK && (im->line_len > 0 || im->line_too_long))
        take_line(im, im->line, im->line_len, im->line_too_long);
    status = im->failure;
    batch = im->batch;
    im->batch = NULL;
    if (status == STORE_OK)
        status = import_store_finish(batch, &stored);
    else
        import_store_abort(batch);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    /* Answered only now: COMMIT has returned. */
    log_info("import id=%s lines=%lld received=%lld stored=%lld rejected=%lld",
             req->request_id, (long long)im->line_no, (long long)im->received,
             (long long)stored, (long long)im->rejected);
    respond_json(resp, 200,
                 json_pack("{s:I, s:I, s:I, s:I, s:O}", "received", (json_int_t)im->received,
                           "stored", (json_int_t)stored, "rejected", (json_int_t)im->rejected,
                           "blank", (json_int_t)im->blank, "errors", im->errors));
out:
    import_free(im);
}

static void
import_abort(void *state)
{
    import_free(state);
}

const struct route_stream report_imports_stream = {
    .content_type = "application/x-ndjson",
    .on_begin = import_begin,
    .on_chunk = import_chunk,
    .on_end = import_end,
    .on_abort = import_abort,
};
