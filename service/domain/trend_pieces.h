/*
 * How a range of days is read from the rollups' daily and monthly tiers:
 * the pieces whose signed sum is the range, and the reads (ranges of one
 * tier's keys) that sum a range and the equal period before it together.
 * Days count from 1970-01-01. No HTTP, no SQL: the statements take the
 * pieces as parameters (trends_store.c).
 */
#ifndef FRAUD_TREND_PIECES_H
#define FRAUD_TREND_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rows of the daily tier (monthly false) or of the monthly tier
 * (monthly true; lo and hi first days of months) in [lo, hi), added
 * (sign 1) or taken away (-1). */
struct trend_piece {
    bool    monthly;
    int32_t lo, hi;
    int     sign;
};

#define TREND_PIECES_MAX 3

/* The pieces of the days [from, to) into out: none when the range is
 * empty. Without months, the days themselves. With months, the whole
 * months inside the range are one monthly piece and the days at either
 * end a daily piece each, or, where that reads fewer rows, their month
 * joins the monthly piece and the days of it outside the range are taken
 * away. Returns how many. */
size_t trend_pieces_range(int32_t from, int32_t to, bool months,
                          struct trend_piece out[TREND_PIECES_MAX]);

/* A read of the range [lo, hi) of one tier, cut at cut1 and cut2 into up
 * to three segments: a row of segment i counts cur[i] times toward the
 * range and prev[i] times toward the period before it (cut1 = cut2 = hi
 * when there is one segment). */
struct trend_read {
    bool    monthly;
    int32_t lo, hi, cut1, cut2;
    int     cur[3], prev[3];
};

#define TREND_READS_MAX 12

/* The reads of the days [from, to) together with [previous_from, from):
 * each period's pieces (trend_pieces_range with months), read tier by
 * tier in order of their bounds, a segment between two bounds counting as
 * the pieces that cover it count. A read ends at days between pieces,
 * after three segments and at the end of its tier; a month between pieces
 * is read counting 0 (a row per value costs less than another B-tree
 * descent). Returns how many, days first. */
size_t trend_pieces_paired(int32_t previous_from, int32_t from, int32_t to,
                           struct trend_read out[TREND_READS_MAX]);

/* The day as "YYYY-MM-DD" and its NUL into out. */
void trend_pieces_date(int32_t day, char out[11]);

#endif
