/*
 * A small libcurl client for the black-box suites: one request against
 * FRAUD_TEST_BASE_URL, one response with its status, headers and body,
 * plus the checks every answer of the service must pass.
 */
#ifndef FRAUD_TEST_HTTP_CLIENT_H
#define FRAUD_TEST_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* What to send. Plain data: every pointer is borrowed for the call. */
struct http_request {
    /* "GET", "HEAD", "POST", "PUT", "DELETE" ... */
    const char *method;
    /* Appended to FRAUD_TEST_BASE_URL, e.g. "/v1/reports". */
    const char *path;
    /* Sent as Content-Type; NULL sends no Content-Type header at all. */
    const char *content_type;
    /* body_len bytes, need not be NUL-terminated; NULL with 0 is no body
     * (a POST then carries Content-Length: 0). */
    const char *body;
    size_t      body_len;
    /* Send the body with Transfer-Encoding: chunked instead of a
     * Content-Length. */
    bool        chunked;
    /* Extra "Name: value" lines, NULL-terminated; NULL for none. */
    const char *const *headers;
    /* The API key sent as "Authorization: Bearer <key>": NULL sends the
     * suite's default key (FRAUD_TEST_KEY, a police key of station A), ""
     * sends none. An Authorization line in `headers` replaces it. */
    const char *key;
    /* Where to send it instead of FRAUD_TEST_BASE_URL; NULL for that. */
    const char *base_url;
    /* Whole-transfer limit; 0 means 10 s, so a hang fails the test. */
    long        timeout_ms;
};

struct http_header {
    char *name;
    char *value;
};

/* What came back. Owns every pointer; release with
 * http_client_response_free(). */
struct http_response {
    long                status;
    /* NUL-terminated copy of the body (body_len bytes before the NUL). */
    char               *body;
    size_t              body_len;
    /* Headers of the final response (not of a 100 Continue), in order. */
    struct http_header *headers;
    size_t              header_count;
    /* curl's message when the transfer itself failed (static string),
     * NULL otherwise. */
    const char         *error;
};

/* Unchecked-fixture set-up and tear-down: curl's global state, once per
 * TCase in the runner process. */
void http_client_setup(void);
void http_client_teardown(void);

/* Borrows req; fills *out (which the caller later frees with
 * http_client_response_free, also on failure). Returns 0 when a response
 * arrived, -1 when the transfer failed (out->error says why). */
int http_client_perform(const struct http_request *req, struct http_response *out);

/* Frees what *resp owns and zeroes it; safe on a zeroed response. */
void http_client_response_free(struct http_response *resp);

/* Returns the value of header `name` (case-insensitive), borrowed from
 * resp, or NULL when absent. */
const char *http_client_header(const struct http_response *resp, const char *name);

/* Returns a new reference to the parsed body; fails the test when the
 * body is not JSON. Caller json_decref()s. */
json_t *http_client_json(const struct http_response *resp);

/* GET `path`; fails the test when no response arrives. Fills *out; caller
 * frees it with http_client_response_free. */
void http_client_get(const char *path, struct http_response *out);

/* POST body_len bytes of `body` as application/json; fails the test when
 * no response arrives. Fills *out; caller frees it. */
void http_client_post_json(const char *path, const char *body, size_t body_len,
                           struct http_response *out);

/* Fails the test unless resp carries what every answer carries:
 * X-Request-Id of 16 hex characters and Cache-Control: no-store. */
void http_client_assert_common(const struct http_response *resp);

/* Fails the test unless resp is an RFC 9457 problem with this status and
 * type: Content-Type application/problem+json, members type, title,
 * status (equal to the HTTP status) and request_id (equal to
 * X-Request-Id), and nothing that looks like SQL, libpq or a source path.
 * Returns a new reference to the problem object; caller json_decref()s. */
json_t *http_client_assert_problem(const struct http_response *resp, long status,
                                   const char *type);

/* The test key of `role` ("police", "police_b" for a second station,
 * "public", "analyst", "admin"), from FRAUD_TEST_KEY_<ROLE>, borrowed
 * from the environment; fails the test when it is not set. */
const char *http_client_key(const char *role);

/* Writes "Authorization: Bearer <key>" into out (size bytes) for clients
 * that build their own headers; key NULL means the suite's default key. */
void http_client_authorization(char *out, size_t size, const char *key);

/* Writes the actor name the service records for key (NULL: the default
 * key), "key:<prefix>", into out (size bytes). */
void http_client_actor(char *out, size_t size, const char *key);

/* GET `path` with `key` (as struct http_request.key says); fails the test
 * when no response arrives. Fills *out; caller frees it. */
void http_client_get_as(const char *path, const char *key, struct http_response *out);

/* True when s is a UUID in 8-4-4-4-12 hexadecimal form. */
bool http_client_is_uuid(const char *s);

#endif
