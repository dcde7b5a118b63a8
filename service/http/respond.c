/*
 * Responses: JSON bodies, RFC 9457 problem details, and the headers every
 * answer carries (request id, no caching of report data).
 */
#include "http/respond.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
respond_json(struct response *resp, unsigned status, json_t *body)
{
    json_decref(resp->body);
    free(resp->text);
    resp->text = NULL;
    resp->status = status;
    resp->body = body;
    resp->content_type = "application/json";
}

void
respond_text(struct response *resp, unsigned status, const char *content_type, char *text,
             size_t len)
{
    json_decref(resp->body);
    resp->body = NULL;
    free(resp->text);
    resp->status = status;
    resp->text = text;
    resp->text_len = text != NULL ? len : 0;
    resp->content_type = content_type;
}

void
respond_header(struct response *resp, const char *name, const char *value_fmt, ...)
{
    struct response_header *field;
    va_list                 ap;

    if (resp->header_count >= RESPONSE_HEADERS_MAX)
        return;
    field = &resp->headers[resp->header_count++];
    field->name = name;
    va_start(ap, value_fmt);
    vsnprintf(field->value, sizeof(field->value), value_fmt, ap);
    va_end(ap);
}

static json_t *
problem_body(const struct request *req, unsigned status, const char *slug, const char *title,
             const char *detail)
{
    char type[96];

    snprintf(type, sizeof(type), "/problems/%s", slug);
    return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title, "status",
                     (int)status, "detail", detail, "request_id", req->request_id);
}

void
respond_problem(struct response *resp, const struct request *req, unsigned status,
                const char *slug, const char *title, const char *detail_fmt, ...)
{
    char    detail[256];
    va_list ap;

    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof(detail), detail_fmt, ap);
    va_end(ap);
    json_decref(resp->body);
    free(resp->text);
    resp->text = NULL;
    resp->status = status;
    resp->body = problem_body(req, status, slug, title, detail);
    resp->content_type = "application/problem+json";
}

void
respond_violations(struct response *resp, const struct request *req,
                   const struct violations *errs)
{
    respond_violations_as(resp, req, errs, "invalid-report", "The report is not valid");
}

void
respond_violations_as(struct response *resp, const struct request *req,
                      const struct violations *errs, const char *slug, const char *title)
{
    json_t *items = json_array();

    for (size_t i = 0; i < errs->count; i++) {
        const struct violation *v = &errs->items[i];

        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "pointer", v->pointer, "code",
                                               v->code, "detail", v->detail));
    }
    respond_problem(resp, req, 422, slug, title,
                    "%zu problem%s found; each is listed under errors with its JSON Pointer",
                    errs->count + errs->dropped, errs->count + errs->dropped == 1 ? "" : "s");
    if (errs->dropped > 0)
        json_object_set_new(resp->body, "errors_omitted", json_integer((json_int_t)errs->dropped));
    json_object_set_new(resp->body, "errors", items);
}

void
respond_invalid_query(struct response *resp, const struct request *req,
                      const struct violations *errs)
{
    const struct violation *first = &errs->items[0];
    json_t                 *items = json_array();

    for (size_t i = 0; i < errs->count; i++) {
        const struct violation *v = &errs->items[i];

        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "parameter", v->pointer,
                                               "code", v->code, "detail", v->detail));
    }
    /* The detail holds at most 255 bytes; a cut could split a character. */
    if (errs->count == 1 && strlen(first->pointer) + strlen(first->detail) < 240)
        respond_problem(resp, req, 400, "invalid-query", "Invalid query parameter", "%s %s",
                        first->pointer[0] != '\0' ? first->pointer : "A parameter",
                        first->detail);
    else
        respond_problem(resp, req, 400, "invalid-query", "Invalid query parameter",
                        "%zu problems found; each is listed under errors with its parameter",
                        errs->count + errs->dropped);
    json_object_set_new(resp->body, "errors", items);
}

void
respond_malformed_json(struct response *resp, const struct request *req,
                       const json_error_t *error)
{
    respond_problem(resp, req, 400, "malformed-json", "The body is not valid JSON", "%s",
                    error->text);
    json_object_set_new(resp->body, "line", json_integer(error->line));
    json_object_set_new(resp->body, "column", json_integer(error->column));
    json_object_set_new(resp->body, "position", json_integer(error->position));
}

void
respond_unavailable(struct response *resp, const struct request *req)
{
    respond_problem(resp, req, 503, "unavailable", "The database is unavailable",
                    "The report store cannot be reached right now; retry shortly");
    resp->retry_after_s = 1;
}

void
respond_etag(struct response *resp, long long version)
{
    snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"", version);
}

/* Skips white space and the commas between list members (RFC 9110 5.6.1). */
static const char *
skip_separators(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    return s;
}

bool
respond_etag_matches(const char *field, long long version, bool weak)
{
    char        opaque[24];
    size_t      opaque_len;
    const char *s;

    if (field == NULL)
        return false;
    s = skip_separators(field);
    if (*s == '*')
        return true;
    opaque_len = (size_t)snprintf(opaque, sizeof(opaque), "\"%lld\"", version);
    while (*s != '\0') {
        bool        is_weak = strncmp(s, "W/", 2) == 0;
        const char *tag = is_weak ? s + 2 : s;
        const char *close;

        if (*tag != '"' || (close = strchr(tag + 1, '"')) == NULL)
            return false;   /* not an entity tag: the rest cannot be read */
        if ((weak || !is_weak) && (size_t)(close + 1 - tag) == opaque_len
            && strncmp(tag, opaque, opaque_len) == 0)
            return true;
        s = skip_separators(close + 1);
    }
    return false;
}

void
respond_not_modified(struct response *resp)
{
    json_decref(resp->body);
    resp->body = NULL;
    free(resp->text);
    resp->text = NULL;
    resp->status = 304;
}

static int
add_header(struct MHD_Response *response, const char *name, const char *value)
{
    return MHD_add_response_header(response, name, value) == MHD_YES ? 0 : -1;
}

int
respond_send(const struct request *req, struct response *resp)
{
    struct MHD_Response *response;
    char                *text = NULL;
    size_t               len = 0;
    char                 retry[16];
    enum MHD_Result      rc;

    if (resp->body != NULL) {
        text = json_dumps(resp->body, JSON_COMPACT);
        if (text == NULL)
            return MHD_NO;
        len = strlen(text);
    } else if (resp->text != NULL) {
        text = resp->text;
        len = resp->text_len;
        resp->text = NULL;
    }
    response = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (response == NULL) {
        free(text);
        return MHD_NO;
    }
    add_header(response, "X-Request-Id", req->request_id);
    add_header(response, "Cache-Control", "no-store");
    if (resp->body != NULL || len > 0)
        add_header(response, "Content-Type", resp->content_type);
    if (resp->location[0] != '\0')
        add_header(response, "Location", resp->location);
    if (resp->allow != NULL)
        add_header(response, "Allow", resp->allow);
    if (resp->link != NULL)
        add_header(response, "Link", resp->link);
    if (resp->etag[0] != '\0')
        add_header(response, "ETag", resp->etag);
    if (resp->replayed)
        add_header(response, "Idempotent-Replayed", "true");
    if (resp->retry_after_s > 0) {
        snprintf(retry, sizeof(retry), "%u", resp->retry_after_s);
        add_header(response, "Retry-After", retry);
    }
    for (unsigned i = 0; i < resp->header_count; i++)
        add_header(response, resp->headers[i].name, resp->headers[i].value);
    rc = MHD_queue_response(req->connection, resp->status, response);
    MHD_destroy_response(response);
    json_decref(resp->body);
    resp->body = NULL;
    return rc;
}
