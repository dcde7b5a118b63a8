/*
 * CSV text as RFC 4180 writes it: fields separated by commas, records
 * ended by CR LF, a field quoted (and its quotes doubled) when it holds a
 * comma, a quote, a CR or an LF. Built a field at a time into one buffer.
 */
#ifndef FRAUD_CSV_H
#define FRAUD_CSV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct csv {
    FILE  *out;
    char  *text;
    size_t len;
    /* A field was written in the current record: the next needs a comma. */
    bool   in_record;
};

/* Starts an empty text. Returns 0, or -1 when out of memory (then
 * csv_take returns NULL and csv_free is still safe). */
int csv_init(struct csv *csv);

/* Appends one field; NULL is an empty field. Borrows text. */
void csv_field(struct csv *csv, const char *text);

/* Appends an integer field. */
void csv_int(struct csv *csv, int64_t value);

/* Ends the current record. */
void csv_end_record(struct csv *csv);

/* Returns the text written (a new string, caller frees) and its length in
 * *len; NULL when out of memory. The csv is spent afterwards. */
char *csv_take(struct csv *csv, size_t *len);

/* Frees whatever csv_take did not hand over; safe after it. */
void csv_free(struct csv *csv);

#endif
