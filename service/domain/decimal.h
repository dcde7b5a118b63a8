/*
 * Integers written as decimal text, for answers that write thousands of
 * them (a series as JSON or CSV): printf's format parsing cost more than
 * the digits.
 */
#ifndef FRAUD_DECIMAL_H
#define FRAUD_DECIMAL_H

#include <stdint.h>
#include <stdio.h>

/* Writes n in decimal ("-" first when negative) to out. Borrows out. */
void decimal_write(FILE *out, int64_t n);

#endif
