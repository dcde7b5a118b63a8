/*
 * Organisations and their API keys. Only a key's public prefix and its
 * SHA-256 are stored; nothing here ever sees, returns or logs a secret.
 * Every change also writes its audit_log row, in the same statement.
 */
#ifndef FRAUD_KEYS_STORE_H
#define FRAUD_KEYS_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/apikey.h"
#include "store/audit_store.h"
#include "store/db.h"

/* Why a change was not made although the database answered (STORE_OK). */
enum keys_store_outcome {
    KEYS_STORE_DONE = 0,
    KEYS_STORE_UNKNOWN_KIND,            /* not in organisation_kinds */
    KEYS_STORE_NAME_TAKEN,              /* an organisation has that name */
    KEYS_STORE_UNKNOWN_ORGANISATION,    /* no organisation has that name */
    KEYS_STORE_UNKNOWN_ROLE,            /* not in roles */
    /* Police keys act for a station: its reports are their cases. */
    KEYS_STORE_ROLE_NOT_FOR_KIND,       /* a police key for an organisation not a station */
    KEYS_STORE_PREFIX_TAKEN,            /* another key has that prefix: make a new key */
};

/* One stored key, as the request path needs it. Plain data. */
struct keys_store_identity {
    unsigned char key_hash[APIKEY_HASH_LEN];
    char          role[32];
    char          organisation_id[37];  /* uuid text */
    bool          revoked;
};

/* Creates an organisation. On STORE_OK *outcome says whether it was made
 * and, when it was, id_out holds its uuid. Its audit row names `actor`
 * (NULL: the command line). Borrows every argument. */
enum store_status keys_store_create_org(struct db_conn *conn, const char *name, const char *kind,
                                        const struct audit_actor *actor,
                                        enum keys_store_outcome *outcome, char id_out[37]);

/* Every organisation, by name: on STORE_OK *out is a new reference to an
 * array of {"name", "kind", "id", "created_at"}. */
enum store_status keys_store_list_orgs(struct db_conn *conn, json_t **out);

/* Stores a key of `role` for the organisation named org_name: only the
 * prefix and hash of *key (borrowed) are written, with an audit row naming
 * `actor` (NULL: the command line). On STORE_OK *outcome says whether it
 * was stored. */
enum store_status keys_store_create_key(struct db_conn *conn, const char *org_name,
                                        const char *role, const struct apikey_new *key,
                                        const struct audit_actor *actor,
                                        enum keys_store_outcome *outcome);

/* A prefix is 40 random bits: a clash is rare, three in a row is a
 * broken random source. */
#define KEYS_STORE_ISSUE_TRIES 3

/* Makes a new key and stores it as keys_store_create_key does, with a new
 * one when its prefix is taken (up to KEYS_STORE_ISSUE_TRIES times). On
 * STORE_OK with KEYS_STORE_DONE, *key holds the key to show once (wipe it
 * after); otherwise *key is wiped. STORE_FAILED also when no random bytes
 * could be had. Borrows the rest. */
enum store_status keys_store_issue(struct db_conn *conn, const char *org_name, const char *role,
                                   const struct audit_actor *actor, struct apikey_new *key,
                                   enum keys_store_outcome *outcome);

/* Every key, oldest first: on STORE_OK *out is a new reference to an
 * array of {"prefix", "organisation", "role", "created_at", "revoked_at"}
 * (revoked_at null while the key is valid). */
enum store_status keys_store_list_keys(struct db_conn *conn, json_t **out);

/* Revokes the key with `prefix`; revoking it again keeps the first time.
 * STORE_NOT_FOUND when no key has that prefix. On STORE_OK revoked_at
 * holds the RFC 3339 time it was revoked and *already whether it was
 * revoked before this call. */
enum store_status keys_store_revoke(struct db_conn *conn, const char *prefix,
                                    const struct audit_actor *actor, char revoked_at[40],
                                    bool *already);

/* Reads the key with `prefix` into *identity: STORE_OK, or
 * STORE_NOT_FOUND when no key has that prefix.
 *
 * The caller must not let the answer show in its timing. It compares the
 * presented key's hash with identity->key_hash in constant time, and on
 * STORE_NOT_FOUND it still hashes the presented key and compares it with
 * a dummy (apikey_verify(presented, NULL) does both), so an unknown
 * prefix costs the same as a known prefix with a wrong secret. Only then
 * does it look at identity->revoked: a revoked key is refused like an
 * unknown one. */
enum store_status keys_store_lookup(struct db_conn *conn, const char *prefix,
                                    struct keys_store_identity *identity);

#endif
