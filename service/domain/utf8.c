/*
 * Strict UTF-8 checks (RFC 3629), byte by byte.
 */
#include "domain/utf8.h"

/* How many continuation bytes follow `lead`; -1 when it cannot start a
 * character (a continuation byte, an overlong C0/C1, or past U+10FFFF). */
static int
continuations(unsigned char lead)
{
    if (lead < 0x80)
        return 0;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 1;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 2;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 3;
    return -1;
}

bool
utf8_valid(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;

    while (*s != '\0') {
        int need = continuations(*s);

        if (need < 0)
            return false;
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F)
            || (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
            return false;
        /* A NUL is not a continuation byte: the loop stops at it. */
        for (int i = 1; i <= need; i++)
            if ((s[i] & 0xC0) != 0x80)
                return false;
        s += need + 1;
    }
    return true;
}

bool
utf8_has_control(const char *text)
{
    for (const unsigned char *s = (const unsigned char *)text; *s != '\0'; s++)
        if (*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}
