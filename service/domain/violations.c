/*
 * Collecting validation failures with their JSON Pointers (RFC 6901).
 */
#include "domain/violations.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
violations_init(struct violations *v)
{
    v->count = 0;
    v->dropped = 0;
}

void
violations_add(struct violations *v, const char *pointer, const char *code,
               const char *detail_fmt, ...)
{
    struct violation *item;
    va_list           ap;

    if (v->count == VIOLATIONS_MAX) {
        v->dropped++;
        return;
    }
    item = &v->items[v->count++];
    snprintf(item->pointer, sizeof(item->pointer), "%s", pointer);
    item->code = code;
    va_start(ap, detail_fmt);
    vsnprintf(item->detail, sizeof(item->detail), detail_fmt, ap);
    va_end(ap);
}

void
violations_pointer(char *out, size_t size, const char *base, const char *token)
{
    size_t used = (size_t)snprintf(out, size, "%s/", base);

    if (used >= size)
        return;     /* already truncated by snprintf, still NUL-terminated */
    for (; *token != '\0' && used + 3 < size; token++) {
        if (*token == '~') {
            out[used++] = '~';
            out[used++] = '0';
        } else if (*token == '/') {
            out[used++] = '~';
            out[used++] = '1';
        } else {
            out[used++] = *token;
        }
    }
    if (used < size)
        out[used] = '\0';
}

void
violations_pointer_index(char *out, size_t size, const char *base, size_t index)
{
    snprintf(out, size, "%s/%zu", base, index);
}
