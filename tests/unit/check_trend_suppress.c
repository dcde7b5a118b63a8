/*
 * Unit tests of service/domain/trend_suppress: counts under k hidden, and
 * complementary suppression tested by an attacker that recovers hidden
 * cells the way a reader of a table can: along each row and column with a
 * total, a single unknown cell is the total minus the others (or the sum,
 * when the total is the unknown), and every cell so found helps find the
 * next. Against primary suppression alone the attacker recovers cells;
 * against trend_suppress_table it recovers none.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/trend_suppress.h"
#include "../suites.h"

#define K              10
#define RANDOM_TABLES  2000
#define RANDOM_SEED    20261126u
#define TABLE_CELLS    (13 * 13)

/* ---- the attacker ---------------------------------------------------------- */

/* Recovers what it can of the hidden cells of `table` from its visible
 * cells. Fails the test when a recovered value is not the true count (the
 * attack must be sound to mean anything). Returns how many hidden cells it
 * recovered. */
static size_t
attack(const struct trend_table *table)
{
    size_t cells = table->rows * table->cols;
    bool   known[TABLE_CELLS];
    size_t recovered = 0;
    bool   progress = true;

    ck_assert_uint_le(cells, TABLE_CELLS);
    for (size_t i = 0; i < cells; i++)
        known[i] = !table->hidden[i];
    while (progress) {
        progress = false;
        for (int pass = 0; pass < 2; pass++) {
            bool   rows = pass == 0;
            size_t lines = rows ? table->rows : table->cols;
            size_t length = rows ? table->cols : table->rows;
            size_t total = rows ? table->total_col : table->total_row;

            if (total == TREND_SUPPRESS_NONE)
                continue;
            for (size_t l = 0; l < lines; l++) {
                size_t  unknown = TREND_SUPPRESS_NONE, unknowns = 0;
                int64_t sum = 0, line_total = 0;

                for (size_t i = 0; i < length; i++) {
                    size_t at = rows ? l * table->cols + i : i * table->cols + l;

                    if (!known[at]) {
                        unknowns++;
                        unknown = i;
                    } else if (i == total) {
                        line_total = table->counts[at];
                    } else {
                        sum += table->counts[at];
                    }
                }
                if (unknowns != 1)
                    continue;
                {
                    size_t  at = rows ? l * table->cols + unknown : unknown * table->cols + l;
                    int64_t value = unknown == total ? sum : line_total - sum;

                    ck_assert_msg(value == table->counts[at],
                                  "the attack derived %" PRId64 " for a cell of %" PRId64
                                  ": the table is not additive",
                                  value, table->counts[at]);
                    known[at] = true;
                    recovered++;
                    progress = true;
                }
            }
        }
    }
    return recovered;
}

/* Primary suppression only: what complementary suppression adds to. */
static void
hide_small(struct trend_table *table)
{
    for (size_t i = 0; i < table->rows * table->cols; i++)
        table->hidden[i] = table->counts[i] < K;
}

/* ---- fixed tables ------------------------------------------------------------ */

START_TEST(test_counts_under_k)
{
    const int64_t      counts[] = {0, 1, 9, 10, 11, 5000};
    bool               hidden[6];
    struct trend_table table = {1, 6, counts, hidden, TREND_SUPPRESS_NONE, TREND_SUPPRESS_NONE};

    ck_assert_uint_eq(trend_suppress_table(&table, K), 3);
    ck_assert(hidden[0] && hidden[1] && hidden[2]);
    ck_assert(!hidden[3] && !hidden[4] && !hidden[5]);
    ck_assert(trend_suppress_hides(0, K));
    ck_assert(trend_suppress_hides(9, K));
    ck_assert(!trend_suppress_hides(10, K));
    ck_assert(!trend_suppress_hides(1, 1));
}
END_TEST

/* A bucket of 15 reports: 12 of one scam type, 3 of another. Hiding the 3
 * alone would leave it as 15 - 12. */
START_TEST(test_row_with_one_small_value)
{
    const int64_t      counts[] = {15, 12, 3};
    bool               hidden[3];
    struct trend_table table = {1, 3, counts, hidden, 0, TREND_SUPPRESS_NONE};

    hide_small(&table);
    ck_assert_uint_eq(attack(&table), 1);
    ck_assert_uint_eq(trend_suppress_table(&table, K), 2);
    ck_assert(!hidden[0]);
    ck_assert(hidden[1] && hidden[2]);
    ck_assert_uint_eq(attack(&table), 0);
}
END_TEST

/* The smallest visible value is the one hidden with it. */
START_TEST(test_smallest_visible_value_goes)
{
    const int64_t      counts[] = {150, 100, 20, 26, 4};
    bool               hidden[5];
    struct trend_table table = {1, 5, counts, hidden, 0, TREND_SUPPRESS_NONE};

    ck_assert_uint_eq(trend_suppress_table(&table, K), 2);
    ck_assert(!hidden[0] && !hidden[1] && hidden[2] && !hidden[3] && hidden[4]);
}
END_TEST

/* Two small values already protect each other; a row of only small counts
 * hides everything. */
START_TEST(test_rows_needing_nothing_more)
{
    const int64_t      two[] = {40, 31, 4, 5};
    const int64_t      small[] = {9, 5, 4};
    bool               hidden[4];
    struct trend_table table = {1, 4, two, hidden, 0, TREND_SUPPRESS_NONE};

    ck_assert_uint_eq(trend_suppress_table(&table, K), 2);
    ck_assert(!hidden[1]);
    table = (struct trend_table){1, 3, small, hidden, 0, TREND_SUPPRESS_NONE};
    ck_assert_uint_eq(trend_suppress_table(&table, K), 3);
}
END_TEST

/* When nothing else in the row is visible, the total goes: a report may
 * name several apps, so a value is not always the total minus the others,
 * but it can be the total itself. */
START_TEST(test_total_hidden_when_nothing_else_is)
{
    const int64_t      counts[] = {20, 3};
    bool               hidden[2];
    struct trend_table table = {1, 2, counts, hidden, 0, TREND_SUPPRESS_NONE};

    ck_assert_uint_eq(trend_suppress_table(&table, K), 2);
}
END_TEST

/* Hiding a cell for its row can leave its column with a single hidden
 * cell; the passes go on until no line has one. Row 0 holds the column
 * totals, column 0 the row totals. */
START_TEST(test_rows_and_columns)
{
    const int64_t counts[] = {
        /* total */ 98, 40, 33, 25,
        /* a */     47, 20, 15, 12,
        /* b */     38, 18, 15, 5,
        /* c */     13, 2, 3, 8,
    };
    bool               hidden[16];
    struct trend_table table = {4, 4, counts, hidden, 0, 0};

    hide_small(&table);
    ck_assert_uint_gt(attack(&table), 0);
    trend_suppress_table(&table, K);
    ck_assert_uint_eq(attack(&table), 0);
    for (size_t i = 0; i < 16; i++)
        if (counts[i] < K)
            ck_assert_msg(hidden[i], "cell %zu (%" PRId64 ") is visible", i, counts[i]);
}
END_TEST

/* ---- random tables ------------------------------------------------------------ */

static uint32_t
next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* Counts as a series has them: many small, a few large, some zero. */
static int64_t
random_count(uint32_t *state)
{
    switch (next_random(state) % 4) {
    case 0:
        return next_random(state) % 10;
    case 1:
        return next_random(state) % 30;
    case 2:
        return next_random(state) % 300;
    default:
        return 0;
    }
}

/* An additive table of up to 12 x 12 values: column 0 the row totals and,
 * when with_total_row, row 0 the column totals (and the grand total). */
static void
random_table(uint32_t *state, bool with_total_row, int64_t *counts, struct trend_table *table)
{
    size_t first = with_total_row ? 1 : 0;

    table->rows = first + 1 + next_random(state) % 12;
    table->cols = 1 + 1 + next_random(state) % 12;
    table->total_col = 0;
    table->total_row = with_total_row ? 0 : TREND_SUPPRESS_NONE;
    memset(counts, 0, TABLE_CELLS * sizeof(*counts));
    for (size_t r = first; r < table->rows; r++)
        for (size_t c = 1; c < table->cols; c++) {
            int64_t n = random_count(state);

            counts[r * table->cols + c] = n;
            counts[r * table->cols] += n;
            if (with_total_row) {
                counts[c] += n;
                counts[0] += n;
            }
        }
    table->counts = counts;
}

START_TEST(test_random_tables_resist_the_attack)
{
    uint32_t state = RANDOM_SEED;
    size_t   recovered_primary = 0, hidden_total = 0;

    fprintf(stderr, "trend_suppress: %d random tables, seed %u\n", RANDOM_TABLES, RANDOM_SEED);
    for (int t = 0; t < RANDOM_TABLES; t++) {
        int64_t            counts[TABLE_CELLS];
        bool               hidden[TABLE_CELLS];
        struct trend_table table = {.hidden = hidden};

        random_table(&state, t % 2 == 1, counts, &table);
        hide_small(&table);
        recovered_primary += attack(&table);
        hidden_total += trend_suppress_table(&table, K);
        for (size_t i = 0; i < table.rows * table.cols; i++)
            if (counts[i] < K)
                ck_assert_msg(hidden[i], "table %d: count %" PRId64 " visible", t, counts[i]);
        ck_assert_msg(attack(&table) == 0, "table %d (seed %u): a hidden cell was recovered", t,
                      RANDOM_SEED);
    }
    /* The attack works where only small counts are hidden. */
    ck_assert_uint_gt(recovered_primary, RANDOM_TABLES / 10);
    ck_assert_uint_gt(hidden_total, 0);
}
END_TEST

Suite *
trend_suppress_suite(void)
{
    Suite *suite = suite_create("trend_suppress");
    TCase *fixed = tcase_create("fixed");
    TCase *random = tcase_create("random");

    tcase_add_test(fixed, test_counts_under_k);
    tcase_add_test(fixed, test_row_with_one_small_value);
    tcase_add_test(fixed, test_smallest_visible_value_goes);
    tcase_add_test(fixed, test_rows_needing_nothing_more);
    tcase_add_test(fixed, test_total_hidden_when_nothing_else_is);
    tcase_add_test(fixed, test_rows_and_columns);
    suite_add_tcase(suite, fixed);
    tcase_add_test(random, test_random_tables_resist_the_attack);
    suite_add_tcase(suite, random);
    return suite;
}
