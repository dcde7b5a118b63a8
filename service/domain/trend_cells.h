/*
 * A trend series as a table. The store answers a series sparse: the
 * buckets' starts and the rows that count something, several of them per
 * cell when the rollups hold a cell in pieces. The routes show every
 * bucket x value with zeros where nothing was counted, so the table is
 * made here, where a row costs a hash lookup and two additions instead of
 * a row of SQL per cell. No HTTP, no SQL, no JSON.
 */
#ifndef FRAUD_TREND_CELLS_H
#define FRAUD_TREND_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One row the store found: in bucket `bucket`, of value `value` (NULL:
 * the bucket's total), the reports counted, the metric asked for and the
 * count suppression goes by. Rows of one cell add up (a row taken away
 * from a month counts negative). */
struct trend_cell {
    size_t      bucket;
    const char *value;
    int64_t     reports, metric, count;
};

/* The table: buckets rows of 1 + values columns, column 0 the bucket's
 * total and column 1 + i names[i]. names are the values whose reports add
 * up to more than 0 over the series, in byte order (PostgreSQL's "C"
 * collation). When too_many, only buckets and values are set: the table
 * would have had more cells than allowed. */
struct trend_grid {
    bool     too_many;
    size_t   buckets, values;
    char   **starts, **names;
    /* buckets x (1 + values), row-major. */
    int64_t *metric, *count;
};

/* The table of `count` rows over the buckets whose starts are given, or a
 * too_many one when buckets x values exceeds max_cells. Returns a new
 * grid (trend_grid_free), or NULL when a row's bucket is not one of them
 * or memory runs out. Borrows starts and cells. */
struct trend_grid *trend_cells_grid(const char *const *starts, size_t buckets,
                                    const struct trend_cell *cells, size_t count,
                                    size_t max_cells);

/* The bucket holding day `day`, given each bucket's first day in
 * firsts[0 .. buckets), ascending (days counted from any origin): the
 * last whose first day is not after it; `buckets`, which no bucket is,
 * when it is before the first. Borrows firsts. */
size_t trend_cells_bucket_of(const int64_t *firsts, size_t buckets, int64_t day);

/* A too_many grid of buckets x values; NULL when memory runs out. */
struct trend_grid *trend_cells_too_many(size_t buckets, size_t values);

/* Frees grid and all it holds; NULL is fine. */
void trend_grid_free(struct trend_grid *grid);

#endif
