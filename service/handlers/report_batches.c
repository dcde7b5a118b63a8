/*
 * Batch intake. Each item is validated exactly as POST /v1/reports
 * validates one report; the valid ones are stored in one transaction, and
 * the answer is a 207 with one result per item, in input order. With
 * ?atomic=true one invalid item refuses the whole batch (422).
 */
#include "handlers/report_batches.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "domain/report.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "handlers/idempotency.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/reports_store.h"

struct item {
    struct report report;
    bool          valid;
    json_t       *problem;  /* an invalid item's 422 problem */
    char          id[REPORTS_STORE_ID_SIZE];
};

struct batch {
    struct item *items;
    size_t       count;
    size_t       invalid;
};

static void
batch_free(struct batch *batch)
{
    for (size_t i = 0; i < batch->count && batch->items != NULL; i++) {
        report_release(&batch->items[i].report);
        json_decref(batch->items[i].problem);
    }
    free(batch->items);
    memset(batch, 0, sizeof(*batch));
}

/* ?atomic=true or false (the default). Returns 0, or -1 after filling
 * resp with a 400. */
static int
atomic_param(const struct request *req, struct response *resp, bool *atomic)
{
    const char *value = MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND,
                                                    "atomic");

    *atomic = value != NULL && strcmp(value, "true") == 0;
    if (value == NULL || *atomic || strcmp(value, "false") == 0)
        return 0;
    respond_problem(resp, req, 400, "invalid-query", "Invalid query parameter",
                    "atomic must be true or false");
    return -1;
}

/* A 422 about the batch as a whole: one error at pointer "". */
static void
respond_invalid_batch(struct response *resp, const struct request *req, const char *code,
                      const char *detail)
{
    respond_problem(resp, req, 422, "invalid-batch", "The batch is not valid",
                    "A batch is a JSON array of 1 to %d reports", REPORT_BATCHES_ITEMS_MAX);
    json_object_set_new(resp->body, "errors", json_pack("[{s:s, s:s, s:s}]", "pointer", "",
                                                        "code", code, "detail", detail));
}

/* A non-empty array of at most REPORT_BATCHES_ITEMS_MAX items. Returns
 * false after filling resp with a 422. */
static bool
shape_ok(const json_t *doc, const struct request *req, struct response *resp)
{
    char detail[128];

    if (!json_is_array(doc)) {
        respond_invalid_batch(resp, req, "type", "must be an array of reports");
        return false;
    }
    if (json_array_size(doc) == 0) {
        respond_invalid_batch(resp, req, "empty", "must hold at least one report");
        return false;
    }
    if (json_array_size(doc) > REPORT_BATCHES_ITEMS_MAX) {
        snprintf(detail, sizeof(detail),
                 "must hold at most %d reports, not %zu: split it into several batches",
                 REPORT_BATCHES_ITEMS_MAX, json_array_size(doc));
        respond_invalid_batch(resp, req, "too_long", detail);
        return false;
    }
    return true;
}

/* The item's problem as POST /v1/reports answers it for one report, with
 * each pointer prefixed by the item's index ("/3/loss/amount"). Returns a
 * new reference, NULL when out of memory. */
static json_t *
item_problem(const struct request *req, size_t index, const struct violations *errs)
{
    struct response answer = {0};
    json_t         *error;
    size_t          i;

    /* A scratch response: respond_violations builds exactly the body that
     * POST /v1/reports sends for these violations. */
    respond_violations(&answer, req, errs);
    json_array_foreach(json_object_get(answer.body, "errors"), i, error) {
        const char *pointer = json_string_value(json_object_get(error, "pointer"));

        json_object_set_new(error, "pointer", json_sprintf("/%zu%s", index, pointer));
    }
    return answer.body;
}

static int
item_parse(json_t *doc, const struct vocab *vocab, struct report *report,
           struct violations *errs)
{
    violations_init(errs);
    return report_parse(doc, vocab, time(NULL), report, errs);
}

/* Fresh code lists, when the snapshot may lack a code just added. */
static struct vocab *
vocab_reload(struct app *app)
{
    struct db_conn *conn = db_acquire(app->db);
    struct vocab   *fresh = conn != NULL ? app_vocab_refresh(app, conn) : NULL;

    db_release(app->db, conn);
    return fresh;
}

/* Validates every item against one snapshot of the code lists. The first
 * item that names an unknown code gets the lists reloaded, once for the
 * whole batch, and is validated again. Returns 0, or -1 when out of
 * memory. */
static int
batch_validate(struct app *app, const struct request *req, json_t *doc, struct batch *batch)
{
    struct violations *errs = malloc(sizeof(*errs));
    struct vocab      *vocab = app_vocab(app);
    bool               reloaded = false;
    int                result;

    batch->count = json_array_size(doc);
    batch->items = calloc(batch->count, sizeof(batch->items[0]));
    result = errs != NULL && batch->items != NULL ? 0 : -1;
    for (size_t i = 0; i < batch->count && result == 0; i++) {
        struct item *item = &batch->items[i];
        int          rc = item_parse(json_array_get(doc, i), vocab, &item->report, errs);

        if (rc != 0 && !reloaded && report_unknown_codes(errs)) {
            struct vocab *fresh = vocab_reload(app);

            reloaded = true;
            if (fresh != NULL) {
                vocab_unref(vocab);
                vocab = fresh;
                report_release(&item->report);
                rc = item_parse(json_array_get(doc, i), vocab, &item->report, errs);
            }
        }
        if (rc == 0 && access_check_source(req, &item->report, "", errs) != 0)
            rc = -1;
        item->valid = rc == 0;
        if (!item->valid) {
            item->problem = item_problem(req, i, errs);
            batch->invalid++;
            result = item->problem != NULL ? 0 : -1;
        }
    }
    vocab_unref(vocab);
    free(errs);
    return result;
}

/* With ?atomic=true: 422 listing every invalid item's errors, each
 * pointer naming its item. */
static void
respond_refused(struct response *resp, const struct request *req, const struct batch *batch)
{
    json_t    *errors = json_array();
    json_int_t omitted = 0;

    for (size_t i = 0; i < batch->count; i++) {
        json_t *problem = batch->items[i].problem;

        if (batch->items[i].valid)
            continue;
        json_array_extend(errors, json_object_get(problem, "errors"));
        omitted += json_integer_value(json_object_get(problem, "errors_omitted"));
    }
    respond_problem(resp, req, 422, "invalid-batch", "The batch is not valid",
                    "%zu of %zu reports are not valid; with atomic=true none was stored",
                    batch->invalid, batch->count);
    if (omitted > 0)
        json_object_set_new(resp->body, "errors_omitted", json_integer(omitted));
    json_object_set_new(resp->body, "errors", errors);
}

/* {"results": [...]}: per item, in input order, its id and Location or
 * its problem. Returns a new reference. */
static json_t *
results_body(const struct batch *batch)
{
    json_t *results = json_array();

    for (size_t i = 0; i < batch->count; i++) {
        const struct item *item = &batch->items[i];

        if (!item->valid)
            json_array_append_new(results, json_pack("{s:I, s:i, s:O}", "index", (json_int_t)i,
                                                     "status", 422, "problem", item->problem));
        else
            json_array_append_new(
                results, json_pack("{s:I, s:i, s:s, s:o}", "index", (json_int_t)i, "status", 201,
                                   "id", item->id, "location",
                                   json_sprintf("/v1/reports/%s", item->id)));
    }
    return json_pack("{s:o}", "results", results);
}

/* BEGIN, then every valid item; the caller commits or rolls back. One
 * transaction: validation has already refused what the database would,
 * so a failure here fails the whole request, and 1,000 reports cost one
 * COMMIT instead of 1,000. */
static enum store_status
batch_store(struct db_conn *conn, struct batch *batch, const char *owner)
{
    enum store_status status = db_begin(conn);

    for (size_t i = 0; i < batch->count && status == STORE_OK; i++)
        if (batch->items[i].valid)
            status = reports_store_add(conn, &batch->items[i].report, owner, NULL,
                                       batch->items[i].id);
    return status;
}

void
report_batches_create(struct request *req, struct response *resp)
{
    struct app        *app = req->app;
    struct idempotency idem = {0};
    struct batch       batch = {0};
    struct db_conn    *conn = NULL;
    json_error_t       error;
    json_t            *doc = NULL;
    json_t            *answer = NULL;
    bool               atomic;
    enum store_status  status;

    if (atomic_param(req, resp, &atomic) != 0 || !idempotency_begin(req, resp, &idem))
        goto out;
    doc = body_parse_json(req->body, req->body_len, &error);
    if (doc == NULL) {
        respond_malformed_json(resp, req, &error);
        goto out;
    }
    if (!shape_ok(doc, req, resp) || batch_validate(app, req, doc, &batch) != 0)
        goto out;
    if (atomic && batch.invalid > 0) {
        respond_refused(resp, req, &batch);
        goto out;
    }
    /* Nothing to store: answered, but like any refused request it does
     * not bind an Idempotency-Key. */
    if (batch.invalid == batch.count) {
        respond_json(resp, 207, results_body(&batch));
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = batch_store(conn, &batch, access_owner(req));
    if (status == STORE_OK) {
        answer = results_body(&batch);
        status = answer != NULL ? idempotency_commit(&idem, conn, 207, NULL, answer)
                                : STORE_FAILED;
    }
    if (status != STORE_OK) {
        db_rollback(conn);
        failure_respond(resp, req, status);
        goto out;
    }
    /* Acknowledged only now: COMMIT has returned. */
    respond_json(resp, 207, answer);
    answer = NULL;
out:
    db_release(app->db, conn);
    idempotency_release(&idem);
    batch_free(&batch);
    json_decref(answer);
    json_decref(doc);
}
