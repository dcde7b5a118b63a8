/*
 * Unit tests of service/domain/trend_cells: the store's sparse series made
 * into the route's table, case by case from tests/data/trends/cells.tsv
 * (values in byte order, zeros where nothing was counted, values whose
 * reports add up to 0 left out, the cell limit, cells outside the
 * buckets), and the bucket of a day from tests/data/trends/bucket_days.tsv.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/trend_cells.h"
#include "../suites.h"
#include "../testutil.h"

#define CELL_CASES_MIN 10
#define DAY_CASES_MIN  15
#define DAY_BUCKETS_MAX 64

/* A grid in the JSON of cells.tsv: {"too_many": false, "values": [...],
 * "buckets": [{"start", "cells": [[metric, count], ...]}]}, or
 * {"too_many": true, "buckets": n, "values": n}. */
static json_t *
grid_json(const struct trend_grid *grid)
{
    size_t  width = 1 + grid->values;
    json_t *values = json_array(), *buckets = json_array();

    if (grid->too_many) {
        json_decref(values);
        json_decref(buckets);
        return json_pack("{s:b, s:I, s:I}", "too_many", 1, "buckets", (json_int_t)grid->buckets,
                         "values", (json_int_t)grid->values);
    }
    for (size_t v = 0; v < grid->values; v++)
        json_array_append_new(values, json_string(grid->names[v]));
    for (size_t b = 0; b < grid->buckets; b++) {
        json_t *row = json_array();

        for (size_t c = 0; c < width; c++)
            json_array_append_new(row, json_pack("[I, I]", grid->metric[b * width + c],
                                                 grid->count[b * width + c]));
        json_array_append_new(buckets, json_pack("{s:s, s:o}", "start", grid->starts[b],
                                                 "cells", row));
    }
    return json_pack("{s:b, s:o, s:o}", "too_many", 0, "values", values, "buckets", buckets);
}

/* trend_cells_grid of the sparse answer written as JSON, as JSON (NULL
 * when it refuses). */
static json_t *
dense_of(const json_t *sparse, size_t max_cells)
{
    const json_t      *starts = json_object_get(sparse, "starts");
    const json_t      *cells = json_object_get(sparse, "cells");
    size_t             buckets = json_array_size(starts), count = json_array_size(cells);
    const char       **names = calloc(buckets + 1, sizeof(*names));
    struct trend_cell *list = calloc(count + 1, sizeof(*list));
    struct trend_grid *grid;
    json_t            *out;

    ck_assert(names != NULL && list != NULL);
    for (size_t b = 0; b < buckets; b++)
        names[b] = json_string_value(json_array_get(starts, b));
    for (size_t i = 0; i < count; i++) {
        const json_t *cell = json_array_get(cells, i);

        list[i].bucket = (size_t)json_integer_value(json_array_get(cell, 0));
        list[i].value = json_string_value(json_array_get(cell, 1));
        list[i].reports = json_integer_value(json_array_get(cell, 2));
        list[i].metric = json_integer_value(json_array_get(cell, 3));
        list[i].count = json_integer_value(json_array_get(cell, 4));
    }
    grid = trend_cells_grid(names, buckets, list, count, max_cells);
    out = grid != NULL ? grid_json(grid) : NULL;
    trend_grid_free(grid);
    free(names);
    free(list);
    return out;
}

/* Checks one line "case\tmax\tsparse\texpected"; returns 1 when it was a
 * case, 0 for a comment or an empty line. */
static int
check_line(char *line)
{
    char        *name = strtok(line, "\t"), *max = strtok(NULL, "\t");
    char        *sparse_text = strtok(NULL, "\t"), *expected_text = strtok(NULL, "\t");
    json_t      *sparse, *expected, *got;
    json_error_t error;

    if (name == NULL || name[0] == '#')
        return 0;
    ck_assert_msg(max != NULL && sparse_text != NULL && expected_text != NULL,
                  "%s: needs four fields", name);
    sparse = json_loads(sparse_text, 0, &error);
    expected = json_loads(expected_text, JSON_DECODE_ANY, &error);
    ck_assert_msg(sparse != NULL && expected != NULL, "%s: bad JSON: %s", name, error.text);
    got = dense_of(sparse, strtoul(max, NULL, 10));
    if (json_is_null(expected)) {
        ck_assert_msg(got == NULL, "%s: accepted", name);
    } else {
        char *text = got != NULL ? json_dumps(got, JSON_SORT_KEYS) : NULL;

        ck_assert_msg(json_equal(got, expected), "%s: got %s", name, text ? text : "NULL");
        free(text);
    }
    json_decref(got);
    json_decref(expected);
    json_decref(sparse);
    return 1;
}

/* Checks one line "case\tfirsts\tday\tbucket" of bucket_days.tsv;
 * returns 1 when it was a case, 0 for a comment or an empty line. */
static int
check_day_line(char *line)
{
    char   *name = strtok(line, "\t"), *list = strtok(NULL, "\t");
    char   *day = strtok(NULL, "\t"), *expected = strtok(NULL, "\t"), *next;
    int64_t firsts[DAY_BUCKETS_MAX];
    size_t  buckets = 0, got;

    if (name == NULL || name[0] == '#')
        return 0;
    ck_assert_msg(list != NULL && day != NULL && expected != NULL, "%s: needs four fields",
                  name);
    for (char *at = list; *at != '\0' && *at != ' '; at = *next == ',' ? next + 1 : next) {
        ck_assert_msg(buckets < DAY_BUCKETS_MAX, "%s: too many buckets", name);
        firsts[buckets++] = strtoll(at, &next, 10);
        ck_assert_msg(next != at, "%s: bad first day at \"%s\"", name, at);
    }
    got = trend_cells_bucket_of(firsts, buckets, strtoll(day, NULL, 10));
    if (strcmp(expected, "none") == 0)
        ck_assert_msg(got == buckets, "%s: got bucket %zu of %zu", name, got, buckets);
    else
        ck_assert_msg(got == strtoul(expected, NULL, 10), "%s: got bucket %zu, not %s", name,
                      got, expected);
    return 1;
}

/* The cases of a data file, each line to check (which says whether it
 * was a case). */
static int
check_lines(const char *file, int (*check)(char *line))
{
    char *text = testutil_read_data(file, NULL);
    char *line = text, *end;
    int   cases = 0;

    for (; line != NULL && *line != '\0'; line = end != NULL ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        cases += check(line);
    }
    free(text);
    return cases;
}

START_TEST(test_cells_table)
{
    ck_assert_int_ge(check_lines("trends/cells.tsv", check_line), CELL_CASES_MIN);
}
END_TEST

START_TEST(test_bucket_of_day)
{
    ck_assert_int_ge(check_lines("trends/bucket_days.tsv", check_day_line), DAY_CASES_MIN);
}
END_TEST

Suite *
trend_cells_suite(void)
{
    Suite *suite = suite_create("trend_cells");
    TCase *table = tcase_create("table");

    tcase_add_test(table, test_cells_table);
    tcase_add_test(table, test_bucket_of_day);
    suite_add_tcase(suite, table);
    return suite;
}
