/*
 * Idempotency keys: the statements of statements.c ("idempotency_*") and
 * the few decisions around them. Which request wins a key is decided by
 * the table's primary key, never by timing.
 */
#include "store/idempotency_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key can be released by its holder between our INSERT and SELECT; a
 * few rounds settle that, after which the key is reported busy. */
#define CLAIM_ROUNDS 3

enum store_status
idempotency_store_hash(struct db_conn *conn, const char *prefix, const char *body,
                       size_t body_len, char hash[IDEMPOTENCY_STORE_HASH_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    size_t            prefix_len = strlen(prefix);
    char             *hex = malloc(2 * (prefix_len + body_len) + 1);
    char             *next = hex;
    const char       *params[1] = {hex};
    enum store_status status = STORE_FAILED;
    PGresult         *res;

    if (hex == NULL)
        return STORE_FAILED;
    for (size_t i = 0; i < prefix_len + body_len; i++) {
        unsigned char byte = (unsigned char)(i < prefix_len ? prefix[i] : body[i - prefix_len]);

        *next++ = digits[byte >> 4];
        *next++ = digits[byte & 0x0f];
    }
    *next = '\0';
    res = db_run(conn, STMT_IDEMPOTENCY_HASH, params, &status);
    if (res != NULL) {
        snprintf(hash, IDEMPOTENCY_STORE_HASH_SIZE, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    free(hex);
    return status;
}

/* Runs the claim or the take-over; *taken says whether the key is now
 * this request's, and then claim->token is set. */
static enum store_status
take(struct db_conn *conn, enum statement id, struct idempotency_claim *claim, bool *taken)
{
    const char       *params[3] = {claim->scope, claim->key, claim->hash};
    enum store_status status;
    PGresult         *res = db_run(conn, id, params, &status);

    if (res == NULL)
        return status;
    *taken = PQntuples(res) == 1;
    if (*taken)
        snprintf(claim->token, sizeof(claim->token), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return STORE_OK;
}

/* Reads what the key holds; *exists is false when it has gone meanwhile. */
static enum store_status
lookup(struct db_conn *conn, const struct idempotency_claim *claim, bool *exists,
       enum idempotency_found *found, struct idempotency_answer *answer)
{
    const char       *params[3] = {claim->scope, claim->key, claim->hash};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_IDEMPOTENCY_LOOKUP, params, &status);

    if (res == NULL)
        return status;
    *exists = PQntuples(res) == 1;
    if (!*exists) {
        PQclear(res);
        return STORE_OK;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        *found = IDEMPOTENCY_MISMATCH;
    } else if (strcmp(PQgetvalue(res, 0, 0), "running") == 0) {
        *found = IDEMPOTENCY_RUNNING;
    } else {
        *found = IDEMPOTENCY_DONE;
        answer->status = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
        answer->location = PQgetisnull(res, 0, 3) ? NULL : strdup(PQgetvalue(res, 0, 3));
        answer->body = strdup(PQgetvalue(res, 0, 4));
        if (answer->body == NULL || (answer->location == NULL && !PQgetisnull(res, 0, 3))) {
            idempotency_answer_free(answer);
            status = STORE_FAILED;
        }
    }
    PQclear(res);
    return status;
}

enum store_status
idempotency_store_claim(struct db_conn *conn, struct idempotency_claim *claim,
                        enum idempotency_found *found, struct idempotency_answer *answer)
{
    enum store_status status = STORE_OK;
    bool              taken = false;
    bool              exists = false;

    memset(answer, 0, sizeof(*answer));
    claim->token[0] = '\0';
    /* Busy unless a round below settles it. */
    *found = IDEMPOTENCY_RUNNING;
    for (int round = 0; round < CLAIM_ROUNDS && status == STORE_OK && !exists; round++) {
        status = take(conn, STMT_IDEMPOTENCY_CLAIM, claim, &taken);
        if (status == STORE_OK && !taken)
            status = take(conn, STMT_IDEMPOTENCY_TAKE_OVER, claim, &taken);
        if (status == STORE_OK && taken) {
            *found = IDEMPOTENCY_CLAIMED;
            break;
        }
        if (status == STORE_OK)
            status = lookup(conn, claim, &exists, found, answer);
    }
    return status;
}

enum store_status
idempotency_store_finish(struct db_conn *conn, const struct idempotency_claim *claim,
                         unsigned status_code, const char *location, const char *body)
{
    char              status_text[16];
    const char       *params[6] = {claim->scope, claim->key, claim->token, status_text,
                                   location, body};
    enum store_status status;
    PGresult         *res;

    snprintf(status_text, sizeof(status_text), "%u", status_code);
    res = db_run(conn, STMT_IDEMPOTENCY_FINISH, params, &status);
    if (res == NULL)
        return status;
    status = strcmp(PQcmdTuples(res), "1") == 0 ? STORE_OK : STORE_NOT_FOUND;
    PQclear(res);
    return status;
}

enum store_status
idempotency_store_release(struct db_conn *conn, const struct idempotency_claim *claim)
{
    const char       *params[3] = {claim->scope, claim->key, claim->token};
    enum store_status status;

    PQclear(db_run(conn, STMT_IDEMPOTENCY_RELEASE, params, &status));
    return status;
}

enum store_status
idempotency_store_purge(struct db_conn *conn, unsigned ttl_h, unsigned batch, long *deleted)
{
    char              ttl_text[16];
    char              batch_text[16];
    const char       *params[2] = {ttl_text, batch_text};
    enum store_status status;
    PGresult         *res;

    *deleted = 0;
    snprintf(ttl_text, sizeof(ttl_text), "%u", ttl_h);
    snprintf(batch_text, sizeof(batch_text), "%u", batch);
    res = db_run(conn, STMT_IDEMPOTENCY_PURGE, params, &status);
    if (res == NULL)
        return status;
    *deleted = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

void
idempotency_answer_free(struct idempotency_answer *answer)
{
    free(answer->location);
    free(answer->body);
    memset(answer, 0, sizeof(*answer));
}
