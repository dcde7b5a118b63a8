#include "domain/decimal.h"

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
