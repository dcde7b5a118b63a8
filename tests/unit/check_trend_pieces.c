/*
 * trend_pieces_suite: how ranges of days are cut into pieces of the daily,
 * monthly and yearly rollup tiers and read with the period before
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

/* The first day of the year holding `day`, and of the year after it. */
static int32_t
year_start(int32_t day)
{
    int year, month, mday;

    timestamp_civil_from_days(day, &year, &month, &mday);
    return day_of(year, 1, 1);
}

static int32_t
next_year(int32_t first)
{
    return year_start(first + 366);
}

/* The first day of the row of `tier` holding day d. */
static int32_t
row_of(enum trend_tier tier, int32_t d)
{
    return tier == TREND_TIER_DAY ? d : tier == TREND_TIER_MONTH ? month_start(d) : year_start(d);
}

static int32_t
row_after(enum trend_tier tier, int32_t first)
{
    return tier == TREND_TIER_DAY ? first + 1 : tier == TREND_TIER_MONTH ? next_month(first)
                                                                       : next_year(first);
}

/* How many times the pieces count the row of `tier` starting at x. */
static int
piece_count(const struct trend_piece *p, size_t n, enum trend_tier tier, int32_t x)
{
    int count = 0;

    for (size_t i = 0; i < n; i++)
        if (p[i].tier == tier && x >= p[i].lo && x < p[i].hi)
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
        for (int32_t x = p[i].lo; x < p[i].hi; x = row_after(p[i].tier, x))
            rows++;
    return rows;
}

/* Each day's signed count over its day, month and year rows is 1 inside
 * the range and 0 for 31 days beyond either end. */
static void
check_cover(int32_t from, int32_t to, enum trend_tier coarsest, const struct trend_piece *p,
            size_t n)
{
    for (int32_t d = from - 31; d < to + 31; d++) {
        int want = d >= from && d < to, got = 0;

        for (enum trend_tier tier = TREND_TIER_DAY; tier <= TREND_TIER_YEAR; tier++)
            got += piece_count(p, n, tier, row_of(tier, d));
        GRID_CHECK(got == want, "[%d, %d) tiers %d: day %d counted %d times", from, to,
                   coarsest, d, got);
    }
}

/* The pieces of one range up to each tier: none coarser than asked; a
 * day range alone with days; with months, at most one piece of months;
 * with years, at most two of months and one of years; each tier never
 * reads more rows than the one below it, and months never more than
 * adding the edge days and whole months. */
static void
check_pieces(int32_t from, int32_t to)
{
    int32_t rows[3] = {0};

    for (enum trend_tier coarsest = TREND_TIER_DAY; coarsest <= TREND_TIER_YEAR; coarsest++) {
        struct trend_piece p[TREND_PIECES_MAX];
        size_t             n = trend_pieces_range(from, to, coarsest, p), count[3] = {0};

        check_cover(from, to, coarsest, p, n);
        for (size_t i = 0; i < n; i++) {
            GRID_CHECK(p[i].tier <= coarsest, "[%d, %d): piece %zu of tier %d, asked %d", from,
                       to, i, p[i].tier, coarsest);
            GRID_CHECK(i == 0 || p[i].tier >= p[i - 1].tier, "[%d, %d): pieces out of order",
                       from, to);
            count[p[i].tier]++;
        }
        GRID_CHECK(coarsest > TREND_TIER_DAY || (n <= 1 && (n == 0 || p[0].sign == 1)),
                   "[%d, %d): days alone in %zu pieces", from, to, n);
        GRID_CHECK(count[TREND_TIER_MONTH] <= (coarsest == TREND_TIER_YEAR ? 2u : 1u)
                       && count[TREND_TIER_YEAR] <= 1,
                   "[%d, %d) tiers %d: %zu pieces of months, %zu of years", from, to, coarsest,
                   count[TREND_TIER_MONTH], count[TREND_TIER_YEAR]);
        rows[coarsest] = rows_read(p, n);
        GRID_CHECK(coarsest == TREND_TIER_DAY || rows[coarsest] <= rows[coarsest - 1],
                   "[%d, %d) tiers %d: %d rows, %d below", from, to, coarsest, rows[coarsest],
                   rows[coarsest - 1]);
    }
    if (to > from)
        GRID_CHECK(rows[TREND_TIER_MONTH] <= adding_rows(from, to),
                   "[%d, %d): %d rows, adding alone reads %d", from, to,
                   rows[TREND_TIER_MONTH], adding_rows(from, to));
}

/* The texts trends_store_range writes for [from, to) with years end with
 * their closing brace: none was cut short by its buffer. */
static void
check_texts_whole(int32_t from, int32_t to)
{
    struct trends_range range;
    size_t              np, nr;

    trends_store_range((int64_t)from * DAY_S - SHANGHAI_OFFSET_S,
                       (int64_t)to * DAY_S - SHANGHAI_OFFSET_S, TREND_TIER_YEAR, &range);
    np = strlen(range.pieces);
    nr = strlen(range.reads);
    GRID_CHECK(np > 0 && range.pieces[np - 1] == '}' && nr > 0 && range.reads[nr - 1] == '}',
               "[%d, %d): texts cut short: %s %s", from, to, range.pieces, range.reads);
}

/* Over every day of 2023 to February 2025 as a start and every length:
 * each day of a range is counted once and no day outside it, by each
 * tier's pieces (check_pieces), and their texts are whole. */
START_TEST(test_pieces_cover_each_day_once)
{
    long checked = 0;

    for (int32_t from = day_of(2023, 1, 1); from < day_of(2025, 3, 1); from++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            check_pieces(from, from + lengths[l]);
            check_texts_whole(from, from + lengths[l]);
            checked += 3 * (lengths[l] + 62);
        }
    ck_assert_msg(checked > 1000000, "only %ld days checked", checked);
}
END_TEST

/* How many times the reads count the row x of a tier toward the range
 * (cur) and the period before (prev); how many reads cover it. */
static int
read_count(const struct trend_read *r, size_t n, enum trend_tier tier, int32_t x, int *cur,
           int *prev)
{
    int covering = 0;

    *cur = *prev = 0;
    for (size_t i = 0; i < n; i++) {
        int segment;

        if (r[i].tier != tier || x < r[i].lo || x >= r[i].hi)
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
          const struct trend_piece *prev_p, size_t np, enum trend_tier tier, int32_t x)
{
    int cur, prev, covering = read_count(r, n, tier, x, &cur, &prev);

    GRID_CHECK(covering <= 1, "row %d (tier %d) read %d times", x, tier, covering);
    GRID_CHECK(cur == piece_count(cur_p, nc, tier, x) && prev == piece_count(prev_p, np, tier, x),
               "row %d (tier %d) counted %d/%d, its pieces %d/%d", x, tier, cur, prev,
               piece_count(cur_p, nc, tier, x), piece_count(prev_p, np, tier, x));
    return 1;
}

/* The reads of one range and the period before it, up to `coarsest`:
 * every day, month and year row near the two periods counts toward each
 * as that period's pieces count it, no row is read twice, and no range
 * takes more than `most` reads (a statement descends a B-tree per read
 * and value). Returns the rows checked. */
static long
check_reads(int32_t from, int32_t to, enum trend_tier coarsest, size_t most)
{
    struct trend_piece cur_p[TREND_PIECES_MAX], prev_p[TREND_PIECES_MAX];
    struct trend_read  r[TREND_READS_MAX];
    int32_t            previous = from - (to - from);
    size_t             nc = trend_pieces_range(from, to, coarsest, cur_p);
    size_t             np = trend_pieces_range(previous, from, coarsest, prev_p);
    size_t             n = trend_pieces_paired(previous, from, to, coarsest, r);
    /* Days beyond either end each tier's rows are checked for. */
    static const int32_t margin[] = {62, 92, 400};
    long                 checked = 0;

    GRID_CHECK(n <= most, "[%d, %d) tiers %d: %zu reads", from, to, coarsest, n);
    for (enum trend_tier tier = TREND_TIER_DAY; tier <= TREND_TIER_YEAR; tier++)
        for (int32_t x = row_of(tier, previous - margin[tier]); x < to + margin[tier];
             x = row_after(tier, x))
            checked += check_row(r, n, cur_p, nc, prev_p, np, tier, x);
    return checked;
}

/* Over the same grid, each range with the equal period before it
 * (check_reads): with months at most 4 reads, with years at most 8. */
START_TEST(test_paired_reads_count_as_pieces)
{
    long checked = 0;

    for (int32_t from = day_of(2023, 1, 1); from < day_of(2025, 3, 1); from++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            checked += check_reads(from, from + lengths[l], TREND_TIER_MONTH, 4);
            checked += check_reads(from, from + lengths[l], TREND_TIER_YEAR, 8);
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

static enum trend_tier
tier_named(const char *name)
{
    if (strcmp(name, "day") == 0)
        return TREND_TIER_DAY;
    ck_assert_msg(strcmp(name, "month") == 0 || strcmp(name, "year") == 0, "tier %s", name);
    return name[0] == 'm' ? TREND_TIER_MONTH : TREND_TIER_YEAR;
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
        trends_store_range(midnight_s(field[0]), midnight_s(field[1]), tier_named(field[2]),
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
