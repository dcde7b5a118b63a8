/*
 * Sparse series cells to the dense table of the series route (see
 * trend_cells.h). Values are found and ordered once; each cell is then
 * one write into a buckets x (1 + values) matrix.
 */
#include "domain/trend_cells.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A value of the series: its name (borrowed from the input) and the sum
 * of its reports, then its column. */
struct column {
    const char *name;
    json_int_t  reports;
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

/* Whether `cell` is [index < buckets, string or null, integer x3]. */
static bool
cell_valid(const json_t *cell, size_t buckets)
{
    const json_t *value = json_array_get(cell, 1);

    return json_array_size(cell) == 5 && json_is_integer(json_array_get(cell, 0))
        && json_integer_value(json_array_get(cell, 0)) >= 0
        && (size_t)json_integer_value(json_array_get(cell, 0)) < buckets
        && (json_is_string(value) || json_is_null(value))
        && json_is_integer(json_array_get(cell, 2)) && json_is_integer(json_array_get(cell, 3))
        && json_is_integer(json_array_get(cell, 4));
}

/* Every distinct value of the cells with its reports, sorted by name, then
 * only those whose reports add up to more than 0, numbered from 1.
 * Returns 0, or -1 on a malformed cell or out of memory. */
static int
columns_collect(struct table *t, const json_t *cells)
{
    size_t  i, kept = 0;
    json_t *cell;

    t->columns = calloc(json_array_size(cells) + 1, sizeof(*t->columns));
    if (t->columns == NULL)
        return -1;
    json_array_foreach(cells, i, cell) {
        if (!cell_valid(cell, t->buckets))
            return -1;
        if (json_is_string(json_array_get(cell, 1))) {
            t->columns[t->count].name = json_string_value(json_array_get(cell, 1));
            t->columns[t->count++].reports = json_integer_value(json_array_get(cell, 2));
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
cells_place(struct table *t, const json_t *cells)
{
    size_t  i, width = 1 + t->count;
    json_t *cell;

    t->cells = calloc(t->buckets * width * 2 + 1, sizeof(*t->cells));
    if (t->cells == NULL)
        return -1;
    json_array_foreach(cells, i, cell) {
        const char    *name = json_string_value(json_array_get(cell, 1));
        struct column *column = name != NULL ? column_find(t, name) : NULL;
        size_t         at = (size_t)json_integer_value(json_array_get(cell, 0)) * width;

        if (name != NULL && column == NULL)
            continue;
        at = (at + (column != NULL ? column->index : 0)) * 2;
        t->cells[at] += json_integer_value(json_array_get(cell, 3));
        t->cells[at + 1] += json_integer_value(json_array_get(cell, 4));
    }
    return 0;
}

/* The dense answer; NULL when memory runs out (json_pack's "o" takes the
 * row's reference even when it fails, and an append of NULL fails). */
static json_t *
table_json(const struct table *t, const json_t *starts)
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
        ok = json_array_append_new(buckets, json_pack("{s:O, s:o}", "start",
                                                      json_array_get(starts, b), "cells",
                                                      row)) == 0;
    }
    if (!ok) {
        json_decref(values);
        json_decref(buckets);
        return NULL;
    }
    return json_pack("{s:b, s:o, s:o}", "too_many", 0, "values", values, "buckets", buckets);
}

json_t *
trend_cells_dense(const json_t *sparse, size_t max_cells)
{
    const json_t *starts = json_object_get(sparse, "starts");
    const json_t *cells = json_object_get(sparse, "cells");
    struct table  t = {json_array_size(starts), NULL, 0, NULL};
    json_t       *out = NULL;

    if (json_is_true(json_object_get(sparse, "too_many")))
        return json_deep_copy(sparse);
    if (!json_is_array(starts) || !json_is_array(cells) || columns_collect(&t, cells) != 0)
        goto out;
    if (t.count > 0 && t.buckets > max_cells / t.count) {
        out = json_pack("{s:b, s:I, s:I}", "too_many", 1, "buckets", (json_int_t)t.buckets,
                        "values", (json_int_t)t.count);
        goto out;
    }
    if (cells_place(&t, cells) == 0)
        out = table_json(&t, starts);
out:
    free(t.columns);
    free(t.cells);
    return out;
}
