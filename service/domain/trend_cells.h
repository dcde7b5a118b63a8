/*
 * A trend series as a table. The store answers a series sparse: the
 * buckets' starts and only the cells that hold something. The routes show
 * every bucket x value with zeros where nothing was counted, so the table
 * is made here, where it costs a few array writes per cell instead of a
 * row of SQL per cell. No HTTP, no SQL.
 */
#ifndef FRAUD_TREND_CELLS_H
#define FRAUD_TREND_CELLS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One cell the store found: in bucket `bucket`, of value `value` (NULL:
 * the bucket's total), the reports counted, the metric asked for and the
 * count suppression goes by. */
struct trend_cell {
    size_t      bucket;
    const char *value;
    int64_t     reports, metric, count;
};

/* From the starts of `buckets` buckets and `count` cells, the table
 *   {"too_many": false, "values": [v, ...],
 *    "buckets": [{"start": s, "cells": [[metric, count], ...]}, ...]}
 * where values are those whose reports add up to more than 0 over the
 * series, in byte order (PostgreSQL's "C" collation), cells[0] is the
 * bucket's total and cells[1 + i] values[i], 0 where there was no cell.
 * More than max_cells buckets x values gives
 *   {"too_many": true, "buckets": n, "values": n}.
 * Returns a new reference, or NULL when a cell's bucket is not one of them
 * or memory runs out. Borrows starts and cells. */
json_t *trend_cells_dense(const char *const *starts, size_t buckets,
                          const struct trend_cell *cells, size_t count, size_t max_cells);

/* {"too_many": true, "buckets": buckets, "values": values}: a new
 * reference, NULL when memory runs out. */
json_t *trend_cells_too_many(size_t buckets, size_t values);

#endif
