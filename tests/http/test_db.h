/*
 * Direct reads of the service's database for the black-box suites: row
 * counts that prove what was (or was not) stored, and small queries such
 * as comparing two timestamps as instants. Each call opens and closes its
 * own connection to FRAUD_TEST_DATABASE_URL.
 */
#ifndef FRAUD_TEST_DB_H
#define FRAUD_TEST_DB_H

#include <stddef.h>

#include <libpq-fe.h>

/* The report table and every indicator table: what one POST may write. */
#define TEST_DB_REPORT_TABLES 6
extern const char *const test_db_report_tables[TEST_DB_REPORT_TABLES];

/* Row counts of test_db_report_tables, in that order. Plain data. */
struct test_db_counts {
    long long rows[TEST_DB_REPORT_TABLES];
};

/* Returns the number of rows in `table` (a name written in the test,
 * quoted here as an identifier); fails the test on any database error. */
long long test_db_count(const char *table);

/* Returns the number of rows of `table` whose report_id is `report_id`. */
long long test_db_count_report(const char *table, const char *report_id);

/* Fills *counts with the current row counts of every report table. */
void test_db_counts_take(struct test_db_counts *counts);

/* Fails the test unless every report table still has the rows recorded
 * in *before; `what` names the step in the message. Borrows both. */
void test_db_counts_assert_same(const struct test_db_counts *before, const char *what);

/* Runs `sql` with nparams text parameters (borrowed) on a new connection.
 * Returns a new result whose status is PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK; caller PQclear()s. Fails the test otherwise. */
PGresult *test_db_query(const char *sql, int nparams, const char *const *params);

/* Returns a new string holding row 0, column 0 of the query's result, or
 * NULL for SQL NULL; caller frees. Fails the test when there is no row. */
char *test_db_scalar(const char *sql, int nparams, const char *const *params);

#endif
