/*
 * Collecting validation failures with their JSON Pointers (RFC 6901).
 */
#include "domain/violations.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Cuts a truncated string back to a whole UTF-8 character, so that a
 * shortened pointer or detail is still valid UTF-8 in a JSON answer. */
static void
utf8_trim(char *s)
{
    size_t        len = strlen(s);
    size_t        start = len;
    unsigned char lead;
    size_t        need;

    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return;
    lead = (unsigned char)s[start - 1];
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (start - 1) < need)
        s[start - 1] = '\0';
}

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
    utf8_trim(item->pointer);
    item->code = code;
    va_start(ap, detail_fmt);
    vsnprintf(item->detail, sizeof(item->detail), detail_fmt, ap);
    va_end(ap);
    utf8_trim(item->detail);
}

void
violations_pointer(char *out, size_t size, const char *base, const char *token)
{
    size_t used = (size_t)snprintf(out, size, "%s/", base);

    if (used >= size) {
        utf8_trim(out);     /* already truncated by snprintf */
        return;
    }
    for (; *token != '\0'; token++) {
        bool escaped = *token == '~' || *token == '/';

        /* Room for this character's bytes and the NUL. */
        if (used + (escaped ? 2 : 1) >= size)
            break;
        if (escaped) {
            out[used++] = '~';
            out[used++] = *token == '~' ? '0' : '1';
        } else {
            out[used++] = *token;
        }
    }
    out[used] = '\0';
    if (*token != '\0')
        utf8_trim(out);
}

void
violations_pointer_index(char *out, size_t size, const char *base, size_t index)
{
    snprintf(out, size, "%s/%zu", base, index);
}
