/*
 * Organisations and API keys. Hashes travel as hex text, like every other
 * parameter; the SQL decodes them into bytea.
 */
#include "store/keys_store.h"

#include <stdio.h>
#include <string.h>

static bool
is_true(const PGresult *res, int column)
{
    return strcmp(PQgetvalue(res, 0, column), "t") == 0;
}

/* Copies a result text into a buffer of `size`; the caller's buffers are
 * sized for what the column can hold, so this only guards against a bug. */
static void
copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static void
hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes exactly len bytes of lowercase hex. Returns 0 or -1. */
static int
hex_decode(const char *in, unsigned char *out, size_t len)
{
    if (strlen(in) != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int high = hex_digit(in[2 * i]);
        int low = hex_digit(in[2 * i + 1]);

        if (high < 0 || low < 0)
            return -1;
        out[i] = (unsigned char)((high << 4) | low);
    }
    return 0;
}

enum store_status
keys_store_create_org(struct db_conn *conn, const char *name, const char *kind,
                      const struct audit_actor *actor, enum keys_store_outcome *outcome,
                      char id_out[37])
{
    const struct audit_actor none = {0};
    const struct audit_actor *by = actor != NULL ? actor : &none;
    const char *const params[] = {name, kind, by->request_id, by->key_prefix,
                                  by->organisation_id, by->role, by->method, by->route};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_KEYS_ORG_CREATE, params, &status);

    id_out[0] = '\0';
    if (res == NULL)
        return status;
    if (!is_true(res, 0))
        *outcome = KEYS_STORE_UNKNOWN_KIND;
    else if (PQgetisnull(res, 0, 1))
        *outcome = KEYS_STORE_NAME_TAKEN;
    else {
        *outcome = KEYS_STORE_DONE;
        copy_text(id_out, 37, PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return STORE_OK;
}

enum store_status
keys_store_list_orgs(struct db_conn *conn, json_t **out)
{
    return db_run_json(conn, STMT_KEYS_ORG_LIST, NULL, out);
}

enum store_status
keys_store_create_key(struct db_conn *conn, const char *org_name, const char *role,
                      const struct apikey_new *key, const struct audit_actor *actor,
                      enum keys_store_outcome *outcome)
{
    const struct audit_actor none = {0};
    const struct audit_actor *by = actor != NULL ? actor : &none;
    char              hash_hex[2 * APIKEY_HASH_LEN + 1];
    const char *const params[] = {org_name, role, key->prefix, hash_hex, by->request_id,
                                  by->key_prefix, by->organisation_id, by->role, by->method,
                                  by->route};
    enum store_status status;
    PGresult         *res;

    hex_encode(key->hash, APIKEY_HASH_LEN, hash_hex);
    res = db_run(conn, STMT_KEYS_CREATE, params, &status);
    if (res == NULL)
        return status;
    if (!is_true(res, 0))
        *outcome = KEYS_STORE_UNKNOWN_ORGANISATION;
    else if (!is_true(res, 1))
        *outcome = KEYS_STORE_UNKNOWN_ROLE;
    else if (!is_true(res, 3))
        *outcome = KEYS_STORE_ROLE_NOT_FOR_KIND;
    else if (!is_true(res, 2))
        *outcome = KEYS_STORE_PREFIX_TAKEN;
    else
        *outcome = KEYS_STORE_DONE;
    PQclear(res);
    return STORE_OK;
}

enum store_status
keys_store_issue(struct db_conn *conn, const char *org_name, const char *role,
                 const struct audit_actor *actor, struct apikey_new *key,
                 enum keys_store_outcome *outcome)
{
    enum store_status status = STORE_OK;

    *outcome = KEYS_STORE_PREFIX_TAKEN;
    for (int tries = 0; tries < KEYS_STORE_ISSUE_TRIES && *outcome == KEYS_STORE_PREFIX_TAKEN;
         tries++) {
        if (apikey_generate(key) != 0)
            return STORE_FAILED;
        status = keys_store_create_key(conn, org_name, role, key, actor, outcome);
        if (status != STORE_OK)
            break;
    }
    if (status != STORE_OK || *outcome != KEYS_STORE_DONE)
        apikey_wipe(key);
    return status;
}

enum store_status
keys_store_list_keys(struct db_conn *conn, json_t **out)
{
    return db_run_json(conn, STMT_KEYS_LIST, NULL, out);
}

enum store_status
keys_store_revoke(struct db_conn *conn, const char *prefix, const struct audit_actor *actor,
                  char revoked_at[40], bool *already)
{
    const struct audit_actor none = {0};
    const struct audit_actor *by = actor != NULL ? actor : &none;
    const char *const params[] = {prefix, by->request_id, by->key_prefix, by->organisation_id,
                                  by->role, by->method, by->route};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_KEYS_REVOKE, params, &status);

    revoked_at[0] = '\0';
    if (res == NULL)
        return status;
    status = PQntuples(res) == 1 ? STORE_OK : STORE_NOT_FOUND;
    if (status == STORE_OK) {
        copy_text(revoked_at, 40, PQgetvalue(res, 0, 0));
        *already = !is_true(res, 1);
    }
    PQclear(res);
    return status;
}

enum store_status
keys_store_lookup(struct db_conn *conn, const char *prefix, struct keys_store_identity *identity)
{
    const char *const params[] = {prefix};
    enum store_status status;
    PGresult         *res = db_run(conn, STMT_KEYS_LOOKUP, params, &status);

    memset(identity, 0, sizeof(*identity));
    if (res == NULL)
        return status;
    status = PQntuples(res) == 1 ? STORE_OK : STORE_NOT_FOUND;
    if (status == STORE_OK) {
        if (hex_decode(PQgetvalue(res, 0, 0), identity->key_hash, APIKEY_HASH_LEN) != 0)
            status = STORE_FAILED;
        copy_text(identity->role, sizeof(identity->role), PQgetvalue(res, 0, 1));
        copy_text(identity->organisation_id, sizeof(identity->organisation_id),
                  PQgetvalue(res, 0, 2));
        identity->revoked = is_true(res, 3);
    }
    PQclear(res);
    return status;
}
