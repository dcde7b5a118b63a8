/*
 * Sparse series rows to the table of the series route (see
 * trend_cells.h). Each row's value is found once, in a hash table of the
 * distinct values; only those are sorted. Each row is then two additions
 * into a buckets x (1 + values) matrix.
 */
#include "domain/trend_cells.h"

#include <stdlib.h>
#include <string.h>

/* A row of no value's column: a bucket's total, or a value left out. */
#define NO_ENTRY ((size_t)-1)

/* A distinct value of the rows: its name (borrowed), the sum of its
 * reports, then its column (NO_ENTRY when left out). */
struct entry {
    const char *name;
    int64_t     reports;
    size_t      column;
};

/* The distinct values, an open-addressing index of them (slot: entry + 1,
 * 0 empty) and, per row, its entry (NO_ENTRY for a total). */
struct values {
    struct entry *entries;
    size_t        count;
    size_t       *slots, mask;
    size_t       *of_row;
};

static size_t
hash(const char *s)
{
    uint64_t h = 14695981039346656037u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* The entry of name, added when new. */
static size_t
values_find(struct values *v, const char *name)
{
    size_t at = hash(name) & v->mask;

    while (v->slots[at] != 0) {
        size_t e = v->slots[at] - 1;

        if (strcmp(v->entries[e].name, name) == 0)
            return e;
        at = (at + 1) & v->mask;
    }
    v->entries[v->count] = (struct entry){name, 0, NO_ENTRY};
    v->slots[at] = ++v->count;
    return v->count - 1;
}

/* Finds every row's entry and sums each value's reports. Returns 0, or -1
 * on a row outside the buckets or out of memory. */
static int
values_collect(struct values *v, const struct trend_cell *cells, size_t count, size_t buckets)
{
    size_t size = 16;

    while (size < 2 * count)
        size *= 2;
    v->entries = calloc(count + 1, sizeof(*v->entries));
    v->slots = calloc(size, sizeof(*v->slots));
    v->of_row = calloc(count + 1, sizeof(*v->of_row));
    v->mask = size - 1;
    if (v->entries == NULL || v->slots == NULL || v->of_row == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (cells[i].bucket >= buckets)
            return -1;
        v->of_row[i] = cells[i].value != NULL ? values_find(v, cells[i].value) : NO_ENTRY;
        if (v->of_row[i] != NO_ENTRY)
            v->entries[v->of_row[i]].reports += cells[i].reports;
    }
    return 0;
}

static int
entry_compare(const void *a, const void *b)
{
    return strcmp((*(const struct entry *const *)a)->name, (*(const struct entry *const *)b)->name);
}

/* Numbers the values whose reports add up to more than 0, in byte order,
 * from column 1, and copies their names into grid. Returns 0, or -1 when
 * out of memory. */
static int
values_number(struct values *v, struct trend_grid *grid)
{
    struct entry **order = calloc(v->count + 1, sizeof(*order));
    int            rc = 0;

    if (order == NULL)
        return -1;
    for (size_t e = 0; e < v->count; e++)
        order[e] = &v->entries[e];
    qsort(order, v->count, sizeof(*order), entry_compare);
    grid->names = calloc(v->count + 1, sizeof(*grid->names));
    if (grid->names == NULL)
        rc = -1;
    for (size_t e = 0; rc == 0 && e < v->count; e++) {
        if (order[e]->reports <= 0)
            continue;
        order[e]->column = 1 + grid->values;
        grid->names[grid->values] = strdup(order[e]->name);
        if (grid->names[grid->values++] == NULL)
            rc = -1;
    }
    free(order);
    return rc;
}

/* Adds each row into its cell; rows of values left out are left out. */
static int
grid_place(struct trend_grid *grid, const struct values *v, const struct trend_cell *cells,
           size_t count)
{
    size_t width = 1 + grid->values;

    grid->metric = calloc(grid->buckets * width + 1, sizeof(*grid->metric));
    grid->count = calloc(grid->buckets * width + 1, sizeof(*grid->count));
    if (grid->metric == NULL || grid->count == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        size_t column = v->of_row[i] == NO_ENTRY ? 0 : v->entries[v->of_row[i]].column;
        size_t at = cells[i].bucket * width + column;

        if (column == NO_ENTRY)
            continue;
        grid->metric[at] += cells[i].metric;
        grid->count[at] += cells[i].count;
    }
    return 0;
}

static int
grid_starts(struct trend_grid *grid, const char *const *starts)
{
    grid->starts = calloc(grid->buckets + 1, sizeof(*grid->starts));
    if (grid->starts == NULL)
        return -1;
    for (size_t b = 0; b < grid->buckets; b++)
        if (starts[b] == NULL || (grid->starts[b] = strdup(starts[b])) == NULL)
            return -1;
    return 0;
}

size_t
trend_cells_bucket_of(const int64_t *firsts, size_t buckets, int64_t day)
{
    size_t lo = 0, hi = buckets;

    /* Binary search for the first bucket that starts after day. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (firsts[mid] <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? lo - 1 : buckets;
}

struct trend_grid *
trend_cells_too_many(size_t buckets, size_t values)
{
    struct trend_grid *grid = calloc(1, sizeof(*grid));

    if (grid != NULL)
        *grid = (struct trend_grid){.too_many = true, .buckets = buckets, .values = values};
    return grid;
}

struct trend_grid *
trend_cells_grid(const char *const *starts, size_t buckets, const struct trend_cell *cells,
                 size_t count, size_t max_cells)
{
    struct values      v = {0};
    struct trend_grid *grid = calloc(1, sizeof(*grid));
    int                rc = -1;

    if (grid == NULL)
        return NULL;
    grid->buckets = buckets;
    if (values_collect(&v, cells, count, buckets) != 0 || values_number(&v, grid) != 0)
        goto out;
    if (grid->values > 0 && buckets > max_cells / grid->values) {
        size_t values = grid->values;

        trend_grid_free(grid);
        grid = trend_cells_too_many(buckets, values);
        rc = grid != NULL ? 0 : -1;
        goto out;
    }
    rc = grid_starts(grid, starts) == 0 && grid_place(grid, &v, cells, count) == 0 ? 0 : -1;
out:
    free(v.entries);
    free(v.slots);
    free(v.of_row);
    if (rc != 0) {
        trend_grid_free(grid);
        grid = NULL;
    }
    return grid;
}

void
trend_grid_free(struct trend_grid *grid)
{
    if (grid == NULL)
        return;
    for (size_t b = 0; grid->starts != NULL && b < grid->buckets; b++)
        free(grid->starts[b]);
    for (size_t i = 0; grid->names != NULL && i < grid->values; i++)
        free(grid->names[i]);
    free(grid->starts);
    free(grid->names);
    free(grid->metric);
    free(grid->count);
    free(grid);
}
