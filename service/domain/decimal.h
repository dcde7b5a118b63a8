/*
 * Integers written as decimal text, for answers that write thousands of
 * them (a series as JSON or CSV): printf's format parsing cost more than
 * the digits.
 */
#ifndef FRAUD_DECIMAL_H
#define FRAUD_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A memory stream (open_memstream) for one thread to write an answer to,
 * without the lock stdio takes on every call, which cost as much as the
 * writing. NULL when memory runs out. Borrows text and len until fclose. */
FILE *decimal_stream_open(char **text, size_t *len);

/* Writes n in decimal ("-" first when negative) to out. Borrows out. */
void decimal_write(FILE *out, int64_t n);

#endif
