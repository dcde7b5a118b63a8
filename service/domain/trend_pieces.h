/*
 * How a range of days is read from the rollups' tiers of days, months
 * and (for the indicator rollups) years: the pieces whose signed sum is
 * the range, and the reads (ranges of one tier's keys) that sum a range
 * and the equal period before it together. Days count from 1970-01-01.
 * No HTTP, no SQL: the statements take the pieces as parameters
 * (trends_store.c).
 */
#ifndef FRAUD_TREND_PIECES_H
#define FRAUD_TREND_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A tier of the rollups: its rows count a day, a calendar month or a
 * calendar year (keyed by their first day). */
enum trend_tier {
    TREND_TIER_DAY,
    TREND_TIER_MONTH,
    TREND_TIER_YEAR,
};

/* The rows of one tier in [lo, hi) (for months and years, first days of
 * them), added (sign 1) or taken away (-1). */
struct trend_piece {
    enum trend_tier tier;
    int32_t         lo, hi;
    int             sign;
};

#define TREND_PIECES_MAX 5

/* The pieces of the days [from, to) into out, reading no tier coarser
 * than `coarsest`: none when the range is empty. With days alone, the
 * days themselves. Otherwise the whole months inside the range are read
 * as months and the days at either end as days, or, where that reads
 * fewer rows, their month is read whole and the days of it outside the
 * range are taken away; with years, the whole months are cut into months
 * and years the same way. Day pieces come first, then months, then the
 * year piece (at most two of days, two of months, one of years). Returns
 * how many. */
size_t trend_pieces_range(int32_t from, int32_t to, enum trend_tier coarsest,
                          struct trend_piece out[TREND_PIECES_MAX]);

/* A read of the range [lo, hi) of one tier, cut at cut1 and cut2 into up
 * to three segments: a row of segment i counts cur[i] times toward the
 * range and prev[i] times toward the period before it (cut1 = cut2 = hi
 * when there is one segment). */
struct trend_read {
    enum trend_tier tier;
    int32_t         lo, hi, cut1, cut2;
    int             cur[3], prev[3];
};

/* Two periods are at most 10 pieces: 4 of days (7 reads at most), 4 of
 * months (7) and 2 of years (3). */
#define TREND_READS_MAX 17

/* The reads of the days [from, to) together with [previous_from, from):
 * each period's pieces (trend_pieces_range up to `coarsest`, at least
 * months), read tier by tier in order of their bounds, a segment between
 * two bounds counting as the pieces that cover it count. A read ends at
 * days between pieces, at more than TREND_PIECES_GAP_MAX months or years
 * between pieces, after three segments and at the end of its tier; a
 * shorter gap of months or years is read counting 0 (a row per value
 * costs less than another B-tree descent). Returns how many, days first,
 * then months, then years. */
size_t trend_pieces_paired(int32_t previous_from, int32_t from, int32_t to,
                           enum trend_tier coarsest, struct trend_read out[TREND_READS_MAX]);

#define TREND_PIECES_GAP_MAX 2

/* The day as "YYYY-MM-DD" and its NUL into out. */
void trend_pieces_date(int32_t day, char out[11]);

#endif
