/*
 * Idempotency-Key at the HTTP edge: the header's syntax, the request's
 * fingerprint (method, path, query, body), and turning what the key holds
 * into an answer. The store (idempotency_store.c) decides who holds a key.
 */
#include "handlers/idempotency.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "handlers/access.h"
#include "handlers/failure.h"
#include "http/respond.h"
#include "log.h"

#define IDEMPOTENCY_HEADER "Idempotency-Key"

/* RFC 9110 tchar, plus ':' and '/' which a Structured Fields token allows. */
static bool
is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~:/", c) != NULL);
}

/* Reads a field value that is an sf-string ("abc", with \" and \\) or,
 * leniently, a bare token. The key must be 1 to IDEMPOTENCY_KEY_MAX
 * visible ASCII characters. Returns 0 with the key in out, else -1. */
static int
key_parse(const char *field, char out[IDEMPOTENCY_KEY_MAX + 1])
{
    size_t len = 0;

    field += strspn(field, " \t");
    if (*field == '"') {
        for (field++; *field != '"'; field++) {
            if (*field == '\\' && (field[1] == '"' || field[1] == '\\'))
                field++;
            else if (*field < 0x21 || *field > 0x7e || *field == '\\')
                return -1;  /* also the end of the value before the closing quote */
            if (len == IDEMPOTENCY_KEY_MAX)
                return -1;
            out[len++] = *field;
        }
        field++;
    } else {
        for (; is_token_char(*field); field++) {
            if (len == IDEMPOTENCY_KEY_MAX)
                return -1;
            out[len++] = *field;
        }
    }
    field += strspn(field, " \t");
    out[len] = '\0';
    return *field == '\0' && len > 0 ? 0 : -1;
}

static enum MHD_Result
count_key_fields(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    size_t *count = cls;

    (void)kind;
    (void)value;
    if (strcasecmp(name, IDEMPOTENCY_HEADER) == 0)
        (*count)++;
    return MHD_YES;
}

static enum MHD_Result
append_query_argument(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    (void)kind;
    fprintf(cls, "%s=%s&", name, value != NULL ? value : "");
    return MHD_YES;
}

/* Returns a new string "METHOD path?name=value&...\n" (caller frees), the
 * part of the fingerprint that precedes the body; NULL when out of memory.
 * The query is part of it: ?atomic=true is a different request. */
static char *
request_line(const struct request *req)
{
    char  *line = NULL;
    size_t size = 0;
    FILE  *out = open_memstream(&line, &size);

    if (out == NULL)
        return NULL;
    fprintf(out, "%s %s?", req->method, req->path);
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, append_query_argument, out);
    fputc('\n', out);
    if (fclose(out) != 0) {
        free(line);
        return NULL;
    }
    return line;
}

/* The answer a finished request recorded, as it was sent the first time. */
static void
replay(struct response *resp, const struct request *req, struct idempotency_answer *answer)
{
    json_t *body = json_loads(answer->body, JSON_DECODE_ANY, NULL);

    if (body == NULL) {
        failure_respond(resp, req, STORE_FAILED);
        return;
    }
    respond_json(resp, answer->status, body);
    snprintf(resp->location, sizeof(resp->location), "%s",
             answer->location != NULL ? answer->location : "");
    resp->replayed = true;
}

/* Answers what the key held when this request could not claim it. */
static void
respond_found(struct response *resp, const struct request *req, enum idempotency_found found,
              struct idempotency_answer *answer)
{
    switch (found) {
    case IDEMPOTENCY_MISMATCH:
        respond_problem(resp, req, 422, "idempotency-key-reused", "Idempotency key reused",
                        "This Idempotency-Key was sent with a different request (method, path, "
                        "query or body); send a new key for a new request");
        break;
    case IDEMPOTENCY_RUNNING:
        respond_problem(resp, req, 409, "idempotency-key-in-use", "Idempotency key in use",
                        "A request with this Idempotency-Key is still being processed; retry "
                        "shortly to get its answer");
        resp->retry_after_s = 1;
        break;
    case IDEMPOTENCY_DONE:
        replay(resp, req, answer);
        break;
    case IDEMPOTENCY_CLAIMED:
        break;
    }
}

/* Hashes the request and claims the key. Returns true when it is held. */
static bool
claim(struct request *req, struct response *resp, struct idempotency *idem)
{
    struct db_conn           *conn = db_acquire(idem->db);
    struct idempotency_answer answer = {0};
    enum idempotency_found    found = IDEMPOTENCY_RUNNING;
    enum store_status         status = STORE_UNAVAILABLE;
    char                     *line = request_line(req);

    if (line == NULL)
        status = STORE_FAILED;
    else if (conn != NULL)
        status = idempotency_store_hash(conn, line, req->body, req->body_len, idem->claim.hash);
    if (status == STORE_OK)
        status = idempotency_store_claim(conn, &idem->claim, &found, &answer);
    db_release(idem->db, conn);
    free(line);
    if (status != STORE_OK)
        failure_respond(resp, req, status);
    else
        respond_found(resp, req, found, &answer);
    idempotency_answer_free(&answer);
    idem->held = status == STORE_OK && found == IDEMPOTENCY_CLAIMED;
    return idem->held;
}

bool
idempotency_begin(struct request *req, struct response *resp, struct idempotency *idem)
{
    struct app *app = req->app;
    const char *field = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                    IDEMPOTENCY_HEADER);
    size_t      fields = 0;

    memset(idem, 0, sizeof(*idem));
    if (field == NULL)
        return true;
    MHD_get_connection_values(req->connection, MHD_HEADER_KIND, count_key_fields, &fields);
    if (fields != 1 || key_parse(field, idem->key) != 0) {
        respond_problem(resp, req, 400, "invalid-idempotency-key", "Invalid Idempotency-Key",
                        "Send one Idempotency-Key: a quoted string such as \"4f1c2a\" or a "
                        "token, of 1 to %d visible ASCII characters", IDEMPOTENCY_KEY_MAX);
        return false;
    }
    idem->db = app->db;
    access_actor_name(req, idem->scope, sizeof(idem->scope));
    idem->claim.scope = idem->scope;
    idem->claim.key = idem->key;
    return claim(req, resp, idem);
}

enum store_status
idempotency_commit(struct idempotency *idem, struct db_conn *conn, unsigned status,
                   const char *location, const json_t *body)
{
    enum store_status result = STORE_OK;
    char             *text;

    if (idem->held) {
        /* The same serialisation respond_send makes, so a replay is the
         * same bytes as the first answer. */
        text = json_dumps(body, JSON_COMPACT);
        result = text != NULL ? idempotency_store_finish(conn, &idem->claim, status, location,
                                                         text)
                              : STORE_FAILED;
        free(text);
        if (result == STORE_NOT_FOUND) {
            log_warn("idempotency: a claim was taken over as stale before it finished");
            result = STORE_FAILED;
        }
    }
    if (result == STORE_OK)
        result = db_commit(conn);
    if (result == STORE_OK)
        idem->held = false;
    return result;
}

void
idempotency_release(struct idempotency *idem)
{
    struct db_conn *conn;

    if (!idem->held)
        return;
    idem->held = false;
    conn = db_acquire(idem->db);
    /* When this fails the claim stays 'running' and is taken over once it
     * is 60 s old: a retry meanwhile gets 409. */
    if (conn != NULL)
        idempotency_store_release(conn, &idem->claim);
    db_release(idem->db, conn);
}
