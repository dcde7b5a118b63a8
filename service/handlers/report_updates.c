/*
 * Police updates: a JSON Merge Patch applied only to the version the
 * caller read (If-Match), checked and stored in one transaction that also
 * writes the history rows; and the history read. Each handler starts from
 * the 500 the server preset and has one exit that releases everything.
 */
#include "handlers/report_updates.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "domain/report.h"
#include "domain/report_patch.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/report_updates_store.h"

/* "key:<prefix>", or "address:" and an IPv6 address in text. */
#define ACTOR_MAX 64

static const char *
header(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

static long long
version_of(const json_t *report)
{
    return (long long)json_integer_value(json_object_get(report, "version"));
}

static bool
refuse_invalid_id(struct response *resp, const struct request *req)
{
    if (report_is_id(req->param))
        return false;
    respond_problem(resp, req, 400, "invalid-id", "Invalid report id",
                    "A report id is a UUID such as 0b6f3e0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
    return true;
}

/* An update must name the version it was made from: without If-Match (or
 * with "*", which names none) two officers could overwrite each other. */
static bool
refuse_unconditional(struct response *resp, const struct request *req, const char *if_match)
{
    const char *first = if_match != NULL ? if_match + strspn(if_match, " \t") : "";

    if (*first != '*' && *first != '\0')
        return false;
    respond_problem(resp, req, 428, "precondition-required", "Precondition required",
                    "Send If-Match with the ETag of the report as you read it "
                    "(GET /v1/reports/{id})");
    return true;
}

static void
refuse_stale(struct response *resp, const struct request *req, long long version)
{
    respond_problem(resp, req, 412, "precondition-failed", "Precondition failed",
                    "The report has changed since you read it; it is now version %lld "
                    "(see ETag): read it again and send your change against that",
                    version);
    respond_etag(resp, version);
}

static void
read_patch(const struct vocab *vocab, json_t *doc, const char *id,
           const struct report_updates_state *current, struct report_patch *patch,
           struct violations *errs)
{
    violations_init(errs);
    report_patch_parse(doc, vocab, time(NULL), patch, errs);
    report_patch_check(patch, current->report, json_object_get(current->report, "related"), id,
                       vocab, errs);
}

/* Links must name reports that exist. */
static enum store_status
check_related(struct db_conn *conn, const struct report_patch *patch, const char *scope,
              struct violations *errs)
{
    size_t            unknown[REPORT_PATCH_LINKS_MAX];
    size_t            unknown_count;
    char              pointer[VIOLATION_POINTER_MAX];
    enum store_status status;

    if (patch->related_count > REPORT_PATCH_LINKS_MAX)
        return STORE_FAILED;
    status = report_updates_store_unknown_related(conn, patch, scope, unknown, &unknown_count);
    for (size_t i = 0; status == STORE_OK && i < unknown_count; i++) {
        violations_pointer_index(pointer, sizeof(pointer), "/related", unknown[i]);
        violations_add(errs, pointer, "unknown_report", "there is no report with this id");
    }
    return status;
}

/* Reads the patch and checks it against the locked report; errs lists
 * every problem. As for a new report, an unknown code earns one more try
 * against freshly loaded code lists. Returns the database's status. */
static enum store_status
check_patch(struct request *req, struct db_conn *conn, const char *id, json_t *doc,
            const struct report_updates_state *current, struct report_patch *patch,
            struct violations *errs)
{
    struct app   *app = req->app;
    struct vocab *vocab = app_vocab(app);

    read_patch(vocab, doc, id, current, patch, errs);
    if (report_unknown_codes(errs)) {
        struct vocab *fresh = app_vocab_refresh(app, conn);

        if (fresh != NULL) {
            report_patch_release(patch);
            read_patch(fresh, doc, id, current, patch, errs);
            vocab_unref(fresh);
        }
    }
    vocab_unref(vocab);
    return check_related(conn, patch, access_scope(req), errs);
}

/* What the update changed, links included (report_json lists them under
 * "related"). Returns a new reference, or NULL when out of memory. */
static json_t *
changes_between(const struct report_updates_state *before,
                const struct report_updates_state *after)
{
    return report_patch_changes(before->report, after->report);
}

void
report_updates_patch(struct request *req, struct response *resp)
{
    struct app                 *app = req->app;
    const char                 *if_match = header(req, MHD_HTTP_HEADER_IF_MATCH);
    struct report_patch         patch = {0};
    struct report_updates_state current = {0}, updated = {0};
    struct violations           errs;
    struct db_conn             *conn = NULL;
    bool                        locked = false;
    json_error_t                error;
    json_t                     *doc = NULL;
    json_t                     *changes = NULL;
    char                        actor[ACTOR_MAX];
    struct audit_actor          audit;
    enum store_status           status;

    if (refuse_invalid_id(resp, req) || refuse_unconditional(resp, req, if_match))
        goto out;
    doc = body_parse_json(req->body, req->body_len, &error);
    if (doc == NULL) {
        respond_malformed_json(resp, req, &error);
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    /* From here until commit or abandon no other update of this report
     * runs, so the version compared is the version changed. */
    status = report_updates_store_lock(conn, req->param, access_scope(req), &current);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    locked = true;
    if (!respond_etag_matches(if_match, version_of(current.report), false)) {
        refuse_stale(resp, req, version_of(current.report));
        goto out;
    }
    status = check_patch(req, conn, req->param, doc, &current, &patch, &errs);
    if (status == STORE_OK && errs.count + errs.dropped > 0) {
        respond_violations(resp, req, &errs);
        goto out;
    }
    if (status == STORE_OK)
        status = report_updates_store_apply(conn, req->param, &patch, &updated);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    changes = changes_between(&current, &updated);
    if (changes == NULL)
        goto out;
    if (json_array_size(changes) == 0) {
        /* Every value was already so: no new version, no history. */
        report_updates_store_abandon(conn);
        locked = false;
        respond_etag(resp, version_of(current.report));
        respond_json(resp, 200, current.report);
        current.report = NULL;
        goto out;
    }
    access_actor_name(req, actor, sizeof(actor));
    access_audit_actor(req, &audit);
    status = report_updates_store_commit(conn, req->param, version_of(updated.report), actor,
                                         changes, &audit);
    locked = false;
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_etag(resp, version_of(updated.report));
    respond_json(resp, 200, updated.report);
    updated.report = NULL;
out:
    if (locked)
        report_updates_store_abandon(conn);
    db_release(app->db, conn);
    report_updates_store_state_free(&current);
    report_updates_store_state_free(&updated);
    report_patch_release(&patch);
    json_decref(changes);
    json_decref(doc);
}

void
report_updates_history(struct request *req, struct response *resp)
{
    struct app       *app = req->app;
    struct db_conn   *conn = NULL;
    json_t           *history = NULL;
    enum store_status status;

    if (refuse_invalid_id(resp, req))
        goto out;
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    status = report_updates_store_history(conn, req->param, access_scope(req), &history);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, history);
    history = NULL;
out:
    db_release(app->db, conn);
    json_decref(history);
}
