/*
 * k-suppression of trend answers for callers who may not see small counts:
 * a count under k is hidden, and in a table whose lines carry totals
 * (a series: one row per bucket, its values and the bucket's total) enough
 * further cells are hidden that no hidden cell can be recomputed by
 * subtracting the visible cells of a line from its total. No HTTP, no SQL.
 */
#ifndef FRAUD_TREND_SUPPRESS_H
#define FRAUD_TREND_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No total row or column. */
#define TREND_SUPPRESS_NONE ((size_t)-1)

/* A rows x cols table of counts, row-major. total_col is the column that
 * holds each row's total (TREND_SUPPRESS_NONE: rows have none), total_row
 * the row that holds each column's total. Counts are borrowed; hidden
 * (rows x cols, owned by the caller) is written by trend_suppress_table. */
struct trend_table {
    size_t         rows, cols;
    const int64_t *counts;
    bool          *hidden;
    size_t         total_col, total_row;
};

/* Whether a count is hidden from such callers: under k (0 included). */
bool trend_suppress_hides(int64_t count, unsigned k);

/* Marks the hidden cells: every count under k, then, until nothing
 * changes, in each row (column) with a total whose cells count exactly one
 * hidden cell, the smallest visible cell other than the total as well
 * (the total itself when no other cell is visible). Returns how many cells
 * are hidden. */
size_t trend_suppress_table(struct trend_table *table, unsigned k);

#endif
