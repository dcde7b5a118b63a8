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

/* From a sparse series
 *   {"too_many": false, "starts": [s, ...],
 *    "cells": [[bucket index, value or null (the bucket's total), reports,
 *              metric, count], ...]}
 * the dense one
 *   {"too_many": false, "values": [v, ...],
 *    "buckets": [{"start": s, "cells": [[metric, count], ...]}, ...]}
 * where values are those whose reports add up to more than 0 over the
 * series, in byte order (PostgreSQL's "C" collation), cells[0] is the
 * bucket's total and cells[1 + i] values[i], 0 where there was no cell.
 * More than max_cells buckets x values gives
 *   {"too_many": true, "buckets": n, "values": n}
 * as does a sparse answer that says too_many itself (it is returned as it
 * is). Returns a new reference, or NULL when the input is not of that
 * shape or memory runs out. Borrows sparse. */
json_t *trend_cells_dense(const json_t *sparse, size_t max_cells);

#endif
