/*
 * A strict RFC 3339 reader. strptime is locale- and libc-dependent and
 * accepts too much, so the grammar is checked by hand.
 */
#include "domain/timestamp.h"

#include <stdbool.h>
#include <stddef.h>

/* Reads exactly `width` ASCII digits at *p; advances *p. */
static bool
read_digits(const char **p, int width, int *value)
{
    int v = 0;

    for (int i = 0; i < width; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += width;
    *value = v;
    return true;
}

static bool
expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static bool
is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Howard Hinnant's algorithms, both ways. */
int64_t
timestamp_days_from_civil(int year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void
timestamp_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static bool
read_offset(const char **p, int *offset_s)
{
    int  sign, hours, minutes;
    char c = **p;

    if (c == 'Z' || c == 'z') {
        (*p)++;
        *offset_s = 0;
        return true;
    }
    if (c != '+' && c != '-')
        return false;
    sign = c == '-' ? -1 : 1;
    (*p)++;
    if (!read_digits(p, 2, &hours) || !expect(p, ':') || !read_digits(p, 2, &minutes))
        return false;
    if (hours > 23 || minutes > 59)
        return false;
    *offset_s = sign * (hours * 3600 + minutes * 60);
    return true;
}

int
timestamp_parse_rfc3339(const char *text, int64_t *epoch_s)
{
    const char *p = text;
    int         year, month, day, hour, minute, second, offset_s;

    if (!read_digits(&p, 4, &year) || !expect(&p, '-') || !read_digits(&p, 2, &month)
        || !expect(&p, '-') || !read_digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't')
        return -1;
    p++;
    if (!read_digits(&p, 2, &hour) || !expect(&p, ':') || !read_digits(&p, 2, &minute)
        || !expect(&p, ':') || !read_digits(&p, 2, &second))
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!read_offset(&p, &offset_s) || *p != '\0')
        return -1;
    /* A leap second (:60) is accepted by RFC 3339 but PostgreSQL rolls it
     * into the next minute; refuse it rather than store a different time. */
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)
        || hour > 23 || minute > 59 || second > 59)
        return -1;
    *epoch_s = timestamp_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60
             + second - offset_s;
    return 0;
}

double
timestamp_seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
