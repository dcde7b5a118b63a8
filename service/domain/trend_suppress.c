/*
 * Primary suppression (counts under k) and complementary suppression
 * along lines with totals. A line whose only hidden cell sits beside a
 * visible total gives that cell away by subtraction; hiding a second cell
 * of the line leaves two unknowns for one equation. Hiding the smallest
 * visible cell costs the reader least. A cell hidden for a row may leave
 * its column with a single hidden cell, so the passes repeat until no line
 * changes; cells are only ever added, so this ends.
 */
#include "domain/trend_suppress.h"

bool
trend_suppress_hides(int64_t count, unsigned k)
{
    return count < (int64_t)k;
}

/* One line of the table: `count` cells from `first`, `step` apart, and
 * the index of its total among them (TREND_SUPPRESS_NONE: no total). */
struct line {
    size_t first, step, count, total;
};

/* Hides a second cell of `line` when it has exactly one hidden cell.
 * Returns whether a cell was hidden. */
static bool
complement_line(struct trend_table *table, const struct line *line)
{
    size_t hidden = 0;
    size_t smallest = TREND_SUPPRESS_NONE;

    for (size_t i = 0; i < line->count; i++) {
        size_t at = line->first + i * line->step;

        if (table->hidden[at])
            hidden++;
        else if (i != line->total
                 && (smallest == TREND_SUPPRESS_NONE
                     || table->counts[at] < table->counts[smallest]))
            smallest = at;
    }
    if (hidden != 1)
        return false;
    if (smallest == TREND_SUPPRESS_NONE) {
        size_t total = line->first + line->total * line->step;

        /* Only the total is left to hide, or the hidden cell is it. */
        if (table->hidden[total])
            return false;
        smallest = total;
    }
    table->hidden[smallest] = true;
    return true;
}

static bool
complement_pass(struct trend_table *table)
{
    bool changed = false;

    if (table->total_col != TREND_SUPPRESS_NONE)
        for (size_t r = 0; r < table->rows; r++) {
            struct line row = {r * table->cols, 1, table->cols, table->total_col};

            changed |= complement_line(table, &row);
        }
    if (table->total_row != TREND_SUPPRESS_NONE)
        for (size_t c = 0; c < table->cols; c++) {
            struct line col = {c, table->cols, table->rows, table->total_row};

            changed |= complement_line(table, &col);
        }
    return changed;
}

size_t
trend_suppress_table(struct trend_table *table, unsigned k)
{
    size_t cells = table->rows * table->cols;
    size_t hidden = 0;

    for (size_t i = 0; i < cells; i++)
        table->hidden[i] = trend_suppress_hides(table->counts[i], k);
    while (complement_pass(table))
        ;
    for (size_t i = 0; i < cells; i++)
        hidden += table->hidden[i];
    return hidden;
}
