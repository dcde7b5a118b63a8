/*
 * The Idempotency-Key request header (IETF httpapi draft) for the routes
 * that create reports: the first request with a key claims it, its answer
 * is recorded in the same transaction as what it stored, and a retry with
 * the same key and the same request gets that answer again, byte for byte.
 */
#ifndef FRAUD_IDEMPOTENCY_H
#define FRAUD_IDEMPOTENCY_H

#include <jansson.h>
#include <stdbool.h>

#include "http/server.h"
#include "store/db.h"
#include "store/idempotency_store.h"

/* Longest key accepted, in characters (all visible ASCII). */
#define IDEMPOTENCY_KEY_MAX 255

/* One request's use of a key. Plain data, filled by idempotency_begin. */
struct idempotency {
    struct db               *db;    /* NULL when the request sent no key */
    struct idempotency_claim claim;
    char                     key[IDEMPOTENCY_KEY_MAX + 1];
    /* Whose keys these are: each key or address has its own namespace. */
    char                     scope[80];
    bool                     held;  /* claimed, and neither finished nor released */
};

/* Reads req's Idempotency-Key. Returns true when the handler goes on: the
 * request sent no key (idem then does nothing), or it now holds its key.
 * Returns false after filling resp: the recorded answer of the same
 * request (replayed), 400 for a malformed key, 409 while the same request
 * is still running, 422 when the key was used for a different request,
 * 503 or 500 when the store fails. Borrows req; call idempotency_release
 * at the end either way. */
bool idempotency_begin(struct request *req, struct response *resp, struct idempotency *idem);

/* Commits the caller's transaction on conn. When the request holds a key,
 * first records the answer (status, location or NULL, body) in that same
 * transaction, so the answer and what it reports become durable together.
 * Borrows everything. On failure the caller rolls back. */
enum store_status idempotency_commit(struct idempotency *idem, struct db_conn *conn,
                                     unsigned status, const char *location, const json_t *body);

/* Frees a key the request still holds because it was refused or failed,
 * so that the next request with it is a new one; does nothing otherwise.
 * Takes a connection of its own: call it after releasing the handler's. */
void idempotency_release(struct idempotency *idem);

#endif
