/*
 * API keys over HTTP, for admins; `fraud-intake keys` does the same from
 * the command line. Each change writes its audit row in the same
 * statement (keys_store).
 */
#include "handlers/keys.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "domain/apikey.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "handlers/listing.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/keys_store.h"

/* `code` is a string literal, as violations_add keeps it. */
static void
refuse_key(struct response *resp, const struct request *req, const char *pointer,
           const char *code, const char *detail)
{
    struct violations errs;

    violations_init(&errs);
    violations_add(&errs, pointer, code, "%s", detail);
    respond_violations_as(resp, req, &errs, "invalid-key", "The key request is not valid");
}

void
keys_create(struct request *req, struct response *resp)
{
    static const char *const names[] = {"organisation", "role"};
    struct app              *app = req->app;
    const char              *values[2];
    struct violations        errs;
    struct audit_actor       actor;
    struct apikey_new        key = {0};
    struct db_conn          *conn = NULL;
    json_error_t             error;
    json_t                  *doc = body_parse_json(req->body, req->body_len, &error);
    enum keys_store_outcome  outcome;
    enum store_status        status;

    violations_init(&errs);
    if (doc == NULL) {
        respond_malformed_json(resp, req, &error);
        goto out;
    }
    if (body_string_members(doc, names, values, 2, &errs) != 0) {
        respond_violations_as(resp, req, &errs, "invalid-key", "The key request is not valid");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    access_audit_actor(req, &actor);
    status = keys_store_issue(conn, values[0], values[1], &actor, &key, &outcome);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    if (outcome == KEYS_STORE_UNKNOWN_ORGANISATION)
        refuse_key(resp, req, "/organisation", "unknown_code", "no organisation has this name");
    else if (outcome == KEYS_STORE_UNKNOWN_ROLE)
        refuse_key(resp, req, "/role", "unknown_code", "public, police, analyst or admin");
    else if (outcome == KEYS_STORE_ROLE_NOT_FOR_KIND)
        refuse_key(resp, req, "/role", "not_allowed",
                   "police keys belong to police stations (kind police_station)");
    else if (outcome != KEYS_STORE_DONE)
        respond_unavailable(resp, req);
    else
        respond_json(resp, 201, json_pack("{s:s, s:s, s:s, s:s}", "key", key.key, "prefix",
                                          key.prefix, "organisation", values[0], "role",
                                          values[1]));
out:
    apikey_wipe(&key);
    db_release(app->db, conn);
    json_decref(doc);
}

void
keys_list(struct request *req, struct response *resp)
{
    listing_respond(req, resp, keys_store_list_keys);
}

void
keys_revoke(struct request *req, struct response *resp)
{
    struct app        *app = req->app;
    struct db_conn    *conn = NULL;
    struct audit_actor actor;
    char               revoked_at[40];
    bool               already = false;
    enum store_status  status;

    if (strlen(req->param) != APIKEY_PREFIX_LEN) {
        respond_problem(resp, req, 404, "not-found", "Not found", "No key has this prefix");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    access_audit_actor(req, &actor);
    status = keys_store_revoke(conn, req->param, &actor, revoked_at, &already);
    if (status == STORE_NOT_FOUND) {
        respond_problem(resp, req, 404, "not-found", "Not found", "No key has this prefix");
        goto out;
    }
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    respond_json(resp, 200, json_pack("{s:s, s:s, s:b}", "prefix", req->param, "revoked_at",
                                      revoked_at, "already_revoked", already));
out:
    db_release(app->db, conn);
}
