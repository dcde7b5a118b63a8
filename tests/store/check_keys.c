/*
 * keys_suite: `fraud-intake orgs` and `fraud-intake keys` run as a user
 * would, then checked in the database: only a key's hash is stored, the
 * key text is in no column, every change has its audit row, the audit log
 * refuses UPDATE, DELETE and TRUNCATE, and keys_store_lookup reports
 * revoked keys as revoked.
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../http/test_db.h"
#include "domain/apikey.h"
#include "store/db.h"
#include "store/keys_store.h"
#include "suites.h"
#include "testutil.h"

/* What one run of the binary printed, and how it ended. */
struct cli_result {
    int   status;       /* exit status */
    char *out;          /* stdout, a new string */
    char *err;          /* stderr, a new string */
};

static char *
read_all(FILE *f)
{
    char  *text = NULL;
    size_t size = 0;
    FILE  *mem = open_memstream(&text, &size);
    char   chunk[4096];
    size_t n;

    ck_assert(mem != NULL);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    return text;
}

/* Runs `fraud-intake <args>` (args is shell text written by the test)
 * against the test database. Fills *result; free it with cli_free. */
static void
cli_run_binary(const char *args, struct cli_result *result)
{
    char  err_path[] = "/tmp/fraud-keys-stderr-XXXXXX";
    int   err_fd = mkstemp(err_path);
    char *cmd;
    FILE *child;
    FILE *err;
    int   status;

    ck_assert(err_fd >= 0);
    close(err_fd);
    ck_assert(asprintf(&cmd, "DATABASE_URL='%s' MIGRATIONS_DIR='%s' '%s' %s 2>'%s'",
                       testutil_env("FRAUD_TEST_DATABASE_URL"),
                       testutil_env("FRAUD_TEST_MIGRATIONS"), testutil_env("FRAUD_TEST_BIN"),
                       args, err_path) > 0);
    child = popen(cmd, "r");
    ck_assert(child != NULL);
    result->out = read_all(child);
    status = pclose(child);
    err = fopen(err_path, "r");
    ck_assert(err != NULL);
    result->err = read_all(err);
    fclose(err);
    unlink(err_path);
    free(cmd);
    ck_assert_msg(WIFEXITED(status), "fraud-intake %s did not exit: %d", args, status);
    result->status = WEXITSTATUS(status);
}

static void
cli_free(struct cli_result *result)
{
    free(result->out);
    free(result->err);
}

/* Runs the binary and fails the test unless it exits with `want`. */
static void
cli_expect(const char *args, int want, struct cli_result *result)
{
    cli_run_binary(args, result);
    ck_assert_msg(result->status == want, "fraud-intake %s: exit %d, want %d; stderr: %s", args,
                  result->status, want, result->err);
}

/* The value of the "<field>\t<value>" line of out, into a buffer of size. */
static void
field_of(const char *out, const char *field, char *value, size_t size)
{
    size_t      len = strlen(field);
    const char *line = out;

    while (line != NULL && !(strncmp(line, field, len) == 0 && line[len] == '\t')) {
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    ck_assert_msg(line != NULL, "no %s line in: %s", field, out);
    line += len + 1;
    ck_assert(strcspn(line, "\n") < size);
    snprintf(value, size, "%.*s", (int)strcspn(line, "\n"), line);
}

static bool
starts_with(const char *text, const char *start)
{
    return strncmp(text, start, strlen(start)) == 0;
}

/* A name no other test run uses, for one organisation. */
static void
unique_name(char *name, size_t size, const char *what)
{
    snprintf(name, size, "%s %ld", what, (long)getpid());
}

struct made_key {
    char key[APIKEY_LEN + 1];
    char prefix[APIKEY_PREFIX_LEN + 1];
};

static void
create_org(const char *name, const char *kind)
{
    struct cli_result result;
    char              args[512];
    char              id[64];

    snprintf(args, sizeof(args), "orgs create --name '%s' --kind %s", name, kind);
    cli_expect(args, 0, &result);
    field_of(result.out, "id", id, sizeof(id));
    ck_assert_uint_eq(strlen(id), 36);
    cli_free(&result);
}

static void
create_key(const char *org, const char *role, struct made_key *key)
{
    struct cli_result result;
    char              args[512];

    snprintf(args, sizeof(args), "keys create --org '%s' --role %s", org, role);
    cli_expect(args, 0, &result);
    field_of(result.out, "key", key->key, sizeof(key->key));
    field_of(result.out, "prefix", key->prefix, sizeof(key->prefix));
    ck_assert_uint_eq(strlen(key->key), APIKEY_LEN);
    ck_assert(strncmp(key->key + 3, key->prefix, APIKEY_PREFIX_LEN) == 0);
    ck_assert_msg(strstr(result.err, "only time") != NULL, "no warning on stderr: %s",
                  result.err);
    cli_free(&result);
}

static long long
scalar_count(const char *sql, int nparams, const char *const *params)
{
    char     *text = test_db_scalar(sql, nparams, params);
    long long count = atoll(text);

    free(text);
    return count;
}

/* The stored hash is PostgreSQL's own SHA-256 of the printed key, and
 * neither the key nor its secret appears in any column of the tables the
 * command wrote. */
static void
assert_only_hash_stored(const struct made_key *key)
{
    const char *secret = key->key + 4 + APIKEY_PREFIX_LEN;
    const char *hash_params[] = {key->prefix, key->key};
    const char *text_params[] = {key->key, secret};

    ck_assert_int_eq(scalar_count("SELECT count(*) FROM api_keys WHERE prefix = $1"
                                  " AND key_hash = sha256(convert_to($2, 'UTF8'))",
                                  2, hash_params), 1);
    ck_assert_int_eq(scalar_count("SELECT count(*) FROM ("
                                  "  SELECT t::text FROM api_keys t"
                                  "  UNION ALL SELECT t::text FROM organisations t"
                                  "  UNION ALL SELECT t::text FROM audit_log t) r(row)"
                                  " WHERE strpos(r.row, $1) > 0 OR strpos(r.row, $2) > 0",
                                  2, text_params), 0);
}

static struct db *
pool_open(void)
{
    struct db *db = db_create(testutil_env("FRAUD_TEST_DATABASE_URL"), 1, 5000, 5000);

    ck_assert(db != NULL);
    return db;
}

/* What keys_store_lookup says about prefix; *identity filled on STORE_OK. */
static enum store_status
lookup(const char *prefix, struct keys_store_identity *identity)
{
    struct db        *db = pool_open();
    struct db_conn   *conn = db_acquire(db);
    enum store_status status;

    ck_assert_msg(conn != NULL, "cannot reach the test database");
    status = keys_store_lookup(conn, prefix, identity);
    db_release(db, conn);
    db_destroy(db);
    return status;
}

static struct apikey_bearer
bearer_of(const struct made_key *key)
{
    struct apikey_bearer presented;

    snprintf(presented.key, sizeof(presented.key), "%s", key->key);
    snprintf(presented.prefix, sizeof(presented.prefix), "%s", key->prefix);
    return presented;
}

/* Create an organisation and two keys, list them, revoke one. */
START_TEST(test_create_list_revoke)
{
    struct cli_result          result;
    struct made_key            police, analyst;
    struct keys_store_identity identity;
    struct apikey_bearer       presented;
    char                       org[128];
    char                       args[256];
    char                       line[512];
    char                       revoked_at[64];
    const char                *prefix_param[1];

    unique_name(org, sizeof(org), "Station A");
    create_org(org, "police_station");
    create_key(org, "police", &police);
    create_key(org, "analyst", &analyst);
    ck_assert_str_ne(police.prefix, analyst.prefix);
    assert_only_hash_stored(&police);
    assert_only_hash_stored(&analyst);

    cli_expect("orgs list", 0, &result);
    ck_assert_msg(starts_with(result.out, "name\tkind\tid\tcreated_at\n"), "header: %s",
                  result.out);
    snprintf(line, sizeof(line), "\n%s\tpolice_station\t", org);
    ck_assert_msg(strstr(result.out, line) != NULL, "%s not listed: %s", org, result.out);
    cli_free(&result);

    cli_expect("keys list", 0, &result);
    ck_assert_msg(starts_with(result.out, "prefix\torganisation\trole\tcreated_at\trevoked_at\n"),
                  "header: %s", result.out);
    snprintf(line, sizeof(line), "\n%s\t%s\tpolice\t", police.prefix, org);
    ck_assert_msg(strstr(result.out, line) != NULL, "police key not listed: %s", result.out);
    ck_assert(strstr(result.out, police.key + 12) == NULL);
    ck_assert(strstr(result.out, analyst.key + 12) == NULL);
    cli_free(&result);

    snprintf(args, sizeof(args), "keys revoke %s", police.prefix);
    cli_expect(args, 0, &result);
    field_of(result.out, "revoked_at", revoked_at, sizeof(revoked_at));
    ck_assert_msg(strlen(revoked_at) >= 20 && revoked_at[strlen(revoked_at) - 1] == 'Z',
                  "revoked_at %s is not RFC 3339 UTC", revoked_at);
    cli_free(&result);

    /* The listing shows it revoked, at the time the command printed. */
    cli_expect("keys list", 0, &result);
    snprintf(line, sizeof(line), "\n%s\t%s\tpolice\t", police.prefix, org);
    ck_assert(strstr(result.out, line) != NULL);
    ck_assert_msg(strstr(strstr(result.out, line), revoked_at) != NULL, "not revoked: %s",
                  result.out);
    cli_free(&result);

    /* The request path's view: revoked, the analyst key not; the hashes
     * verify against the printed keys. */
    ck_assert_int_eq(lookup(police.prefix, &identity), STORE_OK);
    ck_assert(identity.revoked);
    ck_assert_str_eq(identity.role, "police");
    presented = bearer_of(&police);
    ck_assert(apikey_verify(&presented, identity.key_hash));
    ck_assert_int_eq(lookup(analyst.prefix, &identity), STORE_OK);
    ck_assert(!identity.revoked);
    ck_assert_str_eq(identity.role, "analyst");
    presented = bearer_of(&analyst);
    ck_assert(apikey_verify(&presented, identity.key_hash));
    prefix_param[0] = analyst.prefix;
    {
        char *org_id = test_db_scalar("SELECT organisation_id FROM api_keys WHERE prefix = $1",
                                      1, prefix_param);

        ck_assert_str_eq(identity.organisation_id, org_id);
        free(org_id);
    }

    /* Revoking again keeps the first time and writes no second audit row. */
    snprintf(args, sizeof(args), "keys revoke %s", police.prefix);
    cli_expect(args, 0, &result);
    field_of(result.out, "revoked_at", line, sizeof(line));
    ck_assert_str_eq(line, revoked_at);
    ck_assert(strstr(result.err, "already revoked") != NULL);
    cli_free(&result);
    prefix_param[0] = police.prefix;
    ck_assert_int_eq(scalar_count("SELECT count(*) FROM audit_log WHERE action = 'key.revoke'"
                                  " AND subject = $1", 1, prefix_param), 1);
    ck_assert_int_eq(scalar_count("SELECT count(*) FROM audit_log WHERE action = 'key.create'"
                                  " AND subject = $1", 1, prefix_param), 1);
    prefix_param[0] = org;
    ck_assert_int_eq(scalar_count("SELECT count(*) FROM audit_log"
                                  " WHERE action = 'organisation.create' AND subject = $1",
                                  1, prefix_param), 1);
}
END_TEST

/* An unknown prefix is not found (the caller then compares against the
 * dummy; apikey_verify(..., NULL) is false). */
START_TEST(test_lookup_unknown)
{
    struct keys_store_identity identity;

    ck_assert_int_eq(lookup("aaaaaaaa", &identity), STORE_NOT_FOUND);
}
END_TEST

static void
assert_refused(const char *args, int want, const char *said)
{
    struct cli_result result;

    cli_expect(args, want, &result);
    ck_assert_msg(strstr(result.err, said) != NULL, "fraud-intake %s said: %s", args,
                  result.err);
    ck_assert_msg(result.out[0] == '\0', "fraud-intake %s printed: %s", args, result.out);
    cli_free(&result);
}

/* Every refusal says why, prints nothing on stdout and stores nothing. */
START_TEST(test_refusals)
{
    static const char count_sql[] =
        "SELECT (SELECT count(*) FROM organisations) * 1000000"
        " + (SELECT count(*) FROM api_keys) * 1000 + (SELECT count(*) FROM audit_log)";
    char      org[128];
    char      args[512];
    long long before;

    unique_name(org, sizeof(org), "Form site");
    create_org(org, "public_form");
    before = scalar_count(count_sql, 0, NULL);

    snprintf(args, sizeof(args), "orgs create --name '%s' --kind public_form", org);
    assert_refused(args, 1, "already exists");
    assert_refused("orgs create --name 'Nowhere' --kind ministry", 1, "unknown organisation kind");
    snprintf(args, sizeof(args), "orgs create --name '%0201d' --kind admin", 0);
    assert_refused(args, 2, "1 to 200 bytes");
    assert_refused("orgs create --name 'Tab\there' --kind admin", 2, "control characters");
    assert_refused("keys create --org 'No such organisation' --role police", 1,
                   "no organisation is named");
    snprintf(args, sizeof(args), "keys create --org '%s' --role superuser", org);
    assert_refused(args, 1, "unknown role");
    assert_refused("keys revoke zzzzzzzz", 1, "no key has the prefix");
    assert_refused("keys revoke ZZZZZZZZ", 2, "a key prefix is");
    assert_refused("keys revoke fi_zzzzzzzz_x", 2, "a key prefix is");
    assert_refused("orgs create --name x", 2, "needs --name and --kind");
    assert_refused("orgs create --name x --kind admin --name y", 2, "needs --name and --kind");
    assert_refused("keys create --role admin", 2, "needs --org and --role");
    assert_refused("keys delete aaaaaaaa", 2, "usage:");
    assert_refused("keys list extra", 2, "usage:");
    assert_refused("orgs revoke aaaaaaaa", 2, "usage:");
    ck_assert_int_eq(scalar_count(count_sql, 0, NULL), before);
}
END_TEST

static void
assert_statement_refused(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);

    ck_assert_msg(PQresultStatus(res) == PGRES_FATAL_ERROR, "%s was allowed", sql);
    ck_assert_msg(strstr(PQresultErrorMessage(res), "append-only") != NULL, "%s: %s", sql,
                  PQresultErrorMessage(res));
    PQclear(res);
}

/* Even the table's owner (the tests connect as a superuser) cannot change
 * or remove audit rows. */
START_TEST(test_audit_append_only)
{
    PGconn   *pg = PQconnectdb(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char      org[128];
    long long before;

    ck_assert(PQstatus(pg) == CONNECTION_OK);
    unique_name(org, sizeof(org), "Audit unit");
    create_org(org, "analysis_unit");
    before = scalar_count("SELECT count(*) FROM audit_log", 0, NULL);
    ck_assert_int_gt(before, 0);
    assert_statement_refused(pg, "UPDATE audit_log SET action = 'nothing'");
    assert_statement_refused(pg, "DELETE FROM audit_log");
    assert_statement_refused(pg, "TRUNCATE audit_log");
    ck_assert_int_eq(scalar_count("SELECT count(*) FROM audit_log", 0, NULL), before);
    PQfinish(pg);
}
END_TEST

Suite *
keys_suite(void)
{
    Suite *suite = suite_create("keys");
    TCase *tc = tcase_create("keys");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_create_list_revoke);
    tcase_add_test(tc, test_lookup_unknown);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_audit_append_only);
    suite_add_tcase(suite, tc);
    return suite;
}
