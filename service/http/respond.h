/*
 * Filling a response: JSON bodies and RFC 9457 problem details, and
 * turning a filled response into libmicrohttpd's.
 */
#ifndef FRAUD_RESPOND_H
#define FRAUD_RESPOND_H

#include <stdbool.h>

#include "domain/violations.h"
#include "http/server.h"

/* Sets a JSON body and status. Takes `body`, also on failure. */
void respond_json(struct response *resp, unsigned status, json_t *body);

/* Sets an application/problem+json body: type "/problems/<slug>", the
 * title, the status and a detail sentence. Borrows the strings. */
void respond_problem(struct response *resp, const struct request *req, unsigned status,
                     const char *slug, const char *title, const char *detail_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A 422 listing every violation with its JSON Pointer. Borrows errs. */
void respond_violations(struct response *resp, const struct request *req,
                        const struct violations *errs);

/* The same 422 for a body that is not a report: type
 * "/problems/<slug>" and `title` (both borrowed, static). */
void respond_violations_as(struct response *resp, const struct request *req,
                           const struct violations *errs, const char *slug, const char *title);

/* 400 /problems/invalid-query naming every bad query parameter (each
 * violation's pointer is the parameter's name); values are never repeated
 * back. Borrows errs. */
void respond_invalid_query(struct response *resp, const struct request *req,
                           const struct violations *errs);

/* 400 /problems/malformed-json with jansson's line, column and position.
 * Borrows error. */
void respond_malformed_json(struct response *resp, const struct request *req,
                            const json_error_t *error);

/* 503 with Retry-After: the database cannot be reached right now. */
void respond_unavailable(struct response *resp, const struct request *req);

/* Sets the strong ETag "<version>" (quotes included) that resp carries. */
void respond_etag(struct response *resp, long long version);

/* Whether the If-Match or If-None-Match field value `field` (a list of
 * entity tags, or "*") names the ETag of `version`. `weak` compares as
 * If-None-Match does (W/"3" matches "3"); otherwise a weak tag never
 * matches, as If-Match demands. "*" matches. Borrows field; NULL is no
 * match. */
bool respond_etag_matches(const char *field, long long version, bool weak);

/* 304 Not Modified: no body; the ETag set with respond_etag stays. */
void respond_not_modified(struct response *resp);

/* Sets a body that is not JSON: takes `text` (len bytes, malloc'd), also
 * on failure; content_type is a static string. */
void respond_text(struct response *resp, unsigned status, const char *content_type, char *text,
                  size_t len);

/* Adds a header field to resp; the value is cut at 199 bytes. Past
 * RESPONSE_HEADERS_MAX fields, the field is dropped. `name` is static. */
void respond_header(struct response *resp, const char *name, const char *value_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Serialises and queues `resp` on the connection; releases resp->body.
 * Returns libmicrohttpd's result. */
int respond_send(const struct request *req, struct response *resp);

#endif
