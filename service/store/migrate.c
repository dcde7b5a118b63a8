/*
 * The migrator. It runs on its own connection before the pool opens.
 * Checksums are computed by PostgreSQL (sha256) over the file's text, so
 * the service needs no hashing code of its own.
 */
#include "store/migrate.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Any constant works; it only has to be the same for every instance. */
#define MIGRATE_LOCK_KEY "7261707074"
#define MIGRATE_FILES_MAX 1000

static bool
command_ok(PGconn *pg, PGresult *res, const char *what)
{
    ExecStatusType status = PQresultStatus(res);
    bool           ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

    if (!ok)
        log_error("migrate: %s failed: %s", what, PQerrorMessage(pg));
    PQclear(res);
    return ok;
}

static bool
is_migration_name(const char *name)
{
    size_t len = strlen(name);

    return len > 9 && strspn(name, "0123456789") == 4 && name[4] == '_'
        && strcmp(name + len - 4, ".sql") == 0;
}

static int
name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the sorted file names in *names (caller frees each and the
 * array), or -1 when the folder cannot be read. */
static int
list_files(const char *dir, char ***names)
{
    DIR           *d = opendir(dir);
    struct dirent *entry;
    int            count = 0;

    *names = NULL;
    if (d == NULL) {
        log_error("migrate: cannot open MIGRATIONS_DIR %s", dir);
        return -1;
    }
    *names = calloc(MIGRATE_FILES_MAX, sizeof(char *));
    while (*names != NULL && (entry = readdir(d)) != NULL && count < MIGRATE_FILES_MAX)
        if (is_migration_name(entry->d_name))
            (*names)[count++] = strdup(entry->d_name);
    closedir(d);
    if (*names == NULL)
        return -1;
    qsort(*names, (size_t)count, sizeof(char *), name_compare);
    return count;
}

/* Returns the file's text, NUL-terminated (caller frees), or NULL. */
static char *
read_file(const char *dir, const char *name)
{
    char   path[4096];
    FILE  *f;
    char  *text = NULL;
    size_t len = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

/* 1: applied with the same text, 0: not applied, -1: changed or error. */
static int
applied_state(PGconn *pg, const char *name, const char *text)
{
    const char *params[2] = {name, text};
    PGresult   *res = PQexecParams(
        pg,
        "SELECT checksum = encode(sha256(convert_to($2, 'UTF8')), 'hex')"
        " FROM schema_migrations WHERE version = $1",
        2, NULL, params, NULL, NULL, 0);
    int state;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("migrate: cannot read schema_migrations: %s", PQerrorMessage(pg));
        PQclear(res);
        return -1;
    }
    if (PQntuples(res) == 0)
        state = 0;
    else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
        state = 1;
    else {
        log_error("migrate: %s was changed after it was applied; restore it and add a new "
                  "migration instead", name);
        state = -1;
    }
    PQclear(res);
    return state;
}

static int
apply_one(PGconn *pg, const char *name, const char *text)
{
    const char *params[2] = {name, text};

    if (!command_ok(pg, PQexec(pg, "BEGIN"), "BEGIN"))
        return -1;
    if (!command_ok(pg, PQexec(pg, text), name)
        || !command_ok(pg, PQexecParams(pg,
                                        "INSERT INTO schema_migrations (version, checksum)"
                                        " VALUES ($1, encode(sha256(convert_to($2, 'UTF8')),"
                                        " 'hex'))",
                                        2, NULL, params, NULL, NULL, 0),
                       "recording")
        || !command_ok(pg, PQexec(pg, "COMMIT"), "COMMIT")) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return -1;
    }
    log_info("migrate: applied %s", name);
    return 0;
}

static int
apply_all(PGconn *pg, const char *dir)
{
    char **names;
    int    count = list_files(dir, &names);
    int    rc = count;

    for (int i = 0; i < count && rc >= 0; i++) {
        char *text = read_file(dir, names[i]);
        int   state = text != NULL ? applied_state(pg, names[i], text) : -1;

        if (text == NULL)
            log_error("migrate: cannot read %s/%s", dir, names[i]);
        if (state < 0 || (state == 0 && apply_one(pg, names[i], text) != 0))
            rc = -1;
        free(text);
    }
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

static PGconn *
connect_waiting(const char *conninfo, unsigned wait_s)
{
    for (unsigned waited = 0;; waited++) {
        PGconn *pg = PQconnectdb(conninfo);

        if (PQstatus(pg) == CONNECTION_OK)
            return pg;
        if (waited >= wait_s) {
            log_error("migrate: cannot connect to the database: %s", PQerrorMessage(pg));
            PQfinish(pg);
            return NULL;
        }
        PQfinish(pg);
        sleep(1);
    }
}

int
migrate_run(const char *conninfo, const char *dir, unsigned wait_s)
{
    PGconn *pg = connect_waiting(conninfo, wait_s);
    int     rc = -1;

    if (pg == NULL)
        return -1;
    /* Session-level lock: held across the per-file transactions. */
    if (command_ok(pg, PQexec(pg, "SET client_min_messages = warning"), "SET")
        && command_ok(pg, PQexec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")"), "lock")
        && command_ok(pg, PQexec(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                     " version text PRIMARY KEY,"
                                     " checksum text NOT NULL,"
                                     " applied_at timestamptz NOT NULL DEFAULT now())"),
                      "creating schema_migrations"))
        rc = apply_all(pg, dir);
    PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
    PQfinish(pg);
    return rc;
}
