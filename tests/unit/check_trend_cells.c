/*
 * Unit tests of service/domain/trend_cells: the store's sparse series made
 * into the route's table, case by case from tests/data/trends/cells.tsv
 * (values in byte order, zeros where nothing was counted, values whose
 * reports add up to 0 left out, the cell limit, malformed answers).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/trend_cells.h"
#include "../suites.h"
#include "../testutil.h"

#define CELL_CASES_MIN 14

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
    got = trend_cells_dense(sparse, strtoul(max, NULL, 10));
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

START_TEST(test_cells_table)
{
    char *text = testutil_read_data("trends/cells.tsv", NULL);
    char *line = text, *end;
    int   cases = 0;

    for (; line != NULL && *line != '\0'; line = end != NULL ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        cases += check_line(line);
    }
    ck_assert_int_ge(cases, CELL_CASES_MIN);
    free(text);
}
END_TEST

Suite *
trend_cells_suite(void)
{
    Suite *suite = suite_create("trend_cells");
    TCase *table = tcase_create("table");

    tcase_add_test(table, test_cells_table);
    suite_add_tcase(suite, table);
    return suite;
}
