#include "domain/decimal.h"

#include <stdio_ext.h>

FILE *
decimal_stream_open(char **text, size_t *len)
{
    FILE *out = open_memstream(text, len);

    if (out != NULL)
        __fsetlocking(out, FSETLOCKING_BYCALLER);
    return out;
}

void
decimal_write(FILE *out, int64_t n)
{
    char     digits[24], *p = digits + sizeof(digits);
    uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (n < 0)
        *--p = '-';
    fwrite(p, 1, (size_t)(digits + sizeof(digits) - p), out);
}
