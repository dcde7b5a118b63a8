/*
 * libpq for the black-box suites: a fresh connection per call, so a test
 * never depends on a connection that an earlier test (or a database
 * restart) left behind.
 */
#include "test_db.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil.h"

/* In the column order of the count query in test_db_counts_take. */
const char *const test_db_report_tables[TEST_DB_REPORT_TABLES] = {
    "reports", "report_phones", "report_apps", "report_accounts", "report_urls",
    "report_chat_ids",
};

static PGconn *
connect_db(void)
{
    PGconn *conn = PQconnectdb(testutil_env("FRAUD_TEST_DATABASE_URL"));

    if (PQstatus(conn) != CONNECTION_OK) {
        char message[512];

        snprintf(message, sizeof(message), "%s", PQerrorMessage(conn));
        PQfinish(conn);
        ck_abort_msg("cannot connect to FRAUD_TEST_DATABASE_URL: %s", message);
    }
    return conn;
}

PGresult *
test_db_query(const char *sql, int nparams, const char *const *params)
{
    PGconn        *conn = connect_db();
    PGresult      *result = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(result);

    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        char message[512];

        snprintf(message, sizeof(message), "%s", PQresultErrorMessage(result));
        PQclear(result);
        PQfinish(conn);
        ck_abort_msg("query failed: %s: %s", sql, message);
    }
    PQfinish(conn);
    return result;
}

char *
test_db_scalar(const char *sql, int nparams, const char *const *params)
{
    PGresult *result = test_db_query(sql, nparams, params);
    char     *value = NULL;
    int       rows = PQntuples(result);

    if (rows < 1 || PQnfields(result) < 1) {
        PQclear(result);
        ck_abort_msg("query returned no value: %s", sql);
    }
    if (!PQgetisnull(result, 0, 0)) {
        value = strdup(PQgetvalue(result, 0, 0));
        ck_assert(value != NULL);
    }
    PQclear(result);
    return value;
}

static long long
count_where(const char *table, const char *report_id)
{
    PGconn    *conn = connect_db();
    char      *ident = PQescapeIdentifier(conn, table, strlen(table));
    char      *sql = NULL;
    char      *value;
    long long  count;
    const char *params[1] = { report_id };

    ck_assert(ident != NULL);
    PQfinish(conn);
    if (report_id == NULL)
        ck_assert(asprintf(&sql, "select count(*) from %s", ident) > 0);
    else
        ck_assert(asprintf(&sql, "select count(*) from %s where report_id = $1::uuid", ident) > 0);
    PQfreemem(ident);
    value = test_db_scalar(sql, report_id == NULL ? 0 : 1, report_id == NULL ? NULL : params);
    free(sql);
    ck_assert(value != NULL);
    count = strtoll(value, NULL, 10);
    free(value);
    return count;
}

long long
test_db_count(const char *table)
{
    return count_where(table, NULL);
}

long long
test_db_count_report(const char *table, const char *report_id)
{
    ck_assert(report_id != NULL);
    return count_where(table, report_id);
}

void
test_db_counts_take(struct test_db_counts *counts)
{
    /* One statement, so all counts come from the same snapshot. */
    PGresult *result = test_db_query(
        "select (select count(*) from reports), (select count(*) from report_phones),"
        " (select count(*) from report_apps), (select count(*) from report_accounts),"
        " (select count(*) from report_urls), (select count(*) from report_chat_ids)",
        0, NULL);

    ck_assert_int_eq(PQntuples(result), 1);
    ck_assert_int_eq(PQnfields(result), TEST_DB_REPORT_TABLES);
    for (int i = 0; i < TEST_DB_REPORT_TABLES; i++)
        counts->rows[i] = strtoll(PQgetvalue(result, 0, i), NULL, 10);
    PQclear(result);
}

void
test_db_counts_assert_same(const struct test_db_counts *before, const char *what)
{
    struct test_db_counts after;

    test_db_counts_take(&after);
    for (size_t i = 0; i < TEST_DB_REPORT_TABLES; i++)
        ck_assert_msg(after.rows[i] == before->rows[i],
                      "%s: %s went from %lld to %lld rows, but nothing may be stored", what,
                      test_db_report_tables[i], before->rows[i], after.rows[i]);
}
