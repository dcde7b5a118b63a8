/*
 * The pieces and reads of a range of days (trend_pieces.h). They were
 * PL/pgSQL functions; computed there, once per statement, they were a
 * tenth of a year's top-100 list. Each tier is cut from the one below it
 * by the same rule (cut), so days become months as months become years.
 */
#include "domain/trend_pieces.h"

#include <stdio.h>

#include "domain/timestamp.h"

/* The first day of the month (year) holding `day`. */
static int32_t
unit_start(enum trend_tier tier, int32_t day)
{
    int year, month, mday;

    if (tier == TREND_TIER_DAY)
        return day;
    timestamp_civil_from_days(day, &year, &month, &mday);
    return (int32_t)timestamp_days_from_civil(year, tier == TREND_TIER_MONTH ? month : 1, 1);
}

/* The first day of the unit after the one starting on `first`. */
static int32_t
unit_after(enum trend_tier tier, int32_t first)
{
    int year, month, mday;

    if (tier == TREND_TIER_DAY)
        return first + 1;
    timestamp_civil_from_days(first, &year, &month, &mday);
    if (tier == TREND_TIER_YEAR || month == 12)
        return (int32_t)timestamp_days_from_civil(year + 1, 1, 1);
    return (int32_t)timestamp_days_from_civil(year, month + 1, 1);
}

/* How many rows of the tier [lo, hi) holds (lo and hi first days of its
 * units). */
static int32_t
units(enum trend_tier tier, int32_t lo, int32_t hi)
{
    int32_t n = 0;

    if (tier == TREND_TIER_DAY)
        return hi - lo;
    for (int32_t at = lo; at < hi; at = unit_after(tier, at))
        n++;
    return n;
}

static void
add(struct trend_piece *out, size_t *n, enum trend_tier tier, int32_t lo, int32_t hi, int sign)
{
    out[(*n)++] = (struct trend_piece){tier, lo, hi, sign};
}

/* Cuts [lo, hi), bounds of units of the tier `fine`, between it and the
 * next tier: appends the pieces of `fine` to out[*n ..] and sets [*c_lo,
 * *c_hi) to the units of the next tier to read whole (empty when equal).
 * At either end, the fine units themselves, or, where that reads fewer
 * rows, their coarse unit whole less the fine units outside the range. */
static void
cut(enum trend_tier fine, int32_t lo, int32_t hi, struct trend_piece *out, size_t *n,
    int32_t *c_lo, int32_t *c_hi)
{
    enum trend_tier coarse = fine + 1;
    int32_t         first = unit_start(coarse, lo), last = unit_start(coarse, hi - 1);
    int32_t         after_first = unit_after(coarse, first);
    int32_t         after_last = unit_after(coarse, last);

    *c_lo = first;
    *c_hi = after_last;
    if (first == last) {
        if (lo == first && hi == after_last)
            return;
        if (units(fine, lo, hi) <= 1 + units(fine, first, lo) + units(fine, hi, after_last)) {
            add(out, n, fine, lo, hi, 1);
            *c_lo = *c_hi;
            return;
        }
        if (first < lo)
            add(out, n, fine, first, lo, -1);
        if (hi < after_last)
            add(out, n, fine, hi, after_last, -1);
        return;
    }
    if (lo > first) {
        if (units(fine, lo, after_first) <= 1 + units(fine, first, lo)) {
            add(out, n, fine, lo, after_first, 1);
            *c_lo = after_first;
        } else {
            add(out, n, fine, first, lo, -1);
        }
    }
    if (hi < after_last) {
        if (units(fine, last, hi) <= 1 + units(fine, hi, after_last)) {
            add(out, n, fine, last, hi, 1);
            *c_hi = last;
        } else {
            add(out, n, fine, hi, after_last, -1);
        }
    }
}

size_t
trend_pieces_range(int32_t from, int32_t to, enum trend_tier coarsest,
                   struct trend_piece out[TREND_PIECES_MAX])
{
    size_t  n = 0;
    int32_t lo = from, hi = to;

    if (from >= to)
        return 0;
    for (enum trend_tier tier = TREND_TIER_DAY; tier < coarsest && lo < hi; tier++)
        cut(tier, lo, hi, out, &n, &lo, &hi);
    if (lo < hi)
        add(out, &n, coarsest, lo, hi, 1);
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
read_end(struct gathering *g, enum trend_tier tier, struct trend_read *out, size_t n)
{
    if (g->kept > 0) {
        struct trend_read *r = &out[n++];

        *r = (struct trend_read){.tier = tier, .lo = g->lo[0], .hi = g->hi[g->kept - 1],
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
tier_bounds(const struct paired_piece *pieces, size_t count, enum trend_tier tier,
            int32_t *bounds)
{
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        int32_t ends[2] = {pieces[i].piece.lo, pieces[i].piece.hi};

        if (pieces[i].piece.tier != tier)
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

/* Appends the reads of one tier to out[n ..]; returns the new count (at
 * most one less than the tier's bounds, within TREND_READS_MAX). */
static size_t
tier_reads(const struct paired_piece *pieces, size_t count, enum trend_tier tier,
           struct trend_read *out, size_t n)
{
    int32_t          bounds[4 * TREND_PIECES_MAX];
    size_t           nb = tier_bounds(pieces, count, tier, bounds);
    struct gathering g = {0};

    for (size_t k = 0; k + 1 < nb; k++) {
        int  cur = 0, prev = 0;
        bool covered = false, gap;

        for (size_t i = 0; i < count; i++) {
            const struct trend_piece *p = &pieces[i].piece;

            if (p->tier == tier && p->lo <= bounds[k] && bounds[k + 1] <= p->hi) {
                cur += pieces[i].cur;
                prev += pieces[i].prev;
                covered = true;
            }
        }
        gap = !covered
              && (tier == TREND_TIER_DAY
                  || units(tier, bounds[k], bounds[k + 1]) > TREND_PIECES_GAP_MAX);
        if (gap || g.count == 3)
            n = read_end(&g, tier, out, n);
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
    return read_end(&g, tier, out, n);
}

size_t
trend_pieces_paired(int32_t previous_from, int32_t from, int32_t to, enum trend_tier coarsest,
                    struct trend_read out[TREND_READS_MAX])
{
    struct trend_piece  cur[TREND_PIECES_MAX], prev[TREND_PIECES_MAX];
    struct paired_piece pieces[2 * TREND_PIECES_MAX];
    enum trend_tier     tiers = coarsest > TREND_TIER_MONTH ? coarsest : TREND_TIER_MONTH;
    size_t              nc = trend_pieces_range(from, to, tiers, cur);
    size_t              np = trend_pieces_range(previous_from, from, tiers, prev);
    size_t              count = 0, n = 0;

    for (size_t i = 0; i < nc; i++)
        pieces[count++] = (struct paired_piece){cur[i], cur[i].sign, 0};
    for (size_t i = 0; i < np; i++)
        pieces[count++] = (struct paired_piece){prev[i], 0, prev[i].sign};
    for (enum trend_tier tier = TREND_TIER_DAY; tier <= tiers; tier++)
        n = tier_reads(pieces, count, tier, out, n);
    return n;
}

void
trend_pieces_date(int32_t day, char out[11])
{
    int year, month, mday;

    timestamp_civil_from_days(day, &year, &month, &mday);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)month % 100u,
             (unsigned)mday % 100u);
}
