/*
 * Idempotency keys in PostgreSQL: claiming a key for a request, recording
 * the request's answer in the caller's transaction, releasing a claim, and
 * purging expired keys. No HTTP here: an answer is a status, a Location
 * and a body text.
 */
#ifndef FRAUD_IDEMPOTENCY_STORE_H
#define FRAUD_IDEMPOTENCY_STORE_H

#include <stddef.h>

#include "store/db.h"

/* A hex sha256, with its NUL. */
#define IDEMPOTENCY_STORE_HASH_SIZE 65

/* One request's claim on a key. scope and key are borrowed; hash is the
 * request's (see idempotency_store_hash); token is filled by a successful
 * claim and names that claim for finish and release. */
struct idempotency_claim {
    const char *scope;
    const char *key;
    char        hash[IDEMPOTENCY_STORE_HASH_SIZE];
    char        token[64];
};

/* What idempotency_store_claim found. */
enum idempotency_found {
    IDEMPOTENCY_CLAIMED,    /* the key is now this request's */
    IDEMPOTENCY_MISMATCH,   /* the key belongs to a request with another hash */
    IDEMPOTENCY_RUNNING,    /* the same request is still being processed */
    IDEMPOTENCY_DONE,       /* the same request finished: replay the answer */
};

/* The answer recorded for a finished key. location and body are new
 * strings (location NULL when there was none); free them with
 * idempotency_answer_free. */
struct idempotency_answer {
    unsigned status;
    char    *location;
    char    *body;
};

/* Hashes prefix (a NUL-terminated string) followed by body_len bytes of
 * body into hash (hex sha256). Borrows everything. */
enum store_status idempotency_store_hash(struct db_conn *conn, const char *prefix,
                                         const char *body, size_t body_len,
                                         char hash[IDEMPOTENCY_STORE_HASH_SIZE]);

/* Claims claim->key for claim->scope in its own short transaction: a key
 * nobody holds, or whose holder has been 'running' for over 60 s, becomes
 * this request's (claim->token is set). Otherwise *found says what the key
 * holds, and for IDEMPOTENCY_DONE *answer has the recorded answer (the
 * caller frees it with idempotency_answer_free). Borrows conn and claim's
 * strings. */
enum store_status idempotency_store_claim(struct db_conn *conn, struct idempotency_claim *claim,
                                          enum idempotency_found *found,
                                          struct idempotency_answer *answer);

/* Inside the caller's transaction: records the answer (status, location
 * or NULL, body text) and marks the key done. STORE_NOT_FOUND when the
 * claim is no longer this request's; the caller must then roll back. */
enum store_status idempotency_store_finish(struct db_conn *conn,
                                           const struct idempotency_claim *claim,
                                           unsigned status, const char *location,
                                           const char *body);

/* Deletes the claim while it is still 'running' and this request's, so the
 * key is free for the next request. */
enum store_status idempotency_store_release(struct db_conn *conn,
                                            const struct idempotency_claim *claim);

/* Deletes at most `batch` keys older than ttl_h hours, oldest first, and
 * sets *deleted to how many went. Rows another transaction holds are
 * skipped, never waited for. */
enum store_status idempotency_store_purge(struct db_conn *conn, unsigned ttl_h, unsigned batch,
                                          long *deleted);

/* Frees what an answer holds and zeroes it; safe on a zeroed answer. */
void idempotency_answer_free(struct idempotency_answer *answer);

#endif
