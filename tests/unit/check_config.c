/*
 * config_suite: config_load() against the table tests/data/config.tsv: each
 * numeric setting's default, bounds and malformed values.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "../testutil.h"

/* Fewer rows than this means the table was truncated or emptied. */
#define CONFIG_MIN_ROWS 25

static const char config_header[] = "variable\tvalue\tread";

/* Where config_load puts each variable of the table: an unsigned field,
 * or a rate class (read as "quota/window"). */
static const struct {
    const char *name;
    size_t      offset;
    int         rate;   /* -1: not a rate */
} config_fields[] = {
    {"ROLLUP_REINDEX_PERCENT", offsetof(struct config, rollup_reindex_percent), -1},
    {"THREADS", offsetof(struct config, threads), -1},
    {"PORT", offsetof(struct config, port), -1},
    {"STATEMENT_TIMEOUT_MS", offsetof(struct config, statement_timeout_ms), -1},
    {"IDEMPOTENCY_TTL_H", offsetof(struct config, idempotency_ttl_h), -1},
    {"IDEMPOTENCY_PURGE_INTERVAL_S", offsetof(struct config, idempotency_purge_interval_s), -1},
    {"TREND_K", offsetof(struct config, trend_k), -1},
    {"TREND_APPLY_INTERVAL_MS", offsetof(struct config, trend_apply_interval_ms), -1},
    {"RATE_LIMIT_SLOTS", offsetof(struct config, rate_limit_slots), -1},
    {"RATE_LIMIT_PUBLIC", 0, CONFIG_RATE_PUBLIC},
    {"RATE_LIMIT_ANALYST", 0, CONFIG_RATE_ANALYST},
};

/* Writes what cfg holds for `name` into out, as the table writes it. */
static void
describe(const struct config *cfg, const char *name, int line, char *out, size_t size)
{
    for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
        int rate = config_fields[i].rate;

        if (strcmp(config_fields[i].name, name) != 0)
            continue;
        if (rate >= 0)
            snprintf(out, size, "%u/%u", cfg->rate[rate].quota, cfg->rate[rate].window_s);
        else
            snprintf(out, size, "%u",
                     *(const unsigned *)(const void *)((const char *)cfg
                                                       + config_fields[i].offset));
        return;
    }
    ck_abort_msg("config.tsv:%d: no field for %s", line, name);
}

/* Loads the configuration with `name` set to `value` alone and checks it
 * reads `expected` ("-": refused). */
static void
check_row(const char *name, const char *value, const char *expected, int line)
{
    char         *argv[] = {"fraud-intake", "serve", NULL};
    struct config cfg;
    char          read[64];
    int           status;

    ck_assert_int_eq(setenv(name, value, 1), 0);
    memset(&cfg, 0, sizeof(cfg));
    status = config_load(&cfg, 2, argv);
    if (strcmp(expected, "-") == 0)
        ck_assert_msg(status == -1, "config.tsv:%d: %s=\"%s\" was taken", line, name, value);
    else {
        ck_assert_msg(status == 0, "config.tsv:%d: %s=\"%s\" was refused", line, name, value);
        describe(&cfg, name, line, read, sizeof(read));
        ck_assert_msg(strcmp(read, expected) == 0, "config.tsv:%d: %s=\"%s\" read %s", line,
                      name, value, read);
        config_free(&cfg);
    }
    ck_assert_int_eq(unsetenv(name), 0);
}

START_TEST(test_config_table)
{
    char *text = testutil_read_data("config.tsv", NULL);
    char *save = NULL;
    int   line = 0, rows = 0;
    bool  header_seen = false;

    ck_assert_int_eq(setenv("DATABASE_URL", "postgresql://localhost/unused", 1), 0);
    for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++)
        unsetenv(config_fields[i].name);
    for (char *row = strtok_r(text, "\n", &save); row != NULL; row = strtok_r(NULL, "\n", &save)) {
        char *value = strchr(row, '\t'), *expected;

        line++;
        if (row[0] == '#')
            continue;
        if (!header_seen) {
            ck_assert_msg(strcmp(row, config_header) == 0, "config.tsv:%d: want \"%s\"", line,
                          config_header);
            header_seen = true;
            continue;
        }
        expected = value != NULL ? strchr(value + 1, '\t') : NULL;
        ck_assert_msg(expected != NULL, "config.tsv:%d: want three columns", line);
        *value++ = '\0';
        *expected++ = '\0';
        check_row(row, value, expected, line);
        rows++;
    }
    ck_assert_msg(rows >= CONFIG_MIN_ROWS, "config.tsv has %d rows", rows);
    free(text);
}
END_TEST

Suite *
config_suite(void)
{
    Suite *suite = suite_create("config");
    TCase *table = tcase_create("table");

    tcase_add_test(table, test_config_table);
    suite_add_tcase(suite, table);
    return suite;
}
