/*
 * The migrator against the real throwaway PostgreSQL: re-running applies
 * nothing, an edited applied file stops start-up with its name, and two
 * instances migrating a fresh database at once apply each file once.
 */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/migrate.h"
#include "suites.h"
#include "testutil.h"

static PGconn *
connect_or_fail(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);

    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(pg));
    return pg;
}

static long
query_count(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    long      count;

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
    count = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return count;
}

static void
exec_or_fail(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
}

/* A connection string for database `name` on the test cluster. Returns a
 * new string; caller frees. */
static char *
conninfo_for(const char *name)
{
    PGconn *pg = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char   *conninfo;

    ck_assert(asprintf(&conninfo, "host=%s port=%s user=%s dbname=%s", PQhost(pg), PQport(pg),
                       PQuser(pg), name) > 0);
    PQfinish(pg);
    return conninfo;
}

/* Copies the migrations into a new temporary folder and appends `extra`
 * to `file` there. Returns the folder; caller frees it and removes it
 * with remove_copy(). */
static char *
copy_migrations(const char *file, const char *extra)
{
    char  template[] = "/tmp/fraud-migrations-XXXXXX";
    char *dir = strdup(mkdtemp(template));
    char *cmd;
    FILE *f;

    ck_assert(asprintf(&cmd, "cp '%s'/*.sql '%s'/", testutil_env("FRAUD_TEST_MIGRATIONS"),
                       dir) > 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    if (file != NULL) {
        ck_assert(asprintf(&cmd, "%s/%s", dir, file) > 0);
        f = fopen(cmd, "a");
        ck_assert(f != NULL);
        fputs(extra, f);
        fclose(f);
        free(cmd);
    }
    return dir;
}

static void
remove_copy(char *dir)
{
    char *cmd;

    ck_assert(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(dir);
}

START_TEST(rerun_applies_nothing)
{
    const char *url = testutil_env("FRAUD_TEST_DATABASE_URL");
    PGconn     *pg = connect_or_fail(url);
    long        before = query_count(pg, "SELECT count(*) FROM schema_migrations");
    int         files = migrate_run(url, testutil_env("FRAUD_TEST_MIGRATIONS"), 0);

    ck_assert_int_ge(files, 4);
    ck_assert_int_eq(before, files);
    ck_assert_int_eq(query_count(pg, "SELECT count(*) FROM schema_migrations"), before);
    PQfinish(pg);
}
END_TEST

START_TEST(changed_file_refuses_to_start)
{
    char *dir = copy_migrations("0002_vocabularies.sql", "-- edited after it was applied\n");
    char *cmd;
    char  output[4096] = "";
    FILE *child;
    int   status;

    ck_assert_int_eq(migrate_run(testutil_env("FRAUD_TEST_DATABASE_URL"), dir, 0), -1);
    /* The binary says which file, and exits non-zero, before serving. */
    ck_assert(asprintf(&cmd, "DATABASE_URL='%s' MIGRATIONS_DIR='%s' '%s' serve 2>&1",
                       testutil_env("FRAUD_TEST_DATABASE_URL"), dir,
                       testutil_env("FRAUD_TEST_BIN")) > 0);
    child = popen(cmd, "r");
    ck_assert(child != NULL);
    fread(output, 1, sizeof(output) - 1, child);
    status = pclose(child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d", status);
    ck_assert_msg(strstr(output, "0002_vocabularies.sql was changed") != NULL, "said: %s",
                  output);
    free(cmd);
    remove_copy(dir);
}
END_TEST

START_TEST(new_file_is_applied_once)
{
    char   *dir = copy_migrations(NULL, NULL);
    char   *path;
    FILE   *f;
    char   *url;
    PGconn *admin = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));

    exec_or_fail(admin, "DROP DATABASE IF EXISTS fraud_migrate_new");
    exec_or_fail(admin, "CREATE DATABASE fraud_migrate_new");
    url = conninfo_for("fraud_migrate_new");
    ck_assert_int_ge(migrate_run(url, dir, 0), 4);
    ck_assert(asprintf(&path, "%s/9999_probe.sql", dir) > 0);
    f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs("CREATE TABLE migration_probe (id int);\n", f);
    fclose(f);
    ck_assert_int_ge(migrate_run(url, dir, 0), 5);
    /* A second run would fail on CREATE TABLE if it applied the file again. */
    ck_assert_int_ge(migrate_run(url, dir, 0), 5);
    {
        PGconn *pg = connect_or_fail(url);

        ck_assert_int_eq(query_count(pg, "SELECT count(*) FROM schema_migrations"
                                         " WHERE version = '9999_probe.sql'"), 1);
        PQfinish(pg);
    }
    exec_or_fail(admin, "DROP DATABASE fraud_migrate_new");
    PQfinish(admin);
    free(path);
    free(url);
    remove_copy(dir);
}
END_TEST

/* Two instances starting together against an empty database. */
START_TEST(concurrent_starters_take_turns)
{
    PGconn *admin = connect_or_fail(testutil_env("FRAUD_TEST_DATABASE_URL"));
    char   *url;
    char   *cmd;
    pid_t   children[2];
    int     status;

    exec_or_fail(admin, "DROP DATABASE IF EXISTS fraud_migrate_race");
    exec_or_fail(admin, "CREATE DATABASE fraud_migrate_race");
    url = conninfo_for("fraud_migrate_race");
    ck_assert(asprintf(&cmd, "DATABASE_URL='%s' MIGRATIONS_DIR='%s' '%s' migrate 2>/dev/null",
                       url, testutil_env("FRAUD_TEST_MIGRATIONS"),
                       testutil_env("FRAUD_TEST_BIN")) > 0);
    for (int i = 0; i < 2; i++) {
        children[i] = fork();
        ck_assert(children[i] >= 0);
        if (children[i] == 0)
            _exit(system(cmd) == 0 ? 0 : 1);
    }
    for (int i = 0; i < 2; i++) {
        ck_assert(waitpid(children[i], &status, 0) == children[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "starter %d failed", i);
    }
    {
        PGconn *pg = connect_or_fail(url);
        long    files = migrate_run(url, testutil_env("FRAUD_TEST_MIGRATIONS"), 0);

        ck_assert_int_eq(query_count(pg, "SELECT count(*) FROM schema_migrations"), files);
        ck_assert_int_eq(query_count(pg, "SELECT count(*) FROM stages"), 7);
        PQfinish(pg);
    }
    exec_or_fail(admin, "DROP DATABASE fraud_migrate_race");
    PQfinish(admin);
    free(cmd);
    free(url);
}
END_TEST

Suite *
migrate_suite(void)
{
    Suite *suite = suite_create("migrate");
    TCase *tc = tcase_create("migrate");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rerun_applies_nothing);
    tcase_add_test(tc, changed_file_refuses_to_start);
    tcase_add_test(tc, new_file_is_applied_once);
    tcase_add_test(tc, concurrent_starters_take_turns);
    suite_add_tcase(suite, tc);
    return suite;
}
