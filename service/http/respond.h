/*
 * Filling a response: JSON bodies and RFC 9457 problem details, and
 * turning a filled response into libmicrohttpd's.
 */
#ifndef FRAUD_RESPOND_H
#define FRAUD_RESPOND_H

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

/* 503 with Retry-After: the database cannot be reached right now. */
void respond_unavailable(struct response *resp, const struct request *req);

/* Serialises and queues `resp` on the connection; releases resp->body.
 * Returns libmicrohttpd's result. */
int respond_send(const struct request *req, struct response *resp);

#endif
