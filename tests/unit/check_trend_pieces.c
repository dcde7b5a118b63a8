/*
 * trend_pieces_suite: how ranges of days are cut into pieces of the daily
 * and monthly rollup tiers and read with the period before
 * (domain/trend_pieces.c), over a grid of ranges against what the pieces
 * must add up to, and the texts the statements take
 * (trends_store_range) against tests/data/trend_pieces.tsv.
 */
#include "domain/trend_pieces.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/timestamp.h"
#include "store/trends_store.h"

#include "../suites.h"
#include "../testutil.h"

#define DAY_S 86400
/* Asia/Shanghai midnights are UTC 16:00 the day before. */
#define SHANGHAI_OFFSET_S 28800
#define PIECES_MIN_ROWS   10

/* Fails the test when cond does not hold. The grids check millions of
 * rows, and Check's ck_assert marks each passing check through its pipe
 * to the runner: a system call per row, minutes under ASan. */
#define GRID_CHECK(cond, ...)                                                                 \
    do {                                                                                      \
        if (!(cond))                                                                          \
            ck_abort_msg(__VA_ARGS__);                                                        \
    } while (0)

/* Range lengths in days, from empty to three years. */
static const int32_t lengths[] = {0,  1,  2,  5,  14, 15, 16, 17,  28,  29,  30,  31,  32,  45,
                                  59, 60, 61, 62, 89, 92, 364, 365, 366, 400, 700, 1096};

static int32_t
day_of(int year, int month, int mday)
{
    return (int32_t)timestamp_days_from_civil(year, month, mday);
}

/* The first day of the month holding `day`. */
static int32_t
month_start(int32_t day)
{
    int year, month, mday;

    timestamp_civil_from_days(day, &year, &month, &mday);
    return day_of(year, month, 1);
}

static int32_t
next_month(int32_t first)
{
    return month_start(first + 31);
}

/* How many times the pieces count the day row x (monthly false) or the
 * month row starting at x. */
static int
piece_count(const struct trend_piece *p, size_t n, bool monthly, int32_t x)
{
    int count = 0;

    for (size_t i = 0; i < n; i++)
        if (p[i].monthly == monthly && x >= p[i].lo && x < p[i].hi)
            count += p[i].sign;
    return count;
}

/* The rows that adding alone reads: each edge month's days in the range
 * and one row per whole month. */
static int32_t
adding_rows(int32_t from, int32_t to)
{
    int32_t first = month_start(from), last = month_start(to - 1), rows = 0;

    if (first == last)
        return from == first && to == next_month(first) ? 1 : to - from;
    rows += from > first ? next_month(first) - from : 1;
    rows += to < next_month(last) ? to - last : 1;
    for (int32_t m = next_month(first); m < last; m = next_month(m))
        rows++;
    return rows;
}

static int32_t
rows_read(const struct trend_piece *p, size_t n)
{
    int32_t rows = 0;

    for (size_t i = 0; i < n; i++)
        if (!p[i].monthly)
            rows += p[i].hi - p[i].lo;
        else
            for (int32_t m = p[i].lo; m < p[i].hi; m = next_month(m))
                rows++;
    return rows;
}

/* Each day's signed count over its day row and its month row is 1 inside
 * the range and 0 for 31 days beyond either end. */
static void
check_cover(int32_t from, int32_t to, bool months, const struct trend_piece *p, size_t n)
{
    for (int32_t d = from - 31; d < to + 31; d++) {
        int want = d >= from && d < to;
        int got = piece_count(p, n, false, d) + piece_count(p, n, true, month_start(d));

        GRID_CHECK(got == want, "[%d, %d) months %d: day %d counted %d times", from, to,
                   months, d, got);
    }
}

/* Over every day of 2023 to February 2025 as a start and every length:
 * each day of a range is counted once and no day outside it, in at most 3
 * pieces with at most one of months, none of months or taken away
 * without months, and taking away never reads more rows than adding. */
START_TEST(test_pieces_cover_each_day_once)
{
    long checked = 0;

    for (int32_t from = day_of(2023, 1, 1); from < day_of(2025, 3, 1); from++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
            for (int months = 0; months < 2; months++) {
                struct trend_piece p[TREND_PIECES_MAX];
                int32_t            to = from + lengths[l];
                size_t             n = trend_pieces_range(from, to, months, p), monthly = 0;

                check_cover(from, to, months, p, n);
                for (size_t i = 0; i < n; i++) {
                    monthly += p[i].monthly;
                    GRID_CHECK(months || (!p[i].monthly && p[i].sign == 1),
                               "[%d, %d): piece %zu of months or taken away", from, to, i);
                }
                GRID_CHECK(monthly <= 1, "[%d, %d): %zu pieces of months", from, to, monthly);
                if (months && to > from)
                    GRID_CHECK(rows_read(p, n) <= adding_rows(from, to),
                               "[%d, %d): %d rows, adding alone reads %d", from, to,
                               rows_read(p, n), adding_rows(from, to));
                checked += to - from + 62;
            }
    ck_assert_msg(checked > 1000000, "only %ld days checked", checked);
}
END_TEST

/* How many times the reads count the row x of a tier toward the range
 * (cur) and the period before (prev); how many reads cover it. */
static int
read_count(const struct trend_read *r, size_t n, bool monthly, int32_t x, int *cur, int *prev)
{
    int covering = 0;

    *cur = *prev = 0;
    for (size_t i = 0; i < n; i++) {
        int segment;

        if (r[i].monthly != monthly || x < r[i].lo || x >= r[i].hi)
            continue;
        segment = x < r[i].cut1 ? 0 : x < r[i].cut2 ? 1 : 2;
        *cur += r[i].cur[segment];
        *prev += r[i].prev[segment];
        covering++;
    }
    return covering;
}

static long
check_row(const struct trend_read *r, size_t n, const struct trend_piece *cur_p, size_t nc,
          const struct trend_piece *prev_p, size_t np, bool monthly, int32_t x)
{
    int cur, prev, covering = read_count(r, n, monthly, x, &cur, &prev);

    GRID_CHECK(covering <= 1, "row %d (monthly %d) read %d times", x, monthly, covering);
    GRID_CHECK(cur == piece_count(cur_p, nc, monthly, x)
                   && prev == piece_count(prev_p, np, monthly, x),
               "row %d (monthly %d) counted %d/%d, its pieces %d/%d", x, monthly, cur, prev,
               piece_count(cur_p, nc, monthly, x), piece_count(prev_p, np, monthly, x));
    return 1;
}

/* Over the same grid, each range with the equal period before it: every
 * day row and month row near the two periods counts toward each as that
 * period's pieces count it, no row is read twice, and no range takes more
 * than 4 reads (a statement descends a B-tree per read and value). */
START_TEST(test_paired_reads_count_as_pieces)
{
    long checked = 0;

    for (int32_t from = day_of(2023, 1, 1); from < day_of(2025, 3, 1); from++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            struct trend_piece cur_p[TREND_PIECES_MAX], prev_p[TREND_PIECES_MAX];
            struct trend_read  r[TREND_READS_MAX];
            int32_t            to = from + lengths[l], previous = from - lengths[l];
            size_t             nc = trend_pieces_range(from, to, true, cur_p);
            size_t             np = trend_pieces_range(previous, from, true, prev_p);
            size_t             n = trend_pieces_paired(previous, from, to, r);

            GRID_CHECK(n <= 4, "[%d, %d): %zu reads", from, to, n);
            for (int32_t d = previous - 62; d < to + 62; d++)
                checked += check_row(r, n, cur_p, nc, prev_p, np, false, d);
            for (int32_t m = month_start(previous - 92); m < to + 92; m = next_month(m))
                checked += check_row(r, n, cur_p, nc, prev_p, np, true, m);
        }
    ck_assert_msg(checked > 1000000, "only %ld rows checked", checked);
}
END_TEST

static int64_t
midnight_s(const char *date)
{
    int year, month, mday;

    ck_assert_msg(sscanf(date, "%d-%d-%d", &year, &month, &mday) == 3, "bad date %s", date);
    return (int64_t)day_of(year, month, mday) * DAY_S - SHANGHAI_OFFSET_S;
}

/* Each row of trend_pieces.tsv: the texts trends_store_range writes. */
START_TEST(test_range_texts)
{
    char  *text = testutil_read_data("trend_pieces.tsv", NULL);
    char  *cursor = text, *line;
    int    number = 0, rows = 0;
    bool   header = false;

    while ((line = strsep(&cursor, "\n")) != NULL) {
        char               *field[5];
        struct trends_range range;

        number++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        for (int f = 0; f < 5; f++)
            field[f] = strsep(&line, "\t");
        ck_assert_msg(field[4] != NULL && line == NULL, "trend_pieces.tsv:%d: want 5 fields",
                      number);
        if (!header) {
            ck_assert_str_eq(field[0], "from");
            header = true;
            continue;
        }
        trends_store_range(midnight_s(field[0]), midnight_s(field[1]), field[2][0] == '1',
                           &range);
        ck_assert_msg(strcmp(range.pieces, field[3]) == 0, "trend_pieces.tsv:%d: pieces %s",
                      number, range.pieces);
        ck_assert_msg(strcmp(range.reads, strcmp(field[4], "-") == 0 ? "" : field[4]) == 0,
                      "trend_pieces.tsv:%d: reads %s", number, range.reads);
        rows++;
    }
    ck_assert_msg(rows >= PIECES_MIN_ROWS, "trend_pieces.tsv has %d rows, want >= %d", rows,
                  PIECES_MIN_ROWS);
    free(text);
}
END_TEST

Suite *
trend_pieces_suite(void)
{
    Suite *suite = suite_create("trend_pieces");
    TCase *grid = tcase_create("grid");
    TCase *texts = tcase_create("texts");

    tcase_set_timeout(grid, 60);
    tcase_add_test(grid, test_pieces_cover_each_day_once);
    tcase_add_test(grid, test_paired_reads_count_as_pieces);
    suite_add_tcase(suite, grid);
    tcase_add_test(texts, test_range_texts);
    suite_add_tcase(suite, texts);
    return suite;
}
