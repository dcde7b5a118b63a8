#include "domain/jsonstr.h"

#include <string.h>

#include "domain/utf8.h"

int
jsonstr_write(FILE *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    const char       *run = text;

    if (!utf8_valid(text))
        return -1;
    fputc('"', out);
    for (const char *at = text; *at != '\0'; at++) {
        unsigned char c = (unsigned char)*at;
        char          named = c == '"'    ? '"'
                              : c == '\\' ? '\\'
                              : c == '\b' ? 'b'
                              : c == '\f' ? 'f'
                              : c == '\n' ? 'n'
                              : c == '\r' ? 'r'
                              : c == '\t' ? 't'
                                          : '\0';

        if (named == '\0' && c >= 0x20)
            continue;
        /* Bytes of a multibyte character are all >= 0x80: only a whole
         * ASCII character ends a run. */
        fwrite(run, 1, (size_t)(at - run), out);
        run = at + 1;
        if (named != '\0') {
            fputc('\\', out);
            fputc(named, out);
        } else {
            fputs("\\u00", out);
            fputc(hex[c >> 4], out);
            fputc(hex[c & 0xf], out);
        }
    }
    fwrite(run, 1, strlen(run), out);
    fputc('"', out);
    return 0;
}
