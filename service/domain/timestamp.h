/*
 * RFC 3339 timestamps as reports carry them ("2020-10-30T12:00:00+08:00").
 * Strict: a date and a time, seconds, optional fraction, and Z or an
 * offset; a date that does not exist (February 30) is refused.
 */
#ifndef FRAUD_TIMESTAMP_H
#define FRAUD_TIMESTAMP_H

#include <stdint.h>
#include <time.h>

/* Parses `text` (NUL-terminated) into seconds since the Unix epoch, UTC,
 * fraction dropped. Returns 0, or -1 when the text is not RFC 3339 with an
 * offset. Borrows text. */
int timestamp_parse_rfc3339(const char *text, int64_t *epoch_s);

/* Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), and
 * back. */
int64_t timestamp_days_from_civil(int year, int month, int day);
void    timestamp_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Seconds on CLOCK_MONOTONIC since *start, taken on that clock. */
double timestamp_seconds_since(const struct timespec *start);

#endif
