/*
 * Turning a store failure into the answer a client can act on.
 */
#ifndef FRAUD_FAILURE_H
#define FRAUD_FAILURE_H

#include "http/server.h"
#include "store/db.h"

/* 503 with Retry-After when the database is unreachable, 404 for
 * STORE_NOT_FOUND, else a 500 that carries only the request id. */
void failure_respond(struct response *resp, const struct request *req, enum store_status status);

#endif
