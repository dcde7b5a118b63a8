/*
 * RFC 4180 output. The memory stream grows as it is written; a write that
 * fails leaves the stream in error, which csv_take reports as NULL.
 */
#include "domain/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/decimal.h"

int
csv_init(struct csv *csv)
{
    memset(csv, 0, sizeof(*csv));
    csv->out = decimal_stream_open(&csv->text, &csv->len);
    return csv->out != NULL ? 0 : -1;
}

static void
separate(struct csv *csv)
{
    if (csv->in_record)
        fputc(',', csv->out);
    csv->in_record = true;
}

void
csv_field(struct csv *csv, const char *text)
{
    if (csv->out == NULL)
        return;
    separate(csv);
    if (text == NULL)
        return;
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, csv->out);
        return;
    }
    fputc('"', csv->out);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            fputc('"', csv->out);
        fputc(*p, csv->out);
    }
    fputc('"', csv->out);
}

void
csv_int(struct csv *csv, int64_t value)
{
    if (csv->out == NULL)
        return;
    separate(csv);
    decimal_write(csv->out, value);
}

void
csv_end_record(struct csv *csv)
{
    if (csv->out == NULL)
        return;
    fputs("\r\n", csv->out);
    csv->in_record = false;
}

char *
csv_take(struct csv *csv, size_t *len)
{
    char *text;
    bool  failed;

    if (csv->out == NULL)
        return NULL;
    failed = ferror(csv->out) != 0;
    failed |= fclose(csv->out) != 0;
    csv->out = NULL;
    text = csv->text;
    csv->text = NULL;
    if (failed) {
        free(text);
        return NULL;
    }
    *len = csv->len;
    return text;
}

void
csv_free(struct csv *csv)
{
    if (csv->out != NULL)
        fclose(csv->out);
    csv->out = NULL;
    free(csv->text);
    csv->text = NULL;
}
