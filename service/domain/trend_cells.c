/*
 * Sparse series cells to the dense table of the series route (see
 * trend_cells.h). Values are found and ordered once; each cell is then
 * one write into a buckets x (1 + values) matrix.
 */
#include "domain/trend_cells.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A value of the series: its name (borrowed), the sum of its reports,
 * then its column. */
struct column {
    const char *name;
    int64_t     reports;
    size_t      index;
};

struct table {
    size_t         buckets;
    struct column *columns;
    size_t         count;
    /* buckets x (1 + count) pairs of metric and count, row-major. */
    json_int_t    *cells;
};

static int
column_compare(const void *a, const void *b)
{
    return strcmp(((const struct column *)a)->name, ((const struct column *)b)->name);
}

/* The column named `name`; NULL when there is none. */
static struct column *
column_find(const struct table *t, const char *name)
{
    struct column key = {name, 0, 0};

    return bsearch(&key, t->columns, t->count, sizeof(*t->columns), column_compare);
}

/* Every distinct value of the cells with its reports, sorted by name, then
 * only those whose reports add up to more than 0, numbered from 1.
 * Returns 0, or -1 on a cell outside the buckets or out of memory. */
static int
columns_collect(struct table *t, const struct trend_cell *cells, size_t count)
{
    size_t i, kept = 0;

    t->columns = calloc(count + 1, sizeof(*t->columns));
    if (t->columns == NULL)
        return -1;
    for (i = 0; i < count; i++) {
        if (cells[i].bucket >= t->buckets)
            return -1;
        if (cells[i].value != NULL) {
            t->columns[t->count].name = cells[i].value;
            t->columns[t->count++].reports = cells[i].reports;
        }
    }
    qsort(t->columns, t->count, sizeof(*t->columns), column_compare);
    for (i = 0; i < t->count; i++) {
        if (kept > 0 && strcmp(t->columns[kept - 1].name, t->columns[i].name) == 0)
            t->columns[kept - 1].reports += t->columns[i].reports;
        else
            t->columns[kept++] = t->columns[i];
    }
    t->count = 0;
    for (i = 0; i < kept; i++)
        if (t->columns[i].reports > 0) {
            t->columns[t->count] = t->columns[i];
            t->columns[t->count].index = t->count + 1;
            t->count++;
        }
    return 0;
}

/* Writes each cell into its place; cells of values without a column (their
 * reports add up to 0) are left out, as the values are. */
static int
cells_place(struct table *t, const struct trend_cell *cells, size_t count)
{
    size_t width = 1 + t->count;

    t->cells = calloc(t->buckets * width * 2 + 1, sizeof(*t->cells));
    if (t->cells == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const struct column *column = cells[i].value != NULL ? column_find(t, cells[i].value)
                                                             : NULL;
        size_t               at = cells[i].bucket * width + (column != NULL ? column->index : 0);

        if (cells[i].value != NULL && column == NULL)
            continue;
        t->cells[at * 2] += cells[i].metric;
        t->cells[at * 2 + 1] += cells[i].count;
    }
    return 0;
}

/* The dense answer; NULL when memory runs out (json_pack's "o" takes the
 * row's reference even when it fails, and an append of NULL fails). */
static json_t *
table_json(const struct table *t, const char *const *starts)
{
    size_t  width = 1 + t->count;
    json_t *values = json_array(), *buckets = json_array();
    bool    ok = values != NULL && buckets != NULL;

    for (size_t v = 0; ok && v < t->count; v++)
        ok = json_array_append_new(values, json_string(t->columns[v].name)) == 0;
    for (size_t b = 0; ok && b < t->buckets; b++) {
        json_t *row = json_array();

        ok = row != NULL;
        for (size_t c = 0; ok && c < width; c++)
            ok = json_array_append_new(row, json_pack("[I, I]", t->cells[(b * width + c) * 2],
                                                      t->cells[(b * width + c) * 2 + 1])) == 0;
        if (!ok) {
            json_decref(row);
            break;
        }
        ok = json_array_append_new(buckets, json_pack("{s:s, s:o}", "start", starts[b],
                                                      "cells", row)) == 0;
    }
    if (!ok) {
        json_decref(values);
        json_decref(buckets);
        return NULL;
    }
    return json_pack("{s:b, s:o, s:o}", "too_many", 0, "values", values, "buckets", buckets);
}

json_t *
trend_cells_too_many(size_t buckets, size_t values)
{
    return json_pack("{s:b, s:I, s:I}", "too_many", 1, "buckets", (json_int_t)buckets, "values",
                     (json_int_t)values);
}

json_t *
trend_cells_dense(const char *const *starts, size_t buckets, const struct trend_cell *cells,
                  size_t count, size_t max_cells)
{
    struct table t = {buckets, NULL, 0, NULL};
    json_t      *out = NULL;

    for (size_t b = 0; b < buckets; b++)
        if (starts[b] == NULL)
            return NULL;
    if (columns_collect(&t, cells, count) != 0)
        goto out;
    if (t.count > 0 && t.buckets > max_cells / t.count)
        out = trend_cells_too_many(t.buckets, t.count);
    else if (cells_place(&t, cells, count) == 0)
        out = table_json(&t, starts);
out:
    free(t.columns);
    free(t.cells);
    return out;
}
