/*
 * Bearer keys against the api_keys table, on every request: a revoked key
 * is refused from the next request on, with nothing cached to expire.
 * Unknown prefixes cost what known ones do (apikey_verify compares with a
 * dummy), so timing does not tell which prefixes exist.
 */
#include "handlers/admission.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "domain/apikey.h"
#include "domain/role.h"
#include "http/respond.h"
#include "store/keys_store.h"

enum key_check {
    KEY_VALID,
    KEY_MISSING,
    KEY_INVALID,
    KEY_UNAVAILABLE,
};

static int64_t
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static enum config_rate_class
rate_class(unsigned role)
{
    switch (role) {
    case ROLE_POLICE:
        return CONFIG_RATE_POLICE;
    case ROLE_ANALYST:
        return CONFIG_RATE_ANALYST;
    case ROLE_ADMIN:
        return CONFIG_RATE_ADMIN;
    default:
        return CONFIG_RATE_PUBLIC;
    }
}

/* Takes one request from the bucket of (class, key) and says where the
 * caller stands in the headers. Returns false after filling a 429. */
static bool
rate_take(struct request *req, struct response *resp, enum config_rate_class class,
          const char *key)
{
    struct app              *app = req->app;
    struct ratelimit_verdict verdict;

    if (ratelimit_take(app->limits, class, key, now_ms(), &verdict) != 0)
        return true;
    respond_header(resp, "RateLimit-Policy", "%s", verdict.policy_header);
    respond_header(resp, "RateLimit", "%s", verdict.ratelimit_header);
    if (verdict.allowed)
        return true;
    respond_problem(resp, req, 429, "rate-limited", "Too many requests",
                    "This %s's rate limit is spent; retry after %u s",
                    class == CONFIG_RATE_ADDRESS ? "address" : "key", verdict.retry_after_s);
    resp->retry_after_s = verdict.retry_after_s;
    return false;
}

static enum MHD_Result
count_authorization(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    unsigned *count = cls;

    (void)kind;
    (void)value;
    if (strcasecmp(name, "Authorization") == 0)
        (*count)++;
    return MHD_YES;
}

/* Reads the Authorization field and checks the key against the store. */
static enum key_check
key_check(struct request *req)
{
    struct app                *app = req->app;
    const char                *value = NULL;
    size_t                     len = 0;
    struct apikey_bearer       bearer;
    struct keys_store_identity identity;
    struct db_conn            *conn;
    enum store_status          status;
    bool                       matches;
    unsigned                   fields = 0;

    /* Authorization is a singleton field: two of them are not one key. */
    MHD_get_connection_values(req->connection, MHD_HEADER_KIND, count_authorization, &fields);
    if (fields > 1)
        return KEY_INVALID;
    if (MHD_lookup_connection_value_n(req->connection, MHD_HEADER_KIND, "Authorization", 13,
                                      &value, &len) != MHD_YES)
        value = NULL;
    switch (apikey_parse_bearer(value, len, &bearer)) {
    case APIKEY_PARSE_MISSING:
        return KEY_MISSING;
    case APIKEY_PARSE_MALFORMED:
        return KEY_INVALID;
    case APIKEY_PARSE_OK:
        break;
    }
    conn = db_acquire(app->db);
    if (conn == NULL)
        return KEY_UNAVAILABLE;
    status = keys_store_lookup(conn, bearer.prefix, &identity);
    db_release(app->db, conn);
    if (status != STORE_OK && status != STORE_NOT_FOUND)
        return KEY_UNAVAILABLE;
    matches = apikey_verify(&bearer, status == STORE_OK ? identity.key_hash : NULL);
    if (!matches || identity.revoked || role_from_code(identity.role) == 0)
        return KEY_INVALID;
    req->who.role = role_from_code(identity.role);
    snprintf(req->who.key_prefix, sizeof(req->who.key_prefix), "%s", bearer.prefix);
    snprintf(req->who.organisation_id, sizeof(req->who.organisation_id), "%s",
             identity.organisation_id);
    return KEY_VALID;
}

static void
refuse_unauthenticated(struct request *req, struct response *resp, bool invalid)
{
    respond_problem(resp, req, 401, "unauthorized", "Authentication required",
                    invalid ? "The key is malformed, unknown or revoked"
                            : "Send an API key as Authorization: Bearer <key>");
    respond_header(resp, "WWW-Authenticate", "%s",
                   invalid ? "Bearer realm=\"fraud-intake\", error=\"invalid_token\""
                           : "Bearer realm=\"fraud-intake\"");
}

bool
admission_admit(struct request *req, const struct route *route, struct response *resp)
{
    struct app    *app = req->app;
    enum key_check check = key_check(req);

    if (check == KEY_UNAVAILABLE) {
        respond_unavailable(resp, req);
        return false;
    }
    if (check != KEY_VALID) {
        /* Without a valid key the address pays, so guessing keys is as
         * slow as the address limit. */
        if (!rate_take(req, resp, CONFIG_RATE_ADDRESS, req->client[0] != '\0' ? req->client : "-"))
            return false;
        if (check == KEY_MISSING && (route->roles & ROLE_ANONYMOUS) != 0
            && app->cfg->anonymous_submissions) {
            req->who.role = ROLE_PUBLIC;
            req->who.anonymous = true;
            return true;
        }
        refuse_unauthenticated(req, resp, check == KEY_INVALID);
        return false;
    }
    if (!rate_take(req, resp, rate_class(req->who.role), req->who.key_prefix))
        return false;
    if ((route->roles & req->who.role) == 0) {
        respond_problem(resp, req, 403, "forbidden", "Not allowed for this role",
                        "A %s key may not use %s %s", role_code(req->who.role), req->method,
                        route->path);
        return false;
    }
    return true;
}
