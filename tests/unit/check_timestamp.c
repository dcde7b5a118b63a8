/*
 * timestamp_suite: timestamp_parse_rfc3339() against the table
 * tests/data/timestamps.tsv, whose epochs were computed outside this code
 * (Python's datetime, checked with GNU date).
 */
#include "domain/timestamp.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "../testutil.h"

/* Fewer rows than this means the table was truncated or emptied. */
#define TIMESTAMP_MIN_ROWS     30
#define TIMESTAMP_MIN_ACCEPTED 10
#define TIMESTAMP_MIN_REFUSED  10

static const char timestamp_header[] = "text\tepoch_s";

/* One row of timestamps.tsv; text borrows from timestamp_table.text. */
struct timestamp_row {
    int         line;
    const char *text;
    bool        refused;        /* "-": the parser must return -1 */
    int64_t     epoch_s;
};

struct timestamp_table {
    char                 *text;
    struct timestamp_row *rows;
    size_t                count;
    size_t                accepted;
    size_t                refused;
};

static void
parse_row(char *line_text, int line, struct timestamp_row *row)
{
    char *tab = strrchr(line_text, '\t');
    char *end;

    ck_assert_msg(tab != NULL, "timestamps.tsv:%d: want text<TAB>epoch_s", line);
    *tab = '\0';
    row->line = line;
    row->text = line_text;
    row->refused = strcmp(tab + 1, "-") == 0;
    row->epoch_s = 0;
    if (!row->refused) {
        row->epoch_s = strtoll(tab + 1, &end, 10);
        ck_assert_msg(tab[1] != '\0' && *end == '\0',
                      "timestamps.tsv:%d: epoch_s \"%s\" is neither an integer nor -", line,
                      tab + 1);
    }
}

/* Fills *table; '#' lines are comments, the first other line the header.
 * A row's text may be empty (the last row is), so only the final newline
 * is skipped as padding. */
static void
table_load(struct timestamp_table *table)
{
    char  *cursor;
    char  *line_text;
    size_t lines = 1;
    int    line = 0;
    bool   seen_header = false;

    memset(table, 0, sizeof(*table));
    table->text = testutil_read_data("timestamps.tsv", NULL);
    for (const char *c = table->text; *c != '\0'; c++)
        lines += *c == '\n';
    table->rows = calloc(lines, sizeof(table->rows[0]));
    ck_assert(table->rows != NULL);

    cursor = table->text;
    while ((line_text = strsep(&cursor, "\n")) != NULL) {
        struct timestamp_row *row;

        line++;
        if (line_text[0] == '#' || (line_text[0] == '\0' && cursor == NULL))
            continue;
        if (!seen_header) {
            ck_assert_msg(strcmp(line_text, timestamp_header) == 0,
                          "timestamps.tsv:%d: the header must be \"%s\"", line,
                          timestamp_header);
            seen_header = true;
            continue;
        }
        row = &table->rows[table->count++];
        parse_row(line_text, line, row);
        if (row->refused)
            table->refused++;
        else
            table->accepted++;
    }
    ck_assert_msg(seen_header, "timestamps.tsv has no header line");
}

static void
table_free(struct timestamp_table *table)
{
    free(table->rows);
    free(table->text);
}

START_TEST(test_table_is_not_empty)
{
    struct timestamp_table table;

    table_load(&table);
    ck_assert_msg(table.count >= TIMESTAMP_MIN_ROWS, "timestamps.tsv has %zu rows, want >= %d",
                  table.count, TIMESTAMP_MIN_ROWS);
    ck_assert_msg(table.accepted >= TIMESTAMP_MIN_ACCEPTED,
                  "timestamps.tsv has %zu accepted rows, want >= %d", table.accepted,
                  TIMESTAMP_MIN_ACCEPTED);
    ck_assert_msg(table.refused >= TIMESTAMP_MIN_REFUSED,
                  "timestamps.tsv has %zu refused rows, want >= %d", table.refused,
                  TIMESTAMP_MIN_REFUSED);
    table_free(&table);
}
END_TEST

/* Each text is copied into a buffer of exactly its size, so ASan reports
 * any read past the NUL; a refusal must leave *epoch_s alone. */
START_TEST(test_table_rows)
{
    static const int64_t untouched = INT64_C(-777);
    struct timestamp_table table;
    char                   first[512] = "";
    size_t                 mismatches = 0;

    table_load(&table);
    for (size_t i = 0; i < table.count; i++) {
        const struct timestamp_row *row = &table.rows[i];
        char                       *exact = strdup(row->text);
        int64_t                     epoch_s = untouched;
        int                         rc;
        char                        why[512] = "";

        ck_assert(exact != NULL);
        rc = timestamp_parse_rfc3339(exact, &epoch_s);
        free(exact);
        if (row->refused && rc != -1)
            snprintf(why, sizeof(why), "timestamps.tsv:%d \"%s\": returned %d (epoch %" PRId64
                     "), want -1", row->line, row->text, rc, epoch_s);
        else if (row->refused && epoch_s != untouched)
            snprintf(why, sizeof(why), "timestamps.tsv:%d \"%s\": refused but wrote %" PRId64,
                     row->line, row->text, epoch_s);
        else if (!row->refused && rc != 0)
            snprintf(why, sizeof(why), "timestamps.tsv:%d \"%s\": returned %d, want 0 and %"
                     PRId64, row->line, row->text, rc, row->epoch_s);
        else if (!row->refused && epoch_s != row->epoch_s)
            snprintf(why, sizeof(why), "timestamps.tsv:%d \"%s\": epoch %" PRId64 ", want %"
                     PRId64, row->line, row->text, epoch_s, row->epoch_s);
        if (why[0] == '\0')
            continue;
        fprintf(stderr, "%s\n", why);
        if (mismatches++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    table_free(&table);
    ck_assert_msg(mismatches == 0, "%zu rows differ; first: %s", mismatches, first);
}
END_TEST

/* The same instant written three ways reads as one epoch: what makes
 * "returned in UTC, same instant as sent" possible. */
START_TEST(test_same_instant_any_offset)
{
    int64_t utc = 0, east = 1, west = 2;

    ck_assert_int_eq(timestamp_parse_rfc3339("2020-10-30T04:00:00Z", &utc), 0);
    ck_assert_int_eq(timestamp_parse_rfc3339("2020-10-30T12:00:00+08:00", &east), 0);
    ck_assert_int_eq(timestamp_parse_rfc3339("2020-10-29T22:30:00-05:30", &west), 0);
    ck_assert_int_eq(utc, INT64_C(1604030400));
    ck_assert_int_eq(east, utc);
    ck_assert_int_eq(west, utc);
}
END_TEST

/* A text cut short at every length is refused, never read past its end. */
START_TEST(test_every_prefix_is_refused)
{
    static const char full[] = "2024-02-29T23:59:59.25+08:00";
    int64_t           epoch_s;

    ck_assert_int_eq(timestamp_parse_rfc3339(full, &epoch_s), 0);
    for (size_t len = 0; len < sizeof(full) - 1; len++) {
        char *prefix = strndup(full, len);
        int   rc;

        ck_assert(prefix != NULL);
        rc = timestamp_parse_rfc3339(prefix, &epoch_s);
        free(prefix);
        ck_assert_msg(rc == -1, "the first %zu bytes of \"%s\" were accepted", len, full);
    }
}
END_TEST

Suite *
timestamp_suite(void)
{
    Suite *suite = suite_create("timestamp");
    TCase *table = tcase_create("table");
    TCase *direct = tcase_create("direct");

    tcase_add_test(table, test_table_is_not_empty);
    tcase_add_test(table, test_table_rows);
    suite_add_tcase(suite, table);

    tcase_add_test(direct, test_same_instant_any_offset);
    tcase_add_test(direct, test_every_prefix_is_refused);
    suite_add_tcase(suite, direct);
    return suite;
}
