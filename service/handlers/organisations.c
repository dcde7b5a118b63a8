/*
 * Organisations over HTTP, for admins; `fraud-intake orgs` does the same
 * from the command line. Each change writes its audit row in the same
 * statement (keys_store).
 */
#include "handlers/organisations.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "handlers/listing.h"
#include "http/body.h"
#include "http/respond.h"
#include "store/keys_store.h"

#define ORGANISATION_NAME_MAX 200

/* One line of text, as the table's CHECK wants: no control characters. */
static bool
is_name(const char *name)
{
    size_t len = strlen(name);

    if (len > ORGANISATION_NAME_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

void
organisations_create(struct request *req, struct response *resp)
{
    static const char *const names[] = {"name", "kind"};
    struct app              *app = req->app;
    const char              *values[2];
    struct violations        errs;
    struct audit_actor       actor;
    struct db_conn          *conn = NULL;
    json_error_t             error;
    json_t                  *doc = body_parse_json(req->body, req->body_len, &error);
    enum keys_store_outcome  outcome;
    char                     id[37];
    enum store_status        status;

    violations_init(&errs);
    if (doc == NULL) {
        respond_malformed_json(resp, req, &error);
        goto out;
    }
    if (body_string_members(doc, names, values, 2, &errs) == 0 && !is_name(values[0]))
        violations_add(&errs, "/name", "format",
                       "1 to 200 bytes of one line of text, without control characters");
    if (errs.count + errs.dropped > 0) {
        respond_violations_as(resp, req, &errs, "invalid-organisation",
                              "The organisation is not valid");
        goto out;
    }
    conn = db_acquire(app->db);
    if (conn == NULL) {
        respond_unavailable(resp, req);
        goto out;
    }
    access_audit_actor(req, &actor);
    status = keys_store_create_org(conn, values[0], values[1], &actor, &outcome, id);
    if (status != STORE_OK) {
        failure_respond(resp, req, status);
        goto out;
    }
    if (outcome == KEYS_STORE_UNKNOWN_KIND) {
        violations_add(&errs, "/kind", "unknown_code",
                       "police_station, public_form, analysis_unit or admin");
        respond_violations_as(resp, req, &errs, "invalid-organisation",
                              "The organisation is not valid");
        goto out;
    }
    if (outcome == KEYS_STORE_NAME_TAKEN) {
        respond_problem(resp, req, 409, "name-taken", "Name taken",
                        "An organisation with this name exists");
        goto out;
    }
    respond_json(resp, 201, json_pack("{s:s, s:s, s:s}", "id", id, "name", values[0], "kind",
                                      values[1]));
out:
    db_release(app->db, conn);
    json_decref(doc);
}

void
organisations_list(struct request *req, struct response *resp)
{
    listing_respond(req, resp, keys_store_list_orgs);
}
