/*
 * orgs create|list and keys create|list|revoke. A new key is printed once,
 * on stdout, and wiped from memory; the database keeps its hash only.
 */
#include "cli.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domain/apikey.h"
#include "store/db.h"
#include "store/keys_store.h"

#define ORG_NAME_MAX 200

static const char usage[] =
    "usage: fraud-intake orgs create --name NAME --kind KIND\n"
    "       fraud-intake orgs list\n"
    "       fraud-intake keys create --org NAME --role ROLE\n"
    "       fraud-intake keys list\n"
    "       fraud-intake keys revoke PREFIX\n"
    "  KIND: police_station, public_form, analysis_unit or admin\n"
    "  ROLE: public, police, analyst or admin\n"
    "keys create prints the key once; only its hash is stored.\n";

/* A named option's value: `--name VALUE` pairs after the verb. */
struct option_value {
    const char *name;
    const char *value;
};

static int
usage_error(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "fraud-intake: %s\n", why);
    fputs(usage, stderr);
    return 2;
}

/* Fills each option's value from argv[from..argc), which must hold only
 * those options, each once, each with a value. Returns 0 or -1. */
static int
parse_options(int argc, char **argv, int from, struct option_value *options, size_t count)
{
    for (int i = from; i < argc; i += 2) {
        struct option_value *option = NULL;

        for (size_t k = 0; k < count && option == NULL; k++)
            if (strcmp(argv[i], options[k].name) == 0)
                option = &options[k];
        if (option == NULL || option->value != NULL || i + 1 >= argc)
            return -1;
        option->value = argv[i + 1];
    }
    for (size_t k = 0; k < count; k++)
        if (options[k].value == NULL)
            return -1;
    return 0;
}

/* One printable line of 1..ORG_NAME_MAX bytes, as organisations.name
 * requires; it is printed in tab-separated tables. */
static bool
is_org_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > ORG_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

static bool
is_prefix(const char *text)
{
    return strlen(text) == APIKEY_PREFIX_LEN
        && strspn(text, "abcdefghijklmnopqrstuvwxyz234567") == APIKEY_PREFIX_LEN;
}

static int
store_failed(enum store_status status)
{
    fprintf(stderr, "fraud-intake: %s\n", status == STORE_UNAVAILABLE
                                              ? "the database is unavailable"
                                              : "the database refused the command");
    return 1;
}

/* Prints a JSON array of objects as a tab-separated table whose header
 * is `columns`; JSON null prints as "-". Borrows rows. */
static void
print_table(const json_t *rows, const char *const *columns, size_t count)
{
    size_t        i;
    const json_t *row;

    for (size_t c = 0; c < count; c++)
        printf("%s%c", columns[c], c + 1 < count ? '\t' : '\n');
    json_array_foreach(rows, i, row) {
        for (size_t c = 0; c < count; c++) {
            const char *text = json_string_value(json_object_get(row, columns[c]));

            printf("%s%c", text != NULL ? text : "-", c + 1 < count ? '\t' : '\n');
        }
    }
}

static int
orgs_create(struct db_conn *conn, int argc, char **argv)
{
    struct option_value     options[] = {{"--name", NULL}, {"--kind", NULL}};
    enum keys_store_outcome outcome = KEYS_STORE_DONE;
    enum store_status       status;
    char                    id[37];

    if (parse_options(argc, argv, 3, options, 2) != 0)
        return usage_error("orgs create needs --name and --kind");
    if (!is_org_name(options[0].value))
        return usage_error("an organisation name is 1 to 200 bytes without control characters");
    status = keys_store_create_org(conn, options[0].value, options[1].value, NULL, &outcome,
                                   id);
    if (status != STORE_OK)
        return store_failed(status);
    if (outcome == KEYS_STORE_UNKNOWN_KIND) {
        fprintf(stderr, "fraud-intake: unknown organisation kind \"%s\"\n", options[1].value);
        return 1;
    }
    if (outcome == KEYS_STORE_NAME_TAKEN) {
        fprintf(stderr, "fraud-intake: an organisation named \"%s\" already exists\n",
                options[0].value);
        return 1;
    }
    printf("id\t%s\n", id);
    return 0;
}

static int
orgs_list(struct db_conn *conn)
{
    static const char *const columns[] = {"name", "kind", "id", "created_at"};
    json_t                  *rows;
    enum store_status        status = keys_store_list_orgs(conn, &rows);

    if (status != STORE_OK)
        return store_failed(status);
    print_table(rows, columns, 4);
    json_decref(rows);
    return 0;
}

static int
keys_create(struct db_conn *conn, int argc, char **argv)
{
    struct option_value     options[] = {{"--org", NULL}, {"--role", NULL}};
    struct apikey_new       key;
    enum keys_store_outcome outcome;
    enum store_status       status;
    int                     exit_status = 1;

    if (parse_options(argc, argv, 3, options, 2) != 0)
        return usage_error("keys create needs --org and --role");
    status = keys_store_issue(conn, options[0].value, options[1].value, NULL, &key, &outcome);
    if (status != STORE_OK)
        exit_status = store_failed(status);
    else if (outcome == KEYS_STORE_UNKNOWN_ORGANISATION)
        fprintf(stderr, "fraud-intake: no organisation is named \"%s\"\n", options[0].value);
    else if (outcome == KEYS_STORE_UNKNOWN_ROLE)
        fprintf(stderr, "fraud-intake: unknown role \"%s\"\n", options[1].value);
    else if (outcome == KEYS_STORE_ROLE_NOT_FOR_KIND)
        fputs("fraud-intake: police keys belong to police stations (kind police_station)\n",
              stderr);
    else if (outcome != KEYS_STORE_DONE)
        fputs("fraud-intake: no free key prefix was found; try again\n", stderr);
    else {
        printf("key\t%s\nprefix\t%s\n", key.key, key.prefix);
        fflush(stdout);
        fputs("fraud-intake: this is the only time the key is shown; only its hash is "
              "stored\n", stderr);
        exit_status = 0;
    }
    apikey_wipe(&key);
    return exit_status;
}

static int
keys_list(struct db_conn *conn)
{
    static const char *const columns[] = {"prefix", "organisation", "role", "created_at",
                                          "revoked_at"};
    json_t                  *rows;
    enum store_status        status = keys_store_list_keys(conn, &rows);

    if (status != STORE_OK)
        return store_failed(status);
    print_table(rows, columns, 5);
    json_decref(rows);
    return 0;
}

static int
keys_revoke(struct db_conn *conn, const char *prefix)
{
    char              revoked_at[40];
    bool              already = false;
    enum store_status status;

    if (!is_prefix(prefix))
        return usage_error("a key prefix is 8 characters of a-z and 2-7");
    status = keys_store_revoke(conn, prefix, NULL, revoked_at, &already);
    if (status == STORE_NOT_FOUND) {
        fprintf(stderr, "fraud-intake: no key has the prefix %s\n", prefix);
        return 1;
    }
    if (status != STORE_OK)
        return store_failed(status);
    if (already)
        fprintf(stderr, "fraud-intake: key %s was already revoked\n", prefix);
    printf("revoked_at\t%s\n", revoked_at);
    return 0;
}

/* Runs a command already known to be well formed in its verb. */
static int
dispatch(struct db_conn *conn, int argc, char **argv)
{
    const char *noun = argv[1];
    const char *verb = argv[2];

    if (strcmp(noun, "orgs") == 0 && strcmp(verb, "create") == 0)
        return orgs_create(conn, argc, argv);
    if (strcmp(noun, "orgs") == 0)
        return orgs_list(conn);
    if (strcmp(verb, "create") == 0)
        return keys_create(conn, argc, argv);
    if (strcmp(verb, "list") == 0)
        return keys_list(conn);
    return keys_revoke(conn, argv[3]);
}

/* Whether argv names a command this file runs, with the right number of
 * words (options are checked by the command itself). */
static bool
is_command(int argc, char **argv)
{
    bool orgs = strcmp(argv[1], "orgs") == 0;
    bool keys = strcmp(argv[1], "keys") == 0;

    if (argc < 3 || (!orgs && !keys))
        return false;
    if (strcmp(argv[2], "create") == 0)
        return true;
    if (strcmp(argv[2], "list") == 0)
        return argc == 3;
    return keys && strcmp(argv[2], "revoke") == 0 && argc == 4;
}

int
cli_run(int argc, char **argv, const struct config *cfg)
{
    struct db      *db;
    struct db_conn *conn;
    int             exit_status;

    if (argc >= 3 && strcmp(argv[2], "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2 || !is_command(argc, argv))
        return usage_error(NULL);
    db = db_create(cfg->database_url, 1, cfg->db_connect_timeout_ms, cfg->statement_timeout_ms);
    conn = db != NULL ? db_acquire(db) : NULL;
    if (conn == NULL) {
        fputs("fraud-intake: cannot connect to the database\n", stderr);
        db_destroy(db);
        return 1;
    }
    exit_status = dispatch(conn, argc, argv);
    db_release(db, conn);
    db_destroy(db);
    return exit_status;
}
