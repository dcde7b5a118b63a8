/*
 * The pieces and reads of a range of days (trend_pieces.h). They were
 * PL/pgSQL functions; computed there, once per statement, they were a
 * tenth of a year's top-100 list.
 */
#include "domain/trend_pieces.h"

#include <stdio.h>

#include "domain/timestamp.h"

/* The first day of the month holding `day`, and of the month after it. */
static int32_t
month_of(int32_t day)
{
    int year, month, mday;

    timestamp_civil_from_days(day, &year, &month, &mday);
    return (int32_t)timestamp_days_from_civil(year, month, 1);
}

static int32_t
month_after(int32_t first)
{
    int year, month, mday;

    timestamp_civil_from_days(first, &year, &month, &mday);
    return (int32_t)(month == 12 ? timestamp_days_from_civil(year + 1, 1, 1)
                                 : timestamp_days_from_civil(year, month + 1, 1));
}

static size_t
piece(struct trend_piece *out, size_t n, bool monthly, int32_t lo, int32_t hi, int sign)
{
    out[n] = (struct trend_piece){monthly, lo, hi, sign};
    return n + 1;
}

/* A range inside one month: its days, or the month less the days outside
 * them, whichever reads fewer rows. */
static size_t
one_month(int32_t from, int32_t to, int32_t first, int32_t after,
          struct trend_piece out[TREND_PIECES_MAX])
{
    size_t n = 0;

    if (from > first || to < after) {
        if (to - from <= 1 + (from - first) + (after - to))
            return piece(out, 0, false, from, to, 1);
        if (first < from)
            n = piece(out, n, false, first, from, -1);
        if (to < after)
            n = piece(out, n, false, to, after, -1);
    }
    return piece(out, n, true, first, after, 1);
}

size_t
trend_pieces_range(int32_t from, int32_t to, bool months,
                   struct trend_piece out[TREND_PIECES_MAX])
{
    int32_t first, last, after_first, after_last, months_lo, months_hi;
    size_t  n = 0;

    if (from >= to)
        return 0;
    if (!months)
        return piece(out, 0, false, from, to, 1);
    first = month_of(from);
    last = month_of(to - 1);
    after_first = month_after(first);
    after_last = month_after(last);
    if (first == last)
        return one_month(from, to, first, after_last, out);
    months_lo = first;
    months_hi = after_last;
    if (from > first) {
        if (after_first - from <= 1 + (from - first)) {
            n = piece(out, n, false, from, after_first, 1);
            months_lo = after_first;
        } else {
            n = piece(out, n, false, first, from, -1);
        }
    }
    if (to < after_last) {
        if (to - last <= 1 + (after_last - to)) {
            n = piece(out, n, false, last, to, 1);
            months_hi = last;
        } else {
            n = piece(out, n, false, to, after_last, -1);
        }
    }
    if (months_lo < months_hi)
        n = piece(out, n, true, months_lo, months_hi, 1);
    return n;
}

/* A piece of either period, with its sign toward each. */
struct paired_piece {
    struct trend_piece piece;
    int                cur, prev;
};

/* The segments of the read being gathered; kept is how many up to the
 * last that counts. */
struct gathering {
    int32_t lo[3], hi[3];
    int     cur[3], prev[3];
    size_t  count, kept;
};

static size_t
read_end(struct gathering *g, bool monthly, struct trend_read *out, size_t n)
{
    if (g->kept > 0) {
        struct trend_read *r = &out[n++];

        *r = (struct trend_read){.monthly = monthly, .lo = g->lo[0], .hi = g->hi[g->kept - 1],
                                 .cut1 = g->hi[0], .cut2 = g->hi[g->kept > 1 ? 1 : 0]};
        for (size_t i = 0; i < g->count; i++) {
            r->cur[i] = g->cur[i];
            r->prev[i] = g->prev[i];
        }
    }
    g->count = g->kept = 0;
    return n;
}

/* The bounds of a tier's pieces, in order, each once. Returns how many. */
static size_t
tier_bounds(const struct paired_piece *pieces, size_t count, bool monthly, int32_t *bounds)
{
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        int32_t ends[2] = {pieces[i].piece.lo, pieces[i].piece.hi};

        if (pieces[i].piece.monthly != monthly)
            continue;
        for (size_t e = 0; e < 2; e++) {
            size_t at = 0;

            while (at < n && bounds[at] < ends[e])
                at++;
            if (at < n && bounds[at] == ends[e])
                continue;
            for (size_t j = n; j > at; j--)
                bounds[j] = bounds[j - 1];
            bounds[at] = ends[e];
            n++;
        }
    }
    return n;
}

/* Appends the reads of one tier to out[n ..]; returns the new count. Two
 * periods are at most 6 pieces, 4 of days and 2 of months: at most 7
 * reads of days (8 bounds) and 2 of months, within TREND_READS_MAX. */
static size_t
tier_reads(const struct paired_piece *pieces, size_t count, bool monthly,
           struct trend_read *out, size_t n)
{
    int32_t          bounds[4 * TREND_PIECES_MAX];
    size_t           nb = tier_bounds(pieces, count, monthly, bounds);
    struct gathering g = {0};

    for (size_t k = 0; k + 1 < nb; k++) {
        int  cur = 0, prev = 0;
        bool covered = false;

        for (size_t i = 0; i < count; i++) {
            const struct trend_piece *p = &pieces[i].piece;

            if (p->monthly == monthly && p->lo <= bounds[k] && bounds[k + 1] <= p->hi) {
                cur += pieces[i].cur;
                prev += pieces[i].prev;
                covered = true;
            }
        }
        if ((!covered && !monthly) || g.count == 3)
            n = read_end(&g, monthly, out, n);
        if (g.kept == 0 && cur == 0 && prev == 0)
            continue;
        g.lo[g.count] = bounds[k];
        g.hi[g.count] = bounds[k + 1];
        g.cur[g.count] = cur;
        g.prev[g.count] = prev;
        g.count++;
        if (cur != 0 || prev != 0)
            g.kept = g.count;
    }
    return read_end(&g, monthly, out, n);
}

size_t
trend_pieces_paired(int32_t previous_from, int32_t from, int32_t to,
                    struct trend_read out[TREND_READS_MAX])
{
    struct trend_piece  cur[TREND_PIECES_MAX], prev[TREND_PIECES_MAX];
    struct paired_piece pieces[2 * TREND_PIECES_MAX];
    size_t              nc = trend_pieces_range(from, to, true, cur);
    size_t              np = trend_pieces_range(previous_from, from, true, prev);
    size_t              count = 0;

    for (size_t i = 0; i < nc; i++)
        pieces[count++] = (struct paired_piece){cur[i], cur[i].sign, 0};
    for (size_t i = 0; i < np; i++)
        pieces[count++] = (struct paired_piece){prev[i], 0, prev[i].sign};
    return tier_reads(pieces, count, true, out, tier_reads(pieces, count, false, out, 0));
}

void
trend_pieces_date(int32_t day, char out[11])
{
    int year, month, mday;

    timestamp_civil_from_days(day, &year, &month, &mday);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)month % 100u,
             (unsigned)mday % 100u);
}
